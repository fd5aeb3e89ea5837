// Physics-aware training semantics (compiler/lower/lower.ts, Wright et al. 2022): the train
// graph's forward value is the device's (same chip, same per-shot key ⇒ same logits as the device
// infer graph), and its gradient goes through the twin evaluated at the device's activations, so
// it differs from the in-silico (twin-mode) gradient on a chip with phase error and equals it on a
// perfect, noiseless chip.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { Program as LoadedProgram } from "../../compiler/driver/program.js";
import { GRAD_OUTPUT_PREFIX as GRAD_PREFIX } from "../../compiler/ir/autodiff.js";
import { names } from "../../compiler/lower/names.js";
import { loadProgram, runSync } from "../helpers/program.js";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import { lowerInfer, lowerTrainStep, modelSpec } from "../../compiler/lower/lower.js";
import type { Executable, Tensor } from "../../runtime/backend.js";
import { initParams, sampleChip } from "../../runtime/init.js";
import { Stream } from "../../runtime/rng.js";
import { tmpDir, VOWELS } from "./helpers.js";

const B = 8;

interface Case {
  readonly p: LoadedProgram;
  readonly inputs: Record<string, Tensor>;
}

/** Inputs for every program of `p`: initial params, chip 0 (or zeros), random x/labels, a key. */
function makeInputs(p: LoadedProgram, zeroChip: boolean): Record<string, Tensor> {
  const spec = modelSpec(p.net, B);
  const rng = new Stream(11, 5);
  const inputs: Record<string, Tensor> = {
    x: { dtype: "f32", shape: [B, spec.features], data: Float64Array.from({ length: B * spec.features }, () => rng.normal()) },
    labels: { dtype: "i32", shape: [B], data: Int32Array.from({ length: B }, () => rng.int(spec.classes)) },
    weights: { dtype: "f32", shape: [B], data: new Float64Array(B).fill(1 / B) },
    key: { dtype: "i32", shape: [4], data: Int32Array.from([1, 0, 3, 0]) },
  };
  const params = initParams(spec.params, 1);
  for (const q of spec.params) inputs[q.path] = { dtype: "f32", shape: [...q.shape], data: params.get(q.path)! };
  const chip = sampleChip(spec.chipVars, 1, 0);
  for (const c of spec.chipVars) {
    const v = chip.get(c.path)!;
    inputs[names.chip(c.path)] = { dtype: "f32", shape: [...c.shape], data: zeroChip ? new Float64Array(v.length) : v };
  }
  return inputs;
}

/** Runs an executable with just the inputs it declares. */
function run(exe: Executable, all: Record<string, Tensor>): Record<string, Tensor> {
  const ins: Record<string, Tensor> = {};
  for (const s of exe.inputs) {
    if (!all[s.name]) throw new Error(`test supplies no input ${s.name}`);
    ins[s.name] = all[s.name]!;
  }
  return runSync(exe, ins);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

function gradients(c: Case, mode: "twin" | "physics_aware"): Record<string, Tensor> {
  return run(compileInterp(lowerTrainStep(c.p.net, c.p.train.loss, mode, B)), c.inputs);
}

// A tiny optical network on iris: one mesh with static phase error, no per-shot noise.
const TINY = `import optics from "std/optics"

layer Mesh(n: int) {
  param phases: real[n * (n - 1)] init uniform(0, 2 * pi)
  device e: real[n * (n - 1)] ~ normal(0 rad, 0.05 rad)
  forward(x: complex[n]) -> complex[n] = optics.mzi_mesh(x, phases + e, topology: clements)
}

network Tiny {
  input x: real[4]
  out = x |> optics.amplitude_encode |> Mesh(n: 4) |> optics.photodetect
  output y = out |> take(3) |> gain
}

train Tiny on iris() {
  rule = physics_aware
  loss = cross_entropy
  optimizer = adam(lr: 0.01)
  epochs = 1
  batch = 8
  seed = 1
}
`;

function tinyProgram(): LoadedProgram {
  const file = path.join(tmpDir("pnn-pat-"), "tiny.pnn");
  fs.writeFileSync(file, TINY);
  return loadProgram(file);
}

describe("physics-aware training", () => {
  it("vowels_mzi: the PAT train graph's logits are the device infer graph's logits (same chip, same key)", () => {
    const p = loadProgram(VOWELS);
    expect(p.rule.name).toBe("physics_aware");
    const inputs = makeInputs(p, false);
    const pat = gradients({ p, inputs }, "physics_aware");
    const dev = run(compileInterp(lowerInfer(p.net, "device", B)), inputs);
    const twin = run(compileInterp(lowerInfer(p.net, "twin", B)), inputs);
    const scale = maxAbs(dev.logits.data);
    expect(scale).toBeGreaterThan(0);
    expect(maxAbsDiff(pat.logits.data, dev.logits.data)).toBeLessThan(1e-12 * Math.max(1, scale));
    // and the device really differs from the twin here (else the check above proves nothing)
    expect(maxAbsDiff(twin.logits.data, dev.logits.data)).toBeGreaterThan(1e-6);
  });

  it("vowels_mzi: the PAT gradient differs from the twin-mode gradient on a chip with phase error", () => {
    const p = loadProgram(VOWELS);
    const c = { p, inputs: makeInputs(p, false) };
    const pat = gradients(c, "physics_aware");
    const twin = gradients(c, "twin");
    for (const q of modelSpec(p.net, B).params) {
      const g = GRAD_PREFIX + q.path;
      expect(maxAbs(pat[g]!.data), q.path).toBeGreaterThan(0);
      expect(maxAbsDiff(pat[g]!.data, twin[g]!.data), q.path).toBeGreaterThan(1e-6 * maxAbs(twin[g]!.data));
    }
  });

  it("tiny mesh: PAT gradient = twin gradient on a perfect chip (zero phase error, no per-shot noise), ≠ on chip 0", () => {
    const p = tinyProgram();
    const spec = modelSpec(p.net, B);
    expect(spec.chipVars.map((v) => v.path).length).toBe(1);
    const perfect = { p, inputs: makeInputs(p, true) };
    const realChip = { p, inputs: makeInputs(p, false) };
    const twin = gradients(perfect, "twin");
    const patPerfect = gradients(perfect, "physics_aware");
    const patReal = gradients(realChip, "physics_aware");
    expect(maxAbsDiff(patPerfect.loss.data, twin.loss.data)).toBeLessThan(1e-12);
    for (const q of spec.params) {
      const g = GRAD_PREFIX + q.path;
      const scale = maxAbs(twin[g]!.data);
      expect(scale, q.path).toBeGreaterThan(0);
      expect(maxAbsDiff(patPerfect[g]!.data, twin[g]!.data), q.path).toBeLessThan(1e-10 * Math.max(1, scale));
      expect(maxAbsDiff(patReal[g]!.data, twin[g]!.data), q.path).toBeGreaterThan(1e-6 * scale);
    }
  });
});
