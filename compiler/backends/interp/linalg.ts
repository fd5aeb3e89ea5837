/**
 * Interpreter kernels for matmul (batched, broadcast batch dims, real and complex; i-k-j loop
 * order so the inner loop streams rows of B and C) and fft/ifft (radix-2 for powers of two,
 * Bluestein's chirp-z otherwise; 1-D over the last axis or 2-D over the last two).
 * Conventions: fft is unnormalized, ifft scales by 1/N (N = product of transformed sizes).
 */
import type { Node } from "../../ir/graph.js";
import { isComplex, numel, type TypeShape } from "../../ir/types.js";
import { broadcastMap, toComplexInto, type Kernel } from "./util.js";

export function matmulKernel(node: Node, a: TypeShape, b: TypeShape): Kernel {
  const cx = isComplex(node.dtype);
  const r = node.shape.length;
  const m = node.shape[r - 2]!, n = node.shape[r - 1]!, k = a.shape[a.shape.length - 1]!;
  const batch = node.shape.slice(0, -2);
  const nb = numel(batch);
  const ba = broadcastMap(a.shape.slice(0, -2), batch);
  const bb = broadcastMap(b.shape.slice(0, -2), batch);
  const wa = cx && !isComplex(a.dtype) ? new Float64Array(2 * numel(a.shape)) : null;
  const wb = cx && !isComplex(b.dtype) ? new Float64Array(2 * numel(b.shape)) : null;
  return ([x, y], O) => {
    let A = x!, B = y!;
    if (wa) { toComplexInto(A, wa); A = wa; }
    if (wb) { toComplexInto(B, wb); B = wb; }
    O.fill(0);
    for (let t = 0; t < nb; t++) {
      const aOff = ba[t]! * m * k, bOff = bb[t]! * k * n, oOff = t * m * n;
      if (!cx) {
        for (let i = 0; i < m; i++) {
          const orow = oOff + i * n, arow = aOff + i * k;
          for (let kk = 0; kk < k; kk++) {
            const av = A[arow + kk]!;
            if (av === 0) continue;
            const brow = bOff + kk * n;
            for (let j = 0; j < n; j++) O[orow + j] += av * B[brow + j]!;
          }
        }
      } else {
        for (let i = 0; i < m; i++) {
          const orow = 2 * (oOff + i * n), arow = 2 * (aOff + i * k);
          for (let kk = 0; kk < k; kk++) {
            const ar = A[arow + 2 * kk]!, ai = A[arow + 2 * kk + 1]!;
            if (ar === 0 && ai === 0) continue;
            const brow = 2 * (bOff + kk * n);
            for (let j = 0; j < n; j++) {
              const br = B[brow + 2 * j]!, bi = B[brow + 2 * j + 1]!;
              O[orow + 2 * j] += ar * br - ai * bi;
              O[orow + 2 * j + 1] += ar * bi + ai * br;
            }
          }
        }
      }
    }
  };
}

/** A 1-D complex DFT of one length, on an interleaved scratch buffer of 2N doubles. */
export class FftPlan {
  readonly buf: Float64Array;
  private readonly rev: Uint32Array | null = null;
  private readonly twr: Float64Array | null = null;
  private readonly twi: Float64Array | null = null;
  // Bluestein
  private readonly inner: FftPlan | null = null;
  private readonly chr: Float64Array | null = null; // chirp w_k = e^{-iπ k²/N}
  private readonly chi: Float64Array | null = null;
  private readonly bhat: Float64Array | null = null; // FFT of the conjugate chirp, length M

