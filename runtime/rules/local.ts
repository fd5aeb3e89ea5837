/**
 * `local(tau)` at run time (see compiler/lower/rules/local.ts). Each step embeds every sample's
 * true label (positive) and a uniformly drawn wrong label (negative, Stream(seed, 0x10ca0000 +
 * step)) into the input — x + onehot(label) on the first C features — runs the 2B-row train
 * program and hands its gradients to the optimizer. The reported loss is the local goodness loss;
 * the step's "logits" mark a sample correct when its positive copy is better than its negative
 * (Σ_l G⁺ > Σ_l G⁻): the running training accuracy is that pairwise accuracy, while evaluation
 * uses inference by the best label. Accounting: 2 device forwards per sample (with a device model).
 */
import { GRAD_PREFIX } from "../model.js";
import { Stream } from "../rng.js";
import { baseInputs, tensor } from "./bind.js";
import type { RuleContext, RuleRuntime, RuleStepper } from "./types.js";

export const local: RuleRuntime = (ctx: RuleContext): RuleStepper => {
  const exe = ctx.programs.train;
  const inputs = baseInputs(exe, ctx.params, ctx.chip);
  const B = ctx.spec.batch, F = ctx.spec.features, C = ctx.spec.classes;
  const x2 = new Float64Array(2 * B * F);
  const labels2 = new Int32Array(2 * B);
  const weights2 = new Float64Array(2 * B);
  const flops = ctx.flops.train ?? 0;
  return {
    step(batch) {
      const x = batch.x.data, y = batch.labels.data, w = batch.weights.data;
      const rng = new Stream(ctx.seed, 0x10ca0000 + batch.step);
      const wrong = new Int32Array(B);
      for (let r = 0; r < B; r++) {
        wrong[r] = (y[r] + 1 + rng.int(C - 1)) % C;
        for (let half = 0; half < 2; half++) {
          const row = half * B + r;
          const label = half === 0 ? y[r] : wrong[r];
          for (let f = 0; f < F; f++) x2[row * F + f] = x[r * F + f] + (f === label ? 1 : 0);
          labels2[row] = label;
          weights2[row] = w[r];
        }
      }
      inputs.x = tensor("f32", [2 * B, F], x2);
      inputs.labels = tensor("i32", [2 * B], labels2);
      inputs.weights = tensor("f32", [2 * B], weights2);
      inputs.key = batch.key;
      const out = exe.run(inputs);
      const grads = new Map<string, ArrayLike<number>>();
      for (const p of ctx.spec.params) grads.set(p.path, out[GRAD_PREFIX + p.path].data);
      const pair = out.pair.data;
      const logits = new Float64Array(B * C);
      for (let r = 0; r < B; r++) logits[r * C + (pair[r] > 0 ? y[r] : wrong[r])] = 1;
      return { loss: out.surrogate.data[0], logits, grads, cost: { deviceForwards: ctx.spec.hasDevice ? 2 * batch.n : 0, digitalFlops: flops } };
    },
  };
};

export const LOCAL_RULE_RUNTIMES: Readonly<Record<string, RuleRuntime>> = { local };
