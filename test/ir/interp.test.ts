// Interpreter values against closed forms: fft vs the direct DFT, matmul vs a naive triple loop,
// softmax_cross_entropy vs its formula, quantize levels, broadcasting, gather/one_hot.
import { describe, expect, it } from "vitest";
import { GraphBuilder } from "../../compiler/ir/graph.js";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import type { Tensor } from "../../runtime/backend.js";
import { Stream } from "../../runtime/rng.js";
import { randTensor } from "./helpers.js";

function run1(build: (b: GraphBuilder) => void, feeds: Record<string, Tensor>): Record<string, Tensor> {
  const b = new GraphBuilder();
  build(b);
  return compileInterp(b.build()).run(feeds);
}

function dft(x: Float64Array, n: number, off: number, stride: number, sign: number): Float64Array {
  const out = new Float64Array(2 * n);
  for (let k = 0; k < n; k++)
    for (let j = 0; j < n; j++) {
      const th = (sign * 2 * Math.PI * ((j * k) % n)) / n;
      const re = x[2 * (off + j * stride)]!, im = x[2 * (off + j * stride) + 1]!;
      out[2 * k] += re * Math.cos(th) - im * Math.sin(th);
      out[2 * k + 1] += re * Math.sin(th) + im * Math.cos(th);
    }
  return out;
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-9) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) if (!(Math.abs(a[i]! - b[i]!) <= tol * (1 + Math.abs(b[i]!)))) throw new Error(`[${i}] ${a[i]} vs ${b[i]}`);
};

