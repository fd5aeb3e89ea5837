/**
 * `std/freespace`: diffractive (free-space) optics on 2-D complex fields u[h, w], each element one
 * definition (signature + lowering). Propagation is a convolution by FFT on a zero-padded window:
 * the Rayleigh–Sommerfeld point-source response of Lin et al., Science 361, 1004 (2018) (the
 * default) or the band-limited angular spectrum (Matsushima & Shimobaba 2009); the window is
 * chosen so that the convolution is exact, and a `pad` too small to be exact is refused at check
 * time with the numbers (PNN3050). Masks are phase-only (t = e^{iφ}) or amplitude-only; a lens
 * has the exact (hyperbolic) or the paraxial phase; detector regions integrate intensity over one
 * square region per class. The physics (transfer functions, lens, mask shift, detector layout)
 * lives in compiler/lower/layers/freespace*.ts, detector noise in layers/optics.ts.
 * Device model (docs/physics-freespace.md): per-chip static deviations (mask phase error, layer
 * spacing error, mask misalignment) sampled once per simulated chip, mask phase quantization,
 * detector noise.
 */
import { detectorLayoutFits, lensTransmission, lowerDetectorRegions, lowerEmbed, lowerPropagate, quantizePhase, shiftMask, shortestFocal, type Padding } from "../compiler/lower/layers/freespace.js";
import { automaticWindow, bandLimitedFraction, exactWindow, paddingFor, type PropagationMethod } from "../compiler/lower/layers/freespace-transfer.js";
import { detectorNoise } from "../compiler/lower/layers/optics.js";
import { InternalError } from "../diagnostics/internal.js";
import { ANGLE, DIMENSIONLESS, LENGTH } from "../compiler/units.js";
import { defineLayer, type LayerDef } from "./element.js";
import { choice, int, NO_ARGS, optInt, optQuantity, optReal, quantity, real, schema, tensor } from "./schema.js";
import { showType, type TensorType } from "./types.js";

const isImage = (t: TensorType) => t.shape.length === 2;
const mm = (metres: number) => `${Number((metres * 1e3).toPrecision(3))} mm`;
const needImage = (name: string) => (input: TensorType) =>
  isImage(input) ? input : { error: `${name} expects complex[h, w], got ${showType(input)}` };
/** Field sizes on the transverse grid: [h, w] of a field [..., h, w]. */
const grid = (u: { readonly shape: readonly number[] }): [number, number] => [u.shape[u.shape.length - 2], u.shape[u.shape.length - 1]];

const wavelength = () => quantity(LENGTH, "λ", { min: 0, exclusiveMin: true });
const pitch = () => quantity(LENGTH, "sampling pitch Δ", { min: 0, exclusiveMin: true });

interface Geometry {
  readonly distance: number;
  readonly wavelength: number;
  readonly pitch: number;
  readonly method: PropagationMethod;
}

/** The padding `propagate` uses on an h × w field: `pad` on every side when given, else the automatic window's. */
function padding(h: number, w: number, pad: number | null, g: Geometry): Padding {
  if (pad !== null) return { rows: [pad, pad], cols: [pad, pad] };
  const window = (n: number) => automaticWindow(n, g.method, g.distance, g.wavelength, g.pitch);
  return { rows: paddingFor(h, window(h)), cols: paddingFor(w, window(w)) };
}

