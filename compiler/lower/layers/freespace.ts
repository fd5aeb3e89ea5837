/**
 * The physics of `std/freespace` (diffractive optics; the elements are in stdlib/freespace.ts).
 * Fields are c64 [B, h, w]; x is the column index (last axis), y the row index; sample (r, c)
 * sits at ((c − (w−1)/2)Δ, (r − (h−1)/2)Δ).
 *
 * propagate (angular spectrum, Goodman, Introduction to Fourier Optics §3.10):
 *   U_z = F⁻¹{ F{U₀} · H },  H(f_x, f_y) = exp(i k_z z),  k_z = 2π √(1/λ² − f_x² − f_y²),
 *   f = k/(NΔ) in FFT order; components with f_x² + f_y² ≥ 1/λ² (evanescent) are cut (H = 0).
 *   `pad` zero-pads each side before the FFT and crops afterwards (no wrap-around).
 *   Device: a per-chip distance error δz multiplies H by exp(i k_z δz).
 * phase_mask: u·e^{iφ}; device: φ + per-chip error, then φ rounded to multiples of 2π/levels
 *   (straight-through gradient), then the mask shifted laterally by a per-chip offset. amplitude_mask: u·sigmoid(a). lens: u·exp(−iπ(x² + y²)/(λf)).
 * detector_regions: Σ_region |u|² per class (a constant 0/1 matrix); device: shot noise
 *   √(I/n_photons)·N(0,1) and additive noise σ·N(0,1) per shot and region.
 */
import type { GraphBuilder, Node } from "../../ir/graph.js";

export interface PropagateOptions {
  readonly distance: number;
  readonly wavelength: number;
  readonly pitch: number;
  /** Zero padding per side (samples). */
  readonly pad: number;
}

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

/** Applies the angular-spectrum propagator to u [..., h, w] (any real distance, also negative). */
export function lowerPropagate(b: GraphBuilder, u: Node, o: PropagateOptions, distanceError?: Node): Node {
  const r = u.shape.length;
  const h = u.shape[r - 2], w = u.shape[r - 1];
  const pad = o.pad;
  const rows = h + 2 * pad, cols = w + 2 * pad;
  const kz = axialWavenumber(rows, cols, o.wavelength, o.pitch);
  const transfer = new Float64Array(2 * rows * cols);
  for (let i = 0; i < kz.length; i++) {
    if (Number.isNaN(kz[i])) continue; // evanescent: cut
    transfer[2 * i] = Math.cos(kz[i] * o.distance);
    transfer[2 * i + 1] = Math.sin(kz[i] * o.distance);
  }
  const lead = u.shape.slice(0, -2).map(() => 0);
  const field = pad > 0 ? b.pad(u, [...lead, pad, pad], [...lead, pad, pad]) : u;
  let spectrum = b.mul(b.fft(field, 2), b.const(Array.from(transfer), "c64", [rows, cols]));
  if (distanceError) {
    const kzProp = Array.from(kz, (k) => (Number.isNaN(k) ? 0 : k));
    spectrum = b.mul(spectrum, b.expi(b.mul(b.const(kzProp, "f32", [rows, cols]), distanceError)));
  }
  const out = b.ifft(spectrum, 2);
  if (pad === 0) return out;
  return b.slice(out, [...lead, pad, pad], [...u.shape.slice(0, -2), pad + h, pad + w]);
}

/** φ rounded to the nearest multiple of 2π/levels with a straight-through gradient. */
export function quantizePhase(b: GraphBuilder, phi: Node, levels: number): Node {
  // quantize rounds to lo + kΔ on [lo, hi]; lo = −2π·T with T whole turns keeps the grid at multiples of Δ
  const step = (2 * Math.PI) / levels;
  const turns = 1024;
  const bits = Math.ceil(Math.log2(2 * turns * levels + 1));
  const lo = -2 * Math.PI * turns;
  return b.quantize(phi, bits, lo, lo + (2 ** bits - 1) * step);
}

/**
 * Shifts a mask transmission t[h, w] laterally by (s_x, s_y) metres (shift: real [2]) with the
 * Fourier shift theorem, t(x − s_x, y − s_y) = F⁻¹{F{t}·exp(−i2π(f_x s_x + f_y s_y))}: exact for
 * whole-pixel shifts (circular), band-limited interpolation in between.
 */
