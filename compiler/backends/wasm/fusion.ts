/**
 * Elementwise fusion for the wasm backend: chains of elementwise ops run as one kernel. A
 * producer is computed inside its consumer's loop (it gets no buffer and no kernel call of its
 * own) when it is elementwise, has the consumer's shape, is read by that consumer only (once or
 * more), and is not an output or an alias. Applied from every root consumer back through its
 * operands, so a chain like abs2(e^{iθ}·z + w) becomes one loop over the output that loads θ,
 * z and w and keeps the intermediates in locals. In: the graph and the plan's facts so far.
 * Out: each group's members by root, and which nodes are absorbed.
 */
import type { Graph, Node } from "../../ir/graph.js";
import { shapeEq } from "../../ir/types.js";

export const UNARY_OPS = new Set([
  "neg", "exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "square", "recip", "sign",
  "conj", "real", "imag", "abs2", "expi", "angle", "stop_gradient", "clip", "quantize", "flush", "cast",
]);
export const BINARY_OPS = new Set(["complex", "add", "sub", "mul", "div", "pow", "max", "min", "eq", "ge", "gt"]);
export const isElementwise = (n: Node): boolean => UNARY_OPS.has(n.op) || BINARY_OPS.has(n.op);

/** Members per group (topological order, root last), only groups of two or more. */
export interface Fusion {
  readonly groups: ReadonlyMap<number, readonly number[]>;
  readonly absorbed: readonly boolean[];
}

/** Most nodes one fused kernel computes (keeps functions and their locals small). */
const MAX_GROUP = 24;

export function elementwiseFusion(g: Graph, live: readonly boolean[], alias: readonly boolean[], readers: readonly number[][]): Fusion {
  const outputs = new Set(g.outputs.map((o) => o.id));
  const absorbed = new Array<boolean>(g.nodes.length).fill(false);
  const groups = new Map<number, number[]>();
  for (let id = g.nodes.length - 1; id >= 0; id--) {
    const root = g.nodes[id]!;
    if (!live[id] || absorbed[id] || alias[id] || !isElementwise(root)) continue;
    const members = new Set([id]);
    const todo = [id];
    while (todo.length && members.size < MAX_GROUP) {
      const c = g.nodes[todo.pop()!]!;
      for (const p of new Set(c.inputs)) {
        const n = g.nodes[p]!;
        const rs = readers[p] ?? [];
        if (members.has(p) || !live[p] || alias[p] || outputs.has(p) || !isElementwise(n)) continue;
        if (rs.length !== 1 || rs[0] !== c.id || !shapeEq(n.shape, root.shape) || members.size >= MAX_GROUP) continue;
        members.add(p);
        absorbed[p] = true;
        todo.push(p);
      }
    }
    if (members.size > 1) groups.set(id, [...members].sort((a, b) => a - b));
  }
  return { groups, absorbed };
}
