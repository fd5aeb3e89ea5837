/**
 * Matrix products. One wasm function per matmul node, specialised for (M, N, K) and for the
 * operands' element strides (a transposed operand is read in place, see plan.ts), called once
 * per batch item with the three base addresses:
 *   - real, B rows contiguous: SIMD128 register tiles of 4 rows × 8 columns (2 vectors), K
 *     innermost, then 4-column and scalar remainders;
 *   - real, A and B contiguous along K (A·Bᵀ): 4×2 tiles (1×4 for single rows) of 4-lane dot
 *     products;
 *   - complex with B rows contiguous: SIMD128 on interleaved pairs (two complex per vector),
 *     4 rows × 4 columns per tile;
 *   - otherwise (and complex with a real or strided B): scalar dot products (a real operand has
 *     zero imaginary part).
 * fft.ts uses these products for the DFT-matrix path of fft/ifft (lengths that are not powers of two).
 */
import type { Node } from "../../ir/graph.js";
import { numel, strides } from "../../ir/types.js";
import { addr, type Ctx } from "./ctx.js";
import { bcastStrides } from "./elementwise.js";
import { kindOf, type Kind } from "./plan.js";
import { affine, counted, f32c, Fn, get, i32c, set } from "./wat.js";

/** An operand of one matrix product: element strides of its logical (row, col) and its kind. */
export interface MatOperand { readonly kind: Kind; readonly sr: number; readonly sc: number }

export interface MatSpec {
  readonly M: number; readonly N: number; readonly K: number;
  readonly A: MatOperand; readonly B: MatOperand;
  /** C row stride in elements (N for a dense result). */
  readonly complex: boolean;
}

const add = (p: string, by: number): string => set(p, `(i32.add ${get(p)} ${i32c(by)})`);

/** Emits `$name (a, b, c)` computing C = A·B for one matrix. Returns the wat text. */
export function matmulFunction(name: string, s: MatSpec): string {
  const fn = new Fn(name, [["a", "i32"], ["b", "i32"], ["c", "i32"]]);
  if (s.M === 0 || s.N === 0) return fn.text();
  if (s.complex && s.B.kind === "c" && s.B.sc === 1 && s.N >= 2) complexOuterKernel(fn, s);
  else if (s.complex) complexKernel(fn, s);
  else if (s.B.sc === 1 && s.N >= 4) outerKernel(fn, s);
  else if (s.A.sc === 1 && s.B.sr === 1 && s.K >= 4) dotKernel(fn, s);
  else scalarKernel(fn, s);
  return fn.text();
}

