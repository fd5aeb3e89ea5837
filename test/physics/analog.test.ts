// `analog.crossbar` (compiler/lower/layers/analog.ts) against the published PCM model (IBM
// aihwkit's PCMLikeNoiseModel) and closed forms: programming-noise, drift-exponent, drift and
// read-noise statistics over many samples (means and standard deviations within sampling error),
// stuck-at rates, global drift compensation, ADC/DAC levels, tiling, the twin's gradient vs
// finite differences, and check-time diagnostics for bad parameters.
import { describe, expect, it } from "vitest";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import { grad } from "../../compiler/ir/autodiff.js";
import { GraphBuilder, type Node } from "../../compiler/ir/graph.js";
import type { LowerCtx } from "../../compiler/lower/context.js";
import { PCM, pcmDrift, pcmDriftExponent, pcmProgram, pcmReadNoise, quantStep, stuckAt, symQuantize } from "../../compiler/lower/layers/analog.js";
import { lowerElement } from "../helpers/elements.js";
import { lowerInfer, lowerTrainStep, modelSpec } from "../../compiler/lower/lower.js";
import { checkSource } from "../../compiler/sema/check.js";
import type { NetworkModel } from "../../compiler/sema/model.js";
import type { Tensor } from "../../runtime/backend.js";
import { sampleChip } from "../../runtime/init.js";
import { Stream } from "../../runtime/rng.js";

const f32 = (shape: number[], data: ArrayLike<number>): Tensor => ({ dtype: "f32", shape, data: Float64Array.from(data) });
const key = (k: number[]): Tensor => ({ dtype: "i32", shape: [4], data: Int32Array.from(k) });

function stats(xs: ArrayLike<number>): { mean: number; std: number } {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  const mean = s / xs.length;
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += (xs[i] - mean) ** 2;
  return { mean, std: Math.sqrt(v / (xs.length - 1)) };
}

