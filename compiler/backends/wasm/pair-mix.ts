/**
 * Kernels for pairwise mixing along the last axis (compiler/ir/ops-nn.ts; an MZI mesh column):
 *   pair_mix       y[r, j] = d_j·x[r, j] + o_j·x[r, p_j]
 *                  (adjoint: conj(d_j)·x[r, j] + conj(o_{p_j})·x[r, p_j])
 *   pair_mix_grad  y_j = Σ_r g[r, j]·conj(x[r, q_j]), q = p (partner) or the identity
 * over the rows r of x [R, N] (leading axes flattened). One function per node, no helper calls:
 * partners are range-checked once (pnn.fail code 4), then the loop runs over pairs of modes
 * (j, j+1) outside and rows inside, with the pair's coefficients held in v128 locals as
 * (re, re) and (∓im, ±im) lanes, so a complex product is two multiplies and a shuffle; the
 * partners' fields are two 8-byte lane loads. An odd last mode and real dtypes run scalar.
 * The involution the op's gradient relies on is the lowering's contract (the interpreter checks it).
 */
import type { Node } from "../../ir/graph.js";
import { numel } from "../../ir/types.js";
import { addr, type Ctx } from "./ctx.js";
import { kindOf } from "./plan.js";
import { checkIndices } from "./structural.js";
import { counted, f32c, Fn, get, i32c, set } from "./wat.js";

/** pnn.fail code of a partner index outside the axis (runtime/wasm/executable.ts). */
const PARTNER_FAIL = 4;
/** Lanes (re, im, re, im): negate the real / the imaginary lanes. */
const NEG_RE = "(v128.const i32x4 -2147483648 0 -2147483648 0)";
const NEG_IM = "(v128.const i32x4 0 -2147483648 0 -2147483648)";
const dupRe = (v: string) => `(i8x16.shuffle 0 1 2 3 0 1 2 3 8 9 10 11 8 9 10 11 ${v} ${v})`;
const dupIm = (v: string) => `(i8x16.shuffle 4 5 6 7 4 5 6 7 12 13 14 15 12 13 14 15 ${v} ${v})`;
const swap = (v: string) => `(i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 ${v} ${v})`;
/** Two complex values at byte addresses a and b as one v128. */
const pairAt = (a: string, b: string) => `(v128.load64_lane 1 ${b} (v128.load64_zero ${a}))`;
const partnerByte = (pAddr: number, j: string) => `(i32.shl (i32.load (i32.add ${i32c(pAddr)} (i32.shl ${j} (i32.const 2)))) (i32.const 3))`;

