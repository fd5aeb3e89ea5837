// Free-space propagation against exact references (compiler/lower/layers/freespace-transfer.ts):
// on the diffractive example's geometry (λ = 0.75 mm, 0.4 mm pixels, 3 mm gaps) the FFT
// convolution in its automatic window equals the Rayleigh–Sommerfeld sum over every source
// sample (Lin et al. 2018, Eq. 1), computed directly; the old example's `pad: 1` is refused at
// check time with the numbers (PNN3050), as is an angular spectrum outside Matsushima's
// condition; the angular spectrum and Rayleigh–Sommerfeld agree with each other and with the
// Gaussian beam's closed form where both are valid; the exact lens brings every point of the
// aperture to the focus in phase (the paraxial one does not); `embed` places a field on a plane.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import { GraphBuilder } from "../../compiler/ir/graph.js";
import { centredCoordinates, lensTransmission, lowerEmbed, lowerPropagate, type PropagateOptions } from "../../compiler/lower/layers/freespace.js";
import { automaticWindow, bandLimitedFraction, exactWindow, paddingFor, rayleighSommerfeldResponse } from "../../compiler/lower/layers/freespace-transfer.js";
import type { Tensor } from "../../runtime/backend.js";
import { Stream } from "../../runtime/rng.js";
import { checkText } from "../frontend/helpers.js";

const c64 = (shape: number[], data: Float64Array): Tensor => ({ dtype: "c64", shape, data });
const ROOT = path.resolve(__dirname, "../..");

function run(field: Float64Array, h: number, w: number, o: PropagateOptions): Float64Array {
  const b = new GraphBuilder();
  const u = b.input("u", "c64", [1, h, w]);
  b.output("v", lowerPropagate(b, u, o));
  return compileInterp(b.build()).run({ u: c64([1, h, w], field) }).v.data as Float64Array;
}

/** The Rayleigh–Sommerfeld sum, directly: every output sample from every input sample. */
function directSum(field: Float64Array, h: number, w: number, z: number, lambda: number, pitch: number): Float64Array {
  const out = new Float64Array(2 * h * w);
  for (let r = 0; r < h; r++)
    for (let c = 0; c < w; c++) {
      let re = 0, im = 0;
      for (let j = 0; j < h; j++)
        for (let k = 0; k < w; k++) {
          const [hr, hi] = rayleighSommerfeldResponse((c - k) * pitch, (r - j) * pitch, z, lambda, pitch * pitch);
          const ur = field[2 * (j * w + k)]!, ui = field[2 * (j * w + k) + 1]!;
          re += ur * hr - ui * hi;
          im += ur * hi + ui * hr;
        }
      out[2 * (r * w + c)] = re;
      out[2 * (r * w + c) + 1] = im;
    }
  return out;
}

const relL2 = (a: Float64Array, ref: Float64Array) => Math.sqrt(a.reduce((s, v, i) => s + (v - ref[i]!) ** 2, 0) / ref.reduce((s, v) => s + v * v, 0));
const randomPhase = (n: number, seed: number) => {
  const rng = new Stream(seed, 1);
  const f = new Float64Array(2 * n * n);
  for (let i = 0; i < n * n; i++) {
    const p = 2 * Math.PI * rng.uniform();
    f[2 * i] = Math.cos(p);
    f[2 * i + 1] = Math.sin(p);
  }
  return f;
};

const EXAMPLE = { wavelength: 0.75e-3, pitch: 0.4e-3, distance: 3e-3 };

describe("Rayleigh–Sommerfeld propagation is exact in its window", () => {
  for (const n of [14, 28])
    it(`${n}×${n} random-phase field on the example's geometry: FFT convolution = direct sum to 1e-12`, () => {
      const m = automaticWindow(n, "rayleigh_sommerfeld", EXAMPLE.distance, EXAMPLE.wavelength, EXAMPLE.pitch);
      expect(m).toBe(n === 14 ? 32 : 64);
      const field = randomPhase(n, n);
      const pad = paddingFor(n, m);
      const fft = run(field, n, n, { ...EXAMPLE, method: "rayleigh_sommerfeld", pad: { rows: pad, cols: pad } });
      const ref = directSum(field, n, n, EXAMPLE.distance, EXAMPLE.wavelength, EXAMPLE.pitch);
      expect(relL2(fft, ref)).toBeLessThan(1e-12);
      // the old example's window (pad 1) wraps: far from the reference
      const wrapped = run(field, n, n, { ...EXAMPLE, method: "rayleigh_sommerfeld", pad: 1 });
      expect(relL2(wrapped, ref)).toBeGreaterThan(0.3);
    });
  it("the smallest exact window is 2n − 1; one sample less is not exact", () => {
    const n = 9, field = randomPhase(n, 3);
    const ref = directSum(field, n, n, EXAMPLE.distance, EXAMPLE.wavelength, EXAMPLE.pitch);
    const at = (m: number) => run(field, n, n, { ...EXAMPLE, method: "rayleigh_sommerfeld", pad: { rows: paddingFor(n, m), cols: paddingFor(n, m) } });
    expect(exactWindow(n, "rayleigh_sommerfeld", 1, 1, 1)).toBe(17);
    expect(relL2(at(17), ref)).toBeLessThan(1e-12);
    expect(relL2(at(16), ref)).toBeGreaterThan(1e-3);
  });
});

