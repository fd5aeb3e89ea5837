// `reservoir.scattering` (compiler/lower/layers/reservoir.ts): the transmission matrix is a
// seeded complex Gaussian (E|T_jk|² = 1/n, circular: Re and Im independent with equal variance);
// a fixed input produces fully developed speckle (intensity exponential with mean ‖x‖²/n,
// contrast σ_I/⟨I⟩ = 1, P(I > 2⟨I⟩) = e⁻²); the layer is differentiable (gradient vs finite
// differences); and examples/reservoir_iris.pnn trains its readout from the command line.
import { describe, expect, it } from "vitest";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import { grad } from "../../compiler/ir/autodiff.js";
import { GraphBuilder } from "../../compiler/ir/graph.js";
import type { LowerCtx } from "../../compiler/lower/context.js";
import { lowerElement } from "../helpers/elements.js";
import { scatteringMatrix } from "../../compiler/lower/layers/reservoir.js";
import type { Tensor } from "../../runtime/backend.js";
import { Stream } from "../../runtime/rng.js";
import { ensureBuilt, lastJson, pnn, tmpDir } from "../train/helpers.js";

const int = (value: number) => ({ kind: "num" as const, value, dim: [0, 0, 0, 0, 0, 0, 0] as const, isInt: true });

function stats(xs: ArrayLike<number>): { mean: number; std: number } {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  const mean = s / xs.length;
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += (xs[i] - mean) ** 2;
  return { mean, std: Math.sqrt(v / (xs.length - 1)) };
}

/** The scattering layer lowered on x: c64 [B, n]; returns the output fields (interleaved). */
function scatter(x: Float64Array, batch: number, n: number, out: number, seed: number): Float64Array {
  const b = new GraphBuilder();
  const xi = b.input("x", "c64", [batch, n]);
  const key = b.input("key", "i32", [4]);
  const ctx: LowerCtx = { b, device: true, batch, key, nextStream: () => 1 };
  b.output("y", lowerElement("reservoir.scattering", ctx, xi, { tensors: {}, consts: { out: int(out), seed: int(seed) }, owned: {} }));
  const feeds: Record<string, Tensor> = { x: { dtype: "c64", shape: [batch, n], data: x }, key: { dtype: "i32", shape: [4], data: new Int32Array(4) } };
  return compileInterp(b.build()).run(feeds).y.data as Float64Array;
}

describe("scattering medium: transmission matrix", () => {
  const n = 64, out = 1024;
  const t = scatteringMatrix(n, out, 3);
  const M = n * out;
  it("entries are circular complex Gaussian with E|T_jk|² = 1/n", () => {
    const re = Array.from({ length: M }, (_, i) => t[2 * i]);
    const im = Array.from({ length: M }, (_, i) => t[2 * i + 1]);
    const sd = Math.sqrt(1 / (2 * n));
    for (const part of [re, im]) {
      const s = stats(part);
      expect(Math.abs(s.mean)).toBeLessThan((5 * sd) / Math.sqrt(M));
      expect(Math.abs(s.std - sd)).toBeLessThan((5 * sd) / Math.sqrt(2 * M));
    }
    const power = stats(Array.from({ length: M }, (_, i) => re[i] ** 2 + im[i] ** 2));
    expect(Math.abs(power.mean - 1 / n)).toBeLessThan((5 * power.std) / Math.sqrt(M));
    // Re and Im uncorrelated: E[Re·Im] = 0
    const cross = stats(re.map((r, i) => r * im[i]));
    expect(Math.abs(cross.mean)).toBeLessThan((5 * cross.std) / Math.sqrt(M));
    // |T_jk|² of a circular Gaussian is exponential: std = mean
    expect(Math.abs(power.std / power.mean - 1)).toBeLessThan(0.03);
  });
  it("is fixed by the seed: the same seed gives the same medium, another seed another", () => {
    expect(Array.from(scatteringMatrix(8, 16, 3))).toEqual(Array.from(scatteringMatrix(8, 16, 3)));
    expect(Array.from(scatteringMatrix(8, 16, 4))).not.toEqual(Array.from(scatteringMatrix(8, 16, 3)));
  });
  it("rows are nearly orthogonal for out ≫ n: (1/out)·T†T → I/n", () => {
    const [nn, oo] = [8, 20000];
    const tt = scatteringMatrix(nn, oo, 5);
    let worst = 0;
    for (let a = 0; a < nn; a++)
      for (let c = 0; c < nn; c++) {
        let re = 0, im = 0;
        for (let j = 0; j < oo; j++) {
          const ar = tt[2 * (j * nn + a)], ai = -tt[2 * (j * nn + a) + 1];
          const br = tt[2 * (j * nn + c)], bi = tt[2 * (j * nn + c) + 1];
          re += ar * br - ai * bi;
          im += ar * bi + ai * br;
        }
        worst = Math.max(worst, Math.hypot(re / oo - (a === c ? 1 / nn : 0), im / oo));
      }
    expect(worst).toBeLessThan(5 / (nn * Math.sqrt(oo)));
  });
});

