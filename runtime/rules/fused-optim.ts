/**
 * Run-time half of the fused optimizer update (compiler/lower/optimizer.ts): a train program
 * with `new-param` outputs has done the optimizer step itself. Before a run this fills the
 * program's optimizer-scalar inputs (runtime/optim.ts computes them, for the step about to be
 * taken) and binds the optimizer state arrays; after it, copies the new parameters and state
 * back into the trainer's arrays. The state stays the trainer's OptimizerState (the trainer
 * counts the step), so checkpoints and --resume are unchanged. Everything is found by role.
 */
import type { Executable, Tensor } from "../backend.js";
import { hasOutput, inputsOf, outputsOf, type ProgramManifest } from "../manifest.js";
import { optimizerScalars, type OptimizerConfig, type OptimizerState } from "../optim.js";
import { tensor } from "./bind.js";
import type { Params } from "./types.js";

export interface FusedOptimizer {
  /** Sets the step's hyperparameters and state among the program's inputs. */
  prepare(inputs: Record<string, Tensor>): void;
  /** Copies new parameters and state from the program's outputs into the bound arrays. */
  apply(out: Record<string, Tensor>): void;
}

/** The program's outputs include the optimizer update. */
export function isFused(m: ProgramManifest): boolean {
  return hasOutput(m, "new-param");
}

export function fusedOptimizer(exe: Executable, m: ProgramManifest, params: Params, optimizer: { readonly config: OptimizerConfig; readonly state: OptimizerState } | undefined): FusedOptimizer {
  if (!optimizer) throw new Error("this train program updates the parameters itself: the rule context needs the optimizer");
  const { config, state } = optimizer;
  const scalars = inputsOf(m, "optimizer-scalar");
  const stateInputs = inputsOf(m, "optimizer-state");
  const slotArray = (slot: "m" | "v", param: string): Float64Array => {
    const a = (slot === "m" ? state.m : state.v).get(param);
    if (!a) throw new Error(`fused optimizer: no ${slot} state for ${param}`);
    return a;
  };
  const updates = [
    ...outputsOf(m, "new-param").map(({ name, role }) => ({ name, target: params.get(role.param)! })),
    ...outputsOf(m, "new-state").map(({ name, role }) => ({ name, target: slotArray(role.slot, role.param) })),
  ];
  const shapeOf = (name: string) => [...exe.inputs.find((s) => s.name === name)!.shape];
  return {
    prepare(inputs) {
      const values = optimizerScalars(config, state.step + 1);
      for (const { name, role } of scalars) {
        const v = values[role.scalar];
        if (v === undefined) throw new Error(`fused optimizer: the program was lowered for another optimizer than ${config.name} (it takes '${role.scalar}')`);
        inputs[name] = tensor("f32", [], Float64Array.of(v));
      }
      for (const { name, role } of stateInputs) inputs[name] = tensor("f32", shapeOf(name), slotArray(role.slot, role.param));
    },
    apply(out) {
      for (const u of updates) u.target.set(out[u.name]!.data as ArrayLike<number>);
    },
  };
}
