/**
 * Run-time half of the fused optimizer update (compiler/lower/optimizer.ts): when a train program
 * outputs `new:<param>`, it has done the optimizer step itself. Before a run this fills the
 * program's scalar hyperparameter inputs (exactly as runtime/optim.ts computes them, for the step
 * about to be taken) and binds the optimizer state arrays; after it, copies the new parameters and
 * state back into the trainer's arrays. The state stays the trainer's OptimizerState (the
 * trainer counts the step), so checkpoints and --resume are unchanged.
 */
import type { Executable, Tensor } from "../backend.js";
import type { OptimizerConfig, OptimizerState } from "../optim.js";
import { tensor } from "./bind.js";
import type { Params } from "./types.js";

const NEW = "new:";
const STATE_M = "opt:m:";
const STATE_V = "opt:v:";

export interface FusedOptimizer {
  /** Sets the step's hyperparameters and state among the program's inputs. */
  prepare(inputs: Record<string, Tensor>): void;
  /** Copies new parameters and state from the program's outputs into the bound arrays. */
  apply(out: Record<string, Tensor>): void;
}

/** The program's outputs include the optimizer update. */
export function isFused(exe: Executable): boolean {
  return exe.outputs.some((o) => o.name.startsWith(NEW));
}

/** Host-side scalars for the step being taken (state.step + 1), named as the program's inputs. */
export function optimizerScalars(cfg: OptimizerConfig, step: number): Record<string, number> {
  const lr = cfg.args.lr ?? 1e-3;
  if (cfg.name === "sgd") return { "opt:lr": lr };
  if (cfg.name === "momentum") return { "opt:lr": lr, "opt:beta": cfg.args.beta ?? 0.9 };
  const b1 = cfg.args.beta1 ?? 0.9, b2 = cfg.args.beta2 ?? 0.999, eps = cfg.args.eps ?? 1e-8;
  return { "opt:lr": lr, "opt:b1": b1, "opt:1-b1": 1 - b1, "opt:b2": b2, "opt:1-b2": 1 - b2, "opt:eps": eps, "opt:c1": 1 - Math.pow(b1, step), "opt:c2": 1 - Math.pow(b2, step) };
}

export function fusedOptimizer(exe: Executable, params: Params, optimizer: { readonly config: OptimizerConfig; readonly state: OptimizerState } | undefined): FusedOptimizer {
  if (!optimizer) throw new Error("this train program updates the parameters itself: the rule context needs the optimizer");
  const { config, state } = optimizer;
  const scalarNames = exe.inputs.filter((s) => s.name.startsWith("opt:") && s.shape.length === 0).map((s) => s.name);
  const stateInputs = exe.inputs.filter((s) => s.name.startsWith(STATE_M) || s.name.startsWith(STATE_V));
  const updated = exe.outputs.filter((o) => o.name.startsWith(NEW)).map((o) => o.name.slice(NEW.length));
  const target = (name: string): Float64Array => {
    const arr = name.startsWith(STATE_M) ? state.m.get(name.slice(STATE_M.length)) : name.startsWith(STATE_V) ? state.v.get(name.slice(STATE_V.length)) : params.get(name);
    if (!arr) throw new Error(`fused optimizer: nothing bound for ${name}`);
    return arr;
  };
  return {
    prepare(inputs) {
      const values = optimizerScalars(config, state.step + 1);
      if (Object.keys(values).sort().join() !== [...scalarNames].sort().join()) throw new Error(`fused optimizer: the program was lowered for another optimizer than ${config.name}`);
      for (const name of scalarNames) {
        inputs[name] = tensor("f32", [], Float64Array.of(values[name]!));
      }
      for (const s of stateInputs) inputs[s.name] = tensor(s.dtype, [...s.shape], target(s.name));
    },
    apply(out) {
      for (const name of updated) target(name).set(out[NEW + name]!.data as ArrayLike<number>);
    },
  };
}
