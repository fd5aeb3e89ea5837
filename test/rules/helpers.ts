// Shared helpers for the learning-rule tests: compile a .pnn source in-process (optionally with
// another rule), train it quietly, and build the inputs of a single program run by hand.
import type { Program } from "../../compiler/driver/program.js";
import type { Executable, Tensor } from "../../runtime/backend.js";
import { initParams } from "../../runtime/init.js";
import { Stream } from "../../runtime/rng.js";
import { loadSource, runSync, trainReference } from "../helpers/program.js";

export type LoadedProgram = Program;

export function load(source: string, rule?: string): Program {
  return loadSource(source, rule);
}

/** A train block for the convergence tests: cross-entropy, Adam, seed 1. */
export function trainBlock(network: string, data: string, rule: string, lr: number, epochs: number, batch: number): string {
  return `train ${network} on ${data} {
  rule = ${rule}
  loss = cross_entropy
  optimizer = adam(lr: ${lr})
  epochs = ${epochs}
  batch = ${batch}
  seed = 1
}`;
}

/** Trains `source` (with `rule` instead of its own, if given) on the interpreter and returns the run's summary. */
export function trainSource(source: string, rule?: string, epochs?: number): Promise<Record<string, number>> {
  return trainReference(load(source, rule), epochs);
}

/** Inputs for one run of a program of `p`: initial params (seed 1), random x and labels, equal weights, a key. */
export function randomInputs(p: Program, batch: number, seed = 3): Record<string, Tensor> {
  const spec = p.spec(batch);
  const rng = new Stream(seed, 5);
  const inputs: Record<string, Tensor> = {
    x: { dtype: "f32", shape: [batch, spec.features], data: Float64Array.from({ length: batch * spec.features }, () => rng.normal()) },
    labels: { dtype: "i32", shape: [batch], data: Int32Array.from({ length: batch }, () => rng.int(spec.classes)) },
    weights: { dtype: "f32", shape: [batch], data: new Float64Array(batch).fill(1 / batch) },
    key: { dtype: "i32", shape: [4], data: Int32Array.from([1, 0, 0, 0]) },
  };
  const params = initParams(spec.params, 1);
  for (const q of spec.params) inputs[q.path] = { dtype: "f32", shape: [...q.shape], data: params.get(q.path)! };
  return inputs;
}

/** Runs an executable with just the inputs it declares. */
export function run(exe: Executable, all: Record<string, Tensor>): Record<string, Tensor> {
  const ins: Record<string, Tensor> = {};
  for (const s of exe.inputs) {
    if (!all[s.name]) throw new Error(`test supplies no input ${s.name}`);
    ins[s.name] = all[s.name]!;
  }
  return runSync(exe, ins);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = a.length === b.length ? 0 : Infinity;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** A small tanh MLP on the moons data set, trained by `rule` (options in parentheses allowed). */
export function moonsMlp(rule: string, epochs = 20, lr = 0.02, hidden = 16): string {
  return `network MoonsMlp {
  input x: real[2]
  h1 = dense(x, ${hidden}) |> tanh
  h2 = dense(h1, ${hidden}) |> tanh
  output y = dense(h2, 2)
}

${trainBlock("MoonsMlp", "moons(n: 400, noise: 0.1)", rule, lr, epochs, 16)}
`;
}