/** Why an explicit `pad` cannot propagate this field exactly (with the numbers and what to change), or undefined. */
export function propagationProblem(h: number, w: number, pad: number, g: Geometry): string | undefined {
  const n = Math.max(h, w), m = n + 2 * pad;
  const need = exactWindow(n, g.method, g.distance, g.wavelength, g.pitch);
  if (m >= need) return undefined;
  const where = `propagating ${h}×${w} samples of ${mm(g.pitch)} over ${mm(g.distance)} at λ = ${mm(g.wavelength)}`;
  const fix = (p: number) => `use pad ≥ ${p}, or leave pad out (pnn then picks a ${automaticWindow(n, g.method, g.distance, g.wavelength, g.pitch)}-sample window)`;
  if (g.method === "rayleigh_sommerfeld")
    return `${where}: pad: ${pad} gives a ${m}-sample window, but every sample radiates to every other, so the convolution needs ${need} samples (2n − 1) or the light leaving one edge wraps around onto the other; ${fix(Math.ceil((need - n) / 2))}`;
  const cut = Math.round(100 * bandLimitedFraction(m, m, g.distance, g.wavelength, g.pitch));
  const rule = `the angular spectrum is exact only when z ≤ (MΔ²/λ)·√(1 − (λ/2Δ)²)`;
  if (!Number.isFinite(need))
    return `${where}: ${rule}, which no window M meets when Δ ≤ λ/2 (waves at grazing angles cannot be sampled; ${cut}% of the propagating frequencies are cut on ${m} samples); use method: rayleigh_sommerfeld`;
  return `${where}: ${rule} (Matsushima & Shimobaba 2009), i.e. M ≥ ${need}; pad: ${pad} gives M = ${m}, which cuts ${cut}% of the propagating frequencies (light at those angles would wrap around the window); ${fix(Math.ceil((need - n) / 2))}, or use method: rayleigh_sommerfeld`;
}

export const propagate = defineLayer({
  module: "freespace",
  name: "propagate",
  doc: "Free-space propagation over `distance` as a convolution on a zero-padded window: `rayleigh_sommerfeld` (default) sums the point-source responses (z/r²)(1/(2πr) − i/λ)e^{i2πr/λ}Δ² of every sample (Lin et al. 2018), exact with a window of 2n − 1; `angular_spectrum` is the band-limited angular spectrum (Matsushima & Shimobaba 2009), exact when z ≤ (MΔ²/λ)√(1 − (λ/2Δ)²). `pad` (per side) is chosen for you when left out; a pad too small to be exact is an error.",
  input: "complex",
  args: schema({
    distance: quantity(LENGTH, "propagation distance z", { min: 0, exclusiveMin: true }),
    wavelength: wavelength(),
    pitch: pitch(),
    method: choice(["rayleigh_sommerfeld", "angular_spectrum"], "rayleigh_sommerfeld: point-source sum (Lin et al. 2018); angular_spectrum: band-limited (Matsushima & Shimobaba 2009)", { default: "rayleigh_sommerfeld" }),
    pad: optInt("zero padding per side (samples); when left out, the smallest power-of-two window that is exact", { min: 0, max: 4096 }),
    distance_error: optQuantity(LENGTH, "std of the per-chip error of the distance (axial misalignment), sampled once per chip", { min: 0 }),
  }),
  capabilities: ["differentiable", "linear", "reciprocal", "physical", "measurable"],
  infer(input, a) {
    if (!isImage(input)) return { error: `propagate expects complex[h, w], got ${showType(input)}` };
    if (a.pad !== null) {
      const problem = propagationProblem(input.shape[0]!, input.shape[1]!, a.pad, a);
      if (problem) return { error: problem, arg: "pad", code: "PNN3050" };
    } else if (!Number.isFinite(exactWindow(Math.max(input.shape[0]!, input.shape[1]!), a.method, a.distance, a.wavelength, a.pitch)))
      return { error: `the angular spectrum cannot propagate exactly when the pitch ${mm(a.pitch)} is at most λ/2 = ${mm(a.wavelength / 2)} (waves at grazing angles cannot be sampled on any window); use method: rayleigh_sommerfeld`, arg: "method", code: "PNN3050" };
    return input;
  },
  deviceVars: (_input, a) => (a.distance_error ? [{ name: "distance_error", type: { dtype: "real", shape: [] }, dist: { kind: "normal", mean: 0, std: a.distance_error, dim: LENGTH }, perShot: false }] : []),
  lower(ctx, u, a) {
    const { distance, wavelength, pitch, pad, method } = a.values;
    const [h, w] = grid(u);
    const o = { distance, wavelength, pitch, method, pad: padding(h, w, pad, a.values), bandLimited: true };
    return lowerPropagate(ctx.b, u, o, ctx.device ? a.tensors.distance_error : undefined);
  },
});

