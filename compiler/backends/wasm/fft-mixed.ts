/**
 * Native mixed-radix FFTs for lengths that are not powers of two (fft.ts dispatches here; powers
 * of two keep the radix-2 kernels). In: a length n whose prime factors are at most MAX_RADIX,
 * the direction, the input kind. Out: two shared program-table kernels (WebAssembly text) and
 * their read-only twiddle tables; each is reused by every node of that shape.
 *
 * Stockham autosort (self-sorting: no digit-reversal pass; Govindaraju et al., SC 2008). n is
 * factored into radices R₁, R₂, … (largest first, so the largest butterfly runs in the stage
 * without twiddles); stage s with radix R and Ns = R₁·…·R_{s−1} maps, for j < n/R,
 *     v_r = x[j + r·n/R] · w_{Ns·R}^{(j mod Ns)·r}          (w_m = e^{∓2πi/m}, r < R)
 *     y[(j div Ns)·Ns·R + (j mod Ns) + q·Ns] = Σ_r v_r · w_R^{q·r}      (q < R)
 * out of place, ping-ponging between two work buffers; the first stage reads the input and the
 * last writes the output (ifft: scaled by 1/n there). Butterflies: radix 2 and 4 as sums and ±i
 * swaps, radix 8 as two radix-4 butterflies and the w₈ products, every odd radix R by the symmetric form (h = (R−1)/2, s_r = v_r + v_{R−r},
 * d_r = v_r − v_{R−r}): y_0 = v_0 + Σ s_r, y_q, y_{R−q} = A_q ∓ i·B_q with A_q = v_0 +
 * Σ_r cos(2πqr/R)·s_r, B_q = Σ_r sin(2πqr/R)·d_r (signs swap for the inverse), constants inline.
 * Twiddles: per stage with Ns > 1, Ns·(R−1) entries of 8 f32 (re ×4, (−im, im, −im, im)), so a
 * v128 load gives the splatted factors of a two-complex product.
 * SIMD128: every vector holds two complex values of two independent lines with the same
 * twiddle, like the radix-2 column kernel:
 *   fftmr_<n>_<f|i>_<r|c> (x, o, work, rows, blocks, xgap, ogap): rows along the last axis, two at a time
 *     (lanes re, im of row a, then of row b; an odd last row runs as a pair with itself);
 *   fftmc_<n2>x<n1>_<f|i> (x, o, work, count): the second-to-last axis of [count, n2, n1]
 *     complex, each butterfly running across the n1 columns (an odd last column as a half vector).
 * Lengths with a larger prime factor are not handled here (fft.ts: IR-level decomposition).
 */
import { numel } from "../../ir/types.js";
import type { Ctx } from "./ctx.js";
import { counted, Fn, get, i32c, set } from "./wat.js";

/** Largest prime radix emitted as one unrolled butterfly (code grows as R²). */
export const MAX_RADIX = 31;

/** The radices of n (8s, then 4, 2, odd primes; largest first), or undefined when n has a prime factor above MAX_RADIX. */
export function mixedRadices(n: number): number[] | undefined {
  const f: number[] = [];
  let m = n;
  while (m % 8 === 0) { f.push(8); m /= 8; }
  if (m % 4 === 0) { f.push(4); m /= 4; }
  if (m % 2 === 0) { f.push(2); m /= 2; }
  for (let p = 3; m > 1; p += 2) {
    if (p > MAX_RADIX) return undefined;
    while (m % p === 0) { f.push(p); m /= p; }
  }
  return f.sort((a, b) => b - a);
}

/** Whether the native kernels transform length n (not a power of two; powers of two are radix-2's). */
export const isMixedLength = (n: number): boolean => n > 1 && (n & (n - 1)) !== 0 && mixedRadices(n) !== undefined;

