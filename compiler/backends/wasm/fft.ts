/**
 * fft / ifft (1-D over the last axis, 2-D over the last two; fft unnormalized, ifft scaled by
 * 1/N as in the interpreter). A 2-D transform runs rows first (into the node's scratch buffer),
 * then columns (into the output).
 *   - every length whose prime factors are at most MAX_RADIX (the default): the mixed-radix
 *     Stockham kernels of fft-mixed.ts (fftmr_…, fftmc_…);
 *   - power-of-two lengths with `fft: "radix2"` in the compile options (the earlier default,
 *     kept for bench/fft-mixed.mjs), and length 1 (a copy): iterative radix-2 Cooley–Tukey. A
 *     bit-reversed copy, then log2(n) butterfly stages in place; per-stage twiddle tables (stage h holds e^{∓iπj/h}, j < h, all
 *     stages back to back: n−1 entries) and the bit-reversal index table live in the read-only
 *     tables after the plan. Two shared, program-table kernels, one per (length, direction,
 *     input kind), reused by every node of that shape:
 *       fftrow_<n>_<f|i>_<r|c> (x, o, rows): each contiguous row of n values → n complex;
 *         SIMD128 butterflies on interleaved pairs (two complex per vector);
 *       fftcol_<n2>x<n1>_<f|i> (x, o, count): the second-to-last axis of [count, n2, n1]
 *         complex; rows are moved whole (bit reversal with memory.copy) and each butterfly
 *         runs SIMD across a row of n1 columns with one twiddle;
 *   - other lengths (a larger prime factor: the backend decomposes those at the IR level first,
 *     so this meets only the primes themselves) and `fft: "dft"`: products with a DFT matrix
 *     table, x·F along the last axis, F·x along the second-to-last (matmul.ts kernels).
 * Free-space propagation (pad → fft → ·H → ifft → slice) is cut further on the mixed-radix path:
 * prunedTransform runs only the rows a zero-padded input or a sliced output needs, and a
 * transform with an epilogue (plan.ts fftFactor) stores y·H (in place after the other paths).
 * The row kernels read 2 rows · n values, the column kernels whole [n2, n1] blocks; the node's
 * scratch (fft-mixed.ts fftScratchBytes) holds the 2-D row result and the kernels' work buffers.
 */
import type { Node } from "../../ir/graph.js";
import { numel } from "../../ir/types.js";
import { addr, type Ctx } from "./ctx.js";
import { mixedColHelper, mixedRadices, mixedRowHelper } from "./fft-mixed.js";
import { matmulFunction } from "./matmul.js";
import { kindOf } from "./plan.js";
import { affine, copyBytes, counted, f32c, Fn, get, i32c, set } from "./wat.js";

const isPow2 = (n: number): boolean => n >= 1 && (n & (n - 1)) === 0;
const add = (p: string, by: number | string): string => set(p, `(i32.add ${get(p)} ${typeof by === "number" ? i32c(by) : by})`);

const SHUF = {
  lo: "0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7",
  hi: "8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15",
  re: "0 1 2 3 0 1 2 3 8 9 10 11 8 9 10 11",
  im: "4 5 6 7 4 5 6 7 12 13 14 15 12 13 14 15",
  swap: "4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11",
};
const shuf = (lanes: string, v: string): string => `(i8x16.shuffle ${lanes} ${v} ${v})`;
const SIGN = "(v128.const f32x4 -1 1 -1 1)";
/** Two complex products b·w on interleaved pairs, given re(w) duplicated and ±im(w) duplicated. */
const cmul2 = (b: string, wre: string, wimSigned: string): string =>
  `(f32x4.add (f32x4.mul ${b} ${wre}) (f32x4.mul ${shuf(SHUF.swap, b)} ${wimSigned}))`;

