/**
 * `std/freespace`: diffractive (free-space) optics on 2-D complex fields u[h, w]. Propagation is
 * the angular-spectrum method U_z = F⁻¹{F{U₀}·H}, H = exp(i2πz√(1/λ² − f_x² − f_y²)), evanescent
 * components cut; masks are phase-only (t = e^{iφ}) or amplitude-only; detector regions integrate
 * intensity over one square region per class (Lin et al., Science 361, 1004 (2018)).
 * Device model (docs/physics-freespace.md): per-chip static deviations (mask phase error, layer
 * spacing error) sampled once per simulated chip, mask phase quantization, detector noise.
 */
import { ANGLE, DIMENSIONLESS, LENGTH } from "../compiler/units.js";
import { num, numArg, showType, type LayerSig, type TensorType } from "./types.js";

const isImage = (t: TensorType) => t.shape.length === 2;
const mm = (metres: number) => `${Number((metres * 1e3).toPrecision(3))} mm`;
const needImage = (name: string) => (input: TensorType) =>
  isImage(input) ? input : { error: `${name} expects complex[h, w], got ${showType(input)}` };

export const propagate: LayerSig = {
  kind: "layer",
  module: "freespace",
  name: "propagate",
  doc: "Angular-spectrum propagation over `distance`: U_z = F⁻¹{F{U₀}·exp(i2πz√(1/λ² − f_x² − f_y²))}, evanescent waves cut; `pad` zero-pads each side to avoid wrap-around.",
  input: "complex",
  args: [
    { name: "distance", type: { kind: "quantity", dim: LENGTH, min: 0, exclusiveMin: true }, doc: "propagation distance z" },
    { name: "wavelength", type: { kind: "quantity", dim: LENGTH, min: 0, exclusiveMin: true }, doc: "λ" },
    { name: "pitch", type: { kind: "quantity", dim: LENGTH, min: 0, exclusiveMin: true }, doc: "sampling pitch Δ" },
    { name: "pad", type: { kind: "int", min: 0, max: 4096 }, default: { kind: "num", value: 0, dim: DIMENSIONLESS, isInt: true }, doc: "zero padding per side (samples)" },
    { name: "distance_error", type: { kind: "quantity", dim: LENGTH, min: 0 }, default: null, doc: "std of the per-chip error of the distance (axial misalignment), sampled once per chip" },
  ],
  capabilities: ["differentiable", "linear", "reciprocal", "physical", "measurable"],
  infer: needImage("propagate"),
  deviceVars(_input, args) {
    const sigma = numArg(args, "distance_error");
    return sigma ? [{ name: "distance_error", type: { dtype: "real", shape: [] }, dist: { kind: "normal", mean: 0, std: sigma, dim: LENGTH }, perShot: false }] : [];
  },
};

export const phase_mask: LayerSig = {
  kind: "layer",
  module: "freespace",
  name: "phase_mask",
  doc: "A trainable phase-only mask t(x, y) = e^{iφ(x, y)} (a diffractive layer). Device model: a static per-chip phase error (fabrication, e.g. thickness error of a 3D-printed mask) of std `phase_error`, then quantization of φ to `levels` steps of 2π/levels (straight-through gradient), and a static per-chip lateral offset of the whole mask (std `misalignment`, sub-pixel, by Fourier shift).",
  input: "complex",
  args: [
    { name: "phases", type: { kind: "tensor", dtype: "real", dim: ANGLE }, default: null, doc: "the mask phases φ[h, w]; owned by the instance when omitted" },
    { name: "levels", type: { kind: "int", min: 2, max: 65536 }, default: null, deviceOnly: true, doc: "phase levels of the fabricated mask" },
    { name: "phase_error", type: { kind: "quantity", dim: ANGLE, min: 0 }, default: null, doc: "std of the per-chip static phase error of each pixel" },
    { name: "misalignment", type: { kind: "quantity", dim: LENGTH, min: 0 }, default: null, doc: "std of the per-chip lateral offset (x and y) of the mask; needs `pitch`" },
    { name: "pitch", type: { kind: "quantity", dim: LENGTH, min: 0, exclusiveMin: true }, default: null, doc: "mask pixel pitch Δ (for misalignment)" },
  ],
  capabilities: ["differentiable", "linear", "reciprocal", "physical", "measurable"],
  infer(input, args) {
    if (!isImage(input)) return { error: `phase_mask expects complex[h, w], got ${showType(input)}` };
    if (numArg(args, "misalignment") && !numArg(args, "pitch")) return { error: "phase_mask's misalignment needs the mask's pitch", arg: "misalignment" };
    const p = args.tensors.phases;
    if (p && (p.shape.length !== 2 || p.shape[0] !== input.shape[0] || p.shape[1] !== input.shape[1]))
      return { error: `phase_mask on a ${input.shape[0]}×${input.shape[1]} field expects phases real[${input.shape[0]},${input.shape[1]}], got ${showType(p)}`, arg: "phases" };
    return input;
  },
  params: (input, args) => (args.tensors.phases ? [] : [{ name: "phases", type: { dtype: "real", shape: input.shape }, init: { kind: "uniform", lo: 0, hi: 2 * Math.PI, dim: ANGLE } }]),
  deviceVars(input, args) {
    const sigma = numArg(args, "phase_error"), shift = numArg(args, "misalignment");
    return [
      ...(sigma ? [{ name: "phase_error", type: { dtype: "real" as const, shape: input.shape }, dist: { kind: "normal" as const, mean: 0, std: sigma, dim: ANGLE }, perShot: false }] : []),
      ...(shift ? [{ name: "misalignment", type: { dtype: "real" as const, shape: [2] }, dist: { kind: "normal" as const, mean: 0, std: shift, dim: LENGTH }, perShot: false }] : []),
    ];
  },
};

