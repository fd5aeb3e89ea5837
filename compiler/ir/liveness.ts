/**
 * Reachability facts about a graph that passes, autodiff, folding and every executor's buffer
 * planner share: which nodes the outputs need (live), which depend on given seeds (forward
 * reachability), how many readers each value has, and where each value is read last. In: a
 * graph (and optionally a custom read relation, for executors that read a node's value through
 * another, e.g. a matmul reading through a fused transpose). Out: plain arrays indexed by node id.
 * It allocates nothing and knows no backend.
 */
import type { Graph, Node } from "./graph.js";

/** The values node `n` reads (by default its operands). */
export type Reads = (n: Node) => readonly number[];
const operands: Reads = (n) => n.inputs;

/**
 * live[id]: the value is needed by some root (default: the outputs). Leaves (`input`, `param`)
 * are live when `keepLeaves` (they are the program's interface).
 */
export function liveNodes(g: Graph, opts: { roots?: Iterable<number>; keepLeaves?: boolean; reads?: Reads } = {}): boolean[] {
  const live = new Array<boolean>(g.nodes.length).fill(false);
  for (const id of opts.roots ?? g.outputs.map((o) => o.id)) live[id] = true;
  if (opts.keepLeaves ?? true) for (const l of [...g.inputs, ...g.params]) live[l.id] = true;
  const reads = opts.reads ?? operands;
  for (let i = g.nodes.length - 1; i >= 0; i--) if (live[i]) for (const r of reads(g.nodes[i]!)) live[r] = true;
  return live;
}

/**
 * dep[id]: the node depends on one of `seeds` (the seeds included). `through(n)` false stops the
 * propagation at n (e.g. integer-valued nodes for autodiff).
 */
export function dependsOn(g: Graph, seeds: Iterable<number>, through: (n: Node) => boolean = () => true): boolean[] {
  const dep = new Array<boolean>(g.nodes.length).fill(false);
  for (const id of seeds) dep[id] = true;
  for (const n of g.nodes) if (!dep[n.id] && through(n) && n.inputs.some((i) => dep[i])) dep[n.id] = true;
  return dep;
}

/** Readers of each value: operand uses (counted per use) plus one per output naming it. */
export function useCounts(g: Graph, reads: Reads = operands, live?: readonly boolean[]): number[] {
  const uses = new Array<number>(g.nodes.length).fill(0);
  for (const n of g.nodes) if (!live || live[n.id]) for (const i of reads(n)) uses[i]!++;
  for (const o of g.outputs) uses[o.id]!++;
  return uses;
}

/** The readers of each value (live readers only when `live` is given), in order. */
export function readersOf(g: Graph, reads: Reads = operands, live?: readonly boolean[]): number[][] {
  const rs = g.nodes.map((): number[] => []);
  for (const n of g.nodes) if (!live || live[n.id]) for (const i of new Set(reads(n))) rs[i]!.push(n.id);
  return rs;
}