  constructor(readonly n: number) {
    this.buf = new Float64Array(2 * n);
    if (n <= 1) return;
    if ((n & (n - 1)) === 0) {
      const bits = Math.log2(n);
      this.rev = new Uint32Array(n);
      for (let i = 0; i < n; i++) {
        let r = 0;
        for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
        this.rev[i] = r;
      }
      this.twr = new Float64Array(n / 2);
      this.twi = new Float64Array(n / 2);
      for (let j = 0; j < n / 2; j++) {
        this.twr[j] = Math.cos((-2 * Math.PI * j) / n);
        this.twi[j] = Math.sin((-2 * Math.PI * j) / n);
      }
      return;
    }
    let M = 1;
    while (M < 2 * n - 1) M *= 2;
    this.inner = new FftPlan(M);
    this.chr = new Float64Array(n);
    this.chi = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const k2 = (k * k) % (2 * n); // exact phase reduction keeps the chirp accurate for large k
      this.chr[k] = Math.cos((-Math.PI * k2) / n);
      this.chi[k] = Math.sin((-Math.PI * k2) / n);
    }
    const b = this.inner.buf;
    b.fill(0);
    for (let k = 0; k < n; k++) {
      b[2 * k] = this.chr[k]!;
      b[2 * k + 1] = -this.chi[k]!;
      if (k > 0) { b[2 * (M - k)] = this.chr[k]!; b[2 * (M - k) + 1] = -this.chi[k]!; }
    }
    this.inner.forward();
    this.bhat = Float64Array.from(b);
  }

  /** In place on buf: X_k = Σ x_j e^{-2πi jk/N}. */
  forward(): void {
    const n = this.n, x = this.buf;
    if (n <= 1) return;
    if (this.rev) {
      const rev = this.rev, twr = this.twr!, twi = this.twi!;
      for (let i = 0; i < n; i++) {
        const j = rev[i]!;
        if (j > i) {
          let t = x[2 * i]!; x[2 * i] = x[2 * j]!; x[2 * j] = t;
          t = x[2 * i + 1]!; x[2 * i + 1] = x[2 * j + 1]!; x[2 * j + 1] = t;
        }
      }
      for (let size = 2; size <= n; size *= 2) {
        const half = size / 2, step = n / size;
        for (let s = 0; s < n; s += size)
          for (let j = 0; j < half; j++) {
            const wr = twr[j * step]!, wi = twi[j * step]!;
            const p = 2 * (s + j), q = 2 * (s + j + half);
            const tr = wr * x[q]! - wi * x[q + 1]!, ti = wr * x[q + 1]! + wi * x[q]!;
            x[q] = x[p]! - tr; x[q + 1] = x[p + 1]! - ti;
            x[p] += tr; x[p + 1] += ti;
          }
      }
      return;
    }
    const inner = this.inner!, y = inner.buf, M = inner.n;
    const cr = this.chr!, ci = this.chi!, bh = this.bhat!;
    y.fill(0);
    for (let k = 0; k < n; k++) {
      const xr = x[2 * k]!, xi = x[2 * k + 1]!;
      y[2 * k] = xr * cr[k]! - xi * ci[k]!;
      y[2 * k + 1] = xr * ci[k]! + xi * cr[k]!;
    }
    inner.forward();
    for (let k = 0; k < M; k++) {
      const yr = y[2 * k]!, yi = y[2 * k + 1]!, br = bh[2 * k]!, bi = bh[2 * k + 1]!;
      // multiply and conjugate, so the next forward() computes a conjugated inverse transform
      y[2 * k] = yr * br - yi * bi;
      y[2 * k + 1] = -(yr * bi + yi * br);
    }
    inner.forward();
    for (let k = 0; k < n; k++) {
      const vr = y[2 * k]! / M, vi = -y[2 * k + 1]! / M;
      x[2 * k] = vr * cr[k]! - vi * ci[k]!;
      x[2 * k + 1] = vr * ci[k]! + vi * cr[k]!;
    }
  }

  /** In place on buf: x_j = (1/N) Σ X_k e^{+2πi jk/N} (conjugation trick). */
  inverse(): void {
    const x = this.buf, n = this.n;
    for (let i = 0; i < n; i++) x[2 * i + 1] = -x[2 * i + 1]!;
    this.forward();
    const f = 1 / n;
    for (let i = 0; i < n; i++) { x[2 * i] *= f; x[2 * i + 1] = -x[2 * i + 1]! * f; }
  }
}

export function fftKernel(node: Node, x: TypeShape): Kernel {
  const inv = node.op === "ifft";
  const dims = node.attrs.dims as number;
  const r = node.shape.length;
  const n1 = node.shape[r - 1]!;
  const n2 = dims === 2 ? node.shape[r - 2]! : 1;
  const planRow = new FftPlan(n1);
  const planCol = dims === 2 ? new FftPlan(n2) : null;
  const total = numel(node.shape);
  const widen = !isComplex(x.dtype);
  return ([s], o) => {
    if (widen) toComplexInto(s!, o);
    else o.set(s!);
    if (total === 0) return;
    const rb = planRow.buf;
    for (let off = 0; off < total; off += n1) {
      rb.set(o.subarray(2 * off, 2 * (off + n1)));
      if (inv) planRow.inverse(); else planRow.forward();
      o.set(rb, 2 * off);
    }
    if (!planCol) return;
    const cb = planCol.buf;
    for (let base = 0; base < total; base += n1 * n2)
      for (let c = 0; c < n1; c++) {
        for (let i = 0; i < n2; i++) {
          const p = 2 * (base + i * n1 + c);
          cb[2 * i] = o[p]!; cb[2 * i + 1] = o[p + 1]!;
        }
        if (inv) planCol.inverse(); else planCol.forward();
        for (let i = 0; i < n2; i++) {
          const p = 2 * (base + i * n1 + c);
          o[p] = cb[2 * i]!; o[p + 1] = cb[2 * i + 1]!;
        }
      }
  };
}