export const phase_mask = defineLayer({
  module: "freespace",
  name: "phase_mask",
  doc: "A trainable phase-only mask t(x, y) = e^{iφ(x, y)} (a diffractive layer). Device model: a static per-chip phase error (fabrication, e.g. thickness error of a 3D-printed mask) of std `phase_error`, then quantization of φ to `levels` steps of 2π/levels (straight-through gradient), and a static per-chip lateral offset of the whole mask (std `misalignment`, sub-pixel, by Fourier shift).",
  input: "complex",
  args: schema({
    phases: tensor("real", "the mask phases φ[h, w]; owned by the instance when omitted", { dim: ANGLE, optional: true }),
    levels: optInt("phase levels of the fabricated mask", { min: 2, max: 65536, device: true }),
    phase_error: optQuantity(ANGLE, "std of the per-chip static phase error of each pixel", { min: 0 }),
    misalignment: optQuantity(LENGTH, "std of the per-chip lateral offset (x and y) of the mask; needs `pitch`", { min: 0 }),
    pitch: optQuantity(LENGTH, "mask pixel pitch Δ (for misalignment)", { min: 0, exclusiveMin: true }),
  }),
  capabilities: ["differentiable", "linear", "reciprocal", "physical", "measurable"],
  infer(input, a, tensors) {
    if (!isImage(input)) return { error: `phase_mask expects complex[h, w], got ${showType(input)}` };
    if (a.misalignment && !a.pitch) return { error: "phase_mask's misalignment needs the mask's pitch", arg: "misalignment" };
    const p = tensors.phases;
    if (p && (p.shape.length !== 2 || p.shape[0] !== input.shape[0] || p.shape[1] !== input.shape[1]))
      return { error: `phase_mask on a ${input.shape[0]}×${input.shape[1]} field expects phases real[${input.shape[0]},${input.shape[1]}], got ${showType(p)}`, arg: "phases" };
    return input;
  },
  params: (input, _a, tensors) => (tensors.phases ? [] : [{ name: "phases", type: { dtype: "real", shape: input.shape }, init: { kind: "uniform", lo: 0, hi: 2 * Math.PI, dim: ANGLE } }]),
  deviceVars: (input, a) => [
    ...(a.phase_error ? [{ name: "phase_error", type: { dtype: "real" as const, shape: input.shape }, dist: { kind: "normal" as const, mean: 0, std: a.phase_error, dim: ANGLE }, perShot: false }] : []),
    ...(a.misalignment ? [{ name: "misalignment", type: { dtype: "real" as const, shape: [2] }, dist: { kind: "normal" as const, mean: 0, std: a.misalignment, dim: LENGTH }, perShot: false }] : []),
  ],
  lower(ctx, u, a) {
    const { b } = ctx;
    const { levels, pitch } = a.values;
    let phi = a.tensors.phases ?? a.owned.phases;
    if (ctx.device) {
      if (a.tensors.phase_error) phi = b.add(phi, a.tensors.phase_error);
      if (levels) phi = quantizePhase(b, phi, levels);
    }
    let t = b.expi(phi);
    if (ctx.device && a.tensors.misalignment) {
      if (!pitch) throw new InternalError("phase_mask: a misaligned mask reached lowering without its pitch (the checker requires one)");
      t = shiftMask(b, t, a.tensors.misalignment, pitch);
    }
    return b.mul(u, t);
  },
});

export const amplitude_mask = defineLayer({
  module: "freespace",
  name: "amplitude_mask",
  doc: "A trainable amplitude mask t(x, y) = sigmoid(a(x, y)) ∈ (0, 1).",
  input: "complex",
  args: NO_ARGS,
  capabilities: ["differentiable", "linear", "reciprocal", "physical", "measurable"],
  infer: needImage("amplitude_mask"),
  params: (input) => [{ name: "logits", type: { dtype: "real", shape: input.shape }, init: { kind: "constant", value: 2, dim: DIMENSIONLESS } }],
  lower: ({ b }, u, a) => b.mul(u, b.sigmoid(a.owned.logits)),
});

