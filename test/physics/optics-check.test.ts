// Bad std/optics parameters are check-time diagnostics (never NaNs at run time), and a program
// using the whole mesh device model lowers and runs: the per-chip coupler errors become a chip
// variable `<instance>.splitter_error`, the twin ignores them, and different chips give different
// device outputs while the twin stays the ideal programmed matrix.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import { lowerInfer, modelSpec } from "../../compiler/lower/lower.js";
import type { Tensor } from "../../runtime/backend.js";
import { initParams, sampleChip } from "../../runtime/init.js";
import { names } from "../../compiler/lower/names.js";
import { loadProgram } from "../helpers/program.js";
import { checkText, memHost, oneLine } from "../frontend/helpers.js";
import { tmpDir } from "../train/helpers.js";

const net = (layers: string, modes = 4) => `import optics from "std/optics"
network N {
  input x: real[${modes}]
  h = x |> optics.amplitude_encode
  output y = h |> ${layers} |> optics.photodetect |> dense(3)
}
`;

const codes = (src: string, files: Record<string, string> = {}) => checkText(src, "/virtual/t.pnn", memHost(files)).map((d) => d.code);

describe("check-time diagnostics for bad optics parameters", () => {
  const cases: [string, string, string][] = [
    ["phase_bits = 0", "optics.mzi_mesh(phase_bits: 0)", "PNN3003"],
    ["negative insertion loss", "optics.mzi_mesh(loss: -0.1 dB per mzi)", "PNN3003"],
    ["loss in the wrong unit", "optics.mzi_mesh(loss: 0.1 rad)", "PNN3001"],
    ["negative splitter error", "optics.mzi_mesh(splitter_error: -0.01 rad)", "PNN3003"],
    ["splitter error beyond π/4", "optics.mzi_mesh(splitter_error: 1 rad)", "PNN3003"],
    ["crosstalk above 1", "optics.mzi_mesh(crosstalk: 1.5)", "PNN3003"],
    ["an unknown topology", "optics.mzi_mesh(topology: triangle)", "PNN2010"],
    ["phases of the wrong size", "optics.mzi_mesh(phases: x)", "PNN2003"],
    ["v_pi = 0", "optics.mzi_mesh |> optics.electro_optic(v_pi: 0)", "PNN3003"],
    ["adc_bits = 0", "optics.mzi_mesh |> optics.photodetect(adc_bits: 0) |> optics.amplitude_encode", "PNN3003"],
    ["a zero photon budget", "optics.shg |> optics.photodetect(photons: 0) |> optics.amplitude_encode", "PNN3003"],
    ["a negative saturation intensity", "optics.saturable_absorber(i_sat: -1)", "PNN3003"],
  ];
  for (const [name, layers, code] of cases)
    it(`${name} → ${code}`, () => {
      expect(codes(net(layers))).toContain(code);
    });

  it("a mesh on a single mode is PNN2003 (a mesh needs N ≥ 2)", () => {
    expect(codes(net("optics.mzi_mesh", 1))).toContain("PNN2003");
  });

  it("a programmed matrix that does not fit the input is PNN2003; one that fits checks clean", () => {
    const id8 = Array.from({ length: 8 }, (_, i) => Array.from({ length: 8 }, (_, j) => (i === j ? "1" : "0")).join(",")).join("\n");
    const id4 = Array.from({ length: 4 }, (_, i) => Array.from({ length: 4 }, (_, j) => (i === j ? "1" : "0")).join(",")).join("\n");
    expect(codes(net('optics.unitary(matrix: "m.csv")'), { "/virtual/m.csv": id8 })).toContain("PNN2003");
    expect(checkText(net('optics.unitary(matrix: "m.csv", topology: reck)'), "/virtual/t.pnn", memHost({ "/virtual/m.csv": id4 })).map(oneLine)).toEqual([]);
  });

  it("complex entries parse: a 2×2 Hadamard-like unitary with imaginary parts checks clean", () => {
    const u = "0.70710678118654757, 0.70710678118654757j\n0.70710678118654757j, 0.70710678118654757";
    expect(checkText(net('optics.unitary(matrix: "u.csv")', 2), "/virtual/t.pnn", memHost({ "/virtual/u.csv": u })).map(oneLine)).toEqual([]);
  });
});

describe("the mesh device model end to end (check → lower → run)", () => {
  it("coupler errors are a per-chip variable; the twin is ideal and chips differ", () => {
    const dir = tmpDir("pnn-optics-");
    const n = 4;
    // a real orthogonal matrix (a rotation in two planes) as the programmed unitary
    const c = Math.cos(0.3), s = Math.sin(0.3);
    const u = [[c, -s, 0, 0], [s, c, 0, 0], [0, 0, c, s], [0, 0, -s, c]];
    fs.writeFileSync(path.join(dir, "u.csv"), u.map((r) => r.join(",")).join("\n"));
    fs.writeFileSync(path.join(dir, "t.pnn"), `import optics from "std/optics"
network N {
  input x: real[${n}]
  f = x |> optics.amplitude_encode
  output y = f |> optics.unitary(matrix: "u.csv", splitter_error: 0.05 rad, crosstalk: 0.03, phase_bits: 8, topology: clements) |> optics.photodetect |> take(3)
}
train N on iris() {
  rule = physics_aware
}
`);
    const p = loadProgram(path.join(dir, "t.pnn"));
    const spec = modelSpec(p.net, 3);
    expect(spec.hasDevice).toBe(true);
    expect(spec.chipVars.map((v) => [v.path, v.shape])).toEqual([["y.unitary.splitter_error", [n * (n - 1)]]]);
    expect(spec.chipVars[0]!.dist).toEqual({ kind: "normal", mean: 0, std: 0.05 });
    const x: Tensor = { dtype: "f32", shape: [3, n], data: Float64Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0.3, -0.2, 0.5, 0.1]) };
    const key: Tensor = { dtype: "i32", shape: [4], data: Int32Array.from([1, 2, 3, 4]) };
    const twin = compileInterp(lowerInfer(p.net, "twin", 3));
    const yt = twin.run({ x, key }).logits!.data;
    // twin: |U x|² exactly
    for (let r = 0; r < 3; r++)
      for (let i = 0; i < 3; i++) {
        const amp = u[i]!.reduce((acc, uij, j) => acc + uij * x.data[r * n + j]!, 0);
        expect(yt[r * 3 + i]!).toBeCloseTo(amp * amp, 9);
      }
    const device = compileInterp(lowerInfer(p.net, "device", 3));
    const runChip = (chip: number) => {
      const v = sampleChip(spec.chipVars, 1, chip).get("y.unitary.splitter_error")!;
      return device.run({ x, key, [names.chip("y.unitary.splitter_error")]: { dtype: "f32", shape: [n * (n - 1)], data: v } }).logits!.data;
    };
    const d0 = runChip(0), d1 = runChip(1);
    for (const v of [...d0, ...d1]) expect(Number.isFinite(v)).toBe(true);
    const diff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!)));
    expect(diff(d0, yt)).toBeGreaterThan(1e-4);
    expect(diff(d0, d1)).toBeGreaterThan(1e-4);
    // lossless even on the device: the three detected modes hold at most the input power
    for (let r = 0; r < 3; r++) {
      const pin = Array.from(x.data.slice(r * n, (r + 1) * n)).reduce((a, v) => a + v * v, 0);
      expect(Array.from(d0.slice(r * 3, (r + 1) * 3) as ArrayLike<number>).reduce((a: number, v: number) => a + v, 0)).toBeLessThanOrEqual(pin + 1e-12);
    }
    expect(initParams(spec.params, 1).size).toBe(0);
  });
});
