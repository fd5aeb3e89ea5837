/**
 * Global (un-imported) elements: the digital electronics around physical layers. `dense` and
 * `gain` own trainable parameters; the activations are elementwise and shape-preserving.
 * Activations are [B, n]; weights are unbatched and broadcast. dense: y = x Wᵀ + b (W stored
 * [out, in], as PyTorch does), a trainable linear map (the `linear` extension point).
 */
import { sliceLast } from "../compiler/lower/context.js";
import { DIMENSIONLESS } from "../compiler/units.js";
import { defineLayer, type LayerDef } from "./element.js";
import { flag, int, NO_ARGS, schema, tensor } from "./schema.js";
import { showType, type OwnedParam, type TensorType } from "./types.js";

const vector = (t: TensorType) => t.shape.length === 1;
const zeros = (type: TensorType): OwnedParam => ({ name: "bias", type, init: { kind: "constant", value: 0, dim: DIMENSIONLESS } });

export const dense = defineLayer({
  module: "core",
  name: "dense",
  doc: "Fully connected digital layer y = W x + b, W: real[out, in] (Glorot-uniform init), b: real[out] (zeros).",
  input: "real",
  args: schema({ out: int("number of outputs", { min: 1 }), bias: flag("add a trainable bias", { default: true }) }),
  capabilities: ["differentiable", "linear", "measurable"],
  extensions: { linear: { weight: "weight", bias: "bias" } },
  infer: (input, a) => (vector(input) ? { dtype: "real", shape: [a.out] } : { error: `dense expects real[n], got ${showType(input)}` }),
  params: (input, a) => [{ name: "weight", type: { dtype: "real", shape: [a.out, input.shape[0]] }, init: { kind: "glorot" } }, ...(a.bias ? [zeros({ dtype: "real", shape: [a.out] })] : [])],
  lower(ctx, x, a) {
    const { b } = ctx;
    const weight = a.owned.weight, bias = a.owned.bias;
    const apply = (v: typeof x) => {
      const y = b.matmul(v, b.transpose(weight, [1, 0]));
      return bias ? b.add(y, bias) : y;
    };
    return ctx.hooks?.linear ? ctx.hooks.linear(ctx, { x, weight, ...(bias ? { bias } : {}), apply }) : apply(x);
  },
});

export const gain = defineLayer({
  module: "core",
  name: "gain",
  doc: "Per-feature digital gain and bias y = g ⊙ x + b (g init 1, b init 0): the lightest possible readout after a detector.",
  input: "real",
  args: schema({ bias: flag("add a trainable bias", { default: true }) }),
  capabilities: ["differentiable", "linear", "measurable"],
  infer: (input) => (vector(input) ? input : { error: `gain expects real[n], got ${showType(input)}` }),
  params: (input, a) => [{ name: "gain", type: input, init: { kind: "constant", value: 1, dim: DIMENSIONLESS } }, ...(a.bias ? [zeros(input)] : [])],
  lower({ b }, x, a) {
    const y = b.mul(x, a.owned.gain);
    return a.owned.bias ? b.add(y, a.owned.bias) : y;
  },
});

function activation(name: string, doc: string, lower: LayerDef["lower"]): LayerDef {
  return defineLayer({ module: "core", name, doc, input: "real", args: NO_ARGS, capabilities: ["differentiable", "measurable"], infer: (input) => input, lower });
}

export const relu = activation("relu", "Rectifier y = max(x, 0).", ({ b }, x) => b.relu(x));
export const tanh = activation("tanh", "Hyperbolic tangent y = tanh(x).", ({ b }, x) => b.tanh(x));
export const sigmoid = activation("sigmoid", "Logistic function y = 1 / (1 + e^(−x)).", ({ b }, x) => b.sigmoid(x));
export const softmax = activation("softmax", "y_i = e^(x_i) / Σ_j e^(x_j) over the feature axis.", ({ b }, x) => b.softmax(x, -1));

export const reshape = defineLayer({
  module: "core",
  name: "reshape",
  doc: "Reinterprets a vector as a rows × cols image (row-major), e.g. to feed free-space optics.",
  input: "any",
  args: schema({ rows: int("rows", { min: 1 }), cols: int("columns", { min: 1 }) }),
  capabilities: ["differentiable", "linear", "reciprocal", "unitary", "measurable"],
  infer(input, a) {
    const n = input.shape.reduce((p, q) => p * q, 1);
    if (a.rows * a.cols !== n) return { error: `reshape to [${a.rows},${a.cols}] needs ${a.rows * a.cols} elements, got ${showType(input)} (${n})` };
    return { dtype: input.dtype, shape: [a.rows, a.cols] };
  },
  lower: ({ b, batch }, x, a) => b.reshape(x, [batch, a.values.rows, a.values.cols]),
});

