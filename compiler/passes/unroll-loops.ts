/**
 * Pass `unroll-loops`: every `scan` becomes its body copied once per step, for a backend with no
 * loop construct (the WGSL backend dispatches kernels step by step anyway). Not in PIPELINE.
 *   scan(c₀, k, X; length T): for t = 0 … T−1 (idx = t, or T−1−t when reversed)
 *     (c_{t+1}, y_idx) = body(c_t, k, X[idx])
 *   results: c_T, and each Y = concat_idx(y_idx[None]) in index order (a tree of concats of at
 *   most STACK_FAN_IN operands: concat is associative).
 * Valid because this is the scan's definition (ops-loop.ts) written out: the copies compute the
 * same values from the same operands, in the same order, so outputs and gradients are equal.
 * Nested loops unroll from the inside out. The graph grows with the step counts; that is the
 * trade this pass exists for.
 */
import { GraphBuilder, type Graph, type Node } from "../ir/graph.js";
import { inlineGraph } from "../ir/loops.js";
import { scanCounts } from "../ir/ops-loop.js";
import { dce } from "./dce.js";
import type { Pass } from "./pass.js";
import { rebuild } from "./rewrite.js";

/** Operands per `concat` when stacking per-step outputs (a backend's kernel takes a bounded number). */
const STACK_FAN_IN = 16;

/** ys[0…T−1] stacked to [T, …] as a tree of concats of at most STACK_FAN_IN operands. */
function stack(b: GraphBuilder, ys: readonly Node[]): Node {
  let parts = ys.map((y) => b.reshape(y, [1, ...y.shape]));
  while (parts.length > 1) {
    const next: Node[] = [];
    for (let i = 0; i < parts.length; i += STACK_FAN_IN) {
      const group = parts.slice(i, i + STACK_FAN_IN);
      next.push(group.length === 1 ? group[0]! : b.concat(group, 0));
    }
    parts = next;
  }
  return parts[0]!;
}

/** X[idx] without its leading axis. */
function step(b: GraphBuilder, x: Node, idx: number): Node {
  const rest = x.shape.slice(1);
  return b.reshape(b.slice(x, [idx, ...rest.map(() => 0)], [idx + 1, ...rest]), rest);
}

function unroll(g: Graph): Graph {
  if (!g.nodes.some((n) => n.op === "scan")) return g;
  const results = new Map<number, Node[]>(); // old scan id → its results in the new graph
  const out = rebuild(
    g,
    (b, n, xs) => {
      if (n.op === "scan_result") return results.get(n.inputs[0]!)![n.attrs.index as number];
      if (n.op !== "scan") return undefined;
      const body = n.body!;
      const T = n.attrs.length as number;
      const { nc, ni } = scanCounts(n.attrs, xs.length);
      let carries = xs.slice(0, nc);
      const invariants = xs.slice(nc, nc + ni), seqs = xs.slice(nc + ni);
      const ys: Node[][] = body.outputs.slice(nc).map(() => new Array<Node>(T));
      for (let t = 0; t < T; t++) {
        const idx = n.attrs.reverse ? T - 1 - t : t;
        const copy = inlineGraph(b, body, [...carries, ...invariants, ...seqs.map((x) => step(b, x, idx))]);
        carries = body.outputs.slice(0, nc).map((o) => copy[o.id]!);
        body.outputs.slice(nc).forEach((o, k) => (ys[k]![idx] = copy[o.id]!));
      }
      const stacked = ys.map((per) => stack(b, per));
      results.set(n.id, [...carries, ...stacked]);
      return b.const([], "i32", [0]); // the scan's own (empty) value; only its results are read
    },
    () => true,
    unroll,
  );
  return dce.run(out);
}

export const unrollLoops: Pass = {
  name: "unroll-loops",
  summary: "every scan as its body copied once per step (for backends without loops)",
  run: unroll,
};
