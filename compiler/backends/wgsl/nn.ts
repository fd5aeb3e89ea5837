/**
 * Softmax family, per-sample losses and counter-based random draws as WGSL kernels, one
 * invocation per row (softmax over any axis, cross-entropy, mse) or per element (random).
 * Softmax subtracts the row max as the interpreter does; cross-entropy is (m − x[label]) +
 * ln Σ e^{x−m} (the difference first, so a small loss keeps f32 accuracy) and a label out of
 * range records failure 3; mse sums |p − t|² compensated. random_uniform / random_normal run
 * Philox4x32-10 with the key/counter scheme of runtime/rng.ts (lib.ts): uniform element j from
 * block ⌊j/2⌋, normal element j from block j.
 */
import type { Node } from "../../ir/graph.js";
import { numel } from "../../ir/types.js";
import { grid, header1d, nodeOf, off, Params, type Ctx } from "./ctx.js";
import { kindOf } from "./plan.js";

export function nnKernel(ctx: Ctx, n: Node): void {
  const x = nodeOf(ctx, n.inputs[0]!);
  switch (n.op) {
    case "softmax": case "log_softmax": return softmax(ctx, n, x);
    case "softmax_cross_entropy": return sce(ctx, n, x);
    case "mse": return mse(ctx, n);
    case "random_uniform": case "random_normal": return random(ctx, n, x);
    default: throw new Error(`wgsl: no nn kernel for ${n.op}`);
  }
}

function softmax(ctx: Ctx, n: Node, x: Node): void {
  const ax = n.attrs.axis as number;
  const outer = numel(x.shape.slice(0, ax)), D = x.shape[ax]!, inner = numel(x.shape.slice(ax + 1));
  const count = outer * inner;
  if (count === 0 || D === 0) return;
  const last = n.op === "log_softmax"
    ? `  let lz = m + plog(z);
  for (var d = 0u; d < D; d++) { st(y + d * S, ld(s + d * S) - lz); }`
    : `  let f = 1.0 / z;
  for (var d = 0u; d < D; d++) { st(y + d * S, pexp(ld(s + d * S) - m) * f); }`;
  // params: count, x, y, D, inner
  const k = ctx.kernel(n.op, `${header1d()}
  let D = p(3u); let S = p(4u);
  let base = (i / S) * D * S + i % S;
  let s = p(1u) + base;
  let y = p(2u) + base;
  var m = -f_inf();
  for (var d = 0u; d < D; d++) { m = max(m, ld(s + d * S)); }
  var z = 0.0;
  for (var d = 0u; d < D; d++) { z = z + pexp(ld(s + d * S) - m); }
${last}
}`);
  ctx.dispatch(k, grid(count), new Params().u(count).u(off(ctx, x)).u(off(ctx, n)).u(D).u(inner));
}

function sce(ctx: Ctx, n: Node, x: Node): void {
  const [B, C] = x.shape as [number, number];
  const l = nodeOf(ctx, n.inputs[1]!);
  if (B === 0) return;
  // params: B, x, labels, out, C
  const k = ctx.kernel("softmax_cross_entropy", `${header1d()}
  let C = p(4u);
  let row = p(1u) + i * C;
  let lab = ldi(p(2u) + i);
  if (lab < 0 || u32(lab) >= C) { fail(3u, lab, i32(C)); st(p(3u) + i, 0.0); return; }
  var m = -f_inf();
  for (var c = 0u; c < C; c++) { m = max(m, ld(row + c)); }
  var z = 0.0;
  for (var c = 0u; c < C; c++) { z = z + pexp(ld(row + c) - m); }
  st(p(3u) + i, (m - ld(row + u32(lab))) + plog(z));
}`);
  ctx.dispatch(k, grid(B), new Params().u(B).u(off(ctx, x)).u(off(ctx, l)).u(off(ctx, n)).u(C));
}

function mse(ctx: Ctx, n: Node): void {
  const [pn, tn] = n.inputs.map((i) => nodeOf(ctx, i)) as [Node, Node];
  const B = pn.shape[0]!;
  const M = numel(pn.shape) / Math.max(1, B);
  if (B === 0) return;
  const cp = kindOf(pn) === "c", ct = kindOf(tn) === "c";
  const ldv = (base: string, cx: boolean): string => (cx ? `ldc(${base} + 2u * j)` : `vec2f(ld(${base} + j), 0.0)`);
  // params: B, p, t, out, M
  const k = ctx.kernel(`mse ${cp ? "c" : "f"}${ct ? "c" : "f"}`, `${header1d()}
  let M = p(4u);
  let pb = p(1u) + i * M${cp ? " * 2u" : ""};
  let tb = p(2u) + i * M${ct ? " * 2u" : ""};
  var acc = 0.0;
  var c = 0.0;
  for (var j = 0u; j < M; j++) {
    let d = ${ldv("pb", cp)} - ${ldv("tb", ct)};
    let y = dot(d, d) - c;
    let t = acc + y;
    c = (t - acc) - y;
    acc = t;
  }
  st(p(3u) + i, acc / f32(M));
}`);
  ctx.dispatch(k, grid(B), new Params().u(B).u(off(ctx, pn)).u(off(ctx, tn)).u(off(ctx, n)).u(M));
}

function random(ctx: Ctx, n: Node, key: Node): void {
  const count = numel(n.shape);
  if (count === 0) return;
  const stream = (n.attrs.stream as number) >>> 0;
  const keyWords = `let kb = p(2u);
  let w = philox(BLOCK, mem[kb + 2u], mem[kb + 3u], p(3u), mem[kb], mem[kb + 1u]);`;
  if (n.op === "random_uniform") {
    // one invocation per Philox block: elements 2b and 2b + 1
    const blocks = Math.ceil(count / 2);
    const k = ctx.kernel("random_uniform", `${header1d()}
  ${keyWords.replace("BLOCK", "i")}
  let o = p(1u) + 2u * i;
  st(o, u53f(w.x, w.y));
  if (2u * i + 1u < p(4u)) { st(o + 1u, u53f(w.z, w.w)); }
}`);
    ctx.dispatch(k, grid(blocks), new Params().u(blocks).u(off(ctx, n)).u(off(ctx, key)).u(stream).u(count));
    return;
  }
  const k = ctx.kernel("random_normal", `${header1d()}
  ${keyWords.replace("BLOCK", "i")}
  st(p(1u) + i, boxmuller(w));
}`);
  ctx.dispatch(k, grid(count), new Params().u(count).u(off(ctx, n)).u(off(ctx, key)).u(stream));
}
