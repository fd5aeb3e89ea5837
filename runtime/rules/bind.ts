/**
 * Binding a program's inputs by name: parameters and `chip:<path>` device variables. Shared by
 * the rules and the evaluation code.
 */
import type { Executable, Tensor } from "../backend.js";
import { CHIP_PREFIX } from "../model.js";
import type { Params } from "./types.js";

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
