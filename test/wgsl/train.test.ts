// The same training run on WebGPU and on wasm: the flagship (vowels_mzi, physics_aware + Adam,
// its own seed and batch) and the diffractive example (backprop + Adam), trained by one loop that
// mirrors runtime/trainer.ts (seeded shuffle per epoch, zero-weight padding rows, the fused train
// program with its optimizer scalars from runtime/rules/fused-optim.ts, keys per step), on wasm
// as the runtime runs it (new parameters and state copied back every step) and on WebGPU resident
// (WebGpuExecutable.step: parameters and Adam state never leave the device until the end). Train
// and test accuracies must agree within one test sample.
// Short runs here (flagship 6 epochs; diffractive 1 epoch of 512 digits); the full runs:
//   PNN_WGSL_FULL=1 npx vitest run test/wgsl/train.test.ts      (flagship 60 epochs, diffractive 5 × 8000; long)
// This loop stands in for the async trainer until it lands (then the test calls train()).
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { compileToWasm } from "../../compiler/backends/wasm/index.js";
import { compileToWgsl } from "../../compiler/backends/wgsl/index.js";
import { modelSpec } from "../../compiler/lower/lower.js";
import { RULE_LOWERINGS } from "../../compiler/lower/rules/index.js";
import { loadProgram, type LoadedProgram } from "../../cli/compile.js";
import type { Tensor } from "../../runtime/backend.js";
import { loadDataset, type Split } from "../../runtime/data/index.js";
import { initParams, sampleChip } from "../../runtime/init.js";
import { CHIP_PREFIX, type ModelSpec } from "../../runtime/model.js";
import { Stream } from "../../runtime/rng.js";
import { optimizerScalars } from "../../runtime/rules/fused-optim.js";
import { wasmExecutable } from "../../runtime/wasm/executable.js";
import { webgpuExecutable } from "../../runtime/webgpu/executable.js";
import { REPO } from "../train/helpers.js";
import { testDevice } from "./helpers.js";

const gpu = await testDevice("test/wgsl/train.test.ts");
const FULL = process.env.PNN_WGSL_FULL === "1";

/** What the loop needs of a backend: run a program on named inputs, reading some outputs. */
interface Backend {
  /** Runs the train program; carried inputs (params, state) are the backend's business. */
  trainStep(feeds: Record<string, Tensor>): Promise<{ loss: number; logits: ArrayLike<number> }>;
  /** The current parameters (after training). */
  params(): Promise<Map<string, Float64Array>>;
  infer(feeds: Record<string, Tensor>): Promise<ArrayLike<number>>;
}

const t = (dtype: Tensor["dtype"], shape: readonly number[], data: Tensor["data"]): Tensor => ({ dtype, shape, data });

function fill(split: Split, order: ArrayLike<number>, start: number, B: number, F: number, x: Float64Array, labels: Int32Array, weights: Float64Array): number {
  const n = Math.min(B, order.length - start);
  x.fill(0); labels.fill(0); weights.fill(0);
  for (let r = 0; r < n; r++) {
    const i = order[start + r]!;
    x.set(split.x.subarray(i * F, (i + 1) * F), r * F);
    labels[r] = split.y[i]!;
    weights[r] = 1 / n;
  }
  return n;
}

function correct(logits: ArrayLike<number>, labels: Int32Array, n: number, C: number): number {
  let k = 0;
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let c = 1; c < C; c++) if (logits[r * C + c]! > logits[r * C + best]!) best = c;
    if (best === labels[r]) k++;
  }
  return k;
}

async function trainRun(p: LoadedProgram, make: (spec: ModelSpec, params: Map<string, Float64Array>, chip: Map<string, Float64Array>) => Promise<Backend>, epochs: number, data: { train: Split; test: Split }): Promise<{ train: number; test: number; samplesPerS: number }> {
  const B = p.train.batch, seed = p.train.seed;
  const spec = modelSpec(p.net, B);
  const F = spec.features;
  const params = initParams(spec.params, seed);
  const chip = sampleChip(spec.chipVars, seed, 0);
  const be = await make(spec, params, chip);
  const x = new Float64Array(B * F), labels = new Int32Array(B), weights = new Float64Array(B);
  let step = 0, trainAcc = 0, seconds = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = new Stream(seed, 7 + epoch).permutation(data.train.n);
    let right = 0;
    const t0 = performance.now();
    for (let s = 0; s < data.train.n; s += B) {
      const n = fill(data.train, order, s, B, F, x, labels, weights);
      const feeds: Record<string, Tensor> = { x: t("f32", [B, F], x), labels: t("i32", [B], labels), weights: t("f32", [B], weights), key: t("i32", [4], Int32Array.from([seed, 0, step, 0])) };
      for (const [k, v] of Object.entries(optimizerScalars(p.train.optimizer, step + 1))) feeds[k] = t("f32", [], Float64Array.of(v));
      const out = await be.trainStep(feeds);
      expect(Number.isFinite(out.loss)).toBe(true);
      right += correct(out.logits, labels, n, spec.classes);
      step++;
    }
    seconds += (performance.now() - t0) / 1000;
    trainAcc = right / data.train.n;
  }
  const trained = await be.params();
  let right = 0;
  const order = Int32Array.from({ length: data.test.n }, (_, i) => i);
  for (let s = 0, k = 0; s < data.test.n; s += B, k++) {
    const n = fill(data.test, order, s, B, F, x, labels, weights);
    const feeds: Record<string, Tensor> = { x: t("f32", [B, F], x), key: t("i32", [4], Int32Array.from([seed, 0, 0x7fffff00, k])) };
    for (const [name, v] of trained) feeds[name] = t("f32", spec.params.find((q) => q.path === name)!.shape, v);
    right += correct(await be.infer(feeds), labels, n, spec.classes);
  }
  return { train: trainAcc, test: right / data.test.n, samplesPerS: (epochs * data.train.n) / seconds };
}

