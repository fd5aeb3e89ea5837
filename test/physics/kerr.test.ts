// optics.kerr, the element added by following the recipe in docs/architecture.md (one definition
// in stdlib/optics.ts): self-phase modulation E_out = E·exp(i·φ_NL·|E|²) against its closed form
// (power preserved, phase = φ_NL·I), its gradient against central differences, the device model
// (a per-chip relative spread of φ_NL that the twin ignores), and a network using it end to end:
// checked, shown by the editor's hover, trained with physics_aware above chance on twin and chip.
import { describe, expect, it } from "vitest";
import { GraphBuilder } from "../../compiler/ir/graph.js";
import { names } from "../../compiler/lower/names.js";
import { ANGLE } from "../../compiler/units.js";
import { sampleChip } from "../../runtime/init.js";
import { num } from "../../stdlib/types.js";
import { loadSource, runSync, trainReference } from "../helpers/program.js";
import { checkGradient, ctxFor, keyTensor, layerArgs, lower, randomTensor, run } from "./optics-helpers.js";
import { Stream } from "../../runtime/rng.js";

const amps: [number, number][] = [[0.3, 0.1], [1, -0.5], [-1.2, 0.8], [0, 2], [0, 0]];

function kerr(phase: number): Float64Array {
  const b = new GraphBuilder();
  const ctx = ctxFor(b, false, 1);
  const x = b.input("x", "c64", [1, amps.length]);
  b.output("y", lower("kerr")(ctx, x, layerArgs("kerr", { phase: num(phase, ANGLE) })));
  return run(b, { x: { dtype: "c64", shape: [1, amps.length], data: Float64Array.from(amps.flat()) }, key: keyTensor() }).y!.data as Float64Array;
}

describe("optics.kerr (self-phase modulation)", () => {
  it("E_out = E·exp(iφ_NL|E|²): power preserved, phase advanced by φ_NL·I", () => {
    const phi = 0.7;
    const y = kerr(phi);
    amps.forEach(([r, i], k) => {
      const I = r * r + i * i;
      const [c, s] = [Math.cos(phi * I), Math.sin(phi * I)];
      expect(y[2 * k]!).toBeCloseTo(r * c - i * s, 12);
      expect(y[2 * k + 1]!).toBeCloseTo(r * s + i * c, 12);
      expect(y[2 * k]! ** 2 + y[2 * k + 1]! ** 2).toBeCloseTo(I, 12);
    });
    // φ_NL = 0 is the identity
    expect(Array.from(kerr(0))).toEqual(amps.flat().map((v) => (Object.is(v, -0) ? 0 : v)));
  });

  it("its gradient matches central differences (every real component)", () => {
    const rng = new Stream(4, 4);
    const checked = checkGradient({ x: randomTensor(rng, "c128", [2, 5]) }, (b, p) => {
      const ctx = ctxFor(b, false, 2);
      return lower("kerr")(ctx, p.x!, layerArgs("kerr", { phase: num(1.3, ANGLE) }));
    }, 1, { key: keyTensor() });
    expect(checked).toBe(2 * 2 * 5);
  });

  it("device model: each chip's φ_NL is off by its own relative error; the twin is ideal", () => {
    const src = `import optics from "std/optics"
network K {
  input x: real[4]
  h = x |> optics.amplitude_encode |> optics.kerr(phase: 2 rad, variation: 0.2) |> optics.mzi_mesh |> optics.photodetect
  output y = h |> take(3) |> gain
}
train K on iris() {
  rule = physics_aware
}
`;
    const p = loadSource(src);
    const spec = p.spec(1);
    expect(spec.chipVars.map((c) => c.path)).toEqual(["h.kerr.phase_error"]);
    expect(spec.hasDevice).toBe(true);
    const { programs } = p.compileReference(1);
    const params = new Map(spec.params.map((q) => [q.path, new Float64Array(q.shape.reduce((a, b) => a * b, 1)).fill(0.4)]));
    const feed = (chip?: Map<string, Float64Array>) => {
      const f: Record<string, import("../../runtime/backend.js").Tensor> = { x: { dtype: "f32", shape: [1, 4], data: Float64Array.of(0.9, 0.2, 0.5, 0.7) }, key: keyTensor() };
      for (const q of spec.params) f[q.path] = { dtype: "f32", shape: [...q.shape], data: params.get(q.path)! };
      if (chip) for (const c of spec.chipVars) f[names.chip(c.path)] = { dtype: "f32", shape: [...c.shape], data: chip.get(c.path)! };
      return f;
    };
    const twin = runSync(programs.inferTwin.exe, feed()).logits!.data;
    const zero = new Map([["h.kerr.phase_error", new Float64Array(4)]]);
    const chip0 = runSync(programs.inferDevice!.exe, feed(zero)).logits!.data;
    Array.from(twin).forEach((v, i) => expect(chip0[i]).toBeCloseTo(v, 12)); // a chip without error is the twin
    const a = runSync(programs.inferDevice!.exe, feed(sampleChip(spec.chipVars, 1, 0))).logits!.data;
    const b = runSync(programs.inferDevice!.exe, feed(sampleChip(spec.chipVars, 1, 1))).logits!.data;
    expect(Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!)))).toBeGreaterThan(1e-4);
  });

  it("a vowel classifier with a Kerr nonlinearity between two meshes trains above chance, on the twin and on its chip", async () => {
    const src = (lr: number, epochs: number) => `import optics from "std/optics"
network KerrVowels {
  input x: real[12]
  h = x |> optics.amplitude_encode |> optics.mzi_mesh(splitter_error: 0.02 rad) |> optics.kerr(phase: 1.5 rad, variation: 0.05)
  output y = h |> optics.mzi_mesh |> optics.photodetect(noise: 0.01) |> take(7) |> gain
}
train KerrVowels on vowels() {
  rule = physics_aware
  optimizer = adam(lr: ${lr})
  epochs = ${epochs}
  batch = 16
}
`;
    const untrained = await trainReference(loadSource(src(1e-12, 1)));
    const s = await trainReference(loadSource(src(0.02, 25)));
    expect(untrained.test_accuracy).toBeLessThan(0.4);
    expect(s.test_accuracy).toBeGreaterThanOrEqual(0.75);
    expect(s.device_test_accuracy).toBeGreaterThanOrEqual(0.7);
  }, 120_000);
});
