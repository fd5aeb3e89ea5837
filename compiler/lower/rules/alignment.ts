/**
 * Feed-forward rules that rewrite the train step (all emit `train`: x, labels, weights → loss,
 * logits, grad:<param>, like the gradient rules):
 *   hardware_aware — backprop through the device lowering (noise drawn per step; quantizers pass a
 *     straight-through gradient); the runtime resamples the chip's static variables every step.
 *   feedback_alignment (Lillicrap et al. 2016) — every dense layer y = x Wᵀ + b is lowered as
 *     y = sg(x) Wᵀ + (x Bᵀ − sg(x Bᵀ)) + b: value x Wᵀ + b, ∂L/∂W = δᵀx, but ∂L/∂x = δ B (B fixed, seeded).
 *   direct_feedback_alignment (Nøkland 2016) — the operand h_l of every dense layer but the first
 *     is cut (sg), and the surrogate L + Σ_l Σ h_l ⊙ sg(e B_l) injects δh_l = e B_l, where e = ∂L/∂logits
 *     (closed form: (softmax − onehot)·w for cross-entropy, 2(y − onehot)/C·w for mse).
 *     projection: optical computes e·B with a simulated random scattering medium (Launay et al. 2020):
 *     a complex Gaussian transmission matrix T read out as intensities against a reference field
 *     R = r T: p = (|R + eT|² − |R − eT|²)/4 = e·Re(T ⊙ R̄), a fixed random projection from two frames.
 * On a network with a device model, FA and DFA run the forward pass on the device (physics-aware
 * lowering: device values, twin derivatives) — only the error path is digital or optical.
 */
import type { Graph, GraphBuilder, Node } from "../../ir/graph.js";
import type { NetworkModel, TrainModel } from "../../sema/model.js";
import { Stream } from "../../../runtime/rng.js";
import type { LayerArgs, LayerLowering, LowerCtx } from "../context.js";
import { lowerTrainStep, type LowerHooks } from "../lower.js";
import { inferGraphs } from "./gradient.js";
import type { RuleGraphs, RuleLowering } from "./index.js";

/** Supplies feedback matrix `index` (0-based, in lowering order) of `shape`, row-major. */
export type FeedbackSource = (index: number, shape: readonly [number, number]) => Float64Array;

/** Seeded Gaussian feedback: entries N(0, 1/rows) so e·B keeps the error's scale. */
export function randomFeedback(seed: number): FeedbackSource {
  return (index, [rows, cols]) => {
    const s = new Stream(seed, 0x0fb0 + index);
    return Float64Array.from({ length: rows * cols }, () => s.normal() / Math.sqrt(rows));
  };
}

export function hardwareAwareGraphs(net: NetworkModel, train: TrainModel, batch: number, hasDevice: boolean): RuleGraphs {
  return { ...inferGraphs(net, batch, hasDevice), train: lowerTrainStep(net, train, hasDevice ? "device" : "twin", batch) };
}

/** The lowering mode of FA/DFA: forward on the device when there is one. */
const forwardMode = (hasDevice: boolean) => (hasDevice ? "physics_aware" : "twin");

export function feedbackAlignmentTrain(net: NetworkModel, train: TrainModel, batch: number, hasDevice: boolean, feedback: FeedbackSource): Graph {
  let index = 0;
  const hooks: LowerHooks = {
    layer: (key: string, ctx: LowerCtx, x: Node, args: LayerArgs, lower: LayerLowering) => {
      if (key !== "dense" || ctx.device) return lower(ctx, x, args);
      const { b } = ctx;
      const w = args.owned.weight;
      const [out, inp] = w.shape as [number, number];
      const fb = b.const(Array.from(feedback(index++, [out, inp])), "f32", [out, inp]);
      const xb = b.matmul(x, b.transpose(fb, [1, 0]));
      const y = b.add(b.matmul(b.stopGradient(x), b.transpose(w, [1, 0])), b.sub(xb, b.stopGradient(xb)));
      return args.owned.bias ? b.add(y, args.owned.bias) : y;
    },
  };
  return lowerTrainStep(net, train, forwardMode(hasDevice), batch, hooks);
}

/** ∂L/∂logits in closed form for the train block's loss (rows weighted like the loss). */
export function outputError(b: GraphBuilder, loss: TrainModel["loss"], logits: Node, labels: Node, weights: Node): Node {
  const classes = logits.shape[logits.shape.length - 1];
  const target = b.oneHot(labels, classes, "f32");
  const w = b.reshape(weights, [weights.shape[0], 1]);
  const e = loss === "mse" ? b.mul(b.scalar(2 / classes, "f32"), b.sub(logits, target)) : b.sub(b.softmax(logits, -1), target);
  return b.mul(e, w);
}

