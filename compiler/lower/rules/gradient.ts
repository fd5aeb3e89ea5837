/**
 * Rules whose update is an autodiff gradient of one train-step program: `backprop` (forward and
 * backward on the twin) and `physics_aware` (forward on the device, backward through the twin at
 * the device's activations). Both emit `train` (x, labels, weights → loss, logits, grad:<param>)
 * with the optimizer update appended (compiler/lower/optimizer.ts: → new:<param> and new state).
 */
import type { NetworkModel, TrainModel } from "../../sema/model.js";
import { lowerInfer, lowerTrainStep, type LowerMode, type LowerOptions } from "../lower.js";
import { appendOptimizerUpdate } from "../optimizer.js";
import type { RuleGraphs, RuleLowering } from "./index.js";

/** The infer programs every rule provides for evaluation. */
export function inferGraphs(net: NetworkModel, batch: number, hasDevice: boolean, opts: LowerOptions = {}): RuleGraphs {
  return { inferTwin: lowerInfer(net, "twin", batch), ...(hasDevice ? { inferDevice: lowerInfer(net, "device", batch, opts) } : {}) };
}

const gradientRule = (mode: LowerMode): RuleLowering => (net: NetworkModel, train: TrainModel, batch: number, hasDevice: boolean, opts: LowerOptions = {}) => ({
  ...inferGraphs(net, batch, hasDevice, opts),
  train: appendOptimizerUpdate(lowerTrainStep(net, train, mode, batch), train.optimizer.name, net.params),
});

export const GRADIENT_RULE_LOWERINGS: Readonly<Record<string, RuleLowering>> = {
  backprop: gradientRule("twin"),
  physics_aware: gradientRule("physics_aware"),
};