/** C[i, j..] tiles: for each k, splat A(i+r, k) times B(k, j..j+4v). */
function outerKernel(fn: Fn, s: MatSpec): void {
  const { M, N, K, A, B } = s;
  const ar = fn.local("ar", "i32"), cr = fn.local("cr", "i32"), bc = fn.local("bc", "i32"), cc = fn.local("cc", "i32");
  const pa = fn.local("pa", "i32"), pb = fn.local("pb", "i32");
  const KB = 128;
  const offA = fn.local("offA", "i32"), offB = fn.local("offB", "i32"), offK = fn.local("offK", "i32");
  const kn = fn.local("kn", "i32"), first = fn.local("first", "i32");
  fn.emit(set(offK, "(i32.const 0)"));
  const tile = (MR: number, W: number): void => {
    const NV = W >= 4 ? W / 4 : 0;
    const acc = (r: number, v: number): string => fn.local(NV ? `acc${r}_${v}` : `sacc${r}`, NV ? "v128" : "f32");
    // the first K block starts from zero, later ones continue from C
    for (let r = 0; r < MR; r++)
      for (let v = 0; v < Math.max(NV, 1); v++) {
        const init = NV
          ? `(if (result v128) ${get(first)} (then (v128.const i32x4 0 0 0 0)) (else (v128.load offset=${4 * (r * N) + 16 * v} ${get(cc)})))`
          : `(if (result f32) ${get(first)} (then ${f32c(0)}) (else (f32.load offset=${4 * r * N} ${get(cc)})))`;
        fn.emit(set(acc(r, v), init));
      }
    fn.emit(set(pa, get(ar)), set(pb, get(bc)));
    counted(fn, "k", get(kn), () => {
      if (NV) {
        const bv = (v: number): string => fn.local(`bv${v}`, "v128");
        for (let v = 0; v < NV; v++) fn.emit(set(bv(v), `(v128.load offset=${16 * v} ${get(pb)})`));
        const av = fn.local("av", "v128");
        for (let r = 0; r < MR; r++) {
          fn.emit(set(av, `(f32x4.splat (f32.load offset=${4 * r * A.sr} ${get(pa)}))`));
          for (let v = 0; v < NV; v++) fn.emit(set(acc(r, v), `(f32x4.add ${get(acc(r, v))} (f32x4.mul ${get(av)} ${get(bv(v))}))`));
        }
      } else {
        const bs = fn.local("bs", "f32");
        fn.emit(set(bs, `(f32.load ${get(pb)})`));
        for (let r = 0; r < MR; r++)
          fn.emit(set(acc(r, 0), `(f32.add ${get(acc(r, 0))} (f32.mul (f32.load offset=${4 * r * A.sr} ${get(pa)}) ${get(bs)}))`));
      }
      fn.emit(add(pa, 4 * A.sc), add(pb, 4 * B.sr));
    });
    for (let r = 0; r < MR; r++)
      for (let v = 0; v < Math.max(NV, 1); v++)
        fn.emit(NV ? `(v128.store offset=${4 * (r * N) + 16 * v} ${get(cc)} ${get(acc(r, v))})` : `(f32.store offset=${4 * r * N} ${get(cc)} ${get(acc(r, 0))})`);
  };
  // K blocks of KB outside, then column panels (a KB×W panel of B stays in L1), row blocks of A inside
  // within a K block: row blocks of A (4 rows × KB in L1) outside, column tiles inside
  const rows = (MR: number): void => {
    fn.emit(set(bc, `(i32.add ${get("$b")} ${get(offB)})`), set(cc, get(cr)));
    counted(fn, `j8_${MR}`, Math.floor(N / 8), () => { tile(MR, 8); fn.emit(add(bc, 32), add(cc, 32)); });
    if (N % 8 >= 4) { tile(MR, 4); fn.emit(add(bc, 16), add(cc, 16)); }
    counted(fn, `j1_${MR}`, N % 4, () => { tile(MR, 1); fn.emit(add(bc, 4 * B.sc), add(cc, 4)); });
  };
  fn.emit(set(offA, "(i32.const 0)"), set(offB, "(i32.const 0)"), set(first, "(i32.const 1)"));
  counted(fn, "kb", Math.ceil(K / KB), () => {
    fn.emit(set(kn, `(select ${i32c(KB)} (i32.sub ${i32c(K)} ${get(offK)}) (i32.le_s ${i32c(KB)} (i32.sub ${i32c(K)} ${get(offK)})))`));
    fn.emit(set(ar, `(i32.add ${get("$a")} ${get(offA)})`), set(cr, get("$c")));
    counted(fn, "i4", Math.floor(M / 4), () => { rows(4); fn.emit(add(ar, 16 * A.sr), add(cr, 16 * N)); });
    counted(fn, "i1", M % 4, () => { rows(1); fn.emit(add(ar, 4 * A.sr), add(cr, 4 * N)); });
    fn.emit(add(offA, 4 * KB * A.sc), add(offB, 4 * KB * B.sr), add(offK, KB), set(first, "(i32.const 0)"));
  });
}