function graphsOf(p: LoadedProgram, spec: ModelSpec) {
  return RULE_LOWERINGS[p.train.rule.sig.name]!(p.net, p.train, p.train.batch, spec.hasDevice);
}

/** Binds params, chip variables and optimizer state of a program's inputs (host arrays). */
function bound(inputs: readonly { name: string; dtype: Tensor["dtype"]; shape: readonly number[] }[], params: Map<string, Float64Array>, chip: Map<string, Float64Array>, state: Map<string, Float64Array>): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const s of inputs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const data = params.get(s.name) ?? (s.name.startsWith(CHIP_PREFIX) ? chip.get(s.name.slice(CHIP_PREFIX.length)) : undefined) ?? (s.name.startsWith("opt:") && s.shape.length ? state.get(s.name) ?? state.set(s.name, new Float64Array(n)).get(s.name) : undefined);
    if (data) feeds[s.name] = t(s.dtype, s.shape, data);
  }
  return feeds;
}

const wasmBackend = (p: LoadedProgram) => async (spec: ModelSpec, params: Map<string, Float64Array>, chip: Map<string, Float64Array>): Promise<Backend> => {
  const g = graphsOf(p, spec);
  const [tr, inf] = await Promise.all([compileToWasm(g.train!), compileToWasm(g.inferTwin)]);
  const train = wasmExecutable(tr.bytes, tr.layout), infer = wasmExecutable(inf.bytes, inf.layout);
  const state = new Map<string, Float64Array>();
  const base = bound(train.inputs, params, chip, state);
  return {
    async trainStep(feeds) {
      const out = train.run({ ...base, ...feeds });
      for (const o of train.outputs) if (o.name.startsWith("new:")) base[o.name.slice(4)]!.data.set(out[o.name]!.data as ArrayLike<number>);
      return { loss: out.loss!.data[0]!, logits: out.logits!.data };
    },
    async params() { return params; },
    async infer(feeds) { return infer.run({ ...bound(infer.inputs, params, chip, state), ...feeds }).logits!.data; },
  };
};

const webgpuBackend = (p: LoadedProgram) => async (spec: ModelSpec, params: Map<string, Float64Array>, chip: Map<string, Float64Array>): Promise<Backend> => {
  const g = graphsOf(p, spec);
  const [train, infer] = await Promise.all([webgpuExecutable(gpu!.device, compileToWgsl(g.train!)), webgpuExecutable(gpu!.device, compileToWgsl(g.inferTwin))]);
  const base = bound(train.inputs, params, chip, new Map());
  let loaded = false;
  return {
    async trainStep(feeds) {
      const out = await train.step({ ...base, ...feeds }, ["loss", "logits"]);
      return { loss: out.loss!.data[0]!, logits: out.logits!.data };
    },
    async params() {
      const got = await train.fetch(spec.params.map((q) => q.path));
      return new Map(spec.params.map((q) => [q.path, Float64Array.from(got[q.path]!.data)]));
    },
    async infer(feeds) {
      if (!loaded) { await infer.load({ ...bound(infer.inputs, new Map(), chip, new Map()), ...feeds }); loaded = true; }
      // parameters resident after the first batch: only x and the key change
      return (await infer.step(loaded ? { x: feeds.x!, key: feeds.key! } : feeds, ["logits"])).logits!.data;
    },
  };
};

async function compare(file: string, epochs: number, data: (p: LoadedProgram) => { train: Split; test: Split }): Promise<void> {
  const p = loadProgram(path.join(REPO, "examples", file));
  const d = data(p);
  const wasm = await trainRun(p, wasmBackend(p), epochs, d);
  const webgpu = await trainRun(p, webgpuBackend(p), epochs, d);
  console.log(`test/wgsl/train.test.ts: ${file}, ${epochs} epochs on ${d.train.n}/${d.test.n}: wasm train ${(100 * wasm.train).toFixed(2)}% test ${(100 * wasm.test).toFixed(2)}% (${wasm.samplesPerS.toFixed(0)} samples/s); webgpu train ${(100 * webgpu.train).toFixed(2)}% test ${(100 * webgpu.test).toFixed(2)}% (${webgpu.samplesPerS.toFixed(0)} samples/s)`);
  expect(Math.abs(webgpu.test - wasm.test) * d.test.n, "test samples apart").toBeLessThanOrEqual(1);
  expect(Math.abs(webgpu.train - wasm.train) * d.train.n, "train samples apart").toBeLessThanOrEqual(Math.max(1, d.train.n / d.test.n));
  expect(wasm.test).toBeGreaterThan(1.5 / 10); // it learned something
}

const full = (p: LoadedProgram) => loadDataset({ ...p.train.data, baseDir: path.join(REPO, "examples") });

describe.skipIf(!gpu)("the same training run on webgpu and wasm", () => {
  it("vowels_mzi (physics_aware, Adam): same accuracies within one test sample", () => compare("vowels_mzi.pnn", FULL ? 60 : 6, full), FULL ? 3_600_000 : 120_000);
  it("diffractive_mnist (backprop, Adam): same accuracies within one test sample", () => compare("diffractive_mnist.pnn", FULL ? 5 : 1, (p) => {
    if (FULL) return full(p);
    const d = loadDataset({ ...p.train.data, named: { ...p.train.data.named, train: 512, test: 200 }, baseDir: path.join(REPO, "examples") });
    return { train: d.train, test: d.test };
  }), FULL ? 3_600_000 : 180_000);
});
