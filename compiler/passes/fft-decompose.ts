/**
 * Pass `fft-decompose`: FFTs whose lengths are not powers of two become mixed-radix Cooley–Tukey
 * steps over radix-2 FFTs and small DFT-matrix products, so no backend needs an O(n²) transform
 * for a composite n. For n = n₁·n₂ along the last axis (j = n₂j₁ + j₂, k = k₁ + n₁k₂):
 *   X[k₁ + n₁k₂] = Σ_{j₂} ω_{n₂}^{j₂k₂} · ω_n^{j₂k₁} · Σ_{j₁} ω_{n₁}^{j₁k₁} x[n₂j₁ + j₂],   ω_m = e^{∓2πi/m},
 * i.e. reshape to [n₁, n₂], swap the last two axes, transform the (now last) n₁ axis, multiply by
 * the twiddles ω_n^{j₂k₁}, transform the n₂ axis (rows, as F_{n₂}·C), and read [k₂, k₁] back as
 * [n] in row-major order. n₁ is the power-of-two part of n (or its smallest prime factor when n
 * is odd); lengths that are prime or at most SMALL, and power-of-two factors below 8, are one
 * DFT-matrix product x·F (F symmetric) over all rows at once.
 * `ifft` uses the conjugate twiddles and matrices with 1/n₂ (the radix-2 ifft carries 1/n₁), so
 * the product carries 1/n. A 2-D transform is the row transform, then the column transform.
 * Exact in exact arithmetic, so values and gradients are unchanged (the gradient of each step is
 * the step's own adjoint).
 */
import type { Graph, GraphBuilder, Node } from "../ir/graph.js";
import { complexOf, realOf } from "../ir/types.js";
import type { Pass } from "./pass.js";
import { rebuild } from "./rewrite.js";

/** Lengths up to this are one DFT-matrix product (fewer kernel calls than a decomposition). */
export const SMALL = 16;
/** Shorter power-of-two factors are DFT products too (a radix-2 pass per row of 2 or 4 costs more). */
const MIN_RADIX2 = 8;

const isPow2 = (n: number): boolean => (n & (n - 1)) === 0;
function smallestFactor(n: number): number {
  for (let p = 2; p * p <= n; p++) if (n % p === 0) return p;
  return n;
}

/**
 * Does fft/ifft node n need decomposing: a transformed length that the target does not transform
 * natively (by default: not a power of two; the wasm backend also has mixed-radix kernels)?
 */
export function needsDecompose(n: { op: string; shape: readonly number[]; attrs: Readonly<Record<string, unknown>> }, native: (len: number) => boolean = isPow2): boolean {
  if (n.op !== "fft" && n.op !== "ifft") return false;
  const dims = n.attrs.dims as number;
  return n.shape.slice(-dims).some((d) => !native(d));
}

/** The pass restricted to FFTs with a length `native` rejects (a backend's own choice). */
export function decomposeFfts(g: Graph, native: (len: number) => boolean): Graph {
  return rebuild(g, (b, n, [x]) => (needsDecompose(n, native) ? decomposeFft(b, n, x!) : undefined), undefined, (body) => decomposeFfts(body, native));
}

interface Ctx {
  readonly b: GraphBuilder;
  readonly inverse: boolean;
  readonly cdt: "c64" | "c128";
}

/** DFT matrix F[j][k] = ω^{jk} (symmetric), with 1/m for the inverse. */
function dftMatrix(c: Ctx, m: number): Node {
  const v: number[] = [];
  const sgn = c.inverse ? 1 : -1, f = c.inverse ? 1 / m : 1;
  for (let j = 0; j < m; j++)
    for (let k = 0; k < m; k++) {
      const ph = (sgn * 2 * Math.PI * ((j * k) % m)) / m;
      v.push(Math.cos(ph) * f, Math.sin(ph) * f);
    }
  return c.b.const(v, c.cdt, [m, m]);
}

function twiddles(c: Ctx, n1: number, n2: number): Node {
  const v: number[] = [];
  const sgn = c.inverse ? 1 : -1, n = n1 * n2;
  for (let j2 = 0; j2 < n2; j2++)
    for (let k1 = 0; k1 < n1; k1++) {
      const ph = (sgn * 2 * Math.PI * ((j2 * k1) % n)) / n;
      v.push(Math.cos(ph), Math.sin(ph));
    }
  return c.b.const(v, c.cdt, [n2, n1]);
}

function swapLast2(b: GraphBuilder, x: Node): Node {
  const r = x.shape.length;
  return b.transpose(x, x.shape.map((_, i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i)));
}

const asComplex = (c: Ctx, x: Node): Node => (x.dtype === c.cdt ? x : c.b.cast(x, c.cdt));

/** x·F along the last axis as ONE matrix product (leading axes flattened into rows). */
function dftProduct(c: Ctx, x: Node, n: number): Node {
  const lead = x.shape.slice(0, -1);
  const rows = lead.reduce((a, d) => a * d, 1);
  return c.b.reshape(c.b.matmul(c.b.reshape(x, [rows, n]), dftMatrix(c, n)), [...lead, n]);
}

/** The DFT of x along its last axis. */
function lastAxis(c: Ctx, x: Node): Node {
  const { b } = c;
  const r = x.shape.length, n = x.shape[r - 1]!;
  if (n === 1) return asComplex(c, x);
  if (isPow2(n)) return n < MIN_RADIX2 ? dftProduct(c, x, n) : b.op(c.inverse ? "ifft" : "fft", [x], { dims: 1 });
  const n1 = (n & -n) > 1 ? n & -n : smallestFactor(n); // the power-of-two part, or the smallest prime

  if (n <= SMALL || n1 === n) return dftProduct(c, x, n);
  const n2 = n / n1, lead = x.shape.slice(0, -1);
  const inner = lastAxis(c, swapLast2(b, b.reshape(x, [...lead, n1, n2]))); // [.., n₂ (j₂), n₁ (k₁)]
  const out = secondLastAxis(c, b.mul(inner, twiddles(c, n1, n2))); // [.., n₂ (k₂), n₁ (k₁)]
  return b.reshape(out, [...lead, n]);
}

/** The DFT of x along its second-to-last axis (moved last: one product, not one per batch item). */
function secondLastAxis(c: Ctx, x: Node): Node {
  const m = x.shape[x.shape.length - 2]!;
  if (m === 1) return asComplex(c, x);
  if (x.shape.length === 2 && !isPow2(m) && (m <= SMALL || smallestFactor(m) === m)) return c.b.matmul(dftMatrix(c, m), x);
  return swapLast2(c.b, lastAxis(c, swapLast2(c.b, x)));
}

/** fft/ifft node n (operand x) as radix-2 FFTs and small DFT products. */
export function decomposeFft(b: GraphBuilder, n: Node, x: Node): Node {
  const c: Ctx = { b, inverse: n.op === "ifft", cdt: complexOf(realOf(x.dtype)) as "c64" | "c128" };
  // a vector is one row (the steps multiply matrices)
  const xs = x.shape.length === 1 ? b.reshape(x, [1, ...x.shape]) : x;
  const rows = lastAxis(c, xs);
  const y = (n.attrs.dims as number) === 2 ? secondLastAxis(c, rows) : rows;
  return y.shape.length === n.shape.length ? y : b.reshape(y, n.shape);
}

export const fftDecompose: Pass = {
  name: "fft-decompose",
  summary: "FFTs of non-power-of-two lengths as mixed-radix steps over radix-2 FFTs and small DFT products",
  run: (g) => decomposeFfts(g, isPow2),
};