/** Bytes of work space a transform of n along lines of `width` complex values needs (two ping-pong buffers). */
function workBytes(n: number, width: number): number {
  const stages = mixedRadices(n)?.length ?? 0;
  return (stages >= 3 ? 2 : stages === 2 ? 1 : 0) * n * width * 8;
}

/**
 * Scratch bytes of an fft/ifft node: the row result of a 2-D transform, then the mixed kernels'
 * work space (also for powers of two, which the kernels transform when asked: fft.ts FftMethod).
 */
export function fftScratchBytes(shape: readonly number[], dims: number): number {
  const r = shape.length, n1 = shape[r - 1]!, n2 = dims === 2 ? shape[r - 2]! : 1;
  const rowWork = workBytes(n1, 2);
  const colWork = dims === 2 ? workBytes(n2, n1) : 0;
  return (dims === 2 ? numel(shape) * 8 : 0) + Math.max(rowWork, colWork);
}

/** Stage twiddles (entries of 8 f32, see the header) and each stage's byte offset in the table (−1: none). */
export function stageTwiddles(n: number, inverse: boolean): { table: Float32Array; at: number[] } {
  const rads = mixedRadices(n)!;
  const at: number[] = [];
  const vals: number[] = [];
  let Ns = 1;
  const sgn = inverse ? 1 : -1;
  for (const R of rads) {
    if (Ns === 1) at.push(-1);
    else {
      at.push(vals.length * 4);
      for (let jm = 0; jm < Ns; jm++)
        for (let r = 1; r < R; r++) {
          const ph = (sgn * 2 * Math.PI * ((jm * r) % (Ns * R))) / (Ns * R);
          const c = Math.cos(ph), s = Math.sin(ph);
          vals.push(c, c, c, c, -s, s, -s, s);
        }
    }
    Ns *= R;
  }
  return { table: Float32Array.from(vals.length ? vals : [0]), at };
}

const SWAP = "4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11";
const swap = (v: string): string => `(i8x16.shuffle ${SWAP} ${v} ${v})`;
const splat4 = (c: number): string => { const f = Number(Math.fround(c).toPrecision(9)); return `(v128.const f32x4 ${f} ${f} ${f} ${f})`; };
/** i·v on interleaved pairs: (−im, re). */
const timesI = (v: string): string => `(f32x4.mul ${swap(v)} (v128.const f32x4 -1 1 -1 1))`;
const vadd = (a: string, b: string): string => `(f32x4.add ${a} ${b})`;
const vsub = (a: string, b: string): string => `(f32x4.sub ${a} ${b})`;
const vmul = (a: string, b: string): string => `(f32x4.mul ${a} ${b})`;

/**
 * Where a stage reads or writes element i of its lines. `block`: [n][width] complex at a base
 * pointer (vector v of element i at base + i·stride + 16v). `pair`: two rows (row b at row a +
 * the local $d<name>), element i at base + i·stride, real (f32) or complex.
 */
interface Access {
  readonly kind: "block" | "pair";
  readonly base: string; // i32 local holding the current position (advanced by the stage loops)
  readonly stride: number; // bytes per element along the transformed axis
  readonly real?: boolean;
  readonly delta?: string; // pair: local with the byte distance from row a to row b
}

/** Loads element at pointer p + off as a vector (half: only lanes 0–1 hold a value). */
function load(a: Access, p: string, off: number, half: boolean): string {
  if (a.kind === "block") return half ? `(v128.load64_zero offset=${off} ${p})` : `(v128.load offset=${off} ${p})`;
  const pb = `(i32.add ${p} ${get(a.delta!)})`;
  if (a.real) return `(f32x4.replace_lane 2 (v128.load32_zero offset=${off} ${p}) (f32.load offset=${off} ${pb}))`;
  return `(i64x2.replace_lane 1 (v128.load64_zero offset=${off} ${p}) (i64.load offset=${off} ${pb}))`;
}
function store(a: Access, p: string, off: number, v: string, half: boolean): string[] {
  if (a.kind === "block") return [half ? `(i64.store offset=${off} ${p} (i64x2.extract_lane 0 ${v}))` : `(v128.store offset=${off} ${p} ${v})`];
  return [`(i64.store offset=${off} ${p} (i64x2.extract_lane 0 ${v}))`, `(i64.store offset=${off} (i32.add ${p} ${get(a.delta!)}) (i64x2.extract_lane 1 ${v}))`];
}