export function shiftMask(b: GraphBuilder, t: Node, shift: Node, pitch: number): Node {
  const h = t.shape[t.shape.length - 2], w = t.shape[t.shape.length - 1];
  const freq = (n: number) => Array.from({ length: n }, (_, k) => -2 * Math.PI * fftFrequency(k, n, pitch));
  const fx = b.const(freq(w), "f32", [1, w]), fy = b.const(freq(h), "f32", [h, 1]);
  const sx = b.reshape(b.slice(shift, [0], [1]), []), sy = b.reshape(b.slice(shift, [1], [2]), []);
  const ramp = b.expi(b.add(b.mul(fx, sx), b.mul(fy, sy)));
  return b.ifft(b.mul(b.fft(t, 2), ramp), 2);
}

/** Sample coordinates ((i − (n−1)/2)·Δ) along one axis. */
export function centredCoordinates(n: number, pitch: number): number[] {
  return Array.from({ length: n }, (_, i) => (i - (n - 1) / 2) * pitch);
}

/** The thin-lens transmission exp(−iπ(x² + y²)/(λf)) on an h × w grid, interleaved c64. */
export function lensTransmission(h: number, w: number, focal: number, wavelength: number, pitch: number): number[] {
  const ys = centredCoordinates(h, pitch), xs = centredCoordinates(w, pitch);
  const t: number[] = [];
  for (const y of ys)
    for (const x of xs) {
      const phase = (-Math.PI * (x * x + y * y)) / (wavelength * focal);
      t.push(Math.cos(phase), Math.sin(phase));
    }
  return t;
}

/** The detector grid: ⌈√classes⌉ columns (regions per row) and ⌈classes/columns⌉ rows. */
export function detectorGrid(classes: number): { perRow: number; rows: number } {
  const perRow = Math.ceil(Math.sqrt(classes));
  return { perRow, rows: Math.ceil(classes / perRow) };
}

/** Whether `classes` regions of side `size` fit in an h × w field (one region per grid cell). */
export function detectorLayoutFits(h: number, w: number, classes: number, size: number): boolean {
  const { perRow, rows } = detectorGrid(classes);
  return perRow * size <= w && rows * size <= h;
}

/**
 * The detector layout: `classes` squares of side `size` on a grid of ⌈√classes⌉ columns and
 * ⌈classes/columns⌉ rows; the field is split into equal cells (⌊w/columns⌋ × ⌊h/rows⌋), each
 * region centred in its cell, the cell grid centred in the field; a short last row is centred.
 * Returns the top-left [row, col] of each region.
 */
export function detectorLayout(h: number, w: number, classes: number, size: number): [number, number][] {
  const { perRow, rows } = detectorGrid(classes);
  const cellW = Math.floor(w / perRow), cellH = Math.floor(h / rows);
  const y0 = Math.floor((h - rows * cellH) / 2);
  const out: [number, number][] = [];
  for (let i = 0; i < classes; i++) {
    const row = Math.floor(i / perRow), col = i % perRow;
    const inRow = Math.min(perRow, classes - row * perRow);
    const x0 = Math.floor((w - inRow * cellW) / 2);
    out.push([y0 + row * cellH + Math.floor((cellH - size) / 2), x0 + col * cellW + Math.floor((cellW - size) / 2)]);
  }
  return out;
}

/** Σ |u|² over each region: intensity [B, h, w] → [B, classes] via a constant 0/1 matrix. */
export function lowerDetectorRegions(b: GraphBuilder, u: Node, classes: number, size: number): Node {
  const r = u.shape.length;
  const h = u.shape[r - 2], w = u.shape[r - 1];
  const m = new Array<number>(h * w * classes).fill(0);
  detectorLayout(h, w, classes, size).forEach(([top, left], k) => {
    for (let y = top; y < top + size; y++) for (let x = left; x < left + size; x++) m[(y * w + x) * classes + k] = 1;
  });
  const flat = b.reshape(b.abs2(u), [...u.shape.slice(0, -2), h * w]);
  return b.matmul(flat, b.const(m, "f32", [h * w, classes]));
}