/** The optical random projection's transmission matrix T (c64 [C, D], interleaved) and reference field R = r T. */
export function opticalMedium(seed: number, classes: number, width: number): { t: Float64Array; reference: Float64Array } {
  const s = new Stream(seed, 0x0fd0);
  const scale = 1 / Math.sqrt(2 * classes);
  const t = Float64Array.from({ length: 2 * classes * width }, () => s.normal() * scale);
  // r = (1, …, 1)/√C: the reference is the medium's response to a flat input
  const reference = new Float64Array(2 * width);
  for (let c = 0; c < classes; c++)
    for (let j = 0; j < width; j++) {
      reference[2 * j] += t[2 * (c * width + j)] / Math.sqrt(classes);
      reference[2 * j + 1] += t[2 * (c * width + j) + 1] / Math.sqrt(classes);
    }
  return { t, reference };
}

/** e·B through the simulated medium: two intensity frames against the reference, (I₊ − I₋)/4. */
function opticalProjection(b: GraphBuilder, e: Node, medium: { t: Float64Array; reference: Float64Array }, width: number): Node {
  const classes = e.shape[1];
  const t = b.const(Array.from(medium.t), "c64", [classes, width]);
  const r = b.const(Array.from(medium.reference), "c64", [width]);
  const field = b.matmul(b.complex(e, b.scalar(0, "f32")), t);
  const plus = b.abs2(b.add(r, field));
  const minus = b.abs2(b.sub(r, field));
  return b.mul(b.scalar(0.25, "f32"), b.sub(plus, minus));
}

export interface DfaOptions {
  readonly projection: "digital" | "optical";
  readonly feedback: FeedbackSource;
  readonly seed: number;
}

export function directFeedbackAlignmentTrain(net: NetworkModel, train: TrainModel, batch: number, hasDevice: boolean, opts: DfaOptions): Graph {
  const taps: Node[] = [];
  let denseSeen = 0;
  const hooks: LowerHooks = {
    layer: (key, ctx, x, args, lower) => {
      if (key !== "dense" || ctx.device) return lower(ctx, x, args);
      if (denseSeen++ > 0) taps.push(x);
      return lower(ctx, ctx.b.stopGradient(x), args);
    },
    surrogate: (b, loss, logits, labels, weights) => {
      if (!taps.length) return loss;
      const e = b.stopGradient(outputError(b, train.loss, logits, labels, weights));
      const classes = e.shape[1];
      const widths = taps.map((h) => h.shape.slice(1).reduce((p, q) => p * q, 1));
      const total = widths.reduce((p, q) => p + q, 0);
      const projected = opts.projection === "optical" ? opticalProjection(b, e, opticalMedium(opts.seed, classes, total), total) : undefined;
      let surrogate = loss;
      let offset = 0;
      taps.forEach((h, l) => {
        const width = widths[l];
        const delta = projected
          ? b.slice(projected, [0, offset], [e.shape[0], offset + width])
          : b.matmul(e, b.const(Array.from(opts.feedback(l, [classes, width])), "f32", [classes, width]));
        offset += width;
        surrogate = b.add(surrogate, b.sum(b.mul(b.reshape(h, [h.shape[0], width]), b.stopGradient(delta))));
      });
      return surrogate;
    },
  };
  return lowerTrainStep(net, train, forwardMode(hasDevice), batch, hooks);
}

const projectionOf = (train: TrainModel): "digital" | "optical" => {
  const v = train.rule.options.projection;
  return v && v.kind === "enum" && v.value === "optical" ? "optical" : "digital";
};

export const ALIGNMENT_RULE_LOWERINGS: Readonly<Record<string, RuleLowering>> = {
  hardware_aware: hardwareAwareGraphs,
  feedback_alignment: (net, train, batch, hasDevice) => ({
    ...inferGraphs(net, batch, hasDevice),
    train: feedbackAlignmentTrain(net, train, batch, hasDevice, randomFeedback(train.seed)),
  }),
  direct_feedback_alignment: (net, train, batch, hasDevice) => ({
    ...inferGraphs(net, batch, hasDevice),
    train: directFeedbackAlignmentTrain(net, train, batch, hasDevice, { projection: projectionOf(train), feedback: randomFeedback(train.seed), seed: train.seed }),
  }),
};