/** The R-point DFT of locals v[0..R−1] into locals y[0..R−1] (statements). */
function butterfly(fn: Fn, R: number, v: string[], y: string[], inverse: boolean): string[] {
  const out: string[] = [];
  if (R === 2) return [set(y[0]!, vadd(get(v[0]!), get(v[1]!))), set(y[1]!, vsub(get(v[0]!), get(v[1]!)))];
  if (R === 8) {
    // two 4-point DFTs (even and odd inputs), then y_q, y_{q+4} = E_q ± w₈^q·O_q
    const E = [0, 1, 2, 3].map((k) => fn.local(`b8e${k}`, "v128")), O = [0, 1, 2, 3].map((k) => fn.local(`b8o${k}`, "v128"));
    out.push(...butterfly(fn, 4, [v[0]!, v[2]!, v[4]!, v[6]!], E, inverse), ...butterfly(fn, 4, [v[1]!, v[3]!, v[5]!, v[7]!], O, inverse));
    const r2 = splat4(Math.SQRT1_2);
    // w₈ = e^{∓iπ/4}: w₈·z = (z ∓ iz)/√2, w₈²·z = ∓iz, w₈³·z = (−z ∓ iz)/√2
    const w = (q: number, z: string): string => {
      const iz = timesI(z);
      if (q === 0) return z;
      if (q === 2) return inverse ? iz : vmul(iz, "(v128.const f32x4 -1 -1 -1 -1)");
      if (q === 1) return vmul(inverse ? vadd(z, iz) : vsub(z, iz), r2);
      return vmul(inverse ? vsub(iz, z) : `(f32x4.neg ${vadd(z, iz)})`, r2);
    };
    const t = fn.local("b8t", "v128");
    for (let q = 0; q < 4; q++) out.push(set(t, w(q, get(O[q]!))), set(y[q]!, vadd(get(E[q]!), get(t))), set(y[q + 4]!, vsub(get(E[q]!), get(t))));
    return out;
  }
  if (R === 4) {
    const [a, b, c, d] = v.map(get) as [string, string, string, string];
    const s0 = fn.local("b4s0", "v128"), s1 = fn.local("b4s1", "v128"), d0 = fn.local("b4d0", "v128"), d1 = fn.local("b4d1", "v128");
    out.push(set(s0, vadd(a, c)), set(d0, vsub(a, c)), set(s1, vadd(b, d)), set(d1, timesI(vsub(b, d))));
    // forward: y1 = (a − c) − i(b − d), y3 = (a − c) + i(b − d); inverse the other way round
    out.push(set(y[0]!, vadd(get(s0), get(s1))), set(y[2]!, vsub(get(s0), get(s1))));
    out.push(set(y[inverse ? 3 : 1]!, vsub(get(d0), get(d1))), set(y[inverse ? 1 : 3]!, vadd(get(d0), get(d1))));
    return out;
  }
  const h = (R - 1) / 2;
  const s = Array.from({ length: h + 1 }, (_, r) => fn.local(`bs${r}`, "v128"));
  const d = Array.from({ length: h + 1 }, (_, r) => fn.local(`bd${r}`, "v128"));
  const A = fn.local("bA", "v128"), B = fn.local("bB", "v128");
  for (let r = 1; r <= h; r++) out.push(set(s[r]!, vadd(get(v[r]!), get(v[R - r]!))), set(d[r]!, vsub(get(v[r]!), get(v[R - r]!))));
  let sum = get(v[0]!);
  for (let r = 1; r <= h; r++) sum = vadd(sum, get(s[r]!));
  out.push(set(y[0]!, sum));
  for (let q = 1; q <= h; q++) {
    let a = get(v[0]!), b = "";
    for (let r = 1; r <= h; r++) {
      const k = (q * r) % R;
      a = vadd(a, vmul(get(s[r]!), splat4(Math.cos((2 * Math.PI * k) / R))));
      const t = vmul(get(d[r]!), splat4(Math.sin((2 * Math.PI * k) / R)));
      b = b ? vadd(b, t) : t;
    }
    out.push(set(A, a), set(B, timesI(b)));
    // forward: y_q = A − iB, y_{R−q} = A + iB
    out.push(set(y[inverse ? R - q : q]!, vsub(get(A), get(B))), set(y[inverse ? q : R - q]!, vadd(get(A), get(B))));
  }
  return out;
}