/** DFT matrix (n×n, complex f32), forward e^{-2πi jk/n} or inverse e^{+2πi jk/n}/n. */
function dftTable(n: number, inverse: boolean): Float32Array {
  const t = new Float32Array(2 * n * n);
  const sgn = inverse ? 1 : -1, f = inverse ? 1 / n : 1;
  for (let j = 0; j < n; j++)
    for (let k = 0; k < n; k++) {
      const ph = (sgn * 2 * Math.PI * ((j * k) % n)) / n;
      t[2 * (j * n + k)] = Math.cos(ph) * f;
      t[2 * (j * n + k) + 1] = Math.sin(ph) * f;
    }
  return t;
}

/** Stage twiddles for radix-2: stage h (1, 2, 4, … n/2) at entries h−1 … 2h−2: e^{∓iπ j/h}. */
export function twiddleTable(n: number, inverse: boolean): Float32Array {
  const t = new Float32Array(2 * Math.max(1, n - 1));
  const sgn = inverse ? 1 : -1;
  for (let h = 1; h < n; h *= 2)
    for (let j = 0; j < h; j++) {
      t[2 * (h - 1 + j)] = Math.cos((Math.PI * j) / h);
      t[2 * (h - 1 + j) + 1] = sgn * Math.sin((Math.PI * j) / h);
    }
  return t;
}

/** Bit-reversal permutation of 0..n−1 (n a power of two), as i32 words in a Float32Array view. */
export function bitReversal(n: number): Float32Array {
  const bits = Math.round(Math.log2(n));
  const rev = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    rev[i] = r;
  }
  return new Float32Array(rev.buffer);
}

/** Shared kernel: radix-2 FFT of `rows` contiguous rows of n (real or complex) values. */
function rowHelper(ctx: Ctx, n: number, inverse: boolean, real: boolean): string {
  const name = `fftrow_${n}_${inverse ? "i" : "f"}_${real ? "r" : "c"}`;
  if (ctx.h.texts.has(name)) return name;
  const rev = ctx.table(`bitrev${n}`, bitReversal(n));
  const tw = ctx.table(`tw${inverse ? "i" : "f"}${n}`, twiddleTable(n, inverse));
  const fn = new Fn(name, [["x", "i32"], ["o", "i32"], ["rows", "i32"]], true);
  const pr = fn.local("pr", "i32"), po = fn.local("po", "i32"), pa = fn.local("pa", "i32"), pw = fn.local("pw", "i32");
  const a = fn.local("va", "v128"), t = fn.local("vt", "v128"), w = fn.local("vw", "v128");
  counted(fn, "r", get("$rows"), () => {
    // bit-reversed copy: o[i] = x[rev[i]] (a real value gets a zero imaginary part)
    fn.emit(set(pr, i32c(rev)), set(po, get("$o")));
    counted(fn, "i", n, () => {
      const src = `(i32.add ${get("$x")} (i32.shl (i32.load ${get(pr)}) ${i32c(real ? 2 : 3)}))`;
      if (real) fn.emit(`(f32.store ${get(po)} (f32.load ${src}))`, `(f32.store offset=4 ${get(po)} ${f32c(0)})`);
      else fn.emit(`(i64.store ${get(po)} (i64.load ${src}))`);
      fn.emit(add(po, 8), add(pr, 4));
    });
    // stage h = 1: (a, b) → (a + b, a − b), one pair per vector
    if (n >= 2) {
      fn.emit(set(pa, get("$o")));
      counted(fn, "s1", n / 2, () => {
        fn.emit(set(a, `(v128.load ${get(pa)})`));
        fn.emit(`(v128.store ${get(pa)} (f32x4.add ${shuf(SHUF.lo, get(a))} (f32x4.mul ${shuf(SHUF.hi, get(a))} (v128.const f32x4 1 1 -1 -1))))`, add(pa, 16));
      });
    }
    // stages h = 2, 4, … n/2: two butterflies per step (h is even), twiddles contiguous per stage
    for (let h = 2; h < n; h *= 2) {
      fn.emit(set(pa, get("$o")));
      counted(fn, `b${h}`, n / (2 * h), () => {
        fn.emit(set(pw, i32c(tw + 8 * (h - 1))));
        counted(fn, `j${h}`, h / 2, () => {
          fn.emit(set(w, `(v128.load ${get(pw)})`));
          fn.emit(set(t, cmul2(`(v128.load offset=${8 * h} ${get(pa)})`, shuf(SHUF.re, get(w)), `(f32x4.mul ${shuf(SHUF.im, get(w))} ${SIGN})`)));
          fn.emit(set(a, `(v128.load ${get(pa)})`));
          fn.emit(`(v128.store ${get(pa)} (f32x4.add ${get(a)} ${get(t)}))`, `(v128.store offset=${8 * h} ${get(pa)} (f32x4.sub ${get(a)} ${get(t)}))`);
          fn.emit(add(pa, 16), add(pw, 16));
        });
        fn.emit(add(pa, 8 * h));
      });
    }
    if (inverse && n >= 2) {
      fn.emit(set(pa, get("$o")));
      counted(fn, "sc", n / 2, () => fn.emit(`(v128.store ${get(pa)} (f32x4.mul (v128.load ${get(pa)}) (f32x4.splat ${f32c(Math.fround(1 / n))})))`, add(pa, 16)));
    }
    fn.emit(add("$x", n * (real ? 4 : 8)), add("$o", n * 8));
  });
  ctx.h.texts.set(name, fn.text());
  return name;
}

