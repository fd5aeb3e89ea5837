/**
 * What the rules that train through one `train` program share (backprop, physics_aware,
 * hardware_aware, feedback alignment, direct feedback alignment, in-situ adjoint): building that
 * program with the session's lowering options (optionally with the optimizer update fused in),
 * and the stepper that runs it — forward, loss, backward (and update) — reading the program's
 * manifest. A rule says what one step costs on the device and whether it resamples the chip.
 */
import type { Tensor } from "../../runtime/backend.js";
import { bindChip, bindInputs, feedBatch, gradsOf, runTrainStep } from "../../runtime/rules/bind.js";
import { fusedStep, isFused } from "../../runtime/rules/fused-optim.js";
import type { RuleContext, RuleStepper, StepCost, StepResult } from "../../runtime/rules/types.js";
import { inputNamed, inputsOf, outputNamed } from "../../runtime/manifest.js";
import { sampleChip } from "../../runtime/init.js";
import { RESAMPLED_CHIP_BASE } from "../../runtime/streams.js";
import type { Graph } from "../ir/graph.js";
import { lowerTrainStep, type LowerMode, type StepHooks } from "../lower/lower.js";
import { appendOptimizerUpdate } from "../lower/optimizer.js";
import type { RuleLowering } from "./rule.js";

export const TRAIN = "train";

/** The train-step program in `mode`, with the rule's hooks; `fuse` appends the optimizer update. */
export function trainProgram(c: RuleLowering<unknown>, mode: LowerMode, hooks: StepHooks = {}, fuse = false): Graph {
  const g = lowerTrainStep(c.net, c.loss, mode, c.batch, c.lowering, hooks);
  return fuse ? appendOptimizerUpdate(g, c.optimizer.name as "sgd" | "momentum" | "adam", c.net.params) : g;
}

export interface TrainProgramStepper {
  /** What one step of n samples costs on the device (digital FLOPs are the program's). */
  cost(n: number): StepCost;
  /** hardware_aware: a freshly sampled chip every step. */
  readonly resampleChip?: boolean;
  /** Turns the program's outputs into the step's gradients (in-situ replaces some with measured ones). */
  adjust?(out: Record<string, Tensor>, grads: Map<string, ArrayLike<number>>, batch: Parameters<RuleStepper["step"]>[0]): StepCost | void;
}

/**
 * `fixed`: inputs bound once besides parameters and chip (e.g. in-situ's zero probes). A program
 * with the optimizer fused in runs through runtime/rules/fused-optim.ts, which keeps parameters
 * and optimizer state inside the executable when it can (then `sync` brings them back).
 */
export function trainProgramStepper(ctx: RuleContext, o: TrainProgramStepper, fixed: Readonly<Record<string, Tensor>> = {}): RuleStepper {
  const exe = ctx.programs[TRAIN]!;
  const m = ctx.manifests[TRAIN]!;
  const inputs = { ...bindInputs(exe, m, ctx.params, ctx.chip), ...fixed };
  const fused = isFused(m) ? fusedStep(exe, m, ctx.params, ctx.optimizer) : undefined;
  const loss = outputNamed(m, "loss"), logits = outputNamed(m, "logits");
  const flops = ctx.flops[TRAIN] ?? 0;
  // what differs from one step to the next: the batch, and a resampled chip
  const batchInputs = (["x", "labels", "weights", "key"] as const).map((k) => inputNamed(m, k)).filter((n): n is string => n !== undefined);
  const changed = [...batchInputs, ...(o.resampleChip ? inputsOf(m, "chip").map((c) => c.name) : [])];
  // a rule that adjusts the step reads every output; otherwise the loss and logits are enough
  const wanted = o.adjust ? exe.outputs.map((s) => s.name) : [loss, logits];
  const resample = (batch: Parameters<RuleStepper["step"]>[0]) => {
    if (o.resampleChip && ctx.spec.chipVars.length) bindChip(exe, m, inputs, sampleChip(ctx.spec.chipVars, ctx.seed, RESAMPLED_CHIP_BASE + batch.step));
  };
  if (fused)
    return {
      async step(batch): Promise<StepResult> {
        resample(batch);
        feedBatch(m, inputs, batch);
        const out = await fused.run(inputs, changed, wanted);
        const extra = o.adjust?.(out, gradsOf(m, out), batch) ?? {};
        return { loss: out[loss]!.data[0]!, logits: out[logits]!.data, cost: { ...o.cost(batch.n), digitalFlops: flops, ...extra } };
      },
      sync: () => fused.sync(),
    };
  return {
    // the parameters are only bound as inputs; a rule that adjusts the step may read them
    readsParams: o.adjust !== undefined,
    async step(batch): Promise<StepResult> {
      resample(batch);
      const { out, grads } = await runTrainStep(exe, m, inputs, batch);
      const extra = o.adjust?.(out, grads, batch) ?? {};
      return { loss: out[loss]!.data[0]!, logits: out[logits]!.data, grads, cost: { ...o.cost(batch.n), digitalFlops: flops, ...extra } };
    },
  };
}