describe("interpreter closed forms", () => {
  const rng = new Stream(42, 1);
  for (const n of [1, 2, 8, 64, 5, 6, 12, 100]) {
    it(`fft/ifft 1-D, n = ${n}, matches the direct DFT and inverts`, () => {
      const x = randTensor(rng, "c128", [3, n]);
      const r = run1((b) => {
        const v = b.input("x", "c128", [3, n]);
        const y = b.fft(v);
        b.output("y", y);
        b.output("back", b.ifft(y));
      }, { x });
      const X = x.data as Float64Array;
      for (let row = 0; row < 3; row++) close(r.y!.data.subarray(2 * row * n, 2 * (row + 1) * n), dft(X, n, row * n, 1, -1));
      close(r.back!.data, X);
    });
  }
  it("fft of a pure tone is N at its bin", () => {
    const N = 12, k0 = 3;
    const data = new Float64Array(N);
    for (let j = 0; j < N; j++) data[j] = Math.cos((2 * Math.PI * k0 * j) / N);
    const r = run1((b) => b.output("y", b.fft(b.input("x", "f64", [N]))), { x: { dtype: "f64", shape: [N], data } });
    const y = r.y!.data;
    for (let k = 0; k < N; k++) expect(Math.hypot(y[2 * k]!, y[2 * k + 1]!)).toBeCloseTo(k === k0 || k === N - k0 ? N / 2 : 0, 9);
  });
  it("fft 2-D equals row DFTs then column DFTs", () => {
    const [H, W] = [6, 4];
    const x = randTensor(rng, "c128", [H, W]);
    const r = run1((b) => b.output("y", b.fft(b.input("x", "c128", [H, W]), 2)), { x });
    const rows = new Float64Array(2 * H * W);
    for (let i = 0; i < H; i++) rows.set(dft(x.data as Float64Array, W, i * W, 1, -1), 2 * i * W);
    const want = new Float64Array(2 * H * W);
    for (let c = 0; c < W; c++) {
      const col = dft(rows, H, c, W, -1);
      for (let i = 0; i < H; i++) { want[2 * (i * W + c)] = col[2 * i]!; want[2 * (i * W + c) + 1] = col[2 * i + 1]!; }
    }
    close(r.y!.data, want);
  });
  it("matmul (batched, broadcast, complex) matches the triple loop", () => {
    const a = randTensor(rng, "c128", [2, 3, 4]);
    const bm = randTensor(rng, "c128", [4, 5]);
    const r = run1((b) => b.output("y", b.matmul(b.input("a", "c128", [2, 3, 4]), b.input("b", "c128", [4, 5]))), { a, b: bm });
    const A = a.data, B = bm.data, want = new Float64Array(2 * 2 * 3 * 5);
    for (let t = 0; t < 2; t++) for (let i = 0; i < 3; i++) for (let j = 0; j < 5; j++) for (let k = 0; k < 4; k++) {
      const ar = A[2 * (t * 12 + i * 4 + k)]!, ai = A[2 * (t * 12 + i * 4 + k) + 1]!;
      const br = B[2 * (k * 5 + j)]!, bi = B[2 * (k * 5 + j) + 1]!;
      want[2 * (t * 15 + i * 5 + j)] += ar * br - ai * bi;
      want[2 * (t * 15 + i * 5 + j) + 1] += ar * bi + ai * br;
    }
    close(r.y!.data, want);
  });
  it("softmax_cross_entropy = logsumexp - logit of the label; stable for large logits", () => {
    const x = { dtype: "f64" as const, shape: [2, 3], data: Float64Array.from([1, 2, 3, 1000, 0, -1000]) };
    const l = { dtype: "i32" as const, shape: [2], data: Int32Array.from([0, 1]) };
    const r = run1((b) => {
      const lo = b.input("x", "f64", [2, 3]), la = b.input("l", "i32", [2]);
      b.output("ce", b.softmaxCrossEntropy(lo, la));
      b.output("sm", b.softmax(lo));
      b.output("ls", b.logSoftmax(lo));
    }, { x, l });
    const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    close(r.ce!.data, [lse - 1, 1000]);
    close(r.sm!.data.subarray(0, 3), [Math.exp(1 - lse), Math.exp(2 - lse), Math.exp(3 - lse)]);
    close(r.ls!.data.subarray(3), [0, -1000, -2000]);
  });
  it("quantize rounds to 2^bits levels on [lo, hi] after clipping", () => {
    const x = { dtype: "f64" as const, shape: [6], data: Float64Array.from([-5, 0, 0.2, 0.34, 0.5, 5]) };
    const r = run1((b) => b.output("q", b.quantize(b.input("x", "f64", [6]), 2, 0, 1)), { x });
    close(r.q!.data, [0, 0, 1 / 3, 1 / 3, 2 / 3, 1]);
  });
  it("broadcasting, gather, one_hot, mixed real x complex", () => {
    const r = run1((b) => {
      const a = b.const([1, 2, 3], "f64", [3, 1]);
      const c = b.const([10, 20], "f64", [2]);
      b.output("s", b.add(a, c));
      b.output("g", b.gather(b.const([0, 1, 2, 3, 4, 5], "f64", [2, 3]), b.const([2, 0, 2], "i32", [3]), 1));
      b.output("oh", b.oneHot(b.const([1, 0], "i32", [2]), 3));
      b.output("z", b.mul(b.const([2], "f64", []), b.const([1, -1], "c128", [])));
    }, {});
    close(r.s!.data, [11, 21, 12, 22, 13, 23]);
    close(r.g!.data, [2, 0, 2, 5, 3, 5]);
    close(r.oh!.data, [0, 1, 0, 1, 0, 0]);
    close(r.z!.data, [2, -2]);
  });
  it("random ops: pure functions of (key, stream, j)", () => {
    const key = { dtype: "i32" as const, shape: [4], data: Int32Array.from([1, 2, 3, -4]) };
    const build = (b: GraphBuilder) => {
      const k = b.input("key", "i32", [4]);
      b.output("u", b.randomUniform(k, [5, 3], 7, "f64"));
      b.output("u2", b.randomUniform(k, [20], 7, "f64"));
      b.output("n", b.randomNormal(k, [4], 8));
    };
    const r1 = run1(build, { key }), r2 = run1(build, { key });
    close(r1.u!.data, r2.u!.data, 0);
    close(r1.u!.data, r1.u2!.data.subarray(0, 15), 0); // element j does not depend on the shape
    expect(r1.n!.data).not.toEqual(r1.u!.data.subarray(0, 4));
  });
});
