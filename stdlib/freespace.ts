/**
 * `std/freespace`: diffractive (free-space) optics on 2-D complex fields u[h, w], each element one
 * definition (signature + lowering). Propagation is the angular-spectrum method
 * U_z = F⁻¹{F{U₀}·H}, H = exp(i2πz√(1/λ² − f_x² − f_y²)), evanescent components cut; masks are
 * phase-only (t = e^{iφ}) or amplitude-only; detector regions integrate intensity over one square
 * region per class (Lin et al., Science 361, 1004 (2018)). The physics (propagator, lens, mask
 * shift, detector layout) lives in compiler/lower/layers/freespace.ts, detector noise in
 * layers/optics.ts.
 * Device model (docs/physics-freespace.md): per-chip static deviations (mask phase error, layer
 * spacing error, mask misalignment) sampled once per simulated chip, mask phase quantization,
 * detector noise.
 */
import { detectorLayoutFits, lensTransmission, lowerDetectorRegions, lowerPropagate, quantizePhase, shiftMask } from "../compiler/lower/layers/freespace.js";
import { detectorNoise } from "../compiler/lower/layers/optics.js";
import { InternalError } from "../diagnostics/internal.js";
import { ANGLE, DIMENSIONLESS, LENGTH } from "../compiler/units.js";
import { defineLayer, type LayerDef } from "./element.js";
import { int, NO_ARGS, optInt, optQuantity, optReal, quantity, real, schema, tensor } from "./schema.js";
import { showType, type TensorType } from "./types.js";

const isImage = (t: TensorType) => t.shape.length === 2;
const mm = (metres: number) => `${Number((metres * 1e3).toPrecision(3))} mm`;
const needImage = (name: string) => (input: TensorType) =>
  isImage(input) ? input : { error: `${name} expects complex[h, w], got ${showType(input)}` };
/** Field sizes on the transverse grid: [h, w] of a field [..., h, w]. */
const grid = (u: { readonly shape: readonly number[] }): [number, number] => [u.shape[u.shape.length - 2], u.shape[u.shape.length - 1]];

const wavelength = () => quantity(LENGTH, "λ", { min: 0, exclusiveMin: true });
const pitch = () => quantity(LENGTH, "sampling pitch Δ", { min: 0, exclusiveMin: true });

export const propagate = defineLayer({
  module: "freespace",
  name: "propagate",
  doc: "Angular-spectrum propagation over `distance`: U_z = F⁻¹{F{U₀}·exp(i2πz√(1/λ² − f_x² − f_y²))}, evanescent waves cut; `pad` zero-pads each side to avoid wrap-around.",
  input: "complex",
  args: schema({
    distance: quantity(LENGTH, "propagation distance z", { min: 0, exclusiveMin: true }),
    wavelength: wavelength(),
    pitch: pitch(),
    pad: int("zero padding per side (samples)", { default: 0, min: 0, max: 4096 }),
    distance_error: optQuantity(LENGTH, "std of the per-chip error of the distance (axial misalignment), sampled once per chip", { min: 0 }),
  }),
  capabilities: ["differentiable", "linear", "reciprocal", "physical", "measurable"],
  infer: needImage("propagate"),
  deviceVars: (_input, a) => (a.distance_error ? [{ name: "distance_error", type: { dtype: "real", shape: [] }, dist: { kind: "normal", mean: 0, std: a.distance_error, dim: LENGTH }, perShot: false }] : []),
  lower(ctx, u, a) {
    const { distance, wavelength, pitch, pad } = a.values;
    return lowerPropagate(ctx.b, u, { distance, wavelength, pitch, pad }, ctx.device ? a.tensors.distance_error : undefined);
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
  doc: "Thin lens of focal length f: t(x, y) = exp(−iπ(x² + y²)/(λf)).",
  input: "complex",
  args: schema({ focal: quantity(LENGTH, "focal length f", { min: 0, exclusiveMin: true }), wavelength: wavelength(), pitch: pitch() }),
  capabilities: ["differentiable", "linear", "reciprocal", "physical", "measurable"],
  infer(input, a) {
    if (!isImage(input)) return { error: `lens expects complex[h, w], got ${showType(input)}` };
    // the lens phase π(x² + y²)/(λf) changes by more than π between edge samples when f < NΔ²/λ
    const n = Math.max(input.shape[0], input.shape[1]);
    const shortest = (n * a.pitch * a.pitch) / a.wavelength;
    if (a.focal < shortest)
      return { error: `a lens of focal length ${mm(a.focal)} is undersampled on ${n} samples of ${mm(a.pitch)} at λ = ${mm(a.wavelength)}: its phase aliases; use focal ≥ NΔ²/λ = ${mm(shortest)} or a finer pitch`, arg: "focal", code: "PNN3050" };
    return input;
  },
  lower({ b }, u, a) {
    const [h, w] = grid(u);
    return b.mul(u, b.const(lensTransmission(h, w, a.values.focal, a.values.wavelength, a.values.pitch), "c64", [h, w]));
  },
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

export const FREESPACE: readonly LayerDef[] = [propagate, phase_mask, amplitude_mask, lens, detector_regions];
