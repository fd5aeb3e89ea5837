/**
 * An inference program run as a preparation and a per-batch part (compiler/ir/split-invariant.ts),
 * behind the plain Executable contract: callers feed every input each run, as to the whole
 * program, and get the same outputs. The preparation runs on the first call and again whenever
 * a fixed input (a parameter, a chip's device variable) differs from the values it last saw —
 * compared element by element, so a caller that updates parameters in place between evaluations
 * gets a fresh preparation, with no flag to set. Its results are fed to the per-batch part as
 * inputs. Values are unchanged: each part computes exactly what the whole program did.
 */
import type { Executable, Tensor, TensorSpec } from "./backend.js";

export interface PreparedParts {
  /** The whole program's inputs (callers bind by these; some may be read by neither part). */
  readonly inputs: readonly TensorSpec[];
  readonly prepare: Executable;
  readonly main: Executable;
  /** Inputs the preparation reads. */
  readonly fixedInputs: readonly string[];
}

type Out = Record<string, Tensor>;

/** An executable made of a preparation and a per-batch part (its parts, for tools that report them). */
export type PreparedExecutable = Executable & { readonly parts: PreparedParts };

export function preparedExecutable(parts: PreparedParts): PreparedExecutable {
  let seen: Map<string, Float64Array | Float32Array | Int32Array> | undefined;
  let carried: Out | undefined;
  const unchanged = (feeds: Readonly<Record<string, Tensor>>): boolean => {
    if (!seen || !carried) return false;
    for (const name of parts.fixedInputs) {
      const now = feeds[name]?.data;
      const was = seen.get(name)!;
      if (!now || now.length !== was.length) return false;
      for (let i = 0; i < was.length; i++) if (!Object.is(now[i], was[i])) return false;
    }
    return true;
  };
  const runMain = (feeds: Readonly<Record<string, Tensor>>, values: Out) => parts.main.run({ ...feeds, ...values });
  return {
    parts,
    inputs: parts.inputs,
    outputs: parts.main.outputs,
    run(feeds: Readonly<Record<string, Tensor>>) {
      if (unchanged(feeds)) return runMain(feeds, carried!) as Out;
      // a missing input fails in the program, as it would have without the split
      const snapshot = new Map(parts.fixedInputs.map((name) => [name, feeds[name]?.data.slice() ?? new Float64Array(0)] as const));
      const store = (values: Out) => {
        seen = snapshot;
        carried = values;
        return runMain(feeds, values);
      };
      const values = parts.prepare.run(feeds);
      return (values instanceof Promise ? values.then(store) : store(values)) as Out;
    },
  } as PreparedExecutable;
}