interface Stage {
  readonly n: number;
  readonly R: number;
  readonly Ns: number;
  readonly inverse: boolean;
  /** Byte address of this stage's twiddles, or −1 (Ns = 1). */
  readonly tw: number;
  /** Multiplies the outputs (1/n on the last stage of an ifft), or 1. */
  readonly scale: number;
  readonly src: Access;
  readonly dst: Access;
  /** Complex values per element across the lines (2 for row pairs, n1 for columns). */
  readonly width: number;
  /** Last stage of a column transform with an epilogue: outputs times the field at dst + $<delta> (conjugated when asked). */
  readonly factor?: { readonly delta: string; readonly conj: boolean };
}

const DUP_RE = "0 1 2 3 0 1 2 3 8 9 10 11 8 9 10 11", DUP_IM = "4 5 6 7 4 5 6 7 12 13 14 15 12 13 14 15";
/** a·b on interleaved pairs (b conjugated when asked): a·re(b) + swap(a)·(∓im(b), ±im(b)). */
function cmulv(a: string, b: string, conjB: boolean): string {
  const sign = conjB ? "(v128.const f32x4 1 -1 1 -1)" : "(v128.const f32x4 -1 1 -1 1)";
  return vadd(vmul(a, `(i8x16.shuffle ${DUP_RE} ${b} ${b})`), vmul(swap(a), vmul(`(i8x16.shuffle ${DUP_IM} ${b} ${b})`, sign)));
}

