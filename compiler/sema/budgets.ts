/**
 * Check-time memory budget of a train block: a network and a batch size in, the one problem
 * (if any) with running a training step out. A step holds, roughly, every node's values for
 * every sample of the batch plus each parameter four times (value, gradient and two optimizer
 * moments); this estimate ignores the intermediates a layer's lowering adds, so it is a lower
 * bound, and a program over MAX_TRAINING_VALUES (or a batch over MAX_BATCH) is refused with
 * PNN2081 before anything is allocated. The limits live in diagnostics/limits.ts.
 */
import { MAX_BATCH, MAX_TRAINING_VALUES } from "../../diagnostics/limits.js";
import type { TensorType } from "../../stdlib/types.js";
import type { NetworkModel } from "./model.js";

const values = (t: TensorType) => t.shape.reduce((a, b) => a * b, 1) * (t.dtype === "complex" ? 2 : 1);
const n = (x: number) => x.toLocaleString("en-US");

/** Values per sample and values independent of the batch (parameters ×4, device variables). */
export function trainingFootprint(net: NetworkModel): { perSample: number; fixed: number } {
  let perSample = 0;
  for (const node of net.nodes) if (node.op !== "param" && node.op !== "device" && node.op !== "const") perSample += values(node.type);
  for (const s of net.stateNodes) perSample += values(s.type);
  let fixed = 0;
  for (const p of net.params) fixed += 4 * values(p.type);
  for (const d of net.deviceVars) fixed += values(d.type);
  return { perSample, fixed };
}

/** Why `batch` is too large to train `net` with, or undefined when it fits. */
export function trainingBudgetProblem(net: NetworkModel, batch: number): string | undefined {
  const { perSample, fixed } = trainingFootprint(net);
  if (fixed > MAX_TRAINING_VALUES)
    return `network ${net.name}'s parameters need about ${n(fixed)} values with their gradients and optimizer state; the limit is ${n(MAX_TRAINING_VALUES)} (2 GiB of float64)`;
  const fits = Math.min(MAX_BATCH, Math.floor((MAX_TRAINING_VALUES - fixed) / Math.max(1, perSample)));
  if (batch <= fits) return undefined;
  if (batch > MAX_BATCH) return `batch = ${n(batch)} is larger than the limit of ${n(MAX_BATCH)}; network ${net.name} fits a batch of at most ${n(fits)}`;
  return `batch = ${n(batch)} would need about ${n(batch * perSample + fixed)} values per training step (${n(perSample)} per sample); the limit is ${n(MAX_TRAINING_VALUES)} (2 GiB of float64): use a batch of at most ${n(fits)}`;
}