describe("check-time sampling diagnostics (PNN3050)", () => {
  const program = (prop: string) =>
    `import optics from "std/optics"\nimport freespace from "std/freespace"\nnetwork N {\n  input x: real[196]\n  u = x |> optics.amplitude_encode |> reshape(14, 14)\n  output y = u |> freespace.propagate(${prop}) |> freespace.detector_regions(classes: 10, size: 2)\n}\n`;
  it("fires on the old example's settings (pad: 1) with the window it needs", () => {
    const ds = checkText(program("distance: 3 mm, wavelength: 0.75 mm, pitch: 0.4 mm, pad: 1"));
    expect(ds.map((d) => d.code)).toEqual(["PNN3050"]);
    expect(ds[0]!.message).toMatch(/pad: 1 gives a 16-sample window.*needs 27 samples.*pad ≥ 7.*32-sample window/);
  });
  it("an angular spectrum outside Matsushima's condition says how much it cuts and what M it needs", () => {
    const ds = checkText(program("distance: 3 mm, wavelength: 0.75 mm, pitch: 0.4 mm, pad: 1, method: angular_spectrum"));
    expect(ds.map((d) => d.code)).toEqual(["PNN3050"]);
    // (MΔ²/λ)√(1 − (λ/2Δ)²) ≥ 3 mm needs M ≥ 41; on 16 samples the band limit cuts about a fifth of the propagating waves
    expect(ds[0]!.message).toMatch(/M ≥ 41; pad: 1 gives M = 16, which cuts 2\d% of the propagating frequencies/);
    expect(bandLimitedFraction(16, 16, 3e-3, 0.75e-3, 0.4e-3)).toBeGreaterThan(0.15);
    expect(bandLimitedFraction(41, 41, 3e-3, 0.75e-3, 0.4e-3)).toBe(0);
    expect(checkText(program("distance: 3 mm, wavelength: 0.75 mm, pitch: 0.4 mm, pad: 14, method: angular_spectrum"))).toEqual([]);
    // Δ ≤ λ/2: grazing waves cannot be sampled by any window
    expect(checkText(program("distance: 3 mm, wavelength: 0.75 mm, pitch: 0.3 mm, method: angular_spectrum"))[0]!.message).toMatch(/use method: rayleigh_sommerfeld/);
  });
  it("the default (pad left out) and a large enough pad are clean; the examples are clean", () => {
    expect(checkText(program("distance: 3 mm, wavelength: 0.75 mm, pitch: 0.4 mm"))).toEqual([]);
    expect(checkText(program("distance: 3 mm, wavelength: 0.75 mm, pitch: 0.4 mm, pad: 7"))).toEqual([]);
    const text = fs.readFileSync(path.join(ROOT, "examples/diffractive_mnist.pnn"), "utf8");
    expect(checkText(text, path.join(ROOT, "examples/diffractive_mnist.pnn"))).toEqual([]);
  });
});

