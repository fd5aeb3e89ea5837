// Shared helpers for the energy-based tests: check a .pnn source in memory, compile IR graphs
// with the interpreter, bind parameters and run.
import { compileInterp } from "../../compiler/backends/interp/index.js";
import type { Graph } from "../../compiler/ir/graph.js";
import { checkSource } from "../../compiler/sema/check.js";
import type { NetworkModel, TrainModel } from "../../compiler/sema/model.js";
import type { Tensor } from "../../runtime/backend.js";
import { initParams } from "../../runtime/init.js";
import { runSync } from "../helpers/program.js";
import type { ParamSpec } from "../../runtime/model.js";

export function load(source: string): { net: NetworkModel; train: TrainModel } {
  const r = checkSource(source, "/virtual/e.pnn", { readFile: () => undefined });
  if (r.diagnostics.length) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  const train = r.model.trains[0]!;
  return { net: r.model.networks.get(train.network)!, train };
}

export const t = (dtype: Tensor["dtype"], shape: readonly number[], data: ArrayLike<number>): Tensor => ({
  dtype,
  shape,
  data: dtype === "i32" ? Int32Array.from(data) : Float64Array.from(data),
});

/** Runs graph g with params (by path) and extra inputs. */
const compiled = new WeakMap<Graph, ReturnType<typeof compileInterp>>();
export function run(g: Graph, params: Map<string, Float64Array>, specs: readonly ParamSpec[], inputs: Record<string, Tensor>): Record<string, Tensor> {
  const exe = compiled.get(g) ?? compileInterp(g);
  compiled.set(g, exe);
  const all: Record<string, Tensor> = { ...inputs };
  for (const p of specs) all[p.path] = t("f32", p.shape, params.get(p.path)!);
  return runSync(exe, all);
}

export function init(specs: readonly ParamSpec[], seed: number): Map<string, Float64Array> {
  return initParams(specs, seed);
}

/** cosine of two flattened lists of arrays. */
export function cosine(a: readonly ArrayLike<number>[], b: readonly ArrayLike<number>[]): number {
  let ab = 0, aa = 0, bb = 0;
  a.forEach((x, k) => {
    for (let i = 0; i < x.length; i++) {
      ab += x[i]! * b[k]![i]!;
      aa += x[i]! * x[i]!;
      bb += b[k]![i]! * b[k]![i]!;
    }
  });
  return ab / Math.sqrt(aa * bb);
}
