/**
 * Run time of the train-program rules of compiler/lower/rules/alignment.ts. Each step runs the
 * `train` program and hands its grad:<param> outputs to the optimizer, like backprop; they differ
 * in what the device does and what that costs:
 *   hardware_aware — nothing on the device while training; the chip's static variables are drawn
 *     afresh every step (a new simulated chip per step, Stream keyed by seed and step), so the
 *     weights learn to tolerate the fabrication spread rather than one chip's errors.
 *   feedback_alignment, direct_feedback_alignment — one device forward per sample when the
 *     network has a device model; the optical DFA projection adds two intensity frames per sample.
 * FLOPs: the train program's (an over-count where a forward or projection is physical).
 */
import { sampleChip } from "../init.js";
import { CHIP_PREFIX } from "../model.js";
import { baseInputs, tensor, runTrainStep } from "./bind.js";
import type { RuleContext, RuleRuntime, RuleStepper, StepCost } from "./types.js";

/** Chip indices for hardware-aware resampling start here (far from the evaluated chips 0..K−1). */
export const RESAMPLED_CHIP_BASE = 1 << 20;

const trainProgramRule = (cost: (ctx: RuleContext, n: number) => StepCost, resampleChip: boolean): RuleRuntime => (ctx: RuleContext): RuleStepper => {
  const exe = ctx.programs.train;
  const inputs = baseInputs(exe, ctx.params, ctx.chip);
  const chipInputs = exe.inputs.filter((s) => s.name.startsWith(CHIP_PREFIX));
  const flops = ctx.flops.train ?? 0;
  return {
    step(batch) {
      if (resampleChip && chipInputs.length) {
        const chip = sampleChip(ctx.spec.chipVars, ctx.seed, RESAMPLED_CHIP_BASE + batch.step);
        for (const s of chipInputs) inputs[s.name] = tensor(s.dtype, [...s.shape], chip.get(s.name.slice(CHIP_PREFIX.length))!);
      }
      const { out, grads } = runTrainStep(exe, inputs, batch, ctx.spec);
      return { loss: out.loss.data[0], logits: out.logits.data, grads, cost: { ...cost(ctx, batch.n), digitalFlops: flops } };
    },
  };
};

const forwardOnDevice = (ctx: RuleContext, n: number): StepCost => ({ deviceForwards: ctx.spec.hasDevice ? n : 0 });

export const ALIGNMENT_RULE_RUNTIMES: Readonly<Record<string, RuleRuntime>> = {
  hardware_aware: trainProgramRule(() => ({}), true),
  feedback_alignment: trainProgramRule(forwardOnDevice, false),
  direct_feedback_alignment: trainProgramRule((ctx, n) => ({ ...forwardOnDevice(ctx, n), ...(ctx.options.projection === "optical" ? { measurements: 2 * n } : {}) }), false),
};
