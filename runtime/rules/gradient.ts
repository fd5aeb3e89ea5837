/**
 * Gradient rules at run time (`backprop`, `physics_aware`): run the `train` program — forward,
 * loss and autodiff backward in one — and hand its `grad:<param>` outputs to the optimizer.
 * Accounting: physics_aware asks the device for one forward pass per sample; backprop never
 * touches the device. The train program's FLOPs are the digital work (for physics_aware this
 * over-counts slightly: its device forward is simulated here but physical on real hardware).
 */
import { baseInputs, runTrainStep } from "./bind.js";
import type { RuleContext, RuleRuntime, RuleStepper } from "./types.js";

const gradientRule = (onDevice: boolean): RuleRuntime => (ctx: RuleContext): RuleStepper => {
  const exe = ctx.programs.train;
  const inputs = baseInputs(exe, ctx.params, ctx.chip);
  const flops = ctx.flops.train ?? 0;
  return {
    step(batch) {
      const { out, grads } = runTrainStep(exe, inputs, batch, ctx.spec);
      return { loss: out.loss.data[0], logits: out.logits.data, grads, cost: { deviceForwards: onDevice ? batch.n : 0, digitalFlops: flops } };
    },
  };
};

export const GRADIENT_RULE_RUNTIMES: Readonly<Record<string, RuleRuntime>> = {
  backprop: gradientRule(false),
  physics_aware: gradientRule(true),
};
