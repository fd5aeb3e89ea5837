/**
 * The physics of `std/freespace` (diffractive optics; the elements are in stdlib/freespace.ts).
 * Fields are c64 [B, h, w]; x is the column index (last axis), y the row index; sample (r, c)
 * sits at ((c − (w−1)/2)Δ, (r − (h−1)/2)Δ).
 *
 * propagate: a convolution by FFT on a zero-padded window, U_z = crop(F⁻¹{F{pad(U₀)}·H}), with H
 *   from compiler/lower/layers/freespace-transfer.ts: the Rayleigh–Sommerfeld point-source
 *   response (Lin et al. 2018; exact in a window of 2n − 1) or the band-limited angular spectrum
 *   H = exp(i k_z z), k_z = 2π√(1/λ² − f_x² − f_y²) (Matsushima & Shimobaba 2009).
 *   Device: a per-chip distance error δz multiplies H by exp(i k_z δz) (angular spectrum over δz).
 * phase_mask: u·e^{iφ}; device: φ + per-chip error, then φ rounded to multiples of 2π/levels
 *   (straight-through gradient), then the mask shifted laterally by a per-chip offset. amplitude_mask: u·sigmoid(a). lens: u·exp(−iπ(x² + y²)/(λf)).
 * detector_regions: Σ_region |u|² per class (a constant 0/1 matrix); device: shot noise
 *   √(I/n_photons)·N(0,1) and additive noise σ·N(0,1) per shot and region.
 */
import type { GraphBuilder, Node } from "../../ir/graph.js";
import { angularSpectrumTransfer, axialWavenumber, fftFrequency, rayleighSommerfeldTransfer, type PropagationMethod } from "./freespace-transfer.js";

export { axialWavenumber, fftFrequency };

/** Zero padding of the two field axes: [before, after] samples for the rows and the columns. */
export interface Padding {
  readonly rows: readonly [number, number];
  readonly cols: readonly [number, number];
}

export interface PropagateOptions {
  readonly distance: number;
  readonly wavelength: number;
  readonly pitch: number;
  /** Zero padding: the same number of samples on every side, or per axis and side. */
  readonly pad: number | Padding;
  /** angular_spectrum (the default here) or rayleigh_sommerfeld. */
  readonly method?: PropagationMethod;
  /** angular_spectrum only: cut the frequencies beyond Matsushima's band limit (the element always does). */
  readonly bandLimited?: boolean;
}

/**
 * Propagates u [..., h, w] over `distance` (angular spectrum: any real distance, also negative;
 * Rayleigh–Sommerfeld: distance > 0). The window is the field plus its padding.
 */
export function lowerPropagate(b: GraphBuilder, u: Node, o: PropagateOptions, distanceError?: Node): Node {
  const r = u.shape.length;
  const h = u.shape[r - 2]!, w = u.shape[r - 1]!;
  const pad: Padding = typeof o.pad === "number" ? { rows: [o.pad, o.pad], cols: [o.pad, o.pad] } : o.pad;
  const rows = h + pad.rows[0] + pad.rows[1], cols = w + pad.cols[0] + pad.cols[1];
  const transfer =
    o.method === "rayleigh_sommerfeld"
      ? rayleighSommerfeldTransfer(rows, cols, h, w, o.distance, o.wavelength, o.pitch)
      : angularSpectrumTransfer(rows, cols, o.distance, o.wavelength, o.pitch, o.bandLimited ?? false);
  const lead = u.shape.slice(0, -2).map(() => 0);
  const padded = pad.rows[0] + pad.rows[1] + pad.cols[0] + pad.cols[1] > 0;
  const field = padded ? b.pad(u, [...lead, pad.rows[0], pad.cols[0]], [...lead, pad.rows[1], pad.cols[1]]) : u;
  let spectrum = b.mul(b.fft(field, 2), b.const(Array.from(transfer), "c64", [rows, cols]));
  if (distanceError) {
    const kz = axialWavenumber(rows, cols, o.wavelength, o.pitch);
    const kzProp = Array.from(kz, (k) => (Number.isNaN(k) ? 0 : k));
    spectrum = b.mul(spectrum, b.expi(b.mul(b.const(kzProp, "f32", [rows, cols]), distanceError)));
  }
  const out = b.ifft(spectrum, 2);
  if (!padded) return out;
  return b.slice(out, [...lead, pad.rows[0], pad.cols[0]], [...u.shape.slice(0, -2), pad.rows[0] + h, pad.cols[0] + w]);
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

export type LensProfile = "exact" | "paraxial";

/**
 * The lens transmission on an h × w grid, interleaved c64: `exact` is the aberration-free
 * (hyperbolic) phase −k(√(x² + y² + f²) − f), which turns a plane wave into a spherical wave
 * converging exactly on the focus; `paraxial` its quadratic approximation −π(x² + y²)/(λf), the
 * textbook thin lens (Goodman §5.1), which focuses short of f as the numerical aperture grows.
 */
export function lensTransmission(h: number, w: number, focal: number, wavelength: number, pitch: number, profile: LensProfile = "paraxial"): number[] {
  const ys = centredCoordinates(h, pitch), xs = centredCoordinates(w, pitch);
  const k = (2 * Math.PI) / wavelength;
  const t: number[] = [];
  for (const y of ys)
    for (const x of xs) {
      const r2 = x * x + y * y;
      // √(r² + f²) − f written as r²/(√(r² + f²) + f): no cancellation for r ≪ f
      const phase = profile === "exact" ? -k * (r2 / (Math.sqrt(r2 + focal * focal) + focal)) : (-Math.PI * r2) / (wavelength * focal);
      t.push(Math.cos(phase), Math.sin(phase));
    }
  return t;
}

/**
 * The shortest focal length a lens on n samples of pitch Δ can have without its phase aliasing
 * (the local frequency of the phase at the edge, r = nΔ/2, stays below 1/(2Δ)): paraxial
 * r/(λf) ≤ 1/(2Δ) gives f ≥ nΔ²/λ; exact r/(λ√(r² + f²)) ≤ 1/(2Δ) gives f ≥ r√((2Δ/λ)² − 1)
 * (any f when Δ ≤ λ/2).
 */
export function shortestFocal(n: number, wavelength: number, pitch: number, profile: LensProfile): number {
  if (profile === "paraxial") return (n * pitch * pitch) / wavelength;
  const ratio = (2 * pitch) / wavelength;
  return ratio <= 1 ? 0 : ((n * pitch) / 2) * Math.sqrt(ratio * ratio - 1);
}

/** u [..., h, w] with every sample repeated scale×scale times, centred on a size×size zero plane. */
export function lowerEmbed(b: GraphBuilder, u: Node, size: number, scale: number): Node {
  const lead = u.shape.slice(0, -2);
  const h = u.shape[u.shape.length - 2]!, w = u.shape[u.shape.length - 1]!;
  let v = u;
  if (scale > 1) {
    const spread = b.broadcastTo(b.reshape(u, [...lead, h, 1, w, 1]), [...lead, h, scale, w, scale]);
    v = b.reshape(spread, [...lead, h * scale, w * scale]);
  }
  const [top, bottom] = [Math.floor((size - h * scale) / 2), size - h * scale - Math.floor((size - h * scale) / 2)];
  const [left, right] = [Math.floor((size - w * scale) / 2), size - w * scale - Math.floor((size - w * scale) / 2)];
  if (top + bottom + left + right === 0) return v;
  const zeros = lead.map(() => 0);
  return b.pad(v, [...zeros, top, left], [...zeros, bottom, right]);
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