export const amplitude_mask: LayerSig = {
  kind: "layer",
  module: "freespace",
  name: "amplitude_mask",
  doc: "A trainable amplitude mask t(x, y) = sigmoid(a(x, y)) ∈ (0, 1).",
  input: "complex",
  args: [],
  capabilities: ["differentiable", "linear", "reciprocal", "physical", "measurable"],
  infer: needImage("amplitude_mask"),
  params: (input) => [{ name: "logits", type: { dtype: "real", shape: input.shape }, init: { kind: "constant", value: 2, dim: DIMENSIONLESS } }],
};

export const lens: LayerSig = {
  kind: "layer",
  module: "freespace",
  name: "lens",
  doc: "Thin lens of focal length f: t(x, y) = exp(−iπ(x² + y²)/(λf)).",
  input: "complex",
  args: [
    { name: "focal", type: { kind: "quantity", dim: LENGTH, min: 0, exclusiveMin: true }, doc: "focal length f" },
    { name: "wavelength", type: { kind: "quantity", dim: LENGTH, min: 0, exclusiveMin: true }, doc: "λ" },
    { name: "pitch", type: { kind: "quantity", dim: LENGTH, min: 0, exclusiveMin: true }, doc: "sampling pitch Δ" },
  ],
  capabilities: ["differentiable", "linear", "reciprocal", "physical", "measurable"],
  infer(input, args) {
    if (!isImage(input)) return { error: `lens expects complex[h, w], got ${showType(input)}` };
    // the lens phase π(x² + y²)/(λf) changes by more than π between edge samples when f < NΔ²/λ
    const f = numArg(args, "focal"), lambda = numArg(args, "wavelength"), pitch = numArg(args, "pitch");
    const n = Math.max(input.shape[0], input.shape[1]);
    if (f && lambda && pitch && f < (n * pitch * pitch) / lambda)
      return { error: `a lens of focal length ${mm(f)} is undersampled on ${n} samples of ${mm(pitch)} at λ = ${mm(lambda)}: its phase aliases; use focal ≥ NΔ²/λ = ${mm((n * pitch * pitch) / lambda)} or a finer pitch`, arg: "focal", code: "PNN3050" };
    return input;
  },
};

export const detector_regions: LayerSig = {
  kind: "layer",
  module: "freespace",
  name: "detector_regions",
  transducer: true,
  doc: "Integrates intensity |u|² over `classes` square regions of side `size`, laid out row by row on a centred grid of ⌈√classes⌉ columns (each region centred in its cell; docs/physics-freespace.md); the class is the brightest region. Device model: shot noise from a photon budget and additive detector noise per shot.",
  input: "complex",
  args: [
    { name: "classes", type: { kind: "int", min: 1 }, doc: "number of regions" },
    { name: "size", type: { kind: "int", min: 1 }, doc: "region side in samples" },
    { name: "photons", type: { kind: "quantity", dim: DIMENSIONLESS, min: 0, exclusiveMin: true }, default: null, deviceOnly: true, doc: "photons per unit detected power (shot noise on the device)" },
    { name: "noise", type: { kind: "quantity", dim: DIMENSIONLESS, min: 0 }, default: num(0, DIMENSIONLESS), deviceOnly: true, doc: "std of additive detector (thermal/readout) noise per shot and region" },
  ],
  capabilities: ["differentiable", "physical", "measurable"],
  infer(input, args) {
    if (!isImage(input)) return { error: `detector_regions expects complex[h, w], got ${showType(input)}` };
    const c = args.consts.classes, s = args.consts.size;
    const classes = c && c.kind === "num" ? c.value : 1;
    const size = s && s.kind === "num" ? s.value : 1;
    const perRow = Math.ceil(Math.sqrt(classes));
    const rows = Math.ceil(classes / perRow);
    if (perRow * size > input.shape[1] || rows * size > input.shape[0])
      return { error: `${classes} regions of ${size}×${size} do not fit in a ${input.shape[0]}×${input.shape[1]} field`, arg: "size" };
    return { dtype: "real", shape: [classes] };
  },
};

export const FREESPACE = [propagate, phase_mask, amplitude_mask, lens, detector_regions];