describe("scattering medium: speckle", () => {
  it("a fixed input gives fully developed speckle: exponential intensities, contrast 1", () => {
    const n = 32, out = 20000;
    const rng = new Stream(9, 1);
    const x = Float64Array.from({ length: 2 * n }, () => rng.normal());
    const norm2 = x.reduce((s, v) => s + v * v, 0);
    const y = scatter(x, 1, n, out, 11);
    const I = Array.from({ length: out }, (_, j) => y[2 * j] ** 2 + y[2 * j + 1] ** 2);
    const s = stats(I);
    const mean = norm2 / n;
    expect(Math.abs(s.mean - mean)).toBeLessThan((5 * mean) / Math.sqrt(out));
    expect(Math.abs(s.std / s.mean - 1)).toBeLessThan(0.05);
    const tail = I.filter((v) => v > 2 * s.mean).length / out;
    const p = Math.exp(-2);
    expect(Math.abs(tail - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / out));
    // and E[I²] = 2⟨I⟩² (second moment of an exponential)
    const m2 = I.reduce((a, v) => a + v * v, 0) / out;
    expect(Math.abs(m2 / (s.mean * s.mean) - 2)).toBeLessThan(0.1);
  });
  it("is linear in the field: T(a x₁ + x₂) = a T x₁ + T x₂", () => {
    const n = 6, out = 9;
    const rng = new Stream(2, 2);
    const x1 = Float64Array.from({ length: 2 * n }, () => rng.normal());
    const x2 = Float64Array.from({ length: 2 * n }, () => rng.normal());
    const both = new Float64Array(4 * n);
    both.set(x1, 0);
    both.set(x2, 2 * n);
    const sumX = x1.map((v, i) => 2.5 * v + x2[i]);
    const y = scatter(both, 2, n, out, 1);
    const ys = scatter(sumX, 1, n, out, 1);
    for (let j = 0; j < 2 * out; j++) expect(ys[j]).toBeCloseTo(2.5 * y[j] + y[2 * out + j], 12);
  });
});

describe("scattering medium: gradient vs finite differences", () => {
  it("∂L/∂x of L = Σ c ⊙ |T e^{ix}|²", () => {
    const [B, n, out] = [2, 5, 7];
    const b = new GraphBuilder();
    const x = b.param("x", "f32", [B, n]);
    const key = b.input("key", "i32", [4]);
    const ctx: LowerCtx = { b, device: false, batch: B, key, nextStream: () => 1 };
    const y = lowerElement("reservoir.scattering", ctx, b.expi(x), { tensors: {}, consts: { out: int(out), seed: int(2) }, owned: {} });
    const rng = new Stream(4, 4);
    b.output("loss", b.sum(b.mul(b.abs2(y), b.const(Array.from({ length: B * out }, () => rng.normal()), "f32", [B, out]))));
    const exe = compileInterp(grad(b.build(), "loss", ["x"]));
    const xv = Float64Array.from({ length: B * n }, () => rng.normal());
    const run = () => exe.run({ x: { dtype: "f32", shape: [B, n], data: xv }, key: { dtype: "i32", shape: [4], data: new Int32Array(4) } });
    const g = run()["grad:x"].data;
    const h = 1e-6;
    for (let i = 0; i < xv.length; i++) {
      const o = xv[i];
      xv[i] = o + h;
      const up = run().loss.data[0];
      xv[i] = o - h;
      const dn = run().loss.data[0];
      xv[i] = o;
      expect(Math.abs(g[i] - (up - dn) / (2 * h))).toBeLessThan(1e-7);
    }
  });
});

describe("examples/reservoir_iris.pnn", () => {
  it("trains its readout with rule = backprop from the command line", () => {
    ensureBuilt();
    const out = tmpDir();
    const r = pnn(["train", "examples/reservoir_iris.pnn", "--out", out, "--json"]);
    expect(r.status).toBe(0);
    const s = lastJson(r.stdout);
    expect(s.test_accuracy as number).toBeGreaterThan(0.85);
    expect(s.device_test_accuracy_mean as number).toBeGreaterThan(0.85);
  }, 120_000);
});
