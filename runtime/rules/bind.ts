/**
 * Binding a program's inputs by name: parameters and `chip:<path>` device variables. Shared by
 * the rules and the evaluation code.
 */
import type { Executable, Tensor } from "../backend.js";
import { CHIP_PREFIX, GRAD_PREFIX, type ModelSpec } from "../model.js";
import type { BatchInput, Params } from "./types.js";

export const tensor = (dtype: Tensor["dtype"], shape: readonly number[], data: Tensor["data"]): Tensor => ({ dtype, shape, data });

/** Feeds params and chip variables by name into an executable's inputs (the arrays are shared, not copied). */
export function baseInputs(exe: Executable, params: Params, chip: Params | undefined): Record<string, Tensor> {
  const inputs: Record<string, Tensor> = {};
  for (const s of exe.inputs) {
    if (s.name.startsWith(CHIP_PREFIX)) {
      const v = chip?.get(s.name.slice(CHIP_PREFIX.length));
      if (!v) throw new Error(`no chip value for ${s.name}`);
      inputs[s.name] = tensor(s.dtype, [...s.shape], v);
    } else if (params.has(s.name)) inputs[s.name] = tensor(s.dtype, [...s.shape], params.get(s.name)!);
  }
  return inputs;
}

/** Sets a batch's x, labels, weights and random key among a program's bound inputs. */
export function feedBatch(inputs: Record<string, Tensor>, batch: BatchInput): void {
  inputs.x = batch.x;
  inputs.labels = batch.labels;
  inputs.weights = batch.weights;
  inputs.key = batch.key;
}

/** Runs a train-step program on a batch: its outputs, and its `grad:<param>` outputs by parameter path. */
export function runTrainStep(exe: Executable, inputs: Record<string, Tensor>, batch: BatchInput, spec: ModelSpec): { out: Record<string, Tensor>; grads: Map<string, ArrayLike<number>> } {
  feedBatch(inputs, batch);
  const out = exe.run(inputs);
  const grads = new Map<string, ArrayLike<number>>();
  for (const p of spec.params) grads.set(p.path, out[GRAD_PREFIX + p.path].data);
  return { out, grads };
}
