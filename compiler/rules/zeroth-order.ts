/**
 * Zeroth-order rules: the gradient is estimated from loss queries on the device — the `query`
 * program (one forward pass of a batch on the device, on the twin when the network has no device
 * model, and its loss) at perturbed parameters, as a chip that exposes only its loss would allow.
 *   spsa(c, samples) — Spall 1992: ĝ = (1/S) Σ_s (L(θ + cΔ_s) − L(θ − cΔ_s)) / (2c) · Δ_s, Δ Rademacher
 *     (Δ_i = ±1, so 1/Δ_i = Δ_i); 2S queries per step. Unbiased up to O(c²) on a smooth loss.
 *   finite_difference(eps) — central differences per parameter: 2P queries per step.
 *   evolution_strategies(sigma, population) — ĝ = (1/(Nσ)) Σ_i (L(θ + σε_i) − L(θ)) ε_i, ε_i ~ N(0, I)
 *     (the baseline L(θ) lowers the variance and leaves the mean unchanged); N queries per step.
 * Every step also queries L(θ) once, for the reported loss and logits (and the ES baseline).
 * Each query uses its own per-shot noise key, as a physical chip would. Accounting: with a device
 * model each query is `n` device forwards and the digital work is the estimate (~2 FLOPs per
 * parameter per query); without one the queries are digital forwards and counted as FLOPs.
 * Data-parallel: every estimate is linear in the queried losses, and each loss is a weighted sum
 * over the batch's rows, so each shard runs the estimator with the step's perturbations (drawn
 * from the step, not the shard: every shard perturbs alike) on its own rows and the shards'
 * estimates add up to the batch's.
 */
import { outputNamed } from "../../runtime/manifest.js";
import type { Stream } from "../../runtime/rng.js";
import { bindInputs, feedBatch, tensor } from "../../runtime/rules/bind.js";
import type { BatchInput, RuleContext, RuleStepper, StepCost } from "../../runtime/rules/types.js";
import { keys, streams } from "../../runtime/streams.js";
import { int, real, schema } from "../../stdlib/schema.js";
import { GraphBuilder, type Graph } from "../ir/graph.js";
import { batchLoss, lowerInfer, type Loss } from "../lower/lower.js";
import { LABELS, LOGITS, LOSS, WEIGHTS } from "../lower/names.js";
import { defineRule, needFeedforward, type RuleLowering, type RuleDef } from "./rule.js";

export const QUERY = "query";

/** Appends the train block's loss (Σ w·loss per sample) to an infer graph's logits. */
export function lossQuery(infer: Graph, loss: Loss): Graph {
  const b = GraphBuilder.from(infer);
  const logits = b.node(infer.outputs.find((o) => o.name === LOGITS)!.id);
  const batch = logits.shape[0];
  const labels = b.input(LABELS, "i32", [batch]);
  const weights = b.input(WEIGHTS, "f32", [batch]);
  b.output(LOSS, batchLoss(b, loss, logits, labels, weights));
  return b.build();
}

const queryProgram = (c: RuleLowering<unknown>) => ({ [QUERY]: lossQuery(lowerInfer(c.net, c.hasDevice ? "device" : "twin", c.batch, c.lowering), c.loss) });

type Query = (batch: BatchInput, q: number) => Promise<{ loss: number; logits: ArrayLike<number> }>;

function lossQueries(ctx: RuleContext, queried: ReadonlyMap<string, Float64Array>): Query {
  const exe = ctx.programs[QUERY]!;
  const m = ctx.manifests[QUERY]!;
  const inputs = bindInputs(exe, m, queried as Map<string, Float64Array>, ctx.chip);
  const loss = outputNamed(m, "loss"), logits = outputNamed(m, "logits");
  return async (batch, q) => {
    feedBatch(m, inputs, { ...batch, key: tensor("i32", [4], Int32Array.from(keys.query(batch.key.data, q))) });
    const out = await exe.run(inputs);
    return { loss: out[loss]!.data[0]!, logits: Float64Array.from(out[logits]!.data) };
  };
}

/**
 * The queried parameters as one flat vector: the rule's own copy (the queries are bound to it), so
 * the run's parameters are only read — a data-parallel step's shards share them (docs/scaling.md).
 * `save` takes the current parameters as the base; `setOffset` queries base + scale·d.
 */
class Flat {
  readonly size: number;
  /** The copy the queries read, by parameter path. */
  readonly queried: Map<string, Float64Array>;
  private readonly sources: Float64Array[];
  private readonly arrays: Float64Array[];
  private readonly saved: Float64Array[];
  constructor(private readonly ctx: RuleContext) {
    this.sources = ctx.spec.params.map((p) => ctx.params.get(p.path)!);
    this.arrays = this.sources.map((a) => new Float64Array(a.length));
    this.queried = new Map(ctx.spec.params.map((p, i) => [p.path, this.arrays[i]!]));
    this.saved = this.arrays.map((a) => new Float64Array(a.length));
    this.size = this.arrays.reduce((s, a) => s + a.length, 0);
  }
  /** The current parameters become the base, and the queried copy holds them. */
  save(): void {
    this.sources.forEach((a, i) => {
      this.saved[i].set(a);
      this.arrays[i].set(a);
    });
  }
  /** θ ← θ_saved + scale·d. */
  setOffset(d: Float64Array, scale: number): void {
    let j = 0;
    this.arrays.forEach((a, i) => {
      const s = this.saved[i];
      for (let k = 0; k < a.length; k++, j++) a[k] = s[k] + scale * d[j];
    });
  }
  /** Splits a flat gradient into per-parameter arrays. */
  split(g: Float64Array): Map<string, Float64Array> {
    const out = new Map<string, Float64Array>();
    let j = 0;
    for (const p of this.ctx.spec.params) {
      const n = this.ctx.params.get(p.path)!.length;
      out.set(p.path, g.slice(j, j + n));
      j += n;
    }
    return out;
  }
}

