/**
 * Transfer functions of free-space propagation on a zero-padded grid, and the window each
 * method needs to be exact (std/freespace `propagate`; docs/physics-freespace.md). In: the
 * geometry (distance z, wavelength λ, pitch Δ, field and window sizes). Out: the transfer function
 * H[r, c] (interleaved complex, FFT order) that the lowering multiplies the field's spectrum by,
 * and the window sizes. It builds no IR.
 *
 * Two methods, both a convolution done by FFT on a padded window of M samples per axis:
 *   rayleigh_sommerfeld (Lin et al., Science 361, 1004 (2018), Eq. 1; Goodman §3.5): every sample
 *     is a point source ("neuron") radiating w(x, y, z) = (z/r²)(1/(2πr) − i/λ)e^{i2πr/λ}·Δ²,
 *     r = √(x² + y² + z²). H = DFT of w sampled at the offsets |j|, |k| ≤ n − 1. With M ≥ 2n − 1
 *     the circular convolution is the linear one: the result equals the direct sum over every
 *     source sample (no wrap-around, nothing lost but light leaving the window).
 *   angular_spectrum, band-limited (Matsushima & Shimobaba, Opt. Express 17, 19662 (2009)):
 *     H = exp(i2πz√(1/λ² − f_x² − f_y²)) where |f_x|, |f_y| ≤ u_lim = 1/(λ√((2z/(MΔ))² + 1)) and
 *     the wave propagates, else 0. Every propagating frequency on the grid is kept (and H sampled
 *     without aliasing) only when z ≤ (MΔ²/λ)·√(1 − (λ/2Δ)²), so that is the window it needs.
 */

export type PropagationMethod = "rayleigh_sommerfeld" | "angular_spectrum";

/** Spatial frequency of FFT bin k of n samples at pitch Δ: k/(nΔ), upper half negative. */
export function fftFrequency(k: number, n: number, pitch: number): number {
  return (k < Math.ceil(n / 2) ? k : k - n) / (n * pitch);
}

/** k_z[r, c] on an rows × cols grid (rad/m); NaN where the component is evanescent. */
export function axialWavenumber(rows: number, cols: number, wavelength: number, pitch: number): Float64Array {
  const kz = new Float64Array(rows * cols);
  const inv2 = 1 / (wavelength * wavelength);
  for (let r = 0; r < rows; r++) {
    const fy = fftFrequency(r, rows, pitch);
    for (let c = 0; c < cols; c++) {
      const fx = fftFrequency(c, cols, pitch);
      const s = inv2 - fx * fx - fy * fy;
      kz[r * cols + c] = s > 0 ? 2 * Math.PI * Math.sqrt(s) : NaN;
    }
  }
  return kz;
}

/** Matsushima's band limit u_lim = 1/(λ√((2zΔu)² + 1)), Δu = 1/(MΔ), for a window of M samples. */
export function bandLimit(distance: number, wavelength: number, pitch: number, window: number): number {
  return 1 / (wavelength * Math.sqrt(((2 * Math.abs(distance)) / (window * pitch)) ** 2 + 1));
}

/**
 * The smallest window (samples per axis) in which `method` propagates an n-sample field exactly:
 * 2n − 1 for rayleigh_sommerfeld; for angular_spectrum also z·λ/(Δ²√(1 − (λ/2Δ)²)) (every
 * propagating frequency inside the band limit), Infinity when Δ ≤ λ/2 (grazing waves can never be
 * sampled: use rayleigh_sommerfeld).
 */
export function exactWindow(n: number, method: PropagationMethod, distance: number, wavelength: number, pitch: number): number {
  const linear = 2 * n - 1;
  if (method === "rayleigh_sommerfeld") return linear;
  const ratio = wavelength / (2 * pitch);
  if (ratio >= 1) return Infinity;
  return Math.max(linear, Math.ceil((Math.abs(distance) * wavelength) / (pitch * pitch * Math.sqrt(1 - ratio * ratio)) - 1e-9));
}

/** The window pnn picks when `pad` is left out: the exact window rounded up to a power of two (radix-2 FFTs). */
export function automaticWindow(n: number, method: PropagationMethod, distance: number, wavelength: number, pitch: number): number {
  const need = exactWindow(n, method, distance, wavelength, pitch);
  return Number.isFinite(need) ? 2 ** Math.ceil(Math.log2(need)) : need;
}

/** Per-side zero padding of an n-sample axis in a window of m samples (the odd sample goes after). */
export function paddingFor(n: number, m: number): [number, number] {
  const before = Math.floor((m - n) / 2);
  return [before, m - n - before];
}

/** Fraction of the propagating frequency bins of an M_r × M_c window that the band limit cuts (0: none). */
export function bandLimitedFraction(rows: number, cols: number, distance: number, wavelength: number, pitch: number): number {
  const ur = bandLimit(distance, wavelength, pitch, rows), uc = bandLimit(distance, wavelength, pitch, cols);
  const kz = axialWavenumber(rows, cols, wavelength, pitch);
  let propagating = 0, cut = 0;
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      if (Number.isNaN(kz[r * cols + c])) continue;
      propagating++;
      if (Math.abs(fftFrequency(c, cols, pitch)) > uc || Math.abs(fftFrequency(r, rows, pitch)) > ur) cut++;
    }
  return propagating ? cut / propagating : 0;
}

