// std/optics encoders, nonlinearities and detectors (compiler/lower/layers/optics.ts) against
// closed forms, the detector noise against its statistics over many shots, and every optics
// layer's twin gradient against central finite differences.
import { describe, expect, it } from "vitest";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import { grad } from "../../compiler/ir/autodiff.js";
import { GraphBuilder } from "../../compiler/ir/graph.js";
import { lowerMziMesh } from "../../compiler/lower/layers/optics-mesh.js";
import type { Tensor } from "../../runtime/backend.js";
import { Stream } from "../../runtime/rng.js";
import { enumValue, int, num, type ConstValue } from "../../stdlib/types.js";
import { DIMENSIONLESS, ANGLE, VOLTAGE } from "../../compiler/units.js";
import { checkGradient, ctxFor, keyTensor, layerArgs, lower, randomTensor, run } from "./optics-helpers.js";

const dimless = (v: number) => num(v, DIMENSIONLESS);
const volts = (v: number) => num(v, VOLTAGE);

/** Runs one layer on a c64 field [B, N] (or f32 features) and returns its output data. */
function apply(layer: string, input: Tensor, consts: Parameters<typeof layerArgs>[1] = {}, device = false): Float64Array {
  const b = new GraphBuilder();
  const ctx = ctxFor(b, device, input.shape[0]!);
  const x = b.input("x", input.dtype, input.shape);
  b.output("y", lower(layer)(ctx, x, layerArgs(layer, consts)));
  return run(b, { x: input, key: keyTensor(5, 6, 7, 8) }).y!.data as Float64Array;
}

/** A c64 [1, k] field with the given complex amplitudes. */
function field(values: [number, number][]): Tensor {
  return { dtype: "c64", shape: [1, values.length], data: Float64Array.from(values.flat()) };
}

describe("nonlinearities (closed forms)", () => {
  const amps: [number, number][] = [[0.3, 0.1], [1, -0.5], [-1.2, 0.8], [0, 2]];
  const I = amps.map(([r, i]) => r * r + i * i);

  it("saturable absorber: intensity transmission exp(−α₀/(1 + I/I_sat)), phase unchanged", () => {
    const y = apply("saturable_absorber", field(amps), { optical_depth: dimless(2), i_sat: dimless(0.5) });
    amps.forEach(([r, i], k) => {
      const T = Math.exp(-2 / (1 + I[k]! / 0.5));
      expect((y[2 * k]! ** 2 + y[2 * k + 1]! ** 2) / I[k]!).toBeCloseTo(T, 12);
      expect(Math.atan2(y[2 * k + 1]!, y[2 * k]!)).toBeCloseTo(Math.atan2(i, r), 12);
    });
    // saturation: bright light is absorbed less
    const dim = apply("saturable_absorber", field([[0.1, 0]]), { optical_depth: dimless(2) });
    const bright = apply("saturable_absorber", field([[3, 0]]), { optical_depth: dimless(2) });
    expect(bright[0]! ** 2 / 9).toBeGreaterThan(dim[0]! ** 2 / 0.01);
  });

  it("SHG-like: E_out = η E², so I_out = η² I²", () => {
    const y = apply("shg", field(amps), { efficiency: dimless(0.7) });
    amps.forEach(([r, i], k) => {
      expect(y[2 * k]!).toBeCloseTo(0.7 * (r * r - i * i), 12);
      expect(y[2 * k + 1]!).toBeCloseTo(0.7 * 2 * r * i, 12);
      expect(y[2 * k]! ** 2 + y[2 * k + 1]! ** 2).toBeCloseTo(0.49 * I[k]! ** 2, 12);
    });
  });

  it("electro-optic, driven on one arm: E·e^{−iΔφ/2}·cos(Δφ/2), Δφ = π(gain·I + bias)/V_π", () => {
    const y = apply("electro_optic", field(amps), { v_pi: volts(1.5), gain: volts(0.8), bias: volts(0.2) });
    amps.forEach(([r, i], k) => {
      const half = (Math.PI * (0.8 * I[k]! + 0.2)) / 3;
      const c = Math.cos(half), pr = Math.cos(-half), pi = Math.sin(-half);
      expect(y[2 * k]!).toBeCloseTo(c * (r * pr - i * pi), 12);
      expect(y[2 * k + 1]!).toBeCloseTo(c * (r * pi + i * pr), 12);
      // the intensity is the push-pull one; the phase is shifted by −Δφ/2
      expect(y[2 * k]! ** 2 + y[2 * k + 1]! ** 2).toBeCloseTo(I[k]! * c * c, 12);
    });
    // V = V_π blocks the light
    const blocked = apply("electro_optic", field([[1, 0]]), { v_pi: volts(1) });
    expect(Math.hypot(blocked[0]!, blocked[1]!)).toBeLessThan(1e-15);
  });

  it("electro-optic, push-pull: intensity transmission cos²(π (gain·I + bias) / 2V_π), no phase", () => {
    const y = apply("electro_optic", field(amps), { v_pi: volts(1.5), gain: volts(0.8), bias: volts(0.2), arm: enumValue("push_pull") });
    amps.forEach(([r, i], k) => {
      const c = Math.cos((Math.PI * (0.8 * I[k]! + 0.2)) / 3);
      expect(y[2 * k]!).toBeCloseTo(r * c, 12);
      expect(y[2 * k + 1]!).toBeCloseTo(i * c, 12);
    });
  });

  it("encoders: amplitude E = x, phase E = e^{i·scale·x}; photodetect |E|² on the twin", () => {
    const feats: Tensor = { dtype: "f32", shape: [1, 3], data: Float64Array.from([0.2, -0.5, 0.9]) };
    const a = apply("amplitude_encode", feats);
    expect(Array.from(a)).toEqual([0.2, 0, -0.5, 0, 0.9, 0]);
    const p = apply("phase_encode", feats, { scale: num(2, ANGLE) });
    [0.2, -0.5, 0.9].forEach((x, k) => {
      expect(p[2 * k]!).toBeCloseTo(Math.cos(2 * x), 14);
      expect(p[2 * k + 1]!).toBeCloseTo(Math.sin(2 * x), 14);
    });
    const d = apply("photodetect", field(amps), { photons: dimless(10), noise: dimless(0.3), adc_bits: int(2) });
    amps.forEach((_, k) => expect(d[k]!).toBeCloseTo(I[k]!, 14)); // twin: ideal, noise-free
  });
});

