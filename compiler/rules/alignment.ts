/**
 * Feedback alignment rules: the forward pass runs on the device when the network has one
 * (physics-aware lowering: device values, twin derivatives); only the error path changes. Both
 * act at the `linear` extension point (stdlib/element.ts): every trainable linear map.
 *   feedback_alignment (Lillicrap et al. 2016) — each linear map y = x Wᵀ + b is lowered as
 *     y = sg(x) Wᵀ + (x Bᵀ − sg(x Bᵀ)) + b: value x Wᵀ + b, ∂L/∂W = δᵀx, but ∂L/∂x = δ B
 *     (B fixed and seeded, one per map).
 *   direct_feedback_alignment (Nøkland 2016) — the operand h_l of every linear map but the first
 *     is cut (sg), and the surrogate L + Σ_l Σ h_l ⊙ sg(e B_l) injects δh_l = e B_l, where
 *     e = ∂L/∂logits (closed form: (softmax − onehot)·w for cross-entropy, 2(y − onehot)/C·w for mse).
 *     projection: optical computes e·B with a simulated random scattering medium (Launay et al.
 *     2020): a complex Gaussian transmission matrix T read out as intensities against a reference
 *     field R = r T: p = (|R + eT|² − |R − eT|²)/4 = e·Re(T ⊙ R̄), a fixed random projection from
 *     two frames.
 * A network without a trainable linear map is trained exactly as physics_aware would (no error
 * path to replace). Cost: one device forward per sample with a device model; the optical DFA
 * projection adds two intensity frames per sample.
 */
import { streams } from "../../runtime/streams.js";
import { choice, NO_ARGS, schema } from "../../stdlib/schema.js";
import type { GraphBuilder, Node } from "../ir/graph.js";
import type { Loss } from "../lower/lower.js";
import { defineRule, needDifferentiable, refuseExternal, type RuleLowering, type RuleDef } from "./rule.js";
import { TRAIN, trainProgram, trainProgramStepper } from "./train-program.js";

/** Supplies feedback matrix `index` (0-based, in lowering order) of `shape`, row-major. */
export type FeedbackSource = (index: number, shape: readonly [number, number]) => Float64Array;

/** Seeded Gaussian feedback: entries N(0, 1/rows) so e·B keeps the error's scale. */
export function randomFeedback(seed: number): FeedbackSource {
  return (index, [rows, cols]) => {
    const s = streams.feedback(seed, index);
    return Float64Array.from({ length: rows * cols }, () => s.normal() / Math.sqrt(rows));
  };
}

/** The lowering mode of FA/DFA: forward on the device when there is one. */
const forwardMode = (hasDevice: boolean) => (hasDevice ? "physics_aware" : "twin");

export function feedbackAlignmentProgram(c: RuleLowering<unknown>, feedback: FeedbackSource) {
  let index = 0;
  return trainProgram(c, forwardMode(c.hasDevice), {
    elements: {
      linear(ctx, site) {
        if (ctx.device) return site.apply(site.x);
        const { b } = ctx;
        const [out, inp] = site.weight.shape as [number, number];
        const fb = b.const(Array.from(feedback(index++, [out, inp])), "f32", [out, inp]);
        const xb = b.matmul(site.x, b.transpose(fb, [1, 0]));
        // value: apply(sg(x)) = x Wᵀ + b; gradient into x: δ B
        return b.add(site.apply(b.stopGradient(site.x)), b.sub(xb, b.stopGradient(xb)));
      },
    },
  });
}

/** ∂L/∂logits in closed form for the train block's loss (rows weighted like the loss). */
export function outputError(b: GraphBuilder, loss: Loss, logits: Node, labels: Node, weights: Node): Node {
  const classes = logits.shape[logits.shape.length - 1];
  const target = b.oneHot(labels, classes, "f32");
  const w = b.reshape(weights, [weights.shape[0], 1]);
  const e = loss === "mse" ? b.mul(b.scalar(2 / classes, "f32"), b.sub(logits, target)) : b.sub(b.softmax(logits, -1), target);
  return b.mul(e, w);
}