/** C(i, j) = dot(A(i, :), B(:, j)) with both contiguous in k: 4-lane partial sums, then a scalar tail. */
function dotKernel(fn: Fn, s: MatSpec): void {
  const { M, N, K, A, B } = s;
  const ar = fn.local("ar", "i32"), cr = fn.local("cr", "i32"), bc = fn.local("bc", "i32"), cc = fn.local("cc", "i32");
  const pa = fn.local("pa", "i32"), pb = fn.local("pb", "i32");
  const K4 = Math.floor(K / 4);
  const tile = (MR: number, NR: number): void => {
    const acc = (r: number, c: number): string => fn.local(`d${r}_${c}`, "v128");
    const sc = (r: number, c: number): string => fn.local(`t${r}_${c}`, "f32");
    for (let r = 0; r < MR; r++) for (let c = 0; c < NR; c++) fn.emit(set(acc(r, c), "(v128.const i32x4 0 0 0 0)"));
    fn.emit(set(pa, get(ar)), set(pb, get(bc)));
    counted(fn, "k4", K4, () => {
      const av = (r: number): string => fn.local(`av${r}`, "v128");
      const bv = (c: number): string => fn.local(`bw${c}`, "v128");
      for (let r = 0; r < MR; r++) fn.emit(set(av(r), `(v128.load offset=${4 * r * A.sr} ${get(pa)})`));
      for (let c = 0; c < NR; c++) fn.emit(set(bv(c), `(v128.load offset=${4 * c * B.sc} ${get(pb)})`));
      for (let r = 0; r < MR; r++) for (let c = 0; c < NR; c++)
        fn.emit(set(acc(r, c), `(f32x4.add ${get(acc(r, c))} (f32x4.mul ${get(av(r))} ${get(bv(c))}))`));
      fn.emit(add(pa, 16), add(pb, 16));
    });
    for (let r = 0; r < MR; r++) for (let c = 0; c < NR; c++) fn.emit(set(sc(r, c), `(call $hsum ${get(acc(r, c))})`));
    counted(fn, "kt", K % 4, () => {
      for (let r = 0; r < MR; r++) for (let c = 0; c < NR; c++)
        fn.emit(set(sc(r, c), `(f32.add ${get(sc(r, c))} (f32.mul (f32.load offset=${4 * r * A.sr} ${get(pa)}) (f32.load offset=${4 * c * B.sc} ${get(pb)})))`));
      fn.emit(add(pa, 4), add(pb, 4));
    });
    for (let r = 0; r < MR; r++) for (let c = 0; c < NR; c++) fn.emit(`(f32.store offset=${4 * (r * N + c)} ${get(cc)} ${get(sc(r, c))})`);
  };
  const rows = (MR: number): void => {
    fn.emit(set(bc, get("$b")), set(cc, get(cr)));
    // single rows (matrix-vector) take 4 columns at a time: more independent sums per A load
    const NR = MR === 1 ? 4 : 2;
    counted(fn, `j${NR}_${MR}`, Math.floor(N / NR), () => { tile(MR, NR); fn.emit(add(bc, 4 * NR * B.sc), add(cc, 4 * NR)); });
    counted(fn, `j1_${MR}`, N % NR, () => { tile(MR, 1); fn.emit(add(bc, 4 * B.sc), add(cc, 4)); });
  };
  fn.emit(set(ar, get("$a")), set(cr, get("$c")));
  counted(fn, "i4", Math.floor(M / 4), () => { rows(4); fn.emit(add(ar, 16 * A.sr), add(cr, 16 * N)); });
  counted(fn, "i1", M % 4, () => { rows(1); fn.emit(add(ar, 4 * A.sr), add(cr, 4 * N)); });
}

function scalarKernel(fn: Fn, s: MatSpec): void {
  const { M, N, K, A, B } = s;
  const ar = fn.local("ar", "i32"), bc = fn.local("bc", "i32"), cp = fn.local("cp", "i32"), pa = fn.local("pa", "i32"), pb = fn.local("pb", "i32");
  const acc = fn.local("acc", "f32");
  fn.emit(set(ar, get("$a")), set(cp, get("$c")));
  counted(fn, "i", M, () => {
    fn.emit(set(bc, get("$b")));
    counted(fn, "j", N, () => {
      fn.emit(set(acc, f32c(0)), set(pa, get(ar)), set(pb, get(bc)));
      counted(fn, "k", K, () => fn.emit(set(acc, `(f32.add ${get(acc)} (f32.mul (f32.load ${get(pa)}) (f32.load ${get(pb)})))`), add(pa, 4 * A.sc), add(pb, 4 * B.sr)));
      fn.emit(`(f32.store ${get(cp)} ${get(acc)})`, add(cp, 4), add(bc, 4 * B.sc));
    });
    fn.emit(add(ar, 4 * A.sr));
  });
}

/**
 * Complex C = A·B with B rows contiguous: a v128 holds two complex numbers (re, im, re, im).
 * Per k and row: C(i, j..j+1) += re(a)·B + im(a)·swap(B)·(−1, 1, −1, 1); 4 rows × 4 columns (two
 * vectors) per tile, then 2-column tiles; an odd last column goes through the scalar kernel.
 */