export function pairMixKernel(ctx: Ctx, fn: Fn, n: Node): void {
  const [x, d, o, p] = n.inputs.map((i) => ctx.g.nodes[i]!) as [Node, Node, Node, Node];
  const N = x.shape[x.shape.length - 1]!;
  const R = numel(x.shape) / N;
  const adjoint = n.attrs.adjoint === true;
  checkIndices(ctx, fn, p, N, PARTNER_FAIL);
  const X = addr(ctx, x), D = addr(ctx, d), O = addr(ctx, o), Y = addr(ctx, n), P = addr(ctx, p);
  const j = fn.local("pj", "i32"), q0 = fn.local("pq0", "i32"), q1 = fn.local("pq1", "i32");
  const px = fn.local("px", "i32"), pa = fn.local("pa", "i32"), pb = fn.local("pb", "i32"), py = fn.local("py", "i32");
  const row = N * (kindOf(x) === "c" ? 8 : 4);
  if (kindOf(x) !== "c") {
    // real: y = d_j x_j + o_k x_q, k = q when adjoint (conj is the identity)
    fn.emit(set(j, i32c(0)));
    counted(fn, "pn", N, () => {
      fn.emit(set(q0, `(i32.load (i32.add ${i32c(P)} (i32.shl ${get(j)} (i32.const 2))))`));
      const dj = `(f32.load (i32.add ${i32c(D)} (i32.shl ${get(j)} (i32.const 2))))`;
      const ok = `(f32.load (i32.add ${i32c(O)} (i32.shl ${adjoint ? get(q0) : get(j)} (i32.const 2))))`;
      const cd = fn.local("pcd", "f32"), co = fn.local("pco", "f32");
      fn.emit(set(cd, dj), set(co, ok), set(px, `(i32.add ${i32c(X)} (i32.shl ${get(j)} (i32.const 2)))`),
        set(pa, `(i32.add ${i32c(X)} (i32.shl ${get(q0)} (i32.const 2)))`), set(py, `(i32.add ${i32c(Y)} (i32.shl ${get(j)} (i32.const 2)))`));
      counted(fn, "pr", R, () => {
        fn.emit(`(f32.store ${get(py)} (f32.add (f32.mul ${get(cd)} (f32.load ${get(px)})) (f32.mul ${get(co)} (f32.load ${get(pa)}))))`,
          ...[px, pa, py].map((l) => set(l, `(i32.add ${get(l)} ${i32c(row)})`)));
      });
      fn.emit(set(j, `(i32.add ${get(j)} (i32.const 1))`));
    });
    return;
  }
  const dre = fn.local("pdre", "v128"), dim = fn.local("pdim", "v128"), ore = fn.local("pore", "v128"), oim = fn.local("poim", "v128"), v = fn.local("pv", "v128");
  // coefficients of modes j, j+1 (o of their partners when adjoint), conjugated when adjoint
  const sign = adjoint ? NEG_IM : NEG_RE;
  const coeffs = (lanes: number) => {
    const dv = lanes === 2 ? `(v128.load (i32.add ${i32c(D)} (i32.shl ${get(j)} (i32.const 3))))` : `(v128.load64_zero (i32.add ${i32c(D)} (i32.shl ${get(j)} (i32.const 3))))`;
    const ov = adjoint
      ? (lanes === 2 ? pairAt(`(i32.add ${i32c(O)} ${get(q0)})`, `(i32.add ${i32c(O)} ${get(q1)})`) : `(v128.load64_zero (i32.add ${i32c(O)} ${get(q0)}))`)
      : (lanes === 2 ? `(v128.load (i32.add ${i32c(O)} (i32.shl ${get(j)} (i32.const 3))))` : `(v128.load64_zero (i32.add ${i32c(O)} (i32.shl ${get(j)} (i32.const 3))))`);
    fn.emit(set(v, dv), set(dre, dupRe(get(v))), set(dim, `(v128.xor ${dupIm(get(v))} ${sign})`),
      set(v, ov), set(ore, dupRe(get(v))), set(oim, `(v128.xor ${dupIm(get(v))} ${sign})`));
  };
  // (a + i b)(c + i d) lane-wise as a·(c, c) + swap(a)·(∓d, ±d)
  const mix = (xv: string, pv: string) =>
    `(f32x4.add (f32x4.add (f32x4.mul ${xv} ${get(dre)}) (f32x4.mul ${swap(xv)} ${get(dim)})) (f32x4.add (f32x4.mul ${pv} ${get(ore)}) (f32x4.mul ${swap(pv)} ${get(oim)})))`;
  const xl = fn.local("pxl", "v128"), pl = fn.local("ppl", "v128");
  const step = (lanes: number) => {
    fn.emit(set(q0, partnerByte(P, get(j))), set(q1, lanes === 2 ? partnerByte(P, `(i32.add ${get(j)} (i32.const 1))`) : get(q0)));
    coeffs(lanes);
    fn.emit(set(px, `(i32.add ${i32c(X)} (i32.shl ${get(j)} (i32.const 3)))`), set(pa, `(i32.add ${i32c(X)} ${get(q0)})`),
      set(pb, `(i32.add ${i32c(X)} ${get(q1)})`), set(py, `(i32.add ${i32c(Y)} (i32.shl ${get(j)} (i32.const 3)))`));
    counted(fn, lanes === 2 ? "pr" : "pr1", R, () => {
      fn.emit(set(xl, lanes === 2 ? `(v128.load ${get(px)})` : `(v128.load64_zero ${get(px)})`),
        set(pl, lanes === 2 ? pairAt(get(pa), get(pb)) : `(v128.load64_zero ${get(pa)})`),
        lanes === 2 ? `(v128.store ${get(py)} ${mix(get(xl), get(pl))})` : `(v128.store64_lane 0 ${get(py)} ${mix(get(xl), get(pl))})`,
        ...[px, pa, pb, py].map((l) => set(l, `(i32.add ${get(l)} ${i32c(row)})`)));
    });
  };
  fn.emit(set(j, i32c(0)));
  counted(fn, "pn", Math.floor(N / 2), () => {
    step(2);
    fn.emit(set(j, `(i32.add ${get(j)} (i32.const 2))`));
  });
  if (N % 2) step(1);
}

