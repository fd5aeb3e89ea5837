/**
 * Rules whose update is the autodiff gradient of one train program:
 *   backprop — forward and backward on the ideal twin; the device is only used for evaluation.
 *   physics_aware (Wright et al., Nature 2022) — forward on the device, backward through the twin
 *     evaluated at the device's activations (compiler/lower/lower.ts, mode physics_aware); one
 *     device forward per sample.
 *   hardware_aware — backprop through the device lowering (per-shot noise drawn each step;
 *     quantizers pass a straight-through gradient) on a freshly sampled chip every step, so the
 *     weights learn to tolerate the fabrication spread rather than one chip's errors; nothing runs
 *     on a device while training.
 * backprop and physics_aware fuse the optimizer update into the program (not when it computes one
 * shard of a data-parallel step: the shards' gradients are summed first). FLOPs: the program's
 * (for physics_aware an over-count: its device forward is physical on real hardware).
 */
import { NO_ARGS } from "../../stdlib/schema.js";
import { defineRule, needDifferentiable, refuseExternal, type RuleDef } from "./rule.js";
import { TRAIN, trainProgram, trainProgramStepper } from "./train-program.js";

export const backprop = defineRule({
  name: "backprop",
  doc: "In-silico backpropagation through the ideal digital twin; the device is only used for evaluation.",
  options: NO_ARGS,
  trains: "feedforward",
  requires: "a feed-forward network whose layers are all differentiable",
  plan: (net) => needDifferentiable("backprop", net),
  programs: (c) => ({ [TRAIN]: trainProgram(c, "twin", {}, !c.dataParallel) }),
  stepper: (ctx) => trainProgramStepper(ctx, { cost: () => ({ deviceForwards: 0 }) }),
  parallel: "gradient",
});

export const physicsAware = defineRule({
  name: "physics_aware",
  doc: "Physics-aware training (Wright et al., Nature 2022): forward pass on the device, backward pass through the twin evaluated at the device's activations.",
  options: NO_ARGS,
  trains: "feedforward",
  requires: "a feed-forward network whose layers are all differentiable (the twin gives the gradient)",
  plan: (net) => needDifferentiable("physics_aware", net),
  programs: (c) => ({ [TRAIN]: trainProgram(c, c.hasDevice ? "physics_aware" : "twin", {}, !c.dataParallel) }),
  stepper: (ctx) => trainProgramStepper(ctx, { cost: (n) => ({ deviceForwards: n }) }),
  parallel: "gradient",
});

export const hardwareAware = defineRule({
  name: "hardware_aware",
  doc: "Backpropagation through the twin with the device's noise and quantization sampled on every step.",
  options: NO_ARGS,
  trains: "feedforward",
  requires: "a feed-forward network whose layers are all differentiable",
  plan: (net) => [...needDifferentiable("hardware_aware", net), ...refuseExternal("hardware_aware", net, "a simulated device model to backpropagate through, with its noise sampled in every step")],
  programs: (c) => ({ [TRAIN]: trainProgram(c, c.hasDevice ? "device" : "twin") }),
  stepper: (ctx) => trainProgramStepper(ctx, { cost: () => ({}), resampleChip: true }),
  // every shard of a step trains on that step's one resampled chip
  parallel: "gradient",
});

/** This family's rules, in the order the rule table lists them (compiler/rules/index.ts collects the families). */
export const GRADIENT_RULES: readonly RuleDef[] = [backprop, hardwareAware, physicsAware];