/** Emits one Stockham stage (the header's formula); src.base and dst.base must be set by the caller. */
function emitStage(fn: Fn, st: Stage, id: string): void {
  const { n, R, Ns, src, dst } = st;
  const pi = fn.local(`pi${id}`, "i32"), po = fn.local(`po${id}`, "i32"), pw = fn.local("pw", "i32");
  const p = fn.local("p", "i32"), q = fn.local("q", "i32");
  const v = Array.from({ length: R }, (_, r) => fn.local(`v${r}`, "v128"));
  const y = Array.from({ length: R }, (_, r) => fn.local(`y${r}`, "v128"));
  const wre = Array.from({ length: R }, (_, r) => fn.local(`wr${r}`, "v128"));
  const wim = Array.from({ length: R }, (_, r) => fn.local(`wi${r}`, "v128"));
  const full = Math.floor(st.width / 2), half = st.width % 2 === 1;
  const inStep = (n / R) * src.stride, outStep = Ns * dst.stride;
  const vector = (isHalf: boolean) => {
    for (let r = 0; r < R; r++) {
      const x = load(src, get(p), r * inStep, isHalf);
      // v·w with w's re and ±im splatted: v·wre + swap(v)·wim
      fn.emit(set(v[r]!, r > 0 && st.tw >= 0 ? vadd(vmul(x, get(wre[r]!)), vmul(swap(x), get(wim[r]!))) : x));
    }
    fn.emit(...butterfly(fn, R, v, y, st.inverse));
    const sc = st.scale !== 1 ? splat4(st.scale) : "";
    const hq = st.factor ? `(i32.add ${get(q)} ${get(st.factor.delta)})` : "";
    for (let k = 0; k < R; k++) {
      let val = sc ? vmul(get(y[k]!), sc) : get(y[k]!);
      if (st.factor) val = cmulv(val, load(dst, hq, k * outStep, isHalf), st.factor.conj);
      fn.emit(...store(dst, get(q), k * outStep, val, isHalf));
    }
  };
  fn.emit(set(pi, get(src.base)), set(po, get(dst.base)));
  counted(fn, `jb${id}`, n / (R * Ns), () => {
    if (st.tw >= 0) fn.emit(set(pw, i32c(st.tw)));
    counted(fn, `jm${id}`, Ns, () => {
      if (st.tw >= 0)
        for (let r = 1; r < R; r++) fn.emit(set(wre[r]!, `(v128.load offset=${32 * (r - 1)} ${get(pw)})`), set(wim[r]!, `(v128.load offset=${32 * (r - 1) + 16} ${get(pw)})`));
      fn.emit(set(p, get(pi)), set(q, get(po)));
      if (full === 1) vector(false);
      else counted(fn, `w${id}`, full, () => { vector(false); fn.emit(set(p, `(i32.add ${get(p)} (i32.const 16))`), set(q, `(i32.add ${get(q)} (i32.const 16))`)); });
      if (half) {
        if (full === 1) fn.emit(set(p, `(i32.add ${get(p)} (i32.const 16))`), set(q, `(i32.add ${get(q)} (i32.const 16))`));
        vector(true);
      }
      fn.emit(set(pi, `(i32.add ${get(pi)} ${i32c(src.stride)})`), set(po, `(i32.add ${get(po)} ${i32c(dst.stride)})`));
      if (st.tw >= 0) fn.emit(set(pw, `(i32.add ${get(pw)} ${i32c(32 * (R - 1))})`));
    });
    fn.emit(set(po, `(i32.add ${get(po)} ${i32c((Ns * R - Ns) * dst.stride)})`));
  });
}

/**
 * The stages of one transform from `first` (the input access) to `last` (the output access)
 * through the work buffers at locals $t0, $t1 (each n·width complex, contiguous).
 */
function emitTransform(fn: Fn, ctx: Ctx, n: number, inverse: boolean, width: number, first: Access, last: Access, factor?: Stage["factor"]): void {
  const rads = mixedRadices(n)!;
  const { table, at } = stageTwiddles(n, inverse);
  const twBase = ctx.table(`mtw${inverse ? "i" : "f"}${n}`, table);
  const work = [0, 1].map((k): Access => ({ kind: "block", base: fn.local(`t${k}`, "i32"), stride: 8 * width }));
  let Ns = 1;
  rads.forEach((R, s) => {
    const src = s === 0 ? first : work[(s - 1) % 2]!;
    const dst = s === rads.length - 1 ? last : work[s % 2]!;
    const lastStage = s === rads.length - 1;
    emitStage(fn, { n, R, Ns, inverse, tw: at[s]! < 0 ? -1 : twBase + at[s]!, scale: inverse && lastStage ? 1 / n : 1, src, dst, width, ...(lastStage && factor ? { factor } : {}) }, String(s));
    Ns *= R;
  });
}

/**
 * Shared kernel: mixed-radix FFT of `blocks` groups of `rows` contiguous rows of n (real or
 * complex) values, two rows at a time; after each group x and o skip `xgap` and `ogap` bytes
 * (a pruned 2-D transform runs only some rows of every field, fft.ts).
 */