export const lens = defineLayer({
  module: "freespace",
  name: "lens",
  doc: "Thin lens of focal length f: `exact` (default) is the aberration-free phase t = exp(−ik(√(x² + y² + f²) − f)), `paraxial` the textbook t = exp(−iπ(x² + y²)/(λf)), which focuses short of f as the aperture grows.",
  input: "complex",
  args: schema({
    focal: quantity(LENGTH, "focal length f", { min: 0, exclusiveMin: true }),
    wavelength: wavelength(),
    pitch: pitch(),
    profile: choice(["exact", "paraxial"], "exact: hyperbolic phase (no aberration); paraxial: quadratic phase", { default: "exact" }),
  }),
  capabilities: ["differentiable", "linear", "reciprocal", "physical", "measurable"],
  infer(input, a) {
    if (!isImage(input)) return { error: `lens expects complex[h, w], got ${showType(input)}` };
    // the lens phase aliases when it changes by more than π between edge samples
    const n = Math.max(input.shape[0]!, input.shape[1]!);
    const shortest = shortestFocal(n, a.wavelength, a.pitch, a.profile);
    if (a.focal < shortest)
      return { error: `a lens of focal length ${mm(a.focal)} is undersampled on ${n} samples of ${mm(a.pitch)} at λ = ${mm(a.wavelength)}: its phase aliases; use focal ≥ ${a.profile === "paraxial" ? "NΔ²/λ" : "(NΔ/2)·√((2Δ/λ)² − 1)"} = ${mm(shortest)} or a finer pitch`, arg: "focal", code: "PNN3050" };
    return input;
  },
  lower({ b }, u, a) {
    const [h, w] = grid(u);
    return b.mul(u, b.const(lensTransmission(h, w, a.values.focal, a.values.wavelength, a.values.pitch, a.values.profile), "c64", [h, w]));
  },
});

export const embed = defineLayer({
  module: "freespace",
  name: "embed",
  doc: "Places a field at the centre of a larger size×size plane, zero (opaque) outside, each sample first repeated into scale×scale samples: an object (e.g. a 28×28 image) in the input plane of a diffractive network whose layers are larger than the object.",
  input: "complex",
  args: schema({
    size: int("side of the plane (samples)", { min: 1, max: 8192 }),
    scale: int("each input sample becomes scale×scale samples", { default: 1, min: 1, max: 64 }),
  }),
  capabilities: ["differentiable", "linear", "physical"],
  infer(input, a) {
    if (!isImage(input)) return { error: `embed expects complex[h, w], got ${showType(input)}` };
    const h = input.shape[0]! * a.scale, w = input.shape[1]! * a.scale;
    if (h > a.size || w > a.size) return { error: `a ${input.shape[0]}×${input.shape[1]} field scaled ${a.scale}× (${h}×${w}) does not fit a ${a.size}×${a.size} plane`, arg: "size" };
    return { dtype: "complex", shape: [a.size, a.size] };
  },
  lower: ({ b }, u, a) => lowerEmbed(b, u, a.values.size, a.values.scale),
});

export const detector_regions = defineLayer({
  module: "freespace",
  name: "detector_regions",
  transducer: true,
  doc: "Integrates intensity |u|² over `classes` square regions of side `size`, laid out row by row on a centred grid of ⌈√classes⌉ columns (each region centred in its cell; docs/physics-freespace.md); the class is the brightest region. Device model: shot noise from a photon budget and additive detector noise per shot.",
  input: "complex",
  args: schema({
    classes: int("number of regions", { min: 1 }),
    size: int("region side in samples", { min: 1 }),
    photons: optReal("photons per unit detected power (shot noise on the device)", { min: 0, exclusiveMin: true, device: true }),
    noise: real("std of additive detector (thermal/readout) noise per shot and region", { default: 0, min: 0, device: true }),
  }),
  capabilities: ["differentiable", "physical", "measurable"],
  infer(input, a) {
    if (!isImage(input)) return { error: `detector_regions expects complex[h, w], got ${showType(input)}` };
    if (!detectorLayoutFits(input.shape[0], input.shape[1], a.classes, a.size))
      return { error: `${a.classes} regions of ${a.size}×${a.size} do not fit in a ${input.shape[0]}×${input.shape[1]} field`, arg: "size" };
    return { dtype: "real", shape: [a.classes] };
  },
  lower(ctx, u, a) {
    const power = lowerDetectorRegions(ctx.b, u, a.values.classes, a.values.size);
    return ctx.device ? detectorNoise(ctx, power, a.values) : power;
  },
});

export const FREESPACE: readonly LayerDef[] = [propagate, phase_mask, amplitude_mask, lens, embed, detector_regions];