/** Shared kernel: radix-2 FFT along the second-to-last axis of `count` complex [n2, n1] blocks. */
function colHelper(ctx: Ctx, n2: number, n1: number, inverse: boolean): string {
  const name = `fftcol_${n2}x${n1}_${inverse ? "i" : "f"}`;
  if (ctx.h.texts.has(name)) return name;
  const rev = ctx.table(`bitrev${n2}`, bitReversal(n2));
  const tw = ctx.table(`tw${inverse ? "i" : "f"}${n2}`, twiddleTable(n2, inverse));
  const rowB = 8 * n1;
  const fn = new Fn(name, [["x", "i32"], ["o", "i32"], ["count", "i32"]], true);
  const pr = fn.local("pr", "i32"), po = fn.local("po", "i32"), pa = fn.local("pa", "i32"), pj = fn.local("pj", "i32"), p = fn.local("p", "i32"), pw = fn.local("pw", "i32");
  const a = fn.local("va", "v128"), t = fn.local("vt", "v128"), wre = fn.local("wre", "v128"), wim = fn.local("wim", "v128");
  const sr = fn.local("sr", "f32"), si = fn.local("si", "f32"), br = fn.local("br", "f32"), bi = fn.local("bi", "f32"), tr = fn.local("tr", "f32"), ti = fn.local("ti", "f32");
  const ar = fn.local("ar", "f32"), ai = fn.local("ai", "f32");
  counted(fn, "m", get("$count"), () => {
    // bit-reversed copy of whole rows
    fn.emit(set(pr, i32c(rev)), set(po, get("$o")));
    counted(fn, "i", n2, () => {
      fn.emit(set(pj, `(i32.add ${get("$x")} (i32.mul (i32.load ${get(pr)}) ${i32c(rowB)}))`), copyBytes(get(po), get(pj), rowB), add(po, rowB), add(pr, 4));
    });
    for (let h = 1; h < n2; h *= 2) {
      const off = h * rowB;
      fn.emit(set(pa, get("$o")));
      counted(fn, `b${h}`, n2 / (2 * h), () => {
        fn.emit(set(pw, i32c(tw + 8 * (h - 1))), set(pj, get(pa)));
        counted(fn, `j${h}`, h, () => {
          // one twiddle for the whole row pair: re duplicated, ±im duplicated
          fn.emit(set(wre, `(f32x4.splat (f32.load ${get(pw)}))`), set(wim, `(f32x4.mul (f32x4.splat (f32.load offset=4 ${get(pw)})) ${SIGN})`));
          fn.emit(set(p, get(pj)));
          counted(fn, `v${h}`, Math.floor(n1 / 2), () => {
            fn.emit(set(t, cmul2(`(v128.load offset=${off} ${get(p)})`, get(wre), get(wim))), set(a, `(v128.load ${get(p)})`));
            fn.emit(`(v128.store ${get(p)} (f32x4.add ${get(a)} ${get(t)}))`, `(v128.store offset=${off} ${get(p)} (f32x4.sub ${get(a)} ${get(t)}))`, add(p, 16));
          });
          if (n1 % 2) {
            // the last column of an odd-width row: scalar
            fn.emit(set(sr, `(f32.load ${get(pw)})`), set(si, `(f32.load offset=4 ${get(pw)})`));
            fn.emit(set(br, `(f32.load offset=${off} ${get(p)})`), set(bi, `(f32.load offset=${off + 4} ${get(p)})`));
            fn.emit(set(tr, `(f32.sub (f32.mul ${get(br)} ${get(sr)}) (f32.mul ${get(bi)} ${get(si)}))`), set(ti, `(f32.add (f32.mul ${get(bi)} ${get(sr)}) (f32.mul ${get(br)} ${get(si)}))`));
            fn.emit(set(ar, `(f32.load ${get(p)})`), set(ai, `(f32.load offset=4 ${get(p)})`));
            fn.emit(`(f32.store ${get(p)} (f32.add ${get(ar)} ${get(tr)}))`, `(f32.store offset=4 ${get(p)} (f32.add ${get(ai)} ${get(ti)}))`);
            fn.emit(`(f32.store offset=${off} ${get(p)} (f32.sub ${get(ar)} ${get(tr)}))`, `(f32.store offset=${off + 4} ${get(p)} (f32.sub ${get(ai)} ${get(ti)}))`);
          }
          fn.emit(add(pj, rowB), add(pw, 8));
        });
        fn.emit(add(pa, 2 * off));
      });
    }
    if (inverse && n2 >= 2) {
      // 2·n1·n2 floats, a multiple of 4 since n2 is even
      fn.emit(set(pa, get("$o")));
      counted(fn, "sc", (n1 * n2) / 2, () => fn.emit(`(v128.store ${get(pa)} (f32x4.mul (v128.load ${get(pa)}) (f32x4.splat ${f32c(Math.fround(1 / n2))})))`, add(pa, 16)));
    }
    fn.emit(add("$x", n2 * rowB), add("$o", n2 * rowB));
  });
  ctx.h.texts.set(name, fn.text());
  return name;
}