export function pairMixGradKernel(ctx: Ctx, fn: Fn, n: Node): void {
  const [g, x, p] = n.inputs.map((i) => ctx.g.nodes[i]!) as [Node, Node, Node];
  const N = x.shape[x.shape.length - 1]!;
  const R = numel(x.shape) / N;
  const partner = n.attrs.partner === true;
  checkIndices(ctx, fn, p, N, PARTNER_FAIL);
  const G = addr(ctx, g), X = addr(ctx, x), Y = addr(ctx, n), P = addr(ctx, p);
  const j = fn.local("pj", "i32"), q0 = fn.local("pq0", "i32"), q1 = fn.local("pq1", "i32");
  const pg = fn.local("pg", "i32"), pa = fn.local("pa", "i32"), pb = fn.local("pb", "i32");
  const complex = kindOf(x) === "c";
  const eb = complex ? 8 : 4, row = N * eb, sh = complex ? 3 : 2;
  const partnerAt = (jj: string) => (partner ? `(i32.shl (i32.load (i32.add ${i32c(P)} (i32.shl ${jj} (i32.const 2)))) (i32.const ${sh}))` : `(i32.shl ${jj} (i32.const ${sh}))`);
  if (!complex) {
    const acc = fn.local("pacc", "f32");
    fn.emit(set(j, i32c(0)));
    counted(fn, "pn", N, () => {
      fn.emit(set(acc, f32c(0)), set(pg, `(i32.add ${i32c(G)} (i32.shl ${get(j)} (i32.const 2)))`), set(pa, `(i32.add ${i32c(X)} ${partnerAt(get(j))})`));
      counted(fn, "pr", R, () => {
        fn.emit(set(acc, `(f32.add ${get(acc)} (f32.mul (f32.load ${get(pg)}) (f32.load ${get(pa)})))`),
          ...[pg, pa].map((l) => set(l, `(i32.add ${get(l)} ${i32c(row)})`)));
      });
      fn.emit(`(f32.store (i32.add ${i32c(Y)} (i32.shl ${get(j)} (i32.const 2))) ${get(acc)})`, set(j, `(i32.add ${get(j)} (i32.const 1))`));
    });
    return;
  }
  const acc = fn.local("pacc", "v128"), gl = fn.local("pgl", "v128"), xl = fn.local("pxl", "v128");
  // g·conj(x) lane-wise: g·(xr, xr) + (swap(g)·(xi, xi) with the imaginary lanes negated)
  const term = `(f32x4.add (f32x4.mul ${get(gl)} ${dupRe(get(xl))}) (v128.xor (f32x4.mul ${swap(get(gl))} ${dupIm(get(xl))}) ${NEG_IM}))`;
  const step = (lanes: number) => {
    fn.emit(set(q0, partnerAt(get(j))), set(q1, lanes === 2 ? partnerAt(`(i32.add ${get(j)} (i32.const 1))`) : get(q0)),
      set(acc, "(v128.const i32x4 0 0 0 0)"), set(pg, `(i32.add ${i32c(G)} (i32.shl ${get(j)} (i32.const 3)))`),
      set(pa, `(i32.add ${i32c(X)} ${get(q0)})`), set(pb, `(i32.add ${i32c(X)} ${get(q1)})`));
    counted(fn, lanes === 2 ? "pr" : "pr1", R, () => {
      fn.emit(set(gl, lanes === 2 ? `(v128.load ${get(pg)})` : `(v128.load64_zero ${get(pg)})`),
        set(xl, lanes === 2 ? pairAt(get(pa), get(pb)) : `(v128.load64_zero ${get(pa)})`),
        set(acc, `(f32x4.add ${get(acc)} ${term})`),
        ...[pg, pa, pb].map((l) => set(l, `(i32.add ${get(l)} ${i32c(row)})`)));
    });
    const at = `(i32.add ${i32c(Y)} (i32.shl ${get(j)} (i32.const 3)))`;
    fn.emit(lanes === 2 ? `(v128.store ${at} ${get(acc)})` : `(v128.store64_lane 0 ${at} ${get(acc)})`);
  };
  fn.emit(set(j, i32c(0)));
  counted(fn, "pn", Math.floor(N / 2), () => {
    step(2);
    fn.emit(set(j, `(i32.add ${get(j)} (i32.const 2))`));
  });
  if (N % 2) step(1);
}
