/**
 * Binding a program's inputs by their roles (runtime/manifest.ts): parameters, a chip's device
 * variables, the batch; and reading its outputs by role. Shared by the rules' steppers and the
 * evaluation code. Arrays are shared, not copied: the optimizer updates parameters in place.
 */
import type { Executable, Tensor } from "../backend.js";
import { inputNamed, inputsOf, outputsOf, type ProgramManifest } from "../manifest.js";
import type { BatchInput, Params } from "./types.js";

export const tensor = (dtype: Tensor["dtype"], shape: readonly number[], data: Tensor["data"]): Tensor => ({ dtype, shape, data });

function specOf(exe: Executable, name: string) {
  const s = exe.inputs.find((i) => i.name === name);
  if (!s) throw new Error(`the program has no input ${name}`);
  return s;
}

/** Binds parameters and (when given) the chip's device variables into a fresh inputs record. */
export function bindInputs(exe: Executable, m: ProgramManifest, params: Params, chip: Params | undefined): Record<string, Tensor> {
  const inputs: Record<string, Tensor> = {};
  for (const { name, role } of inputsOf(m, "param")) {
    const v = params.get(role.param);
    if (!v) throw new Error(`no value for parameter ${role.param}`);
    const s = specOf(exe, name);
    inputs[name] = tensor(s.dtype, [...s.shape], v);
  }
  bindChip(exe, m, inputs, chip);
  return inputs;
}

/** (Re)binds a chip's device variables (a different chip: hardware-aware resampling, evaluation). */
export function bindChip(exe: Executable, m: ProgramManifest, inputs: Record<string, Tensor>, chip: Params | undefined): void {
  for (const { name, role } of inputsOf(m, "chip")) {
    const v = chip?.get(role.variable);
    if (!v) throw new Error(`no chip value for device variable ${role.variable}`);
    const s = specOf(exe, name);
    inputs[name] = tensor(s.dtype, [...s.shape], v);
  }
}

/** Sets a batch's x, labels, weights and random key among a program's bound inputs (those it has). */
export function feedBatch(m: ProgramManifest, inputs: Record<string, Tensor>, batch: Pick<BatchInput, "x" | "labels" | "weights" | "key">): void {
  for (const kind of ["x", "labels", "weights", "key"] as const) {
    const name = inputNamed(m, kind);
    if (name) inputs[name] = batch[kind];
  }
}

/** The program's gradient outputs by parameter path. */
export function gradsOf(m: ProgramManifest, out: Readonly<Record<string, Tensor>>): Map<string, ArrayLike<number>> {
  const grads = new Map<string, ArrayLike<number>>();
  for (const { name, role } of outputsOf(m, "grad")) grads.set(role.param, out[name]!.data);
  return grads;
}

/** Runs a train-step program on a batch: its outputs, and its gradients by parameter path. */
export async function runTrainStep(exe: Executable, m: ProgramManifest, inputs: Record<string, Tensor>, batch: BatchInput): Promise<{ out: Record<string, Tensor>; grads: Map<string, ArrayLike<number>> }> {
  feedBatch(m, inputs, batch);
  const out = await exe.run(inputs);
  return { out, grads: gradsOf(m, out) };
}
