/**
 * The one way passes make a new graph: walk the old graph in order and, for every node, either
 * let a visitor return a replacement built in a fresh GraphBuilder (from operands that are
 * already rewritten, so chains collapse in one walk) or copy the node. In: a graph and a
 * visitor. Out: a new, verified-by-construction graph with the same inputs, params and output
 * names. Leaves (`input`, `param`) are always kept, in their order, so the program's interface
 * never changes. It does not decide what to rewrite; passes do.
 */
import { InternalError } from "../../diagnostics/internal.js";
import { GraphBuilder, type Graph, type Node } from "../ir/graph.js";
import { printGraph } from "../ir/print.js";
import { shapeEq } from "../ir/types.js";

/**
 * Returns the replacement of `n` (a node of the new graph with n's dtype and shape), or
 * undefined to copy n. `xs` are n's operands as nodes of the new graph.
 */
export type Visitor = (b: GraphBuilder, n: Node, xs: readonly Node[]) => Node | undefined;

/** Copies `n` onto rewritten operands (attributes and label kept). */
export function copyNode(b: GraphBuilder, n: Node, xs: readonly Node[]): Node {
  return b.op(n.op, xs, n.attrs, n.name, n.body);
}

/**
 * Rebuilds `g` through `visit`. `keep(id)` false drops a non-leaf node (dead-code removal);
 * a dropped node must not be read by a kept one. `body` transforms loop bodies first (a pass
 * passes itself, so it applies inside loops too); the visitor sees the node with its new body.
 */
export function rebuild(g: Graph, visit: Visitor, keep: (id: number) => boolean = () => true, body?: (g: Graph) => Graph): Graph {
  const b = new GraphBuilder();
  const map = new Array<Node | undefined>(g.nodes.length);
  for (const old of g.nodes) {
    const leaf = old.op === "input" || old.op === "param";
    if (!leaf && !keep(old.id)) continue;
    const n = old.body && body ? { ...old, body: body(old.body) } : old;
    const xs = n.inputs.map((i) => map[i] ?? bug(g, `%${n.id} reads dropped node %${i}`));
    const r = leaf ? copyNode(b, n, xs) : visit(b, n, xs) ?? copyNode(b, n, xs);
    if (r.dtype !== n.dtype || !shapeEq(r.shape, n.shape))
      bug(g, `rewrite of %${n.id} (${n.op}) gave ${r.dtype}[${r.shape}], not ${n.dtype}[${n.shape}]`);
    map[n.id] = r;
  }
  for (const o of g.outputs) b.output(o.name, map[o.id] ?? bug(g, `output ${o.name} was dropped`));
  return b.build();
}

function bug(g: Graph, msg: string): never {
  throw new InternalError(`pass rewrite: ${msg}`, printGraph(g));
}

/** Node count of a graph including the bodies of its loops. */
export function countNodes(g: Graph): number {
  let n = 0;
  for (const x of g.nodes) n += 1 + (x.body ? countNodes(x.body) : 0);
  return n;
}