/**
 * auto: the mixed-radix kernels (fft-mixed.ts) for every length they transform (prime factors up
 * to MAX_RADIX; they beat radix-2 on powers of two too, bench/results-fft-mixed.md), DFT products
 * otherwise (the backend decomposes such lengths at the IR level first); radix2: the radix-2
 * kernels for powers of two, mixed radix otherwise (the earlier default); dft: DFT-matrix
 * products only. The last two are for benchmarks.
 */
export type FftMethod = "auto" | "radix2" | "dft";

/** Emits one fft/ifft node; returns node-specific function texts (the DFT-matrix products). */
export function fftKernel(ctx: Ctx, fn: Fn, n: Node, scratch: number, method: FftMethod = "auto"): string[] {
  const x = ctx.g.nodes[n.inputs[0]!]!;
  const inv = n.op === "ifft";
  const dims = n.attrs.dims as number;
  const r = n.shape.length;
  const n1 = n.shape[r - 1]!;
  const total = numel(n.shape);
  if (total === 0) return [];
  const rows = total / n1;
  const radix2 = (len: number): boolean => method !== "dft" && isPow2(len) && (method === "radix2" || len === 1); // length 1: a copy
  const mixed = (len: number): boolean => method !== "dft" && len > 1 && mixedRadices(len) !== undefined;
  const out: string[] = [];
  // along the last axis: [rows, n1] → (dims 2: scratch, else the output); the mixed kernels' work space follows
  const first = dims === 2 ? scratch : addr(ctx, n);
  const work = scratch + (dims === 2 ? total * 8 : 0);
  const n2 = dims === 2 ? n.shape[r - 2]! : 1;
  if (dims === 2 && !radix2(n1) && !radix2(n2) && mixed(n1) && mixed(n2) && prunedTransform(ctx, fn, n, x, scratch, work)) return out;
  if (radix2(n1)) ctx.call(rowHelper(ctx, n1, inv, kindOf(x) !== "c"), [addr(ctx, x), first, rows]);
  else if (mixed(n1)) ctx.call(mixedRowHelper(ctx, n1, inv, kindOf(x) !== "c"), [addr(ctx, x), first, work, rows, 1, 0, 0]);
  else {
    const F1 = ctx.table(`dft${inv ? "i" : "f"}${n1}`, dftTable(n1, inv));
    const k1 = `${ctx.prefix}fft${n.id}a`;
    out.push(matmulFunction(k1, { M: rows, N: n1, K: n1, A: { kind: kindOf(x), sr: n1, sc: 1 }, B: { kind: "c", sr: n1, sc: 1 }, complex: true }));
    fn.emit(`(call $${k1} ${i32c(addr(ctx, x))} ${i32c(F1)} ${i32c(first)})`);
  }
  if (dims === 2) {
    const count = total / (n1 * n2);
    if (radix2(n2)) ctx.call(colHelper(ctx, n2, n1, inv), [scratch, addr(ctx, n), count]);
    else if (mixed(n2)) {
      colsWithFactor(ctx, n, n2, n1, scratch, work, count);
      return out;
    }
    else {
      const F2 = ctx.table(`dft${inv ? "i" : "f"}${n2}`, dftTable(n2, inv));
      const k2 = `${ctx.prefix}fft${n.id}b`;
      out.push(matmulFunction(k2, { M: n2, N: n1, K: n2, A: { kind: "c", sr: n2, sc: 1 }, B: { kind: "c", sr: n1, sc: 1 }, complex: true }));
      const per = n1 * n2 * 8;
      affine(fn, [count], [{ base: scratch, strides: [per] }, { base: addr(ctx, n), strides: [per] }], {
        elem: [0, 0], scalar: (p) => fn.emit(`(call $${k2} ${i32c(F2)} ${p[0]} ${p[1]})`),
      });
    }
    const factor = ctx.plan.fftFactor.get(n.id);
    if (factor !== undefined) multiplyInPlace(ctx, fn, n, factor);
  }
  return out;
}

