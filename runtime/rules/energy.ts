/**
 * Energy-based rules at run time (docs/rules-energy.md). Both run the rule's `step` program,
 * which simulates the relaxations a physical network performs by itself.
 *   equilibrium_propagation: hands the contrastive `grad:<θ>` to the optimizer.
 *     Cost per sample: 2 relaxations (3 with symmetric ±β) and as many readouts of the local
 *     correlations ρ(s_i)ρ(s_j); digital FLOPs: forming the contrast, 2 per weight per phase.
 *   coupled_learning: updates the conductances itself, k ← clip(k − (α/η)·delta, k_min, k_max),
 *     delta = (ΔV^C)² − (ΔV^F)² averaged over the batch. Cost per sample: 2 relaxations (free and
 *     clamped) and 2 readouts of every edge's voltage drop; the update is local to each edge
 *     (Dillavou et al. 2022 do it in analog circuitry), so it counts no digital FLOPs.
 */
import { GRAD_PREFIX } from "../model.js";
import { baseInputs } from "./bind.js";
import type { RuleContext, RuleRuntime, RuleStepper } from "./types.js";

export const DELTA_PREFIX = "delta:";

const equilibriumPropagation: RuleRuntime = (ctx: RuleContext): RuleStepper => {
  const exe = ctx.programs.step;
  const inputs = baseInputs(exe, ctx.params, ctx.chip);
  const phases = ctx.options.symmetric === true ? 3 : 2;
  const elements = ctx.spec.params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
  return {
    step(batch) {
      inputs.x = batch.x;
      inputs.labels = batch.labels;
      inputs.weights = batch.weights;
      const out = exe.run(inputs);
      const grads = new Map<string, ArrayLike<number>>();
      for (const p of ctx.spec.params) grads.set(p.path, out[GRAD_PREFIX + p.path].data);
      return {
        loss: out.loss.data[0],
        logits: out.logits.data,
        grads,
        cost: { relaxations: phases * batch.n, measurements: phases * batch.n, digitalFlops: 2 * phases * batch.n * elements },
      };
    },
  };
};

const coupledLearning: RuleRuntime = (ctx: RuleContext): RuleStepper => {
  const exe = ctx.programs.step;
  const inputs = baseInputs(exe, ctx.params, ctx.chip);
  const eta = Number(ctx.options.eta ?? 0.5);
  const alpha = Number(ctx.options.alpha ?? 0.05);
  const rate = alpha / eta;
  return {
    step(batch) {
      inputs.x = batch.x;
      inputs.labels = batch.labels;
      inputs.weights = batch.weights;
      const out = exe.run(inputs);
      for (const p of ctx.spec.params) {
        const k = ctx.params.get(p.path)!;
        const delta = out[DELTA_PREFIX + p.path].data;
        const lo = p.range?.lo ?? -Infinity;
        const hi = p.range?.hi ?? Infinity;
        for (let i = 0; i < k.length; i++) k[i] = Math.min(hi, Math.max(lo, k[i] - rate * delta[i]));
      }
      return { loss: out.loss.data[0], logits: out.logits.data, cost: { relaxations: 2 * batch.n, measurements: 2 * batch.n, digitalFlops: 0 } };
    },
  };
};

export const ENERGY_RULE_RUNTIMES: Readonly<Record<string, RuleRuntime>> = {
  equilibrium_propagation: equilibriumPropagation,
  coupled_learning: coupledLearning,
};
