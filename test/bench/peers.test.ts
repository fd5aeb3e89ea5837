// The peer benchmark's own pieces must be right for its numbers to mean anything: the
// hand-written ONNX encoder builds a model onnxruntime-web runs with the float64 forward pass's
// results, tfjs-wasm computes the same forward pass and a training step whose first loss is the
// float64 cross-entropy, and the SIMD128 peak kernel is a valid module (V8 and wabt) computing
// the closed form of its chains.
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
// @ts-expect-error plain ES modules without types
import { mlpOnnx } from "../../bench/peers/onnx-mlp.mjs";
// @ts-expect-error plain ES modules without types
import { onnxruntimeWeb, tfjsWasm } from "../../bench/peers/engines.mjs";
// @ts-expect-error plain ES modules without types
import { peakKernel } from "../../bench/peers/simd-peak.mjs";
// @ts-expect-error plain ES modules without types
import { inputs, labels, maxAbsDiff, mlpWeights, referenceForward, referenceLoss } from "../../bench/peers/weights.mjs";

interface Engine {
  forward(x: Float32Array, b: number): Float32Array | Promise<Float32Array>;
  trainStep?(x: Float32Array, y: Int32Array, b: number): number;
}

describe("bench/peers", () => {
  it("the in-memory ONNX MLP runs on onnxruntime-web with the float64 reference's outputs", async () => {
    const w = mlpWeights(7);
    const e = (await onnxruntimeWeb(w, mlpOnnx(w))) as Engine;
    for (const b of [1, 5]) {
      const x = inputs(b);
      expect(maxAbsDiff(await e.forward(x, b), referenceForward(w, x, b))).toBeLessThan(1e-5);
    }
  }, 60_000);

  it("tfjs-wasm forward and training step agree with the float64 reference", async () => {
    const w = mlpWeights(8);
    const e = (await tfjsWasm(w)) as Engine;
    const x = inputs(6);
    expect(maxAbsDiff(await e.forward(x, 6), referenceForward(w, x, 6))).toBeLessThan(1e-5);
    const y = labels(6);
    const first = e.trainStep!(x, y, 6);
    expect(Math.abs(first - referenceLoss(w, x, y, 6))).toBeLessThan(1e-5);
    let last = first;
    for (let i = 0; i < 20; i++) last = e.trainStep!(x, y, 6);
    expect(last).toBeLessThan(first);
  }, 60_000);

  it("the SIMD128 peak kernel validates and computes acc·m + a chains", async () => {
    const bytes = peakKernel(8) as Uint8Array;
    expect(WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>)).toBe(true);
    const wabt = await (createRequire(import.meta.url)("wabt") as () => Promise<{ readWasm(b: Uint8Array, f: object): { validate(): void; destroy(): void } }>)();
    const m = wabt.readWasm(bytes, { simd: true });
    expect(() => m.validate()).not.toThrow();
    m.destroy();
    const peak = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>)).exports.peak as (n: number) => number;
    // chain i starts at 1 + i/64; after n steps acc = s·m^n + a(1 − m^n)/(1 − m); result: lane 0 summed over chains
    const n = 1000, mul = Math.fround(0.999999), add = Math.fround(1e-7);
    let want = 0;
    for (let i = 0; i < 8; i++) want += (1 + i / 64) * mul ** n + (add * (1 - mul ** n)) / (1 - mul);
    expect(Math.abs(peak(n) - want) / want).toBeLessThan(1e-4);
  });
});