describe("detector device model (statistics over many shots)", () => {
  const shots = 20000;
  const levels = [0.25, 1, 4];
  const many = (): Tensor => ({ dtype: "c64", shape: [shots, 3], data: Float64Array.from({ length: shots * 6 }, (_, k) => (k % 2 === 0 ? Math.sqrt(levels[(k >> 1) % 3]!) : 0)) });
  function moments(y: Float64Array, mode: number): [number, number] {
    let s = 0, s2 = 0;
    for (let r = 0; r < shots; r++) {
      const v = y[r * 3 + mode]!;
      s += v;
      s2 += v * v;
    }
    const mean = s / shots;
    return [mean, s2 / shots - mean * mean];
  }

  it("shot noise: mean I, variance I/n for a budget of n photons per unit intensity", () => {
    const n = 200;
    const y = apply("photodetect", many(), { photons: dimless(n) }, true);
    levels.forEach((I, m) => {
      const [mean, variance] = moments(y, m);
      expect(Math.abs(mean - I)).toBeLessThan(5 * Math.sqrt(I / n / shots));
      expect(variance / (I / n)).toBeGreaterThan(0.95);
      expect(variance / (I / n)).toBeLessThan(1.05);
    });
  });

  it("thermal noise adds σ² to the variance, independent of the intensity", () => {
    const n = 400, sigma = 0.05;
    const y = apply("photodetect", many(), { photons: dimless(n), noise: dimless(sigma) }, true);
    levels.forEach((I, m) => {
      const [, variance] = moments(y, m);
      expect(variance / (I / n + sigma * sigma)).toBeGreaterThan(0.95);
      expect(variance / (I / n + sigma * sigma)).toBeLessThan(1.05);
    });
  });

  it("ADC: readings lie on the 2^bits levels of [0, range] and clip at full scale", () => {
    const bits = 3, range = 2;
    const y = apply("photodetect", many(), { photons: dimless(50), adc_bits: int(bits), adc_range: dimless(range) }, true);
    const step = range / (2 ** bits - 1);
    let offGrid = 0, lo = Infinity, hi = -Infinity;
    for (const v of y) {
      offGrid = Math.max(offGrid, Math.abs(v / step - Math.round(v / step)));
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(offGrid).toBeLessThan(1e-9);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(range + 1e-12);
    expect(moments(y, 2)[0]).toBeCloseTo(range, 9); // I = 4 saturates the ADC
  });
});

describe("twin gradients vs finite differences (every optics layer)", () => {
  const rng = new Stream(31, 3);
  const B = 2, N = 4;
  const fieldIn = () => randomTensor(rng, "c64", [B, N]);

  for (const layer of ["saturable_absorber", "shg", "electro_optic", "photodetect"])
    it(`${layer}: d/d field`, () => {
      const consts: Record<string, ConstValue> = layer === "electro_optic" ? { gain: volts(0.7), bias: volts(0.3) } : layer === "saturable_absorber" ? { optical_depth: dimless(1.5) } : {};
      expect(checkGradient({ x: fieldIn() }, (b, p) => lower(layer)(ctxFor(b, false, B), p.x!, layerArgs(layer, consts)), 1, { key: keyTensor() })).toBe(2 * B * N);
    });

  for (const layer of ["amplitude_encode", "phase_encode"])
    it(`${layer}: d/d features`, () => {
      expect(checkGradient({ x: randomTensor(rng, "f32", [B, N]) }, (b, p) => lower(layer)(ctxFor(b, false, B), p.x!, layerArgs(layer)), 2, { key: keyTensor() })).toBe(B * N);
    });

  for (const topology of ["clements", "reck"])
    it(`mzi_mesh (${topology}, 0.2 dB per MZI): d/d field and d/d phases`, () => {
      const feeds = { x: fieldIn(), phases: randomTensor(rng, "f32", [N * (N - 1)], 0, 2 * Math.PI) };
      const count = checkGradient(feeds, (b, p) => lower("mzi_mesh")(ctxFor(b, false, B), p.x!, layerArgs("mzi_mesh", { topology: enumValue(topology), loss: num(0.2, DIMENSIONLESS) }, { phases: p.phases! })), 3, { key: keyTensor() });
      expect(count).toBe(2 * B * N + N * (N - 1));
    });

  for (const layer of ["unitary", "weights"])
    it(`${layer} (programmed from a CSV matrix): d/d field`, () => {
      const m = Array.from({ length: N }, (_, i) => Array.from({ length: N }, (_, j) => (layer === "unitary" ? (i === (j + 1) % N ? "0.6+0.8j" : "0") : String(((i * 7 + j * 3) % 5) - 2))).join(",")).join("\n");
      const consts = { matrix: { kind: "str" as const, value: m }, topology: enumValue("reck") };
      expect(checkGradient({ x: fieldIn() }, (b, p) => lower(layer)(ctxFor(b, false, B), p.x!, layerArgs(layer, consts)), 5, { key: keyTensor() })).toBe(2 * B * N);
    });

  it("weights: the twin computes y = W x for a real weight matrix (SVD programmed on two meshes)", () => {
    const w = [[0.5, -1, 2, 0], [1, 1, 0, -0.3], [0, 2, -1, 1], [0.7, 0, 0, 0]];
    const consts = { matrix: { kind: "str" as const, value: w.map((r) => r.join(",")).join("\n") } };
    const x = randomTensor(rng, "c64", [B, N]);
    const y = apply("weights", x, consts);
    for (let r = 0; r < B; r++)
      for (let i = 0; i < N; i++) {
        let re = 0, im = 0;
        for (let j = 0; j < N; j++) {
          re += w[i]![j]! * x.data[2 * (r * N + j)]!;
          im += w[i]![j]! * x.data[2 * (r * N + j) + 1]!;
        }
        expect(y[2 * (r * N + i)]!).toBeCloseTo(re, 9);
        expect(y[2 * (r * N + i) + 1]!).toBeCloseTo(im, 9);
      }
  });

  it("mzi_mesh device model: gradients through coupler errors and crosstalk are exact; the phase DAC's is straight-through", () => {
    const phases = randomTensor(rng, "f32", [N * (N - 1)], 0, 2 * Math.PI);
    const splitter = randomTensor(rng, "f32", [N * (N - 1)], -0.05, 0.05);
    checkGradient({ x: fieldIn(), phases, splitter }, (b, p) => lowerMziMesh(b, p.x!, p.phases!, { crosstalk: 0.05, splitterError: p.splitter! }), 4);
    // STE: the quantized mesh's gradient equals the ideal mesh's gradient at the rounded phases
    const step = (2 * Math.PI) / 2 ** 4;
    const rounded: Tensor = { ...phases, data: Float64Array.from(phases.data, (v) => Math.round(v / step) * step) };
    const x = fieldIn();
    const gradOf = (ph: Tensor, bits?: number) => {
      const b = new GraphBuilder();
      const xp = b.param("x", "c64", [B, N]);
      const pp = b.param("phases", "f32", [N * (N - 1)]);
      const y = lowerMziMesh(b, xp, pp, bits ? { phaseBits: bits } : {});
      b.output("loss", b.sum(b.abs2(b.mul(y, b.const(Array.from({ length: B * N * 2 }, (_, k) => (k % 3) - 1), "c64", [B, N])))));
      return compileInterp(grad(b.build(), "loss", ["x", "phases"])).run({ x, phases: ph })["grad:phases"]!.data;
    };
    const ste = gradOf(phases, 4);
    const atRounded = gradOf(rounded);
    ste.forEach((g, i) => expect(g).toBeCloseTo(atRounded[i]!, 10));
  });
});

