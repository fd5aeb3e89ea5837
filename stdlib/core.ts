/**
 * Global (un-imported) layers: the digital electronics around physical layers. `dense` and
 * `gain` own trainable parameters; the activations are elementwise and shape-preserving.
 */
import { DIMENSIONLESS } from "../compiler/units.js";
import { int, showType, type LayerSig, type TensorType } from "./types.js";

const vector = (t: TensorType) => t.shape.length === 1;

export const dense: LayerSig = {
  kind: "layer",
  module: "core",
  name: "dense",
  doc: "Fully connected digital layer y = W x + b, W: real[out, in] (Glorot-uniform init), b: real[out] (zeros).",
  input: "real",
  args: [
    { name: "out", type: { kind: "int", min: 1 }, doc: "number of outputs" },
    { name: "bias", type: { kind: "bool" }, default: { kind: "bool", value: true }, doc: "add a trainable bias" },
  ],
  capabilities: ["differentiable", "linear", "measurable"],
  infer(input, args) {
    if (!vector(input)) return { error: `dense expects real[n], got ${showType(input)}` };
    const out = args.consts.out;
    return { dtype: "real", shape: [out && out.kind === "num" ? out.value : 1] };
  },
  params(input, args) {
    const out = args.consts.out;
    const n = out && out.kind === "num" ? out.value : 1;
    const bias = args.consts.bias;
    const ps = [{ name: "weight", type: { dtype: "real" as const, shape: [n, input.shape[0]] }, init: { kind: "glorot" as const } }];
    if (!bias || bias.kind !== "bool" || bias.value)
      ps.push({ name: "bias", type: { dtype: "real", shape: [n] }, init: { kind: "constant", value: 0, dim: DIMENSIONLESS } } as never);
    return ps;
  },
};

export const gain: LayerSig = {
  kind: "layer",
  module: "core",
  name: "gain",
  doc: "Per-feature digital gain and bias y = g ⊙ x + b (g init 1, b init 0): the lightest possible readout after a detector.",
  input: "real",
  args: [{ name: "bias", type: { kind: "bool" }, default: { kind: "bool", value: true }, doc: "add a trainable bias" }],
  capabilities: ["differentiable", "linear", "measurable"],
  infer: (input) => (vector(input) ? input : { error: `gain expects real[n], got ${showType(input)}` }),
  params(input, args) {
    const bias = args.consts.bias;
    const ps = [{ name: "gain", type: input, init: { kind: "constant" as const, value: 1, dim: DIMENSIONLESS } }];
    if (!bias || bias.kind !== "bool" || bias.value) ps.push({ name: "bias", type: input, init: { kind: "constant", value: 0, dim: DIMENSIONLESS } });
    return ps;
  },
};

function activation(name: string, doc: string): LayerSig {
  return {
    kind: "layer",
    module: "core",
    name,
    doc,
    input: "real",
    args: [],
    capabilities: ["differentiable", "measurable"],
    infer: (input) => input,
  };
}

export const relu = activation("relu", "Rectifier y = max(x, 0).");
export const tanh = activation("tanh", "Hyperbolic tangent y = tanh(x).");
export const sigmoid = activation("sigmoid", "Logistic function y = 1 / (1 + e^(−x)).");
export const softmax = activation("softmax", "y_i = e^(x_i) / Σ_j e^(x_j) over the feature axis.");

export const reshape: LayerSig = {
  kind: "layer",
  module: "core",
  name: "reshape",
  doc: "Reinterprets a vector as a rows × cols image (row-major), e.g. to feed free-space optics.",
  input: "any",
  args: [
    { name: "rows", type: { kind: "int", min: 1 }, doc: "rows" },
    { name: "cols", type: { kind: "int", min: 1 }, doc: "columns" },
  ],
  capabilities: ["differentiable", "linear", "reciprocal", "unitary", "measurable"],
  infer(input, args) {
    const r = args.consts.rows, c = args.consts.cols;
    const rows = r && r.kind === "num" ? r.value : 1, cols = c && c.kind === "num" ? c.value : 1;
    const n = input.shape.reduce((a, b) => a * b, 1);
    if (rows * cols !== n) return { error: `reshape to [${rows},${cols}] needs ${rows * cols} elements, got ${showType(input)} (${n})` };
    return { dtype: input.dtype, shape: [rows, cols] };
  },
};

export const flatten: LayerSig = {
  kind: "layer",
  module: "core",
  name: "flatten",
  doc: "Flattens an image into a vector (row-major).",
  input: "any",
  args: [],
  capabilities: ["differentiable", "linear", "reciprocal", "unitary", "measurable"],
  infer: (input) => ({ dtype: input.dtype, shape: [input.shape.reduce((a, b) => a * b, 1)] }),
};

export const take: LayerSig = {
  kind: "layer",
  module: "core",
  name: "take",
  doc: "Keeps `count` consecutive features starting at `start` (e.g. the detectors that carry class scores).",
  input: "any",
  args: [
    { name: "count", type: { kind: "int", min: 1 }, doc: "how many features to keep" },
    { name: "start", type: { kind: "int", min: 0 }, default: int(0), doc: "first feature kept" },
  ],
  capabilities: ["differentiable", "linear", "measurable"],
  infer(input, args) {
    const c = args.consts.count, s = args.consts.start;
    const count = c && c.kind === "num" ? c.value : 1, start = s && s.kind === "num" ? s.value : 0;
    if (!vector(input)) return { error: `take expects a vector, got ${showType(input)}` };
    if (start + count > input.shape[0]) return { error: `take(${count}, start: ${start}) needs ${start + count} features, got ${showType(input)}`, arg: "count" };
    return { dtype: input.dtype, shape: [count] };
  },
};

export const CORE = [dense, gain, take, relu, tanh, sigmoid, softmax, reshape, flatten];
export { int };