describe("the two methods agree where both are valid", () => {
  it("a Gaussian beam (Δ = 2λ) spreads as w0√(1 + (z/zR)²) with both, and they agree to 1e-3", () => {
    const n = 96, pitch = 1e-6, lambda = 0.5e-6, w0 = 8e-6, z = 2 * ((Math.PI * w0 * w0) / lambda);
    const xs = centredCoordinates(n, pitch);
    const beam = new Float64Array(2 * n * n);
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) beam[2 * (r * n + c)] = Math.exp(-(xs[c]! ** 2 + xs[r]! ** 2) / (w0 * w0));
    const window = (method: "rayleigh_sommerfeld" | "angular_spectrum") => paddingFor(n, automaticWindow(n, method, z, lambda, pitch));
    const rs = run(beam, n, n, { distance: z, wavelength: lambda, pitch, method: "rayleigh_sommerfeld", pad: { rows: window("rayleigh_sommerfeld"), cols: window("rayleigh_sommerfeld") } });
    const as = run(beam, n, n, { distance: z, wavelength: lambda, pitch, method: "angular_spectrum", bandLimited: true, pad: { rows: window("angular_spectrum"), cols: window("angular_spectrum") } });
    expect(relL2(rs, as)).toBeLessThan(1e-3);
    const waist = (f: Float64Array) => {
      let s = 0, sx2 = 0;
      for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) {
        const i = f[2 * (r * n + c)]! ** 2 + f[2 * (r * n + c) + 1]! ** 2;
        s += i;
        sx2 += i * xs[c]! ** 2;
      }
      return 2 * Math.sqrt(sx2 / s);
    };
    const expected = w0 * Math.sqrt(1 + 4);
    expect(Math.abs(waist(rs) / expected - 1)).toBeLessThan(0.01);
    expect(Math.abs(waist(as) / expected - 1)).toBeLessThan(0.01);
  });
});

describe("lens profiles", () => {
  /** Phases of the contributions t_j·w_j of every aperture sample to the field at the focus (0, 0, f). */
  function focusPhases(profile: "exact" | "paraxial", n: number, pitch: number, lambda: number, f: number): number[] {
    const t = lensTransmission(n, n, f, lambda, pitch, profile);
    const xs = centredCoordinates(n, pitch);
    const out: number[] = [];
    for (let r = 0; r < n; r++)
      for (let c = 0; c < n; c++) {
        const [hr, hi] = rayleighSommerfeldResponse(xs[c]!, xs[r]!, f, lambda, 1);
        const tr = t[2 * (r * n + c)]!, ti = t[2 * (r * n + c) + 1]!;
        out.push(Math.atan2(tr * hi + ti * hr, tr * hr - ti * hi));
      }
    return out;
  }
  const spread = (p: number[]) => {
    const ref = p[0]!;
    return Math.max(...p.map((v) => Math.abs(Math.atan2(Math.sin(v - ref), Math.cos(v - ref)))));
  };
  it("the exact lens brings the whole aperture to the focus in phase; the paraxial one does not at NA ≈ 0.2", () => {
    // 64 samples of λ/2 at f = 100λ: NA = (32λ/2)/√((16λ)² + (100λ)²) ≈ 0.16 on the axes, 0.22 at the corners
    const lambda = 1e-6, pitch = 0.5e-6, n = 64, f = 50e-6;
    // every contribution arrives with the phase of (1/(2πr) − i/λ), which is −π/2 to within 1/(kr)
    expect(spread(focusPhases("exact", n, pitch, lambda, f))).toBeLessThan(0.01);
    expect(spread(focusPhases("paraxial", n, pitch, lambda, f))).toBeGreaterThan(1);
  });
  it("the paraxial profile is the quadratic limit of the exact one", () => {
    const e = lensTransmission(8, 8, 1, 1e-6, 1e-6, "exact"), p = lensTransmission(8, 8, 1, 1e-6, 1e-6, "paraxial");
    e.forEach((v, i) => expect(v).toBeCloseTo(p[i]!, 9));
  });
});

describe("embed", () => {
  it("repeats each sample scale×scale times and centres the result on a zero plane", () => {
    const b = new GraphBuilder();
    const u = b.input("u", "c64", [1, 2, 2]);
    b.output("v", lowerEmbed(b, u, 7, 2));
    const data = Float64Array.of(1, 0, 2, 0, 3, 0, 4, -1);
    const v = compileInterp(b.build()).run({ u: c64([1, 2, 2], data) }).v.data as Float64Array;
    const at = (r: number, c: number) => [v[2 * (r * 7 + c)], v[2 * (r * 7 + c) + 1]];
    expect(at(1, 1)).toEqual([1, 0]);
    expect(at(2, 2)).toEqual([1, 0]);
    expect(at(1, 3)).toEqual([2, 0]);
    expect(at(4, 4)).toEqual([4, -1]);
    expect(at(0, 0)).toEqual([0, 0]);
    expect(at(5, 5)).toEqual([0, 0]);
    expect(v.reduce((s, x) => s + x * x, 0)).toBeCloseTo(4 * (1 + 4 + 9 + 17), 12);
  });
});
