/**
 * Small dense complex square matrices (row-major, split re/im, float64) for the mesh
 * decompositions: products, adjoints, the MZI 2×2 transfer and distances. Not an IR: these run
 * at compile time (programming a matrix onto a mesh) and in tests.
 */
export interface CMatrix {
  readonly n: number;
  readonly re: Float64Array;
  readonly im: Float64Array;
}

export function zeros(n: number): CMatrix {
  return { n, re: new Float64Array(n * n), im: new Float64Array(n * n) };
}

export function identity(n: number): CMatrix {
  const m = zeros(n);
  for (let i = 0; i < n; i++) m.re[i * n + i] = 1;
  return m;
}

export function clone(m: CMatrix): CMatrix {
  return { n: m.n, re: Float64Array.from(m.re), im: Float64Array.from(m.im) };
}

/** From interleaved (re, im) row-major data, as tensors store complex values. */
export function fromInterleaved(n: number, data: ArrayLike<number>): CMatrix {
  const m = zeros(n);
  for (let k = 0; k < n * n; k++) {
    m.re[k] = data[2 * k]!;
    m.im[k] = data[2 * k + 1]!;
  }
  return m;
}

/** A real matrix (row-major) as a complex one. */
export function fromReal(n: number, data: ArrayLike<number>): CMatrix {
  const m = zeros(n);
  for (let k = 0; k < n * n; k++) m.re[k] = data[k]!;
  return m;
}

export function matmul(a: CMatrix, b: CMatrix): CMatrix {
  const n = a.n;
  const c = zeros(n);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      const ar = a.re[i * n + k]!, ai = a.im[i * n + k]!;
      if (ar === 0 && ai === 0) continue;
      for (let j = 0; j < n; j++) {
        const br = b.re[k * n + j]!, bi = b.im[k * n + j]!;
        c.re[i * n + j]! += ar * br - ai * bi;
        c.im[i * n + j]! += ar * bi + ai * br;
      }
    }
  return c;
}

export function adjoint(a: CMatrix): CMatrix {
  const n = a.n;
  const c = zeros(n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      c.re[j * n + i] = a.re[i * n + j]!;
      c.im[j * n + i] = -a.im[i * n + j]!;
    }
  return c;
}

/** max_ij |a_ij − b_ij|. */
export function maxAbsDiff(a: CMatrix, b: CMatrix): number {
  let worst = 0;
  for (let k = 0; k < a.n * a.n; k++) worst = Math.max(worst, Math.hypot(a.re[k]! - b.re[k]!, a.im[k]! - b.im[k]!));
  return worst;
}

/** max |(AᴴA − I)_ij|: 0 for a unitary matrix. */
export function unitarityError(a: CMatrix): number {
  return maxAbsDiff(matmul(adjoint(a), a), identity(a.n));
}

/**
 * The MZI transfer (neuroptica's convention) with couplers of angle π/4 + δ1 (first) and
 * π/4 + δ2 (second): T = D_top(φ) · B(α2) · D_top(θ) · B(α1), B(α) = [[cos α, i sin α], [i sin α, cos α]].
 * Returns [t00, t01, t10, t11] as [re, im] pairs. δ = 0 gives
 * ½ [[e^{iφ}(e^{iθ} − 1), i e^{iφ}(1 + e^{iθ})], [i(e^{iθ} + 1), 1 − e^{iθ}]].
 */
export function mzi(theta: number, phi: number, d1 = 0, d2 = 0): [number, number][] {
  const c1 = Math.cos(Math.PI / 4 + d1), s1 = Math.sin(Math.PI / 4 + d1);
  const c2 = Math.cos(Math.PI / 4 + d2), s2 = Math.sin(Math.PI / 4 + d2);
  const a = c1 * c2, b = s1 * s2, c = c2 * s1, d = s2 * c1;
  const tr = Math.cos(theta), ti = Math.sin(theta);
  const pr = Math.cos(phi), pi = Math.sin(phi);
  // t00 = e^{iφ}(a e^{iθ} − b); t01 = i e^{iφ}(c e^{iθ} + d); t10 = i(d e^{iθ} + c); t11 = a − b e^{iθ}
  const u = [a * tr - b, a * ti];
  const v = [-(c * ti), c * tr + d];
  return [
    [pr * u[0]! - pi * u[1]!, pr * u[1]! + pi * u[0]!],
    [pr * v[0]! - pi * v[1]!, pr * v[1]! + pi * v[0]!],
    [-(d * ti), d * tr + c],
    [a - b * tr, -b * ti],
  ];
}