export const flatten = defineLayer({
  module: "core",
  name: "flatten",
  doc: "Flattens an image into a vector (row-major).",
  input: "any",
  args: NO_ARGS,
  capabilities: ["differentiable", "linear", "reciprocal", "unitary", "measurable"],
  infer: (input) => ({ dtype: input.dtype, shape: [input.shape.reduce((p, q) => p * q, 1)] }),
  lower: ({ b, batch }, x) => b.reshape(x, [batch, x.shape.slice(1).reduce((p, q) => p * q, 1)]),
});

export const take = defineLayer({
  module: "core",
  name: "take",
  doc: "Keeps `count` consecutive features starting at `start` (e.g. the detectors that carry class scores).",
  input: "any",
  args: schema({ count: int("how many features to keep", { min: 1 }), start: int("first feature kept", { min: 0, default: 0 }) }),
  capabilities: ["differentiable", "linear", "measurable"],
  infer(input, a) {
    if (!vector(input)) return { error: `take expects a vector, got ${showType(input)}` };
    if (a.start + a.count > input.shape[0]) return { error: `take(${a.count}, start: ${a.start}) needs ${a.start + a.count} features, got ${showType(input)}`, arg: "count" };
    return { dtype: input.dtype, shape: [a.count] };
  },
  lower: ({ b }, x, a) => sliceLast(b, x, a.values.start, a.values.start + a.values.count),
});

/**
 * A learned twin (Wright et al., Nature 2022, fitted a deep network to their device before
 * physics-aware training): y = W₂·tanh(W₁·[x, θ] + b₁) + b₂, a function of the input and of the
 * device's parameters θ (`control`: the layer's `param`, which the device receives with every
 * query). Its weights are device variables: inside an external layer they are the twin's
 * estimates, which `pnn calibrate` fits to the device's measured queries (they start at a
 * random draw, as a network's weights must). Outside an external layer it means nothing.
 */
export const surrogate = defineLayer({
  module: "core",
  name: "surrogate",
  doc: "A learned twin of an external device with no physics model (Wright et al., Nature 2022): y = W₂ tanh(W₁ [x, θ] + b₁) + b₂ of the input and the device's parameters θ (`control`). Its weights are device variables that `pnn calibrate` fits to the device's measured queries; use it as the forward of a layer with an `external` declaration.",
  input: "real",
  learned: true,
  args: schema({
    out: int("number of outputs", { min: 1 }),
    hidden: int("hidden units", { default: 32, min: 1 }),
    control: tensor("real", "the device's parameters the output depends on (a `param` of the layer)", { optional: true }),
  }),
  capabilities: ["differentiable", "measurable"],
  infer(input, a, tensors) {
    if (!vector(input)) return { error: `surrogate expects real[n], got ${showType(input)}` };
    const c = tensors.control;
    if (c && c.shape.length !== 1) return { error: `surrogate's control must be a vector, got ${showType(c)}`, arg: "control" };
    return { dtype: "real", shape: [a.out] };
  },
  deviceVars(input, a, tensors) {
    const fanIn = input.shape[0]! + (tensors.control?.shape[0] ?? 0);
    const w = (name: string, shape: number[], std: number) => ({ name, type: { dtype: "real" as const, shape }, dist: { kind: "normal" as const, mean: 0, std, dim: DIMENSIONLESS }, perShot: false, twinStart: "draw" as const });
    return [w("w1", [a.hidden, fanIn], 1 / Math.sqrt(fanIn)), w("b1", [a.hidden], 0), w("w2", [a.out, a.hidden], 1 / Math.sqrt(a.hidden)), w("b2", [a.out], 0)];
  },
  lower(ctx, x, a) {
    const { b, batch } = ctx;
    const t = a.tensors;
    const control = t.control;
    const features = control ? b.concat([x, b.broadcastTo(b.reshape(control, [1, control.shape[0]!]), [batch, control.shape[0]!])], 1) : x;
    const hidden = b.tanh(b.add(b.matmul(features, b.transpose(t.w1!, [1, 0])), t.b1!));
    return b.add(b.matmul(hidden, b.transpose(t.w2!, [1, 0])), t.b2!);
  },
});

export const CORE: readonly LayerDef[] = [dense, gain, take, relu, tanh, sigmoid, softmax, reshape, flatten, surrogate];
