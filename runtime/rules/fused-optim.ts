/**
 * Run-time half of the fused optimizer update (compiler/lower/optimizer.ts): a train program
 * with `new-param` outputs does the optimizer step itself. Each run needs the step's optimizer
 * scalars (runtime/optim.ts computes them for the step about to be taken) and the current
 * parameters and optimizer state; it yields their new values. Two ways to run it:
 *   - resident (the executable supports it: runtime/backend.ts `isResident`, e.g. wasm): the
 *     parameters, the optimizer state and the inputs that never change are written once; every
 *     step passes only the batch and the scalars, the executable copies each new value onto its
 *     input itself (pairs from the manifest's roles, `stateCarries`), and only the outputs the
 *     step asks for come back. The trainer's arrays are current only after `sync()`, which the
 *     trainer calls before it reads them (evaluation, checkpoint, end of run);
 *   - copying (any other executable, e.g. the interpreter): every input goes in and the new
 *     parameters and state are copied back into the trainer's arrays after every run.
 * Either way the state stays the trainer's OptimizerState (the trainer counts the step), so
 * checkpoints and --resume are unchanged, and both give the same numbers: the executable rounds
 * state to its storage precision on the way in, so state that never leaves it is the same state.
 */
import { isResident, type Executable, type Tensor } from "../backend.js";
import { hasOutput, inputsOf, outputsOf, stateCarries, type ProgramManifest } from "../manifest.js";
import { optimizerScalars, type OptimizerConfig, type OptimizerState } from "../optim.js";
import { tensor } from "./bind.js";
import type { Params } from "./types.js";

export interface FusedStep {
  /** True when parameters and optimizer state live inside the executable between steps. */
  readonly resident: boolean;
  /**
   * Runs one step. `inputs`: every input the program reads except the optimizer's (parameters,
   * chip, batch, fixed inputs); `changed`: those among them that differ from the last step (the
   * batch, a resampled chip). Returns at least the named outputs.
   */
  run(inputs: Readonly<Record<string, Tensor>>, changed: readonly string[], outputs: readonly string[]): Promise<Record<string, Tensor>>;
  /** Brings the parameters and optimizer state into the trainer's arrays (no-op when copying). */
  sync(): Promise<void>;
}

/** The program's outputs include the optimizer update. */
export function isFused(m: ProgramManifest): boolean {
  return hasOutput(m, "new-param");
}

type Optimizer = { readonly config: OptimizerConfig; readonly state: OptimizerState };

export function fusedStep(exe: Executable, m: ProgramManifest, params: Params, optimizer: Optimizer | undefined): FusedStep {
  if (!optimizer) throw new Error("this train program updates the parameters itself: the rule context needs the optimizer");
  const { config, state } = optimizer;
  const slotArray = (slot: "m" | "v", param: string): Float64Array => {
    const a = (slot === "m" ? state.m : state.v).get(param);
    if (!a) throw new Error(`fused optimizer: no ${slot} state for ${param}`);
    return a;
  };
  const shapeOf = (name: string) => [...exe.inputs.find((s) => s.name === name)!.shape];
  /** The optimizer's inputs for the step about to be taken: scalars, and (when asked) the state arrays. */
  const optimizerInputs = (withState: boolean): Record<string, Tensor> => {
    const out: Record<string, Tensor> = {};
    const values = optimizerScalars(config, state.step + 1);
    for (const { name, role } of inputsOf(m, "optimizer-scalar")) {
      const v = values[role.scalar];
      if (v === undefined) throw new Error(`fused optimizer: the program was lowered for another optimizer than ${config.name} (it takes '${role.scalar}')`);
      out[name] = tensor("f32", [], Float64Array.of(v));
    }
    if (withState) for (const { name, role } of inputsOf(m, "optimizer-state")) out[name] = tensor("f32", shapeOf(name), slotArray(role.slot, role.param));
    return out;
  };
  /** Where each new value goes in the trainer's state, by the output that holds it. */
  const targets = new Map<string, Float64Array>([
    ...outputsOf(m, "new-param").map(({ name, role }) => [name, params.get(role.param)!] as const),
    ...outputsOf(m, "new-state").map(({ name, role }) => [name, slotArray(role.slot, role.param)] as const),
  ]);

  if (!isResident(exe)) {
    return {
      resident: false,
      async run(inputs) {
        const out = await exe.run({ ...inputs, ...optimizerInputs(true) });
        for (const [name, target] of targets) target.set(out[name]!.data as ArrayLike<number>);
        return out;
      },
      async sync() {},
    };
  }

  const carries = stateCarries(m);
  const session = exe.resident(Object.fromEntries(carries.map((c) => [c.output, c.input])));
  let started = false;
  let stale = false; // the executable holds newer state than the trainer's arrays
  return {
    resident: true,
    async run(inputs, changed, outputs) {
      let feed: Record<string, Tensor>;
      if (!started) {
        feed = { ...inputs, ...optimizerInputs(true) };
        started = true;
      } else {
        feed = optimizerInputs(false);
        for (const name of changed) feed[name] = inputs[name]!;
      }
      const out = await session.step(feed, outputs);
      stale = true;
      return out;
    },
    async sync() {
      if (!stale) return;
      const values = await session.read(carries.map((c) => c.input));
      for (const c of carries) targets.get(c.output)!.set(values[c.input]!.data as ArrayLike<number>);
      stale = false;
    },
  };
}
