/**
 * `std/freespace`: diffractive (free-space) optics on 2-D complex fields u[h, w]. Propagation is
 * the angular-spectrum method U_z = F⁻¹{F{U₀}·H}, H = exp(i2πz√(1/λ² − f_x² − f_y²)), evanescent
 * components cut; masks are phase-only (t = e^{iφ}) or amplitude-only; detector regions integrate
 * intensity over one square region per class (Lin et al., Science 361, 1004 (2018)).
 */
import { DIMENSIONLESS, LENGTH } from "../compiler/units.js";
import { showType, type LayerSig, type TensorType } from "./types.js";

const isImage = (t: TensorType) => t.shape.length === 2;
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
    { name: "pad", type: { kind: "int", min: 0 }, default: { kind: "num", value: 0, dim: DIMENSIONLESS, isInt: true }, doc: "zero padding per side (samples)" },
  ],
  capabilities: ["differentiable", "linear", "reciprocal", "physical", "measurable"],
  infer: needImage("propagate"),
};

export const phase_mask: LayerSig = {
  kind: "layer",
  module: "freespace",
  name: "phase_mask",
  doc: "A trainable phase-only mask t(x, y) = e^{iφ(x, y)} (a diffractive layer); the device quantizes φ to `levels` steps of 2π/levels when given.",
  input: "complex",
  args: [{ name: "levels", type: { kind: "int", min: 2 }, default: null, doc: "phase levels of the fabricated mask" }],
  capabilities: ["differentiable", "linear", "reciprocal", "physical", "measurable"],
  infer: needImage("phase_mask"),
  params: (input) => [{ name: "phases", type: { dtype: "real", shape: input.shape }, init: { kind: "uniform", lo: 0, hi: 2 * Math.PI, dim: [0, 0, 0, 0, 0, 1, 0] } }],
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
  infer: needImage("lens"),
};

export const detector_regions: LayerSig = {
  kind: "layer",
  module: "freespace",
  name: "detector_regions",
  transducer: true,
  doc: "Integrates intensity |u|² over `classes` square regions of side `size` laid out on a centred grid; the class is the brightest region.",
  input: "complex",
  args: [
    { name: "classes", type: { kind: "int", min: 1 }, doc: "number of regions" },
    { name: "size", type: { kind: "int", min: 1 }, doc: "region side in samples" },
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
