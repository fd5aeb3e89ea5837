/**
 * Zeroth-order rules at run time: the gradient is estimated from loss queries on the device (the
 * `query` program at perturbed parameters), as a chip that exposes only its loss would allow.
 *   spsa(c, samples) — Spall 1992: ĝ = (1/S) Σ_s (L(θ + cΔ_s) − L(θ − cΔ_s)) / (2c) · Δ_s, Δ Rademacher
 *     (Δ_i = ±1, so 1/Δ_i = Δ_i); 2S queries per step. Unbiased up to O(c²) on a smooth loss.
 *   finite_difference(eps) — central differences per parameter: 2P queries per step.
 *   evolution_strategies(sigma, population) — ĝ = (1/(Nσ)) Σ_i (L(θ + σε_i) − L(θ)) ε_i, ε_i ~ N(0, I)
 *     (the baseline L(θ) lowers the variance and leaves the mean unchanged); N queries per step.
 * Every step also queries L(θ) once, for the reported loss and logits (and the ES baseline).
 * Each query uses its own per-shot noise key, as a physical chip would. Accounting: with a device
 * model each query is `n` device forwards and the digital work is the estimate (~2 FLOPs per
 * parameter per query); without one the queries are digital forwards and counted as FLOPs.
 */
import { baseInputs, tensor } from "./bind.js";
import { Stream } from "../rng.js";
import type { BatchInput, RuleContext, RuleRuntime, RuleStepper, StepCost } from "./types.js";

/** Perturbation draws use Stream(seed, ZO_STREAM + step). */
const ZO_STREAM = 0x5a000000;

interface Query {
  (batch: BatchInput, q: number): { loss: number; logits: ArrayLike<number> };
}

function lossQuery(ctx: RuleContext): Query {
  const exe = ctx.programs.query;
  const inputs = baseInputs(exe, ctx.params, ctx.chip);
  return (batch, q) => {
    inputs.x = batch.x;
    inputs.labels = batch.labels;
    inputs.weights = batch.weights;
    const k = batch.key.data;
    inputs.key = tensor("i32", [4], Int32Array.from([k[0], k[1] + 1 + q, k[2], k[3]]));
    const out = exe.run(inputs);
    return { loss: out.loss.data[0], logits: Float64Array.from(out.logits.data) };
  };
}

/** All parameters as one flat vector view: add a scaled direction in place, restore exactly. */
class Flat {
  readonly size: number;
  private readonly arrays: Float64Array[];
  private readonly saved: Float64Array[];
  constructor(ctx: RuleContext) {
    this.arrays = ctx.spec.params.map((p) => ctx.params.get(p.path)!);
    this.saved = this.arrays.map((a) => new Float64Array(a.length));
    this.size = this.arrays.reduce((s, a) => s + a.length, 0);
  }
  save(): void {
    this.arrays.forEach((a, i) => this.saved[i].set(a));
  }
  restore(): void {
    this.arrays.forEach((a, i) => a.set(this.saved[i]));
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
  split(ctx: RuleContext, g: Float64Array): Map<string, Float64Array> {
    const out = new Map<string, Float64Array>();
    let j = 0;
    for (const p of ctx.spec.params) {
      const n = ctx.params.get(p.path)!.length;
      out.set(p.path, g.slice(j, j + n));
      j += n;
    }
    return out;
  }
}

function cost(ctx: RuleContext, queries: number, n: number, params: number): StepCost {
  return ctx.spec.hasDevice
    ? { deviceForwards: queries * n, digitalFlops: 2 * params * queries }
    : { digitalFlops: queries * (ctx.flops.query ?? 0) + 2 * params * queries };
}

type Estimator = (flat: Flat, query: Query, batch: BatchInput, base: number, rng: Stream) => { g: Float64Array; queries: number };

const zerothOrderRule = (estimate: (ctx: RuleContext) => Estimator): RuleRuntime => (ctx: RuleContext): RuleStepper => {
  const query = lossQuery(ctx);
  const flat = new Flat(ctx);
  const est = estimate(ctx);
  return {
    step(batch) {
      flat.save();
      const base = query(batch, 0);
      const { g, queries } = est(flat, query, batch, base.loss, new Stream(ctx.seed, ZO_STREAM + batch.step));
      flat.restore();
      return { loss: base.loss, logits: base.logits, grads: flat.split(ctx, g), cost: cost(ctx, queries + 1, batch.n, flat.size) };
    },
  };
};

const num = (ctx: RuleContext, name: string, dflt: number): number => (typeof ctx.options[name] === "number" ? (ctx.options[name] as number) : dflt);

export const spsa = (ctx: RuleContext): Estimator => {
  const c = num(ctx, "c", 0.01);
  const samples = num(ctx, "samples", 1);
  return (flat, query, batch, _base, rng) => {
    const g = new Float64Array(flat.size);
    const delta = new Float64Array(flat.size);
    let q = 1;
    for (let s = 0; s < samples; s++) {
      for (let i = 0; i < delta.length; i++) delta[i] = rng.uniform() < 0.5 ? -1 : 1;
      flat.setOffset(delta, c);
      const plus = query(batch, q++).loss;
      flat.setOffset(delta, -c);
      const minus = query(batch, q++).loss;
      const scale = (plus - minus) / (2 * c * samples);
      for (let i = 0; i < g.length; i++) g[i] += scale * delta[i];
    }
    return { g, queries: 2 * samples };
  };
};

export const finiteDifference = (ctx: RuleContext): Estimator => {
  const eps = num(ctx, "eps", 1e-3);
  return (flat, query, batch) => {
    const g = new Float64Array(flat.size);
    const e = new Float64Array(flat.size);
    let q = 1;
    for (let i = 0; i < flat.size; i++) {
      e[i] = 1;
      flat.setOffset(e, eps);
      const plus = query(batch, q++).loss;
      flat.setOffset(e, -eps);
      const minus = query(batch, q++).loss;
      e[i] = 0;
      g[i] = (plus - minus) / (2 * eps);
    }
    return { g, queries: 2 * flat.size };
  };
};

export const evolutionStrategies = (ctx: RuleContext): Estimator => {
  const sigma = num(ctx, "sigma", 0.02);
  const population = num(ctx, "population", 20);
  return (flat, query, batch, base, rng) => {
    const g = new Float64Array(flat.size);
    const eps = new Float64Array(flat.size);
    for (let k = 0; k < population; k++) {
      for (let i = 0; i < eps.length; i++) eps[i] = rng.normal();
      flat.setOffset(eps, sigma);
      const scale = (query(batch, 1 + k).loss - base) / (population * sigma);
      for (let i = 0; i < g.length; i++) g[i] += scale * eps[i];
    }
    return { g, queries: population };
  };
};

export const ZEROTH_ORDER_RULE_RUNTIMES: Readonly<Record<string, RuleRuntime>> = {
  spsa: zerothOrderRule(spsa),
  finite_difference: zerothOrderRule(finiteDifference),
  evolution_strategies: zerothOrderRule(evolutionStrategies),
};