function complexOuterKernel(fn: Fn, s: MatSpec): void {
  const { M, N, K, A, B } = s;
  const ea = A.kind === "c" ? 8 : 4;
  const ar = fn.local("ar", "i32"), cr = fn.local("cr", "i32"), bc = fn.local("bc", "i32"), cc = fn.local("cc", "i32");
  const pa = fn.local("pa", "i32"), pb = fn.local("pb", "i32");
  const sign = "(v128.const f32x4 -1 1 -1 1)";
  const tile = (MR: number, NV: number): void => {
    const acc = (r: number, v: number): string => fn.local(`z${r}_${v}`, "v128");
    for (let r = 0; r < MR; r++) for (let v = 0; v < NV; v++) fn.emit(set(acc(r, v), "(v128.const i32x4 0 0 0 0)"));
    fn.emit(set(pa, get(ar)), set(pb, get(bc)));
    counted(fn, "k", K, () => {
      const bv = (v: number): string => fn.local(`cb${v}`, "v128"), bs = (v: number): string => fn.local(`cs${v}`, "v128");
      for (let v = 0; v < NV; v++)
        fn.emit(set(bv(v), `(v128.load offset=${16 * v} ${get(pb)})`), set(bs(v), `(i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 ${get(bv(v))} ${get(bv(v))})`));
      const re = fn.local("are", "v128"), im = fn.local("aim", "v128");
      for (let r = 0; r < MR; r++) {
        fn.emit(set(re, `(f32x4.splat (f32.load offset=${ea * r * A.sr} ${get(pa)}))`));
        if (A.kind === "c") fn.emit(set(im, `(f32x4.mul (f32x4.splat (f32.load offset=${ea * r * A.sr + 4} ${get(pa)})) ${sign})`));
        for (let v = 0; v < NV; v++) {
          let e = `(f32x4.add ${get(acc(r, v))} (f32x4.mul ${get(re)} ${get(bv(v))}))`;
          if (A.kind === "c") e = `(f32x4.add ${e} (f32x4.mul ${get(im)} ${get(bs(v))}))`;
          fn.emit(set(acc(r, v), e));
        }
      }
      fn.emit(add(pa, ea * A.sc), add(pb, 8 * B.sr));
    });
    for (let r = 0; r < MR; r++) for (let v = 0; v < NV; v++) fn.emit(`(v128.store offset=${8 * r * N + 16 * v} ${get(cc)} ${get(acc(r, v))})`);
  };
  const rows = (MR: number): void => {
    fn.emit(set(bc, get("$b")), set(cc, get(cr)));
    counted(fn, `j4_${MR}`, Math.floor(N / 4), () => { tile(MR, 2); fn.emit(add(bc, 32), add(cc, 32)); });
    if (N % 4 >= 2) { tile(MR, 1); fn.emit(add(bc, 16), add(cc, 16)); }
  };
  fn.emit(set(ar, get("$a")), set(cr, get("$c")));
  counted(fn, "i4", Math.floor(M / 4), () => { rows(4); fn.emit(add(ar, 4 * ea * A.sr), add(cr, 32 * N)); });
  counted(fn, "i1", M % 4, () => { rows(1); fn.emit(add(ar, ea * A.sr), add(cr, 8 * N)); });
  if (N % 2) {
    // the last column: scalar dot products, C(i, N-1) for every row
    const last = N - 1;
    const re = fn.local("lre", "f32"), im = fn.local("lim", "f32"), xr = fn.local("lxr", "f32"), xi = fn.local("lxi", "f32"), yr = fn.local("lyr", "f32"), yi = fn.local("lyi", "f32");
    fn.emit(set(ar, get("$a")), set(cr, `(i32.add ${get("$c")} ${i32c(8 * last)})`));
    counted(fn, "li", M, () => {
      fn.emit(set(re, f32c(0)), set(im, f32c(0)), set(pa, get(ar)), set(pb, `(i32.add ${get("$b")} ${i32c(8 * last)})`));
      counted(fn, "lk", K, () => {
        fn.emit(set(xr, `(f32.load ${get(pa)})`), set(xi, A.kind === "c" ? `(f32.load offset=4 ${get(pa)})` : f32c(0)),
          set(yr, `(f32.load ${get(pb)})`), set(yi, `(f32.load offset=4 ${get(pb)})`),
          set(re, `(f32.add ${get(re)} (f32.sub (f32.mul ${get(xr)} ${get(yr)}) (f32.mul ${get(xi)} ${get(yi)})))`),
          set(im, `(f32.add ${get(im)} (f32.add (f32.mul ${get(xr)} ${get(yi)}) (f32.mul ${get(xi)} ${get(yr)})))`),
          add(pa, ea * A.sc), add(pb, 8 * B.sr));
      });
      fn.emit(`(f32.store ${get(cr)} ${get(re)})`, `(f32.store offset=4 ${get(cr)} ${get(im)})`, add(ar, ea * A.sr), add(cr, 8 * N));
    });
  }
}

