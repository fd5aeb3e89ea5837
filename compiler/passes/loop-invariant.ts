/**
 * Pass `loop-invariant`: loop-invariant code motion. A body node that depends on neither the
 * carries nor the per-step sequences has the same value at every step, so it is computed once
 * before the loop and read as a new invariant operand:
 *   scan(c, k, X; body: y = f(k), c′ = g(c, y, x)) → y₀ = f(k); scan(c, k, y₀, X; body: c′ = g(c, y₀, x)).
 * Constants move out too, so a body holds only per-step work (the wasm backend needs that: its
 * bodies run in a scratch region that holds no data segments). Gradients are unchanged: the
 * hoisted value's gradient is the sum over steps either way (autodiff-loop.ts accumulates
 * invariants' gradients). Run late: simplification rules see constants, not inputs.
 */
import { GraphBuilder, type Graph, type Node } from "../ir/graph.js";
import { dependsOn, liveNodes } from "../ir/liveness.js";
import { scanCounts } from "../ir/ops-loop.js";
import type { Pass } from "./pass.js";
import { copyNode, rebuild } from "./rewrite.js";

/** The scan with its invariant work computed in `b` before it; undefined when there is none. */
export function hoistScan(b: GraphBuilder, s: Node, operands: readonly Node[]): Node | undefined {
  const body = s.body!;
  const { nc, ni } = scanCounts(s.attrs, operands.length);
  const varying = body.inputs.filter((_, k) => k < nc || k >= nc + ni).map((l) => l.id);
  const dep = dependsOn(body, varying);
  const live = liveNodes(body, { keepLeaves: false });
  const hoist = (n: Node) => live[n.id]! && !dep[n.id] && n.op !== "input" && n.op !== "param";
  if (!body.nodes.some(hoist)) return undefined;
  // the invariant computation, in the enclosing graph
  const outer = new Array<Node>(body.nodes.length);
  body.inputs.forEach((l, k) => {
    if (k >= nc && k < nc + ni) outer[l.id] = operands[k]!;
  });
  for (const n of body.nodes) if (hoist(n)) outer[n.id] = copyNode(b, n, n.inputs.map((i) => outer[i]!));
  // hoisted values the rest of the body (or its outputs) reads become invariant inputs
  const readers = new Set<number>(body.outputs.map((o) => o.id));
  for (const n of body.nodes) if (live[n.id] && !hoist(n)) for (const i of n.inputs) readers.add(i);
  const moved = body.nodes.filter((n) => hoist(n) && readers.has(n.id));
  const bb = new GraphBuilder();
  const map = new Array<Node>(body.nodes.length);
  const input = (k: number) => {
    const l = body.inputs[k]!, n = body.nodes[l.id]!;
    map[l.id] = bb.input(l.name, n.dtype, n.shape);
  };
  for (let k = 0; k < nc + ni; k++) input(k);
  moved.forEach((n, q) => (map[n.id] = bb.input(`hoisted${q}`, n.dtype, n.shape)));
  for (let k = nc + ni; k < body.inputs.length; k++) input(k);
  for (const n of body.nodes) if (live[n.id] && !hoist(n) && !map[n.id]) map[n.id] = copyNode(bb, n, n.inputs.map((i) => map[i]!));
  for (const o of body.outputs) bb.output(o.name, map[o.id]!);
  const ops = [...operands.slice(0, nc + ni), ...moved.map((n) => outer[n.id]!), ...operands.slice(nc + ni)];
  return b.op("scan", ops, s.attrs, s.name, bb.build());
}

export const loopInvariant: Pass = {
  name: "loop-invariant",
  summary: "compute loop-invariant body nodes (and constants) once, before the loop",
  run: (g: Graph) => rebuild(g, (b, n, xs) => (n.op === "scan" ? hoistScan(b, n, xs) : undefined), undefined, loopInvariant.run),
};
