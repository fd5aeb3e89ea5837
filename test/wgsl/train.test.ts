// The same training run on WebGPU and on wasm, through the trainer (runtime/trainer.ts, as
// `pnn train --backend webgpu|wasm` runs it): the flagship (vowels_mzi, physics_aware + Adam, its
// seed and batch) and the diffractive example (backprop + Adam) reach the same train, test and
// device accuracies within one test sample.
// Short runs here (flagship 6 epochs; diffractive 1 epoch of 512 digits); the full runs:
//   PNN_WGSL_FULL=1 npx vitest run test/wgsl/train.test.ts      (flagship 60 epochs, diffractive 5 × 8000; long)
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { Program } from "../../compiler/driver/program.js";
import { loadProgram, loadSource, trainCompiled } from "../helpers/program.js";
import { REPO } from "../train/helpers.js";
import { testDevice } from "./helpers.js";

const gpu = await testDevice("test/wgsl/train.test.ts");
const FULL = process.env.PNN_WGSL_FULL === "1";

async function compare(p: Program, epochs: number, testSamples: number): Promise<void> {
  const run = async (backend: string): Promise<Record<string, number>> => {
    const t0 = performance.now();
    const s = await trainCompiled(p, await p.compile(backend, p.train.batch), epochs);
    return { ...s, seconds: (performance.now() - t0) / 1000 };
  };
  const wasm = await run("wasm");
  const webgpu = await run("webgpu");
  const pct = (v: number | undefined) => (v === undefined ? "–" : `${(100 * v).toFixed(2)}%`);
  console.log(`test/wgsl/train.test.ts: ${path.basename(p.file)}, ${epochs} epochs: ` +
    ["wasm", "webgpu"].map((b) => { const s = b === "wasm" ? wasm : webgpu; return `${b} train ${pct(s.train_accuracy)} test ${pct(s.test_accuracy)} device ${pct(s.device_test_accuracy)} (${s.seconds!.toFixed(1)} s)`; }).join("; "));
  for (const k of ["test_accuracy", "device_test_accuracy", "device_test_accuracy_mean"] as const)
    if (wasm[k] !== undefined) expect(Math.abs(webgpu[k]! - wasm[k]!) * testSamples, `${k}: test samples apart`).toBeLessThanOrEqual(1.0001);
  expect(Math.abs(webgpu.train_accuracy! - wasm.train_accuracy!), "train accuracy").toBeLessThanOrEqual(1.0001 / testSamples);
  expect(wasm.test_accuracy!).toBeGreaterThan(0.3); // it learned something
}

describe.skipIf(!gpu)("the same training run on webgpu and wasm (the trainer)", () => {
  it("vowels_mzi (physics_aware, Adam): same accuracies within one test sample", () =>
    compare(loadProgram(path.join(REPO, "examples", "vowels_mzi.pnn")), FULL ? 60 : 6, 77), FULL ? 3_600_000 : 240_000);
  it("diffractive_mnist (backprop, Adam): same accuracies within one test sample", () => {
    const file = path.join(REPO, "examples", "diffractive_mnist.pnn");
    const small = "mnist(train: 512, test: 200, size: 14)";
    const source = fs.readFileSync(file, "utf8");
    expect(source).toContain("mnist(train: 8000, test: 2000, size: 14)");
    const p = FULL ? loadProgram(file) : loadSource(source.replace("mnist(train: 8000, test: 2000, size: 14)", small), undefined, "diffractive_mnist.pnn");
    return compare(p, FULL ? 5 : 1, FULL ? 2000 : 200);
  }, FULL ? 3_600_000 : 240_000);
});