/** The column pass into the output, times the node's epilogue factor when it has one (plan.ts fftFactor). */
function colsWithFactor(ctx: Ctx, n: Node, n2: number, n1: number, scratch: number, work: number, count: number): void {
  const inv = n.op === "ifft";
  const factor = ctx.plan.fftFactor.get(n.id);
  if (factor === undefined) ctx.call(mixedColHelper(ctx, n2, n1, inv), [scratch, addr(ctx, n), work, count]);
  else ctx.call(mixedColHelper(ctx, n2, n1, inv, { conj: ctx.plan.conjParity[factor] === 1 }), [scratch, addr(ctx, n), work, count, addr(ctx, factor)]);
}

/** The epilogue on the other paths (radix-2 or DFT columns): the output times the [n2, n1] factor, in place. */
function multiplyInPlace(ctx: Ctx, fn: Fn, n: Node, factor: number): void {
  const r = n.shape.length, per = n.shape[r - 1]! * n.shape[r - 2]!;
  const conj = ctx.plan.conjParity[factor] === 1;
  const ar = fn.local("ear", "f32"), ai = fn.local("eai", "f32"), hr = fn.local("ehr", "f32"), hi = fn.local("ehi", "f32");
  affine(fn, [numel(n.shape) / per, per], [{ base: addr(ctx, n), strides: [per * 8, 8] }, { base: addr(ctx, factor), strides: [0, 8] }], {
    elem: [8, 8],
    scalar: ([po, ph]) => {
      fn.emit(set(ar, `(f32.load ${po})`), set(ai, `(f32.load offset=4 ${po})`), set(hr, `(f32.load ${ph})`), set(hi, conj ? `(f32.neg (f32.load offset=4 ${ph}))` : `(f32.load offset=4 ${ph})`));
      fn.emit(`(f32.store ${po} (f32.sub (f32.mul ${get(ar)} ${get(hr)}) (f32.mul ${get(ai)} ${get(hi)})))`, `(f32.store offset=4 ${po} (f32.add (f32.mul ${get(ar)} ${get(hi)}) (f32.mul ${get(ai)} ${get(hr)})))`);
    },
  });
}