export function mixedRowHelper(ctx: Ctx, n: number, inverse: boolean, real: boolean): string {
  const name = `fftmr_${n}_${inverse ? "i" : "f"}_${real ? "r" : "c"}`;
  if (ctx.h.texts.has(name)) return name;
  const fn = new Fn(name, [["x", "i32"], ["o", "i32"], ["work", "i32"], ["rows", "i32"], ["blocks", "i32"], ["xgap", "i32"], ["ogap", "i32"]], true);
  const inB = n * (real ? 4 : 8), outB = n * 8;
  const left = fn.local("left", "i32"), dx = fn.local("dx", "i32"), dO = fn.local("dO", "i32");
  const xa = fn.local("xa", "i32"), oa = fn.local("oa", "i32");
  fn.emit(set(fn.local("t0", "i32"), get("$work")), set(fn.local("t1", "i32"), `(i32.add ${get("$work")} ${i32c(n * 16)})`));
  counted(fn, "blk", get("$blocks"), () => {
    fn.emit(set(left, get("$rows")));
    counted(fn, "pair", `(i32.shr_u (i32.add ${get("$rows")} (i32.const 1)) (i32.const 1))`, () => {
      // an odd last row pairs with itself (both lanes compute the same row)
      const two = `(i32.ge_s ${get(left)} (i32.const 2))`;
      fn.emit(set(dx, `(select ${i32c(inB)} (i32.const 0) ${two})`), set(dO, `(select ${i32c(outB)} (i32.const 0) ${two})`));
      fn.emit(set(xa, get("$x")), set(oa, get("$o")));
      emitTransform(fn, ctx, n, inverse, 2, { kind: "pair", base: xa, stride: real ? 4 : 8, real, delta: dx }, { kind: "pair", base: oa, stride: 8, delta: dO });
      fn.emit(set("$x", `(i32.add ${get("$x")} (i32.add ${get(dx)} ${i32c(inB)}))`), set("$o", `(i32.add ${get("$o")} (i32.add ${get(dO)} ${i32c(outB)}))`), set(left, `(i32.sub ${get(left)} (i32.const 2))`));
    });
    fn.emit(set("$x", `(i32.add ${get("$x")} ${get("$xgap")})`), set("$o", `(i32.add ${get("$o")} ${get("$ogap")})`));
  });
  ctx.h.texts.set(name, fn.text());
  return name;
}

/**
 * Shared kernel: mixed-radix FFT along the second-to-last axis of `count` complex [n2, n1] blocks.
 * With `factor` (an fft epilogue, plan.ts fftFactor), a parameter h: every block's result is
 * stored times the [n2, n1] field at h (conjugated when `factor.conj`).
 */
export function mixedColHelper(ctx: Ctx, n2: number, n1: number, inverse: boolean, factor?: { readonly conj: boolean }): string {
  const name = `fftmc_${n2}x${n1}_${inverse ? "i" : "f"}${factor ? (factor.conj ? "_hc" : "_h") : ""}`;
  if (ctx.h.texts.has(name)) return name;
  const fn = new Fn(name, [["x", "i32"], ["o", "i32"], ["work", "i32"], ["count", "i32"], ...(factor ? [["h", "i32"] as [string, "i32"]] : [])], true);
  const blockB = n2 * n1 * 8;
  const delta = factor ? fn.local("hd", "i32") : "";
  fn.emit(set(fn.local("t0", "i32"), get("$work")), set(fn.local("t1", "i32"), `(i32.add ${get("$work")} ${i32c(blockB)})`));
  counted(fn, "m", get("$count"), () => {
    // the field's element for an output at address a is at a + (h − this block's start)
    if (factor) fn.emit(set(delta, `(i32.sub ${get("$h")} ${get("$o")})`));
    emitTransform(fn, ctx, n2, inverse, n1, { kind: "block", base: "$x", stride: 8 * n1 }, { kind: "block", base: "$o", stride: 8 * n1 }, factor ? { delta, conj: factor.conj } : undefined);
    fn.emit(set("$x", `(i32.add ${get("$x")} ${i32c(blockB)})`), set("$o", `(i32.add ${get("$o")} ${i32c(blockB)})`));
  });
  ctx.h.texts.set(name, fn.text());
  return name;
}