/** The optical random projection's transmission matrix T (c64 [C, D], interleaved) and reference field R = r T. */
export function opticalMedium(seed: number, classes: number, width: number): { t: Float64Array; reference: Float64Array } {
  const s = streams.opticalMedium(seed);
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

export function directFeedbackAlignmentProgram(c: RuleLowering<unknown>, opts: DfaOptions) {
  const taps: Node[] = [];
  let seen = 0;
  return trainProgram(c, forwardMode(c.hasDevice), {
    elements: {
      linear(ctx, site) {
        if (ctx.device) return site.apply(site.x);
        if (seen++ > 0) taps.push(site.x);
        return site.apply(ctx.b.stopGradient(site.x));
      },
    },
    surrogate(b, loss, logits, labels, weights) {
      if (!taps.length) return loss;
      const e = b.stopGradient(outputError(b, c.loss, logits, labels, weights));
      const classes = e.shape[1];
      const widths = taps.map((h) => h.shape.slice(1).reduce((p, q) => p * q, 1));
      const total = widths.reduce((p, q) => p + q, 0);
      const projected = opts.projection === "optical" ? opticalProjection(b, e, opticalMedium(opts.seed, classes, total), total) : undefined;
      let surrogate = loss;
      let offset = 0;
      taps.forEach((h, l) => {
        const width = widths[l];
        const delta = projected ? b.slice(projected, [0, offset], [e.shape[0], offset + width]) : b.matmul(e, b.const(Array.from(opts.feedback(l, [classes, width])), "f32", [classes, width]));
        offset += width;
        surrogate = b.add(surrogate, b.sum(b.mul(b.reshape(h, [h.shape[0], width]), b.stopGradient(delta))));
      });
      return surrogate;
    },
  });
}

export const feedbackAlignment = defineRule({
  name: "feedback_alignment",
  doc: "Feedback alignment (Lillicrap 2016): errors sent back through fixed random matrices B instead of Wᵀ.",
  options: NO_ARGS,
  trains: "feedforward",
  requires: "a feed-forward network whose layers are all differentiable; the trainable linear maps (dense) get random feedback",
  plan: (net) => [...needDifferentiable("feedback_alignment", net), ...refuseExternal("feedback_alignment", net, "the activations and derivatives of every layer, to send the error back layer by layer")],
  programs: (c) => ({ [TRAIN]: feedbackAlignmentProgram(c, randomFeedback(c.seed)) }),
  stepper: (ctx) => trainProgramStepper(ctx, { cost: (n) => ({ deviceForwards: ctx.spec.hasDevice ? n : 0 }) }),
  parallel: "gradient",
});

export const directFeedbackAlignment = defineRule({
  name: "direct_feedback_alignment",
  doc: "Direct feedback alignment (Nøkland 2016): the output error is projected to every layer by fixed random B.",
  options: schema({ projection: choice(["digital", "optical"] as const, "compute B·e digitally or with a simulated optical random projection", { default: "digital" }) }),
  trains: "feedforward",
  requires: "a feed-forward network whose layers are all differentiable; the operands of the trainable linear maps (dense) receive the projected error",
  plan: (net) => [...needDifferentiable("direct_feedback_alignment", net), ...refuseExternal("direct_feedback_alignment", net, "the activations and derivatives of every layer, to project the error to each")],
  programs: (c) => ({ [TRAIN]: directFeedbackAlignmentProgram(c, { projection: c.options.projection, feedback: randomFeedback(c.seed), seed: c.seed }) }),
  stepper: (ctx, o) => trainProgramStepper(ctx, { cost: (n) => ({ deviceForwards: ctx.spec.hasDevice ? n : 0, ...(o.projection === "optical" ? { measurements: 2 * n } : {}) }) }),
  // e = ∂L/∂logits carries the loss weights, so the injected errors are linear in the batch's rows
  parallel: "gradient",
});

/** This family's rules, in the order the rule table lists them (compiler/rules/index.ts collects the families). */
export const ALIGNMENT_RULES: readonly RuleDef[] = [feedbackAlignment, directFeedbackAlignment];