/**
 * A 2-D transform of zero-padded fields, or one read only through slices (free-space
 * propagation: pad → fft → · H → ifft → slice, and the same in its gradient), transforms only the
 * rows that matter; the 2-D DFT is separable, so the order of the two passes is free:
 *   - the input is a zero `pad` along the rows: the row pass runs on the rows that can be nonzero
 *     (the others are zero in the scratch), then the column pass as usual;
 *   - every reader is a `slice` (and the node is not a program output): the column pass first
 *     (input → scratch), then the row pass only on the rows some slice reads (other rows of the
 *     output are left unwritten: nothing reads them).
 * Returns false when neither applies (the caller runs the whole transform).
 */
function prunedTransform(ctx: Ctx, fn: Fn, n: Node, x: Node, scratch: number, work: number): boolean {
  const inv = n.op === "ifft";
  const r = n.shape.length, n1 = n.shape[r - 1]!, n2 = n.shape[r - 2]!;
  const count = numel(n.shape) / (n1 * n2);
  const real = kindOf(x) !== "c";
  const rowIn = n1 * (real ? 4 : 8), rowB = n1 * 8;
  const padded = nonzeroRows(x);
  if (padded) {
    const [r0, r1] = padded;
    const skip = n2 - (r1 - r0);
    ctx.call(mixedRowHelper(ctx, n1, inv, real), [addr(ctx, x) + r0 * rowIn, scratch + r0 * rowB, work, r1 - r0, count, skip * rowIn, skip * rowB]);
    affine(fn, [count], [{ base: scratch, strides: [n1 * n2 * 8] }], {
      elem: [0],
      scalar: ([p]) => {
        if (r0 > 0) fn.emit(`(memory.fill ${p} (i32.const 0) ${i32c(r0 * rowB)})`);
        if (r1 < n2) fn.emit(`(memory.fill (i32.add ${p} ${i32c(r1 * rowB)}) (i32.const 0) ${i32c((n2 - r1) * rowB)})`);
      },
    });
    colsWithFactor(ctx, n, n2, n1, scratch, work, count);
    return true;
  }
  const read = real || ctx.plan.fftFactor.has(n.id) ? undefined : readRows(ctx, n);
  if (!read) return false;
  const [s0, s1] = read;
  const skip = n2 - (s1 - s0);
  ctx.call(mixedColHelper(ctx, n2, n1, inv), [addr(ctx, x), scratch, work, count]);
  ctx.call(mixedRowHelper(ctx, n1, inv, false), [scratch + s0 * rowB, addr(ctx, n) + s0 * rowB, work, s1 - s0, count, skip * rowB, skip * rowB]);
  return true;
}

/** Rows (axis −2) of each field that can be nonzero when x is a zero pad along them, else undefined. */
function nonzeroRows(x: Node): [number, number] | undefined {
  if (x.op !== "pad") return undefined;
  const r = x.shape.length;
  const before = (x.attrs.before as readonly number[])[r - 2]!, after = (x.attrs.after as readonly number[])[r - 2]!;
  return before + after > 0 ? [before, x.shape[r - 2]! - after] : undefined;
}

/** Rows (axis −2) that n's readers read when every reader is a slice and n is no output, else undefined. */
function readRows(ctx: Ctx, n: Node): [number, number] | undefined {
  if (ctx.g.outputs.some((o) => o.id === n.id)) return undefined;
  const r = n.shape.length;
  let lo = Infinity, hi = -Infinity;
  for (const m of ctx.g.nodes) {
    if (!m.inputs.includes(n.id)) continue;
    if (m.op !== "slice") return undefined;
    lo = Math.min(lo, (m.attrs.begin as readonly number[])[r - 2]!);
    hi = Math.max(hi, (m.attrs.end as readonly number[])[r - 2]!);
  }
  return lo < hi && hi - lo < n.shape[r - 2]! ? [lo, hi] : undefined;
}
