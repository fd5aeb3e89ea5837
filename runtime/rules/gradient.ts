/**
 * Gradient rules at run time (`backprop`, `physics_aware`): run the `train` program — forward,
 * loss, autodiff backward and the optimizer update in one (runtime/rules/fused-optim.ts copies
 * the new parameters and optimizer state back, so the step returns no grads). A program without
 * the update (complex parameters) hands its `grad:<param>` outputs to the trainer's optimizer.
 * Accounting: physics_aware asks the device for one forward pass per sample; backprop never
 * touches the device. The train program's FLOPs are the digital work (for physics_aware this
 * over-counts slightly: its device forward is simulated here but physical on real hardware).
 */
import { baseInputs, runTrainStep } from "./bind.js";
import { fusedOptimizer, isFused } from "./fused-optim.js";
import type { RuleContext, RuleRuntime, RuleStepper } from "./types.js";

const gradientRule = (onDevice: boolean): RuleRuntime => (ctx: RuleContext): RuleStepper => {
  const exe = ctx.programs.train;
  const inputs = baseInputs(exe, ctx.params, ctx.chip);
  const flops = ctx.flops.train ?? 0;
  const fused = isFused(exe) ? fusedOptimizer(exe, ctx.params, ctx.optimizer) : undefined;
  return {
    step(batch) {
      fused?.prepare(inputs);
      const { out, grads } = runTrainStep(exe, inputs, batch, ctx.spec);
      fused?.apply(out);
      const cost = { deviceForwards: onDevice ? batch.n : 0, digitalFlops: flops };
      return { loss: out.loss.data[0], logits: out.logits.data, ...(fused ? {} : { grads }), cost };
    },
  };
};

export const GRADIENT_RULE_RUNTIMES: Readonly<Record<string, RuleRuntime>> = {
  backprop: gradientRule(false),
  physics_aware: gradientRule(true),
};
