/**
 * Interpreter kernels for loops, the definition of `scan` (ops-loop.ts): the body, compiled
 * like any graph, runs once per step on buffers the kernel fills — carries (initial values, then
 * the previous step's outputs), invariants, and step idx of every sequence (idx = t, or T−1−t
 * when reversed) — and its per-step outputs are written at idx of the stacked results. A scan's
 * buffer holds all its results back to back (scanResultLayout); `scan_result` copies one out.
 */
import type { Graph, Node } from "../../ir/graph.js";
import { scanCounts, scanResultTypes } from "../../ir/ops-loop.js";
import { isComplex, numel } from "../../ir/types.js";
import type { RawProgram } from "./index.js";
import type { Kernel } from "./util.js";

const lenOf = (t: { dtype: string; shape: readonly number[] }) => numel(t.shape) * (isComplex(t.dtype as never) ? 2 : 1);

/** Offsets (in doubles) of each result inside a scan's buffer, and the total. */
export function scanResultLayout(scan: Node): { offsets: number[]; lengths: number[]; total: number } {
  const types = scanResultTypes(scan.attrs, scan.body!);
  const offsets: number[] = [], lengths: number[] = [];
  let total = 0;
  for (const t of types) {
    offsets.push(total);
    lengths.push(lenOf(t));
    total += lenOf(t);
  }
  return { offsets, lengths, total };
}

export function scanKernel(node: Node, ins: readonly Node[], compile: (g: Graph) => RawProgram): Kernel {
  const body = node.body!;
  const prog = compile(body);
  const T = node.attrs.length as number, reverse = node.attrs.reverse === true;
  const { nc, ni, nx } = scanCounts(node.attrs, ins.length);
  const feed = body.inputs.map((l) => prog.bufs[l.id]!);
  const outBuf = body.outputs.map((o) => prog.bufs[o.id]!);
  const { offsets } = scanResultLayout(node);
  const xLen = ins.slice(nc + ni).map((x) => lenOf(x) / T);
  const yLen = body.outputs.slice(nc).map((o) => lenOf(body.nodes[o.id]!));
  return (xs, out) => {
    for (let k = 0; k < nc + ni; k++) feed[k]!.set(xs[k]!);
    for (let t = 0; t < T; t++) {
      const idx = reverse ? T - 1 - t : t;
      for (let j = 0; j < nx; j++) feed[nc + ni + j]!.set(xs[nc + ni + j]!.subarray(idx * xLen[j]!, (idx + 1) * xLen[j]!));
      prog.run();
      for (let j = 0; j < yLen.length; j++) out.set(outBuf[nc + j]!, offsets[nc + j]! + idx * yLen[j]!);
      // the new carries may be the old ones (or each other): copy them all out before writing back
      const next = outBuf.slice(0, nc).map((b) => b.slice());
      for (let k = 0; k < nc; k++) feed[k]!.set(next[k]!);
    }
    for (let k = 0; k < nc; k++) out.set(feed[k]!, offsets[k]!);
  };
}

export function scanResultKernel(node: Node, scan: Node): Kernel {
  const { offsets, lengths } = scanResultLayout(scan);
  const k = node.attrs.index as number;
  const lo = offsets[k]!, hi = lo + lengths[k]!;
  return ([s], o) => o.set(s!.subarray(lo, hi));
}