function cost(ctx: RuleContext, queries: number, n: number, params: number): StepCost {
  return ctx.spec.hasDevice ? { deviceForwards: queries * n, digitalFlops: 2 * params * queries } : { digitalFlops: queries * (ctx.flops[QUERY] ?? 0) + 2 * params * queries };
}

type Estimator = (flat: Flat, query: Query, batch: BatchInput, base: number, rng: Stream) => Promise<{ g: Float64Array; queries: number }>;

function zerothOrderStepper(ctx: RuleContext, estimate: Estimator): RuleStepper {
  const flat = new Flat(ctx);
  const query = lossQueries(ctx, flat.queried);
  return {
    async step(batch) {
      flat.save();
      const base = await query(batch, 0);
      const { g, queries } = await estimate(flat, query, batch, base.loss, streams.zerothOrder(ctx.seed, batch.step));
      return { loss: base.loss, logits: base.logits, grads: flat.split(g), cost: cost(ctx, queries + 1, batch.n, flat.size) };
    },
  };
}

export function spsaEstimator(c: number, samples: number): Estimator {
  return async (flat, query, batch, _base, rng) => {
    const g = new Float64Array(flat.size);
    const delta = new Float64Array(flat.size);
    let q = 1;
    for (let s = 0; s < samples; s++) {
      for (let i = 0; i < delta.length; i++) delta[i] = rng.uniform() < 0.5 ? -1 : 1;
      flat.setOffset(delta, c);
      const plus = (await query(batch, q++)).loss;
      flat.setOffset(delta, -c);
      const minus = (await query(batch, q++)).loss;
      const scale = (plus - minus) / (2 * c * samples);
      for (let i = 0; i < g.length; i++) g[i] += scale * delta[i];
    }
    return { g, queries: 2 * samples };
  };
}

export function finiteDifferenceEstimator(eps: number): Estimator {
  return async (flat, query, batch) => {
    const g = new Float64Array(flat.size);
    const e = new Float64Array(flat.size);
    let q = 1;
    for (let i = 0; i < flat.size; i++) {
      e[i] = 1;
      flat.setOffset(e, eps);
      const plus = (await query(batch, q++)).loss;
      flat.setOffset(e, -eps);
      const minus = (await query(batch, q++)).loss;
      e[i] = 0;
      g[i] = (plus - minus) / (2 * eps);
    }
    return { g, queries: 2 * flat.size };
  };
}

export function evolutionStrategiesEstimator(sigma: number, population: number): Estimator {
  return async (flat, query, batch, base, rng) => {
    const g = new Float64Array(flat.size);
    const eps = new Float64Array(flat.size);
    for (let k = 0; k < population; k++) {
      for (let i = 0; i < eps.length; i++) eps[i] = rng.normal();
      flat.setOffset(eps, sigma);
      const scale = ((await query(batch, 1 + k)).loss - base) / (population * sigma);
      for (let i = 0; i < g.length; i++) g[i] += scale * eps[i];
    }
    return { g, queries: population };
  };
}

const plan = (rule: string) => (net: import("../sema/model.js").NetworkModel) => needFeedforward(rule, net);
const REQUIRES = "a feed-forward network whose loss can be measured (no gradient needed)";

export const spsa = defineRule({
  name: "spsa",
  doc: "Simultaneous-perturbation stochastic approximation (Spall 1992): ĝ = (L(θ+cΔ) − L(θ−cΔ))/(2c)·Δ, Δ Rademacher.",
  options: schema({ c: real("perturbation size", { default: 0.01, min: 0 }), samples: int("perturbations per step", { default: 1, min: 1 }) }),
  trains: "feedforward",
  requires: REQUIRES,
  plan: plan("spsa"),
  programs: queryProgram,
  stepper: (ctx, o) => zerothOrderStepper(ctx, spsaEstimator(o.c, o.samples)),
  parallel: "gradient",
});

export const finiteDifference = defineRule({
  name: "finite_difference",
  doc: "Central finite differences, 2P loss queries per step.",
  options: schema({ eps: real("step", { default: 1e-3, min: 0 }) }),
  trains: "feedforward",
  requires: REQUIRES,
  plan: plan("finite_difference"),
  programs: queryProgram,
  stepper: (ctx, o) => zerothOrderStepper(ctx, finiteDifferenceEstimator(o.eps)),
  parallel: "gradient",
});

export const evolutionStrategies = defineRule({
  name: "evolution_strategies",
  doc: "Evolution strategies: ĝ = (1/Nσ) Σ L(θ+σεᵢ) εᵢ.",
  options: schema({ sigma: real("perturbation std", { default: 0.02, min: 0 }), population: int("N", { default: 20, min: 1 }) }),
  trains: "feedforward",
  requires: REQUIRES,
  plan: plan("evolution_strategies"),
  programs: queryProgram,
  stepper: (ctx, o) => zerothOrderStepper(ctx, evolutionStrategiesEstimator(o.sigma, o.population)),
  parallel: "gradient",
});

/** This family's rules, in the order the rule table lists them (compiler/rules/index.ts collects the families). */
export const ZEROTH_ORDER_RULES: readonly RuleDef[] = [spsa, finiteDifference, evolutionStrategies];