/** Standard normal CDF (erfc by Numerical Recipes' Chebyshev fit, |error| < 1.2e-7). */
function phi(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc = t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** Runs a one-output graph built on N-element inputs named a, b, c… */
function runElementwise(n: number, build: (b: GraphBuilder, ins: Node[], key: Node) => Node, inputs: Float64Array[], k = [1, 2, 3, 4]): Float64Array {
  const b = new GraphBuilder();
  const ins = inputs.map((_, i) => b.input(`in${i}`, "f32", [n]));
  b.output("y", build(b, ins, b.input("key", "i32", [4])));
  const feeds: Record<string, Tensor> = { key: key(k) };
  inputs.forEach((v, i) => (feeds[`in${i}`] = f32([n], v)));
  return compileInterp(b.build()).run(feeds).y.data as Float64Array;
}

const normals = (n: number, seed: number) => {
  const s = new Stream(seed, 1);
  return Float64Array.from({ length: n }, () => s.normal());
};
const filled = (n: number, v: number) => new Float64Array(n).fill(v);

const N = 40_000;
/** 5-sigma tolerances for a sample mean and a sample standard deviation of N draws. */
const meanTol = (std: number) => (5 * std) / Math.sqrt(N);
const stdTol = (std: number) => (5 * std) / Math.sqrt(2 * N);

describe("PCM programming noise (aihwkit PCMLikeNoiseModel)", () => {
  for (const g of [0.2, 0.5, 0.9]) {
    it(`g_T = ${g} g_max: mean g_T, σ = (0.26348 + 1.9650 g − 1.1731 g²)/25 · g_max`, () => {
      const out = runElementwise(N, (b, [gT, z]) => pcmProgram(b, gT, z), [filled(N, g), normals(N, 11)]);
      const sigma = (0.26348 + 1.965 * g - 1.1731 * g * g) / 25;
      const s = stats(out);
      expect(Math.abs(s.mean - g)).toBeLessThan(meanTol(sigma));
      expect(Math.abs(s.std - sigma)).toBeLessThan(stdTol(sigma));
    });
  }
  it("never programs a negative conductance", () => {
    const out = runElementwise(N, (b, [gT, z]) => pcmProgram(b, gT, z), [filled(N, 0.001), normals(N, 12)]);
    expect(Math.min(...out)).toBe(0);
    expect(out.filter((v) => v === 0).length / N).toBeGreaterThan(0.4);
  });
});

describe("PCM drift", () => {
  // ν = |μ_ν + σ_ν z|: a folded normal; its mean and std in closed form
  const nuParams = (g: number) => {
    const lg = Math.log(Math.max(g, 1e-7));
    const clip = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
    return { mu: clip(-0.0155 * lg + 0.0244, 0.049, 0.1), sd: clip(-0.0125 * lg - 0.0059, 0.008, 0.045) };
  };
  for (const g of [0.01, 0.05, 0.3, 0.9]) {
    it(`drift exponent ν at g_T = ${g}: folded N(μ_ν, σ_ν²) mean and std`, () => {
      const { mu, sd } = nuParams(g);
      const mean = sd * Math.sqrt(2 / Math.PI) * Math.exp(-(mu * mu) / (2 * sd * sd)) + mu * (1 - 2 * phi(-mu / sd));
      const std = Math.sqrt(mu * mu + sd * sd - mean * mean);
      const nu = runElementwise(N, (b, [gT, z]) => pcmDriftExponent(b, gT, z), [filled(N, g), normals(N, 21)]);
      const s = stats(nu);
      expect(Math.min(...nu)).toBeGreaterThanOrEqual(0);
      expect(Math.abs(s.mean - mean)).toBeLessThan(meanTol(std));
      expect(Math.abs(s.std - std)).toBeLessThan(stdTol(std) * 1.5);
    });
  }
  it("μ_ν and σ_ν follow their clipped log-linear laws (0.049 ≤ μ ≤ 0.1, 0.008 ≤ σ ≤ 0.045)", () => {
    expect(nuParams(0.9)).toEqual({ mu: 0.049, sd: 0.008 });
    expect(nuParams(1e-9).mu).toBe(0.1);
    expect(nuParams(1e-9).sd).toBe(0.045);
    expect(nuParams(0.05).mu).toBeCloseTo(-0.0155 * Math.log(0.05) + 0.0244, 12);
  });
  for (const [label, time] of [["1 h", 3600], ["1 d", 86400], ["1 y", 365.25 * 86400]] as const) {
    it(`g(t)/g_prog at t = ${label}: mean E[(t/t₀)^−ν] = exp(−μL + σ²L²/2), L = ln((t + t₀)/t₀)`, () => {
      const g = 0.9;
      const { mu, sd } = nuParams(g);
      const L = Math.log((time + PCM.t0) / PCM.t0);
      const ratio = runElementwise(N, (b, [gT, z]) => b.div(pcmDrift(b, gT, pcmDriftExponent(b, gT, z), time), gT), [filled(N, g), normals(N, 31)]);
      const s = stats(ratio);
      const mean = Math.exp(-mu * L + (sd * sd * L * L) / 2);
      const std = Math.sqrt(Math.exp(-2 * mu * L + 2 * sd * sd * L * L) - mean * mean);
      expect(Math.abs(s.mean - mean)).toBeLessThan(meanTol(std));
      expect(Math.abs(s.std - std)).toBeLessThan(stdTol(std) * 1.5);
      // log-drift is exactly −ν L
      const lnRatio = stats(Array.from(ratio, (r) => -Math.log(r) / L));
      expect(Math.abs(lnRatio.mean - mu)).toBeLessThan(meanTol(sd));
    });
  }
  it("does not drift at t = 0 (t = t₀)", () => {
    const r = runElementwise(100, (b, [gT, z]) => pcmDrift(b, gT, pcmDriftExponent(b, gT, z), 0), [filled(100, 0.4), normals(100, 3)]);
    expect(Array.from(r).every((v) => v === 0.4)).toBe(true);
  });
});

describe("PCM accumulated 1/f read noise", () => {
  for (const [g, time] of [[0.5, 86400], [0.2, 3600], [0.8, 0]] as const) {
    it(`g = ${g}, t = ${time} s: σ/g = Q_s √ln((t + t₀ + t_read)/(2 t_read)), Q_s = 0.0088/g^0.65`, () => {
      const qs = Math.min(0.0088 / Math.max(g ** 0.65, 1e-3), 0.2);
      const t = time + PCM.t0;
      const rel = qs * Math.sqrt(Math.log((t + PCM.tRead) / (2 * PCM.tRead)));
      const out = runElementwise(N, (b, [gd], k) => pcmReadNoise(b, gd, gd, time, b.randomNormal(k, [N], 5)), [filled(N, g)]);
      const s = stats(out);
      expect(Math.abs(s.mean - g)).toBeLessThan(meanTol(g * rel));
      expect(Math.abs(s.std / g - rel)).toBeLessThan(stdTol(rel));
    });
  }
  it("is drawn per shot: a new query key gives a new draw, the same key the same one", () => {
    const build = (b: GraphBuilder, [gd]: Node[], k: Node) => pcmReadNoise(b, gd, gd, 60, b.randomNormal(k, [64], 9));
    const a = runElementwise(64, build, [filled(64, 0.5)], [1, 0, 0, 0]);
    const a2 = runElementwise(64, build, [filled(64, 0.5)], [1, 0, 0, 0]);
    const c = runElementwise(64, build, [filled(64, 0.5)], [1, 0, 0, 1]);
    expect(Array.from(a2)).toEqual(Array.from(a));
    expect(Array.from(c)).not.toEqual(Array.from(a));
  });
});

// ── end to end through sema, lowering and the interpreter ────────────────────
function network(inN: number, out: number, args: string): NetworkModel {
  const src = `import analog from "std/analog"\nnetwork N {\n  input x: real[${inN}]\n  output y = analog.crossbar(x, ${out}${args ? ", " + args : ""})\n}\n`;
  const r = checkSource(src, "/virtual/crossbar.pnn", { readFile: () => undefined });
  expect(r.diagnostics).toEqual([]);
  return r.model.networks.get("N")!;
}

interface Run {
  readonly x: Float64Array;
  readonly weight: Float64Array;
  readonly bias?: Float64Array;
  readonly batch: number;
  readonly time?: number;
  readonly chip?: number;
  readonly key?: number[];
}

/** Device (or twin) output of the one-crossbar network for x [batch, in] and weight [out, in]. */
function runCrossbar(net: NetworkModel, mode: "device" | "twin", r: Run): Float64Array {
  const g = lowerInfer(net, mode, r.batch, { time: r.time ?? 0 });
  const spec = modelSpec(net, r.batch);
  const [wSpec, bSpec] = spec.params;
  const feeds: Record<string, Tensor> = {
    x: f32([r.batch, spec.features], r.x),
    key: key(r.key ?? [1, 2, 3, 4]),
    [wSpec.path]: f32([...wSpec.shape], r.weight),
    [bSpec.path]: f32([...bSpec.shape], r.bias ?? new Float64Array(bSpec.shape[0])),
  };
  for (const [name, v] of sampleChip(spec.chipVars, 7, r.chip ?? 0)) {
    const cv = spec.chipVars.find((c) => c.path === name)!;
    feeds[`chip:${name}`] = f32([...cv.shape], v);
  }
  return compileInterp(g).run(feeds).logits.data as Float64Array;
}

const randn = (n: number, seed: number, scale = 1) => {
  const s = new Stream(seed, 2);
  return Float64Array.from({ length: n }, () => scale * s.normal());
};
const randu = (n: number, seed: number) => {
  const s = new Stream(seed, 3);
  return Float64Array.from({ length: n }, () => s.uniform());
};
const sumAbs = (v: ArrayLike<number>) => Array.from(v).reduce((a, x) => a + Math.abs(x), 0);

describe("crossbar device model", () => {
  it("tiling onto fixed arrays equals the untiled product when ideal (10 → 7 on 3×3 tiles)", () => {
    const net = network(10, 7, "tile: 3");
    const r: Run = { x: randn(5 * 10, 1), weight: randn(70, 2), bias: randn(7, 3), batch: 5 };
    const dev = runCrossbar(net, "device", r);
    const twin = runCrossbar(net, "twin", r);
    const max = Math.max(...Array.from(dev, (v, i) => Math.abs(v - twin[i])));
    expect(max).toBeLessThan(1e-12);
    // and the twin is y = x Wᵀ + b
    let y00 = r.bias![0];
    for (let k = 0; k < 10; k++) y00 += r.x[k] * r.weight[k];
    expect(twin[0]).toBeCloseTo(y00, 12);
  });

  it("tiles the graph: 4 input tiles × 3 output tiles for 10 → 7 on 3-wide arrays", () => {
    const g = lowerInfer(network(10, 7, "tile: 3, adc_bits: 8"), "device", 2);
    expect(g.nodes.filter((n) => n.op === "matmul").length).toBe(4 * 3);
    expect(g.nodes.filter((n) => n.op === "quantize").length).toBe(4 * 3);
  });

  it("the ADC puts each tile's output on 2^bits − 1 symmetric levels within ±out_bound", () => {
    const [inN, out, B, bits, bound] = [16, 12, 20, 4, 2];
    const net = network(inN, out, `adc_bits: ${bits}, out_bound: ${bound}`);
    const x = randn(B * inN, 4);
    const w = randn(out * inN, 5);
    const y = runCrossbar(net, "device", { x, weight: w, batch: B });
    const wmax = Math.max(...Array.from(w, Math.abs));
    const step = quantStep(bits, bound);
    expect(step).toBeCloseTo((2 * bound) / 14, 15);
    const levels = new Set<number>();
    for (let r = 0; r < B; r++) {
      const s = Math.max(...Array.from(x.subarray(r * inN, (r + 1) * inN), Math.abs));
      for (let o = 0; o < out; o++) {
        const yn = y[r * out + o] / (s * wmax);
        const k = Math.round(yn / step);
        expect(Math.abs(yn - k * step)).toBeLessThan(1e-9);
        expect(Math.abs(yn)).toBeLessThanOrEqual(bound + 1e-9);
        levels.add(k);
      }
    }
    expect(levels.size).toBeLessThanOrEqual(2 ** bits - 1);
    expect(levels.has(7) || levels.has(-7)).toBe(true); // saturated outputs exist (|ŷ| up to 16)
    expect(levels.size).toBeGreaterThan(8);
  });

  it("the DAC (and the symmetric quantizer) keeps 0 and ±1 as levels", () => {
    const xs = Float64Array.from({ length: 5001 }, (_, i) => -1.2 + (2.4 * i) / 5000);
    for (const bits of [1, 2, 3, 8]) {
      const q = runElementwise(xs.length, (b, [x]) => symQuantize(b, x, bits, 1), [xs]);
      const lv = new Set(Array.from(q, (v) => Math.round(v * 1e9) / 1e9));
      expect(lv.size).toBe(bits === 1 ? 2 : 2 ** bits - 1);
      expect(Math.max(...q)).toBeCloseTo(1, 12);
      expect(Math.min(...q)).toBeCloseTo(-1, 12);
      expect(quantStep(bits, 1)).toBeCloseTo(bits === 1 ? 2 : 2 / (2 ** bits - 2), 15);
      if (bits > 1) expect(lv.has(0)).toBe(true);
    }
  });

  it("stuck-at faults hit the stated fraction of devices, half at 0 and half at g_max", () => {
    // all weights equal and positive: targets g⁺ = g_max, g⁻ = 0; W_eff = g⁺ − g⁻ stays 1 unless g⁺
    // sticks at 0 (rate/2) or g⁻ sticks at g_max (rate/2): P(W_eff = 1) = (1 − rate/2)².
    const n = 100;
    const rate = 0.2;
    const net = network(n, n, `stuck_rate: ${rate}`);
    const eye = new Float64Array(n * n);
    for (let i = 0; i < n; i++) eye[i * n + i] = 1;
    const y = runCrossbar(net, "device", { x: eye, weight: filled(n * n, 0.3), batch: n });
    const w = Array.from(y, (v) => Math.round((v / 0.3) * 1e9) / 1e9);
    const intact = w.filter((v) => v === 1).length / w.length;
    expect(new Set(w).size).toBeGreaterThan(2);
    expect([...new Set(w)].every((v) => [-1, 0, 1].includes(v))).toBe(true);
    const estimate = 2 * (1 - Math.sqrt(intact));
    expect(Math.abs(estimate - rate)).toBeLessThan(0.02);
    // and the chip draw: the stuck plane is U[0, 1) per device, two devices per weight
    const spec = modelSpec(net, n);
    const cv = spec.chipVars.find((c) => c.path.endsWith(".stuck"))!;
    expect(cv.shape).toEqual([2, n, n]);
    const u = sampleChip(spec.chipVars, 7, 0).get(cv.path)!;
    const g = runElementwise(u.length, (b, [gg, uu]) => stuckAt(b, gg, uu, rate), [filled(u.length, 0.5), u]);
    const frac = (v: number) => Array.from(g).filter((x) => x === v).length / g.length;
    const tol = 5 * Math.sqrt((rate / 2) * (1 - rate / 2) / g.length);
    expect(Math.abs(frac(0) - rate / 2)).toBeLessThan(tol);
    expect(Math.abs(frac(1) - rate / 2)).toBeLessThan(tol);
  });

  it("static per chip: the same chip gives the same programmed weights, another chip others", () => {
    const net = network(8, 6, "pcm: true");
    const r: Run = { x: randu(4 * 8, 7), weight: randn(48, 8), batch: 4 };
    // compare with read noise fixed (same key), so only the chip differs
    const a = runCrossbar(net, "device", { ...r, chip: 0 });
    const a2 = runCrossbar(net, "device", { ...r, chip: 0 });
    const b = runCrossbar(net, "device", { ...r, chip: 1 });
    expect(Array.from(a2)).toEqual(Array.from(a));
    expect(Array.from(b)).not.toEqual(Array.from(a));
    expect(modelSpec(net, 4).chipVars.map((c) => c.path.split(".").pop())).toEqual(["prog_noise", "drift_noise"]);
  });

  it("global drift compensation restores the mean output scale after a year of drift", () => {
    const [inN, out, B] = [64, 64, 32];
    const r = (time: number): Run => ({ x: randu(B * inN, 9), weight: randn(out * inN, 10), batch: B, time });
    const twin = sumAbs(runCrossbar(network(inN, out, "pcm: true"), "twin", r(0)));
    const scale = (args: string, time: number) => sumAbs(runCrossbar(network(inN, out, args), "device", r(time))) / twin;
    const year = 365.25 * 86400;
    const raw0 = scale("pcm: true, drift_compensation: false", 0);
    const raw = scale("pcm: true, drift_compensation: false", year);
    const comp = scale("pcm: true", year);
    expect(Math.abs(raw0 - 1)).toBeLessThan(0.05);
    expect(raw).toBeLessThan(0.6); // E[(t/t₀)^−ν] ≈ 0.35–0.5 for ν ≈ 0.05–0.07, L ≈ 14
    expect(Math.abs(comp - 1)).toBeLessThan(0.05);
    // the device is noisy: it is not the twin
    expect(Math.abs(scale("pcm: true", 0) - 1)).toBeGreaterThan(1e-4);
  });
});

describe("crossbar twin gradient vs finite differences", () => {
  it("∂L/∂W, ∂L/∂b and ∂L/∂x of L = Σ c ⊙ crossbar(x)", () => {
    const [B, inN, out] = [3, 5, 4];
    const build = () => {
      const b = new GraphBuilder();
      const x = b.param("x", "f32", [B, inN]);
      const w = b.param("w", "f32", [out, inN]);
      const bias = b.param("bias", "f32", [out]);
      const k = b.input("key", "i32", [4]);
      const ctx: LowerCtx = { b, device: false, batch: B, key: k, nextStream: () => 1 };
      const y = lowerElement("analog.crossbar", ctx, x, { tensors: {}, consts: { out: { kind: "num", value: out, dim: [0, 0, 0, 0, 0, 0, 0], isInt: true } }, owned: { weight: w, bias } });
      const c = b.const(Array.from(randn(B * out, 20)), "f32", [B, out]);
      b.output("loss", b.sum(b.mul(b.tanh(y), c)));
      return b.build();
    };
    const g = grad(build(), "loss", ["x", "w", "bias"]);
    const exe = compileInterp(g);
    const vals: Record<string, Float64Array> = { x: randn(B * inN, 21), w: randn(out * inN, 22, 0.5), bias: randn(out, 23) };
    const shapes: Record<string, number[]> = { x: [B, inN], w: [out, inN], bias: [out] };
    const feeds = () => ({ key: key([0, 0, 0, 0]), ...Object.fromEntries(Object.entries(vals).map(([k, v]) => [k, f32(shapes[k], v)])) });
    const res = exe.run(feeds());
    const h = 1e-6;
    for (const name of ["x", "w", "bias"]) {
      const analytic = res[`grad:${name}`].data;
      for (let i = 0; i < vals[name].length; i++) {
        const orig = vals[name][i];
        vals[name][i] = orig + h;
        const up = exe.run(feeds()).loss.data[0];
        vals[name][i] = orig - h;
        const dn = exe.run(feeds()).loss.data[0];
        vals[name][i] = orig;
        expect(Math.abs(analytic[i] - (up - dn) / (2 * h))).toBeLessThan(1e-7);
      }
    }
  });
});

describe("bad crossbar parameters are check-time diagnostics", () => {
  const cases: [string, string][] = [
    ["g_max: 0 S", "PNN3003"],
    ["g_max: -25 uS", "PNN3003"],
    ["g_max: 25 mm", "PNN3001"],
    ["dac_bits: 0", "PNN3003"],
    ["adc_bits: 0", "PNN3003"],
    ["tile: 0", "PNN3003"],
    ["stuck_rate: 1.5", "PNN3003"],
    ["out_bound: 0", "PNN3003"],
  ];
  for (const [arg, code] of cases) {
    it(`${arg} → ${code}`, () => {
      const src = `import analog from "std/analog"\nnetwork N {\n  input x: real[8]\n  output y = analog.crossbar(x, 4, ${arg})\n}\n`;
      const ds = checkSource(src, "/virtual/bad.pnn", { readFile: () => undefined }).diagnostics;
      expect(ds.map((d) => d.code)).toContain(code);
      expect(ds.find((d) => d.code === code)!.span.line).toBe(4);
    });
  }
});

describe("crossbar tiling limit", () => {
  it("more than 4096 tiles is PNN3060 at the tile argument; 4096 exactly is fine", () => {
    const src = (inN: number, out: number, tile: number) => `import analog from "std/analog"\nnetwork N {\n  input x: real[${inN}]\n  output y = analog.crossbar(x, ${out}, tile: ${tile})\n}\n`;
    const check = (s: string) => checkSource(s, "/virtual/tiles.pnn", { readFile: () => undefined }).diagnostics;
    const bad = check(src(65, 64, 1));
    expect(bad.map((d) => d.code)).toEqual(["PNN3060"]);
    expect(bad[0].message).toContain("4160 tiles");
    expect(check(src(64, 64, 1))).toEqual([]);
  });
});

describe("physics-aware training through the crossbar", () => {
  it("forward is the device's (PCM, DAC/ADC); the gradient is the twin's at the device output", () => {
    const src = `import analog from "std/analog"\nnetwork N {\n  input x: real[4]\n  output y = analog.crossbar(x, 3, pcm: true, dac_bits: 6, adc_bits: 6, out_noise: 0.05)\n}\ntrain N on iris() {\n  rule = physics_aware\n  loss = mse\n}\n`;
    const r = checkSource(src, "/virtual/pa.pnn", { readFile: () => undefined });
    expect(r.diagnostics).toEqual([]);
    const net = r.model.networks.get("N")!;
    const B = 8;
    const g = lowerTrainStep(net, r.model.trains[0]!.loss, "physics_aware", B, { time: 86400 });
    const spec = modelSpec(net, B);
    const x = randn(B * 4, 31);
    const w = randn(12, 32);
    const bias = randn(3, 33);
    const labels = Int32Array.from({ length: B }, (_, i) => i % 3);
    const weights = new Float64Array(B).fill(1 / B);
    const feeds: Record<string, Tensor> = {
      x: f32([B, 4], x), key: key([5, 6, 7, 8]), labels: { dtype: "i32", shape: [B], data: labels }, weights: f32([B], weights),
      [spec.params[0].path]: f32([3, 4], w), [spec.params[1].path]: f32([3], bias),
    };
    for (const [name, v] of sampleChip(spec.chipVars, 7, 0)) feeds[`chip:${name}`] = f32([...spec.chipVars.find((c) => c.path === name)!.shape], v);
    const out = compileInterp(g).run(feeds);
    const y = out.logits.data;
    // the forward value is the device's: not the twin's x Wᵀ + b
    let twinDiff = 0;
    for (let b = 0; b < B; b++)
      for (let o = 0; o < 3; o++) {
        let t = bias[o];
        for (let i = 0; i < 4; i++) t += x[b * 4 + i] * w[o * 4 + i];
        twinDiff = Math.max(twinDiff, Math.abs(t - y[b * 3 + o]));
      }
    expect(twinDiff).toBeGreaterThan(1e-3);
    // mse: dL/dy[b,o] = weight_b · 2 (y − onehot)/3; the twin's dL/dW = Σ_b dL/dyᵀ x, dL/db = Σ_b dL/dy
    const dy = Array.from(y, (v, k) => (weights[Math.floor(k / 3)] * 2 * (v - (labels[Math.floor(k / 3)] === k % 3 ? 1 : 0))) / 3);
    const gw = out[`grad:${spec.params[0].path}`].data;
    const gb = out[`grad:${spec.params[1].path}`].data;
    for (let o = 0; o < 3; o++) {
      let sb = 0;
      for (let b = 0; b < B; b++) sb += dy[b * 3 + o];
      expect(gb[o]).toBeCloseTo(sb, 12);
      for (let i = 0; i < 4; i++) {
        let s = 0;
        for (let b = 0; b < B; b++) s += dy[b * 3 + o] * x[b * 4 + i];
        expect(gw[o * 4 + i]).toBeCloseTo(s, 12);
      }
    }
  });
});