function complexKernel(fn: Fn, s: MatSpec): void {
  const { M, N, K, A, B } = s;
  const ea = A.kind === "c" ? 8 : 4, eb = B.kind === "c" ? 8 : 4;
  const ar = fn.local("ar", "i32"), bc = fn.local("bc", "i32"), cp = fn.local("cp", "i32"), pa = fn.local("pa", "i32"), pb = fn.local("pb", "i32");
  const re = fn.local("re", "f32"), im = fn.local("im", "f32");
  const xr = fn.local("xr", "f32"), xi = fn.local("xi", "f32"), yr = fn.local("yr", "f32"), yi = fn.local("yi", "f32");
  fn.emit(set(ar, get("$a")), set(cp, get("$c")));
  counted(fn, "i", M, () => {
    fn.emit(set(bc, get("$b")));
    counted(fn, "j", N, () => {
      fn.emit(set(re, f32c(0)), set(im, f32c(0)), set(pa, get(ar)), set(pb, get(bc)));
      counted(fn, "k", K, () => {
        fn.emit(set(xr, `(f32.load ${get(pa)})`), set(yr, `(f32.load ${get(pb)})`));
        if (A.kind === "c") fn.emit(set(xi, `(f32.load offset=4 ${get(pa)})`));
        if (B.kind === "c") fn.emit(set(yi, `(f32.load offset=4 ${get(pb)})`));
        const xiE = A.kind === "c" ? get(xi) : null, yiE = B.kind === "c" ? get(yi) : null;
        let r = `(f32.mul ${get(xr)} ${get(yr)})`;
        if (xiE && yiE) r = `(f32.sub ${r} (f32.mul ${xiE} ${yiE}))`;
        const parts = [xiE ? `(f32.mul ${xiE} ${get(yr)})` : null, yiE ? `(f32.mul ${get(xr)} ${yiE})` : null].filter((p): p is string => !!p);
        fn.emit(set(re, `(f32.add ${get(re)} ${r})`));
        for (const p of parts) fn.emit(set(im, `(f32.add ${get(im)} ${p})`));
        fn.emit(add(pa, ea * A.sc), add(pb, eb * B.sr));
      });
      fn.emit(`(f32.store ${get(cp)} ${get(re)})`, `(f32.store offset=4 ${get(cp)} ${get(im)})`, add(cp, 8), add(bc, eb * B.sc));
    });
    fn.emit(add(ar, ea * A.sr));
  });
}

/** Element strides of a logical [rows, cols] view of the last two axes of a source shape. */
function view(src: readonly number[], t: boolean, kind: Kind): MatOperand {
  const r = src[src.length - 2]!, c = src[src.length - 1]!;
  return t ? { kind, sr: 1, sc: c } : { kind, sr: c, sc: 1 };
  void r;
}

export function matmulKernel(ctx: Ctx, fn: Fn, n: Node): string {
  const [oa, ob] = ctx.plan.matmul.get(n.id)!;
  const a = ctx.g.nodes[oa.id]!, b = ctx.g.nodes[ob.id]!;
  const r = n.shape.length;
  const M = n.shape[r - 2]!, N = n.shape[r - 1]!;
  const aDims = oa.t ? [a.shape[a.shape.length - 1]!, a.shape[a.shape.length - 2]!] : a.shape.slice(-2);
  const K = aDims[1]!;
  const complex = kindOf(n) === "c";
  const name = `${ctx.prefix}mm${n.id}`;
  const fnText = matmulFunction(name, { M, N, K, A: view(a.shape, oa.t, kindOf(a)), B: view(b.shape, ob.t, kindOf(b)), complex });
  const batch = n.shape.slice(0, -2);
  const ea = kindOf(a) === "c" ? 8 : 4, eb = kindOf(b) === "c" ? 8 : 4, ec = complex ? 8 : 4;
  const scale = (sh: readonly number[], per: number): number[] => bcastStrides(sh.slice(0, -2), batch, 1).map((v) => v * per);
  affine(fn, batch, [
    { base: addr(ctx, a), strides: scale(a.shape, numel(a.shape.slice(-2)) * ea) },
    { base: addr(ctx, b), strides: scale(b.shape, numel(b.shape.slice(-2)) * eb) },
    { base: addr(ctx, n), strides: strides(batch).map((v) => v * M * N * ec) },
  ], { elem: [0, 0, 0], scalar: (p) => fn.emit(`(call $${name} ${p[0]} ${p[1]} ${p[2]})`) });
  return fnText;
}
