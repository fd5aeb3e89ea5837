/**
 * Elementwise fusion for the WGSL backend: which elementwise nodes are computed inside another
 * node's kernel instead of getting a buffer and a dispatch of their own.
 *
 * A group is a tree of elementwise nodes of one shape with a root; its kernel evaluates the whole
 * tree per output element, reading its leaves (values computed elsewhere) through broadcast
 * strides, and writes only the root. A node joins the group of its readers when
 *   - it is elementwise (or an identity: stop_gradient, same-storage cast, conj/real of a real),
 *   - every reader is in that one group and the node has the group's shape (broadcasting
 *     happens only at leaves, so one flat index addresses every member),
 *   - it is not an output, and the group stays within MAX_LEAVES leaves and MAX_MEMBERS nodes.
 * An identity node that is not absorbed is an alias of its operand (plan.ts), never a kernel.
 * In: a graph. Out: per node, the root of its group (itself for roots, -1 for other nodes).
 * It does not fuse across reshapes, into reductions, or into matmul operands.
 */
import type { Graph, Node } from "../../ir/graph.js";
import { isComplex, shapeEq } from "../../ir/types.js";

export const MAX_LEAVES = 12;
export const MAX_MEMBERS = 48;

export const UNARY = new Set([
  "neg", "exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "square", "recip", "sign",
  "conj", "real", "imag", "abs2", "expi", "angle", "stop_gradient", "clip", "quantize", "cast",
]);
export const BINARY = new Set(["complex", "add", "sub", "mul", "div", "pow", "max", "min", "eq", "ge", "gt"]);
export const isElementwise = (n: Node): boolean => UNARY.has(n.op) || BINARY.has(n.op);

type Kind = "f" | "c" | "i";
const kindOf = (d: string): Kind => (d === "i32" ? "i" : isComplex(d as never) ? "c" : "f");

/** Ops whose value is their operand's storage unchanged (so an unfused one is an alias). */
export function isIdentity(n: Node, x: Node | undefined): boolean {
  if (!x) return false;
  switch (n.op) {
    case "reshape": case "stop_gradient": return true;
    case "cast": return kindOf(n.dtype) === kindOf(x.dtype);
    case "conj": case "real": return kindOf(x.dtype) === "f";
    default: return false;
  }
}

export interface Fusion {
  /** Root of the node's group (n.id for a root), -1 for nodes that are not elementwise. */
  readonly root: readonly number[];
  /** True for roots that are identities: aliases, no kernel. */
  readonly alias: readonly boolean[];
  /** Nodes inside a group (computed by the root's kernel, no buffer). */
  readonly inline: readonly boolean[];
  /** For each root: its leaves (operand values read from buffers), in first-use order. */
  readonly leaves: ReadonlyMap<number, readonly number[]>;
  /** For each root: its members in topological order (the root last). */
  readonly members: ReadonlyMap<number, readonly number[]>;
}

export function fuseElementwise(g: Graph): Fusion {
  const N = g.nodes.length;
  const readers = new Array<number[]>(N);
  for (const n of g.nodes) for (const i of new Set(n.inputs)) (readers[i] ??= []).push(n.id);
  const outputs = new Set(g.outputs.map((o) => o.id));
  const root = new Array<number>(N).fill(-1);
  const alias = new Array<boolean>(N).fill(false);
  const inline = new Array<boolean>(N).fill(false);
  const leafSet = new Map<number, Set<number>>();
  const size = new Map<number, number>();
  for (let id = N - 1; id >= 0; id--) {
    const n = g.nodes[id]!;
    if (n.op === "reshape") { root[id] = id; alias[id] = true; continue; }
    if (!isElementwise(n)) continue;
    const identity = isIdentity(n, g.nodes[n.inputs[0]!]);
    const rs = readers[id] ?? [];
    const r0 = rs.length ? root[rs[0]!]! : -1;
    let join = !outputs.has(id) && r0 >= 0 && !alias[r0] && rs.every((r) => root[r] === r0) && shapeEq(n.shape, g.nodes[r0]!.shape);
    if (join) {
      const leaves = leafSet.get(r0)!;
      const grown = new Set(leaves);
      grown.delete(id);
      for (const x of n.inputs) grown.add(x);
      join = grown.size <= MAX_LEAVES && size.get(r0)! < MAX_MEMBERS;
      if (join) { leafSet.set(r0, grown); size.set(r0, size.get(r0)! + 1); }
    }
    if (join) { root[id] = r0; inline[id] = true; continue; }
    root[id] = id;
    alias[id] = identity;
    leafSet.set(id, new Set(n.inputs));
    size.set(id, 1);
  }
  const members = new Map<number, number[]>();
  for (const n of g.nodes) if (root[n.id]! >= 0 && !alias[n.id]) (members.get(root[n.id]!) ?? members.set(root[n.id]!, []).get(root[n.id]!)!).push(n.id);
  const leaves = new Map<number, number[]>();
  for (const [r, ms] of members) {
    const inside = new Set(ms);
    const ls: number[] = [];
    for (const m of ms) for (const x of g.nodes[m]!.inputs) if (!inside.has(x) && !ls.includes(x)) ls.push(x);
    leaves.set(r, ls);
  }
  return { root, alias, inline, leaves, members };
}
