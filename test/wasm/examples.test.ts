// The examples' programs on the wasm backend vs the float64 interpreter: every output of the
// train step (loss, logits, every parameter gradient) and of the infer programs (twin and
// device) within the f32 tolerance of helpers.ts, the unoptimised module (wabt) giving the same
// bits as the optimised one (binaryen -O2); and the same training run on both backends
// reaching the same accuracy (within 0.5 points).
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import { compileToWasm } from "../../compiler/backends/wasm/index.js";
import type { Graph } from "../../compiler/ir/graph.js";
import { lowerInfer, lowerTrainStep, modelSpec, type LowerMode } from "../../compiler/lower/lower.js";
import { names } from "../../compiler/lower/names.js";
import type { Executable, Tensor } from "../../runtime/backend.js";
import { initParams, sampleChip } from "../../runtime/init.js";
import { Stream } from "../../runtime/rng.js";
import { loadProgram, runSync, trainCompiled } from "../helpers/program.js";
import { wasmExecutable } from "../../runtime/wasm/executable.js";
import { REPO } from "../train/helpers.js";
import { expectClose, wabtValidate } from "./helpers.js";

function feedsFor(exe: Executable, params: Map<string, Float64Array>, chip: Map<string, Float64Array>, classes: number, seed: number): Record<string, Tensor> {
  const rng = new Stream(seed, 3);
  const feeds: Record<string, Tensor> = {};
  for (const s of exe.inputs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    let data: Float64Array | Int32Array;
    if (params.has(s.name)) data = params.get(s.name)!;
    else if (s.name.startsWith(names.chip(""))) data = chip.get(s.name.slice(names.chip("").length))!;
    else if (s.name === "labels") data = Int32Array.from({ length: n }, () => rng.int(classes));
    else if (s.name === "key") data = Int32Array.from([seed, 0, 5, 1]);
    else if (s.name === "weights") data = new Float64Array(n).fill(1 / n);
    else data = Float64Array.from({ length: n }, () => rng.uniform());
    feeds[s.name] = { dtype: s.dtype, shape: s.shape, data };
  }
  return feeds;
}

async function parity(file: string, batch: number): Promise<void> {
  const p = loadProgram(path.join(REPO, "examples", file));
  const spec = modelSpec(p.net, batch);
  const graphs: [string, Graph][] = [
    ["train", lowerTrainStep(p.net, p.train.loss, (p.rule.name === "physics_aware" ? "physics_aware" : "twin") as LowerMode, batch)],
    ["twin", lowerInfer(p.net, "twin", batch)],
    ...(spec.hasDevice ? [["device", lowerInfer(p.net, "device", batch)] as [string, Graph]] : []),
  ];
  const params = initParams(spec.params, 7);
  const chip = sampleChip(spec.chipVars, 7, 0);
  for (const [what, g] of graphs) {
    const art = await compileToWasm(g);
    await wabtValidate(art.bytes);
    const ref = compileInterp(g);
    const feeds = feedsFor(ref, params, chip, spec.classes, 11);
    const want = runSync(ref, feeds);
    const got = wasmExecutable(art.bytes, art.layout).run(feeds);
    expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
    for (const name of Object.keys(want)) expectClose(got[name]!, want[name]!, `${file} ${what}: ${name}`);
    // the unoptimised module a run compiles for itself (wabt, assemble.ts) computes the same bits
    const plain = await compileToWasm(g, { optimize: 0 });
    await wabtValidate(plain.bytes);
    const same = wasmExecutable(plain.bytes, plain.layout).run(feeds);
    for (const name of Object.keys(want)) expect(Array.from(same[name]!.data), `${file} ${what}: ${name}, wabt vs binaryen -O2`).toEqual(Array.from(got[name]!.data));
  }
}

describe("examples: wasm programs match the interpreter", () => {
  it("vowels_mzi (the flagship): train step, twin and device", () => parity("vowels_mzi.pnn", 16));
  it("mnist_mlp: train step and inference", () => parity("mnist_mlp.pnn", 8));
  it("optical_mlp_mnist: train step, twin and device", () => parity("optical_mlp_mnist.pnn", 4));
  it("diffractive_mnist (32×32 radix-2 FFTs): train step, twin and device", () => parity("diffractive_mnist.pnn", 2));
});

describe("the same training run on both backends", () => {
  it("vowels_mzi reaches the same accuracy on wasm and on the interpreter (within 0.5 points)", async () => {
    const p = loadProgram(path.join(REPO, "examples", "vowels_mzi.pnn"));
    const run = async (backend: string) => trainCompiled(p, await p.compile(backend, p.train.batch), 20);
    const ref = await run("ref");
    const wasm = await run("wasm");
    for (const k of ["train_accuracy", "test_accuracy", "device_test_accuracy"]) {
      expect(Math.abs((wasm[k] as number) - (ref[k] as number)), k).toBeLessThanOrEqual(0.005);
    }
    expect(wasm.test_accuracy as number).toBeGreaterThan(0.8);
  });
});