/** Band-limited angular-spectrum transfer function on a rows × cols window, interleaved c64; `bandLimited: false` keeps every propagating bin. */
export function angularSpectrumTransfer(rows: number, cols: number, distance: number, wavelength: number, pitch: number, bandLimited: boolean): Float64Array {
  const kz = axialWavenumber(rows, cols, wavelength, pitch);
  const ur = bandLimited ? bandLimit(distance, wavelength, pitch, rows) : Infinity;
  const uc = bandLimited ? bandLimit(distance, wavelength, pitch, cols) : Infinity;
  const h = new Float64Array(2 * rows * cols);
  for (let r = 0; r < rows; r++) {
    if (Math.abs(fftFrequency(r, rows, pitch)) > ur) continue;
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      if (Number.isNaN(kz[i]) || Math.abs(fftFrequency(c, cols, pitch)) > uc) continue; // evanescent or beyond the band limit: cut
      h[2 * i] = Math.cos(kz[i] * distance);
      h[2 * i + 1] = Math.sin(kz[i] * distance);
    }
  }
  return h;
}

/** The Rayleigh–Sommerfeld point-source response (z/r²)(1/(2πr) − i/λ)e^{i2πr/λ}·area at lateral offset (x, y). */
export function rayleighSommerfeldResponse(x: number, y: number, z: number, wavelength: number, area: number): [number, number] {
  const r2 = x * x + y * y + z * z, r = Math.sqrt(r2);
  const a = (z / r2) * area;
  const re = a / (2 * Math.PI * r), im = -a / wavelength; // (1/(2πr) − i/λ)
  const phase = (2 * Math.PI * r) / wavelength;
  const c = Math.cos(phase), s = Math.sin(phase);
  return [re * c - im * s, re * s + im * c];
}

/**
 * The Rayleigh–Sommerfeld transfer function on a rows × cols window for an h × w field: the point
 * response at every offset |j| ≤ h − 1, |k| ≤ w − 1 (index j mod rows), transformed by a DFT.
 */
export function rayleighSommerfeldTransfer(rows: number, cols: number, h: number, w: number, distance: number, wavelength: number, pitch: number): Float64Array {
  const kernel = new Float64Array(2 * rows * cols);
  const area = pitch * pitch;
  for (let j = -(h - 1); j <= h - 1; j++)
    for (let k = -(w - 1); k <= w - 1; k++) {
      const [re, im] = rayleighSommerfeldResponse(k * pitch, j * pitch, distance, wavelength, area);
      const i = (((j % rows) + rows) % rows) * cols + (((k % cols) + cols) % cols);
      kernel[2 * i] += re;
      kernel[2 * i + 1] += im;
    }
  dft2(kernel, rows, cols);
  return kernel;
}

/** In place, the unnormalised forward 2-D DFT X[k] = Σ x[n] e^{−2πi nk/N} of an interleaved rows × cols array. */
export function dft2(data: Float64Array, rows: number, cols: number): void {
  const line = (n: number) => ({ re: new Float64Array(n), im: new Float64Array(n) });
  const row = line(cols), col = line(rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) (row.re[c] = data[2 * (r * cols + c)]!), (row.im[c] = data[2 * (r * cols + c) + 1]!);
    dft1(row.re, row.im);
    for (let c = 0; c < cols; c++) (data[2 * (r * cols + c)] = row.re[c]!), (data[2 * (r * cols + c) + 1] = row.im[c]!);
  }
  for (let c = 0; c < cols; c++) {
    for (let r = 0; r < rows; r++) (col.re[r] = data[2 * (r * cols + c)]!), (col.im[r] = data[2 * (r * cols + c) + 1]!);
    dft1(col.re, col.im);
    for (let r = 0; r < rows; r++) (data[2 * (r * cols + c)] = col.re[r]!), (data[2 * (r * cols + c) + 1] = col.im[r]!);
  }
}

/** In place forward DFT of one line: radix-2 for powers of two, the direct sum otherwise (compile-time constants only). */
function dft1(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  if ((n & (n - 1)) === 0) {
    for (let i = 1, j = 0; i < n; i++) {
      let bit = n >> 1;
      for (; j & bit; bit >>= 1) j ^= bit;
      j ^= bit;
      if (i < j) {
        [re[i], re[j]] = [re[j]!, re[i]!];
        [im[i], im[j]] = [im[j]!, im[i]!];
      }
    }
    for (let len = 2; len <= n; len <<= 1) {
      const step = (-2 * Math.PI) / len;
      for (let i = 0; i < n; i += len)
        for (let k = 0; k < len / 2; k++) {
          const wr = Math.cos(step * k), wi = Math.sin(step * k);
          const p = i + k, q = i + k + len / 2;
          const tr = re[q]! * wr - im[q]! * wi, ti = re[q]! * wi + im[q]! * wr;
          re[q] = re[p]! - tr;
          im[q] = im[p]! - ti;
          re[p] += tr;
          im[p] += ti;
        }
    }
    return;
  }
  const outRe = new Float64Array(n), outIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let sr = 0, si = 0;
    for (let t = 0; t < n; t++) {
      const a = (-2 * Math.PI * ((k * t) % n)) / n;
      const c = Math.cos(a), s = Math.sin(a);
      sr += re[t]! * c - im[t]! * s;
      si += re[t]! * s + im[t]! * c;
    }
    outRe[k] = sr;
    outIm[k] = si;
  }
  re.set(outRe);
  im.set(outIm);
}
