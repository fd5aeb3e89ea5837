// Free-space optics (compiler/lower/layers/freespace.ts) against closed forms: a Gaussian beam's
// waist after angular-spectrum propagation follows w0·√(1 + (z/zR)²); a +z/−z round trip returns
// the field (minus its evanescent part, which is cut); propagation conserves power; a thin lens
// focuses a plane wave to the Fraunhofer pattern of its aperture, peak (D²/(λf))²; the device's
// distance error is propagation over z + δz; phase quantization snaps to 2π/levels; and
// gradients through every layer match central finite differences.
import { describe, expect, it } from "vitest";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import { grad } from "../../compiler/ir/autodiff.js";
import { GraphBuilder, type Node } from "../../compiler/ir/graph.js";
import {
  axialWavenumber, centredCoordinates, detectorLayout, lensTransmission, lowerDetectorRegions, lowerPropagate, quantizePhase, shiftMask, type PropagateOptions,
} from "../../compiler/lower/layers/freespace.js";
import type { Tensor } from "../../runtime/backend.js";
import { Stream } from "../../runtime/rng.js";

const c64 = (shape: number[], data: Float64Array): Tensor => ({ dtype: "c64", shape, data });

/** Propagates one field [h, w] (interleaved re/im) and returns the result. */
function propagate(field: Float64Array, h: number, w: number, o: PropagateOptions, dz?: number): Float64Array {
  const b = new GraphBuilder();
  const u = b.input("u", "c64", [1, h, w]);
  const err = dz === undefined ? undefined : b.input("dz", "f32", []);
  b.output("v", lowerPropagate(b, u, o, err));
  const feeds: Record<string, Tensor> = { u: c64([1, h, w], field) };
  if (dz !== undefined) feeds.dz = { dtype: "f32", shape: [], data: Float64Array.of(dz) };
  return compileInterp(b.build()).run(feeds).v.data as Float64Array;
}

function gaussian(n: number, pitch: number, w0: number, cx = 0, cy = 0, tilt = 0): Float64Array {
  const xs = centredCoordinates(n, pitch);
  const f = new Float64Array(2 * n * n);
  for (let r = 0; r < n; r++)
    for (let c = 0; c < n; c++) {
      const a = Math.exp(-((xs[c] - cx) ** 2 + (xs[r] - cy) ** 2) / (w0 * w0));
      f[2 * (r * n + c)] = a * Math.cos(tilt * xs[c]);
      f[2 * (r * n + c) + 1] = a * Math.sin(tilt * xs[c]);
    }
  return f;
}

const intensity = (f: Float64Array, i: number): number => f[2 * i] ** 2 + f[2 * i + 1] ** 2;
const power = (f: Float64Array): number => f.reduce((s, v) => s + v * v, 0);
const maxDiff = (a: Float64Array, b: Float64Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

/** 1/e² intensity radius along x from the second moment: w = 2√⟨x²⟩. */
function waistX(f: Float64Array, n: number, pitch: number): number {
  const xs = centredCoordinates(n, pitch);
  let s = 0, sx2 = 0;
  for (let r = 0; r < n; r++)
    for (let c = 0; c < n; c++) {
      const i = intensity(f, r * n + c);
      s += i;
      sx2 += i * xs[c] ** 2;
    }
  return 2 * Math.sqrt(sx2 / s);
}

function randomField(rng: Stream, n: number): Float64Array {
  return Float64Array.from({ length: 2 * n * n }, () => rng.normal());
}

describe("angular-spectrum propagation", () => {
  it("spreads a Gaussian beam as w(z) = w0·√(1 + (z/zR)²) within 1%", () => {
    const n = 128, pitch = 1e-6, lambda = 0.5e-6, w0 = 8e-6;
    const zR = (Math.PI * w0 * w0) / lambda;
    const u0 = gaussian(n, pitch, w0);
    expect(Math.abs(waistX(u0, n, pitch) / w0 - 1)).toBeLessThan(1e-3);
    for (const z of [0.5 * zR, zR, 2 * zR, 3 * zR]) {
      const uz = propagate(u0, n, n, { distance: z, wavelength: lambda, pitch, pad: 32 });
      const expected = w0 * Math.sqrt(1 + (z / zR) ** 2);
      expect(Math.abs(waistX(uz, n, pitch) / expected - 1)).toBeLessThan(0.01);
      // the beam really spread (not an identity)
      expect(waistX(uz, n, pitch) / w0).toBeGreaterThan(1.1);
    }
  });

  it("returns the field after +z then −z (all components propagating)", () => {
    const n = 32, pitch = 1e-6, lambda = 1e-6; // λ < √2Δ: every FFT bin propagates
    const u0 = randomField(new Stream(3, 1), n);
    const o = { wavelength: lambda, pitch, pad: 0 };
    const there = propagate(u0, n, n, { ...o, distance: 50e-6 });
    const back = propagate(there, n, n, { ...o, distance: -50e-6 });
    expect(maxDiff(back, u0)).toBeLessThan(1e-10);
    expect(maxDiff(there, u0)).toBeGreaterThan(0.1);
  });

  it("returns a beam after +z then −z with zero padding, and cuts exactly the evanescent part", () => {
    const n = 48, pitch = 1e-6, lambda = 0.8e-6;
    const beam = gaussian(n, pitch, 4e-6, 3e-6, -2e-6, 1e5);
    const o = { wavelength: lambda, pitch, pad: 16 };
    const back = propagate(propagate(beam, n, n, { ...o, distance: 40e-6 }), n, n, { ...o, distance: -40e-6 });
    expect(maxDiff(back, beam)).toBeLessThan(1e-6);
    // with λ = 3Δ some bins are evanescent: a round trip is the low-pass projection of the field
    const lam3 = 3e-6, m = 16;
    const u = randomField(new Stream(5, 2), m);
    const trip = propagate(propagate(u, m, m, { wavelength: lam3, pitch, distance: 20e-6, pad: 0 }), m, m, { wavelength: lam3, pitch, distance: -20e-6, pad: 0 });
    const kz = axialWavenumber(m, m, lam3, pitch);
    const cut = kz.filter((k) => Number.isNaN(k)).length;
    expect(cut).toBeGreaterThan(0);
    // z = 0 propagation is exactly that projection
    const projected = propagate(u, m, m, { wavelength: lam3, pitch, distance: 0, pad: 0 });
    expect(maxDiff(trip, projected)).toBeLessThan(1e-10);
    expect(power(projected)).toBeLessThan(power(u) * 0.99);
  });

  it("conserves power when every component propagates, and loses only the evanescent power otherwise", () => {
    const n = 24, pitch = 1e-6;
    const u = randomField(new Stream(9, 3), n);
    const out = propagate(u, n, n, { distance: 30e-6, wavelength: 1e-6, pitch, pad: 0 });
    expect(Math.abs(power(out) / power(u) - 1)).toBeLessThan(1e-12);
    const lossy = propagate(u, n, n, { distance: 30e-6, wavelength: 2.5e-6, pitch, pad: 0 });
    const projected = propagate(u, n, n, { distance: 0, wavelength: 2.5e-6, pitch, pad: 0 });
    expect(Math.abs(power(lossy) / power(projected) - 1)).toBeLessThan(1e-12);
  });

  it("models the device's distance error as propagation over z + δz", () => {
    const n = 16, pitch = 1e-6, o = { wavelength: 1.3e-6, pitch, pad: 4 };
    const u = randomField(new Stream(11, 4), n);
    const withError = propagate(u, n, n, { ...o, distance: 20e-6 }, 1.5e-6);
    const direct = propagate(u, n, n, { ...o, distance: 21.5e-6 });
    expect(maxDiff(withError, direct)).toBeLessThan(1e-10);
  });
});

describe("thin lens", () => {
  it("focuses a plane wave at f to the aperture's Fraunhofer pattern, peak (D²/(λf))²", () => {
    // sampling: the lens phase needs f ≥ NΔ²/λ, the propagator over f needs f ≤ MΔ²/λ (M = N + 2·pad)
    const n = 63, pitch = 2e-6, lambda = 1e-6, pad = 64;
    const f = (2.5 * n * pitch * pitch) / lambda;
    const D = n * pitch;
    expect(f).toBeLessThan(((n + 2 * pad) * pitch * pitch) / lambda);
    const plane = new Float64Array(2 * n * n);
    for (let i = 0; i < n * n; i++) plane[2 * i] = 1;
    const b = new GraphBuilder();
    const u = b.input("u", "c64", [1, n, n]);
    const lensed = b.mul(u, b.const(lensTransmission(n, n, f, lambda, pitch), "c64", [n, n]));
    b.output("v", lowerPropagate(b, lensed, { distance: f, wavelength: lambda, pitch, pad }));
    const out = compileInterp(b.build()).run({ u: c64([1, n, n], plane) }).v.data as Float64Array;
    const centre = (n - 1) / 2;
    const peak = (D * D / (lambda * f)) ** 2;
    let best = 0;
    for (let i = 0; i < n * n; i++) if (intensity(out, i) > intensity(out, best)) best = i;
    expect(best).toBe(centre * n + centre);
    expect(Math.abs(intensity(out, best) / peak - 1)).toBeLessThan(0.02);
    // along x the focal spot is sinc²(xD/(λf)) (first zero at λf/D = 2.5 samples)
    const sinc = (a: number) => (a === 0 ? 1 : Math.sin(Math.PI * a) / (Math.PI * a));
    for (const dxs of [1, 2, 3]) {
      const x = dxs * pitch;
      const got = intensity(out, centre * n + centre + dxs) / intensity(out, best);
      expect(Math.abs(got - sinc((x * D) / (lambda * f)) ** 2)).toBeLessThan(0.01);
    }
    // without the lens the plane wave stays spread out
    const unlensed = propagate(plane, n, n, { distance: f, wavelength: lambda, pitch, pad });
    expect(Math.max(...Array.from({ length: n * n }, (_, i) => intensity(unlensed, i)))).toBeLessThan(peak / 10);
  });
});

describe("masks and detectors", () => {
  it("quantizes phases to the nearest multiple of 2π/levels (also far from 0)", () => {
    const b = new GraphBuilder();
    const phi = b.input("phi", "f32", [6]);
    b.output("q", quantizePhase(b, phi, 8));
    const vals = [0.1, 0.5, -0.5, 3.0, 40.3, -77.7];
    const q = compileInterp(b.build()).run({ phi: { dtype: "f32", shape: [6], data: Float64Array.from(vals) } }).q.data;
    const step = (2 * Math.PI) / 8;
    vals.forEach((v, i) => expect(q[i]).toBeCloseTo(Math.round(v / step) * step, 9));
  });

  it("shifts a misaligned mask by whole pixels exactly (a circular roll) and composes sub-pixel shifts", () => {
    const h = 6, w = 8, pitch = 2e-6;
    const t = randomField(new Stream(8, 8), 8).subarray(0, 2 * h * w);
    const shifted = (sx: number, sy: number, field = t): Float64Array => {
      const b = new GraphBuilder();
      const m = b.input("t", "c64", [h, w]);
      const s = b.input("s", "f32", [2]);
      b.output("y", shiftMask(b, m, s, pitch));
      return compileInterp(b.build()).run({ t: c64([h, w], Float64Array.from(field)), s: { dtype: "f32", shape: [2], data: Float64Array.of(sx, sy) } }).y.data as Float64Array;
    };
    // t(x − 2Δ, y + Δ): output (r, c) = t(r + 1, c − 2), indices mod (h, w)
    const rolled = shifted(2 * pitch, -pitch);
    const expected = new Float64Array(2 * h * w);
    for (let r = 0; r < h; r++)
      for (let c = 0; c < w; c++) {
        const src = ((r + 1) % h) * w + ((c - 2 + w) % w);
        expected[2 * (r * w + c)] = t[2 * src];
        expected[2 * (r * w + c) + 1] = t[2 * src + 1];
      }
    expect(maxDiff(rolled, expected)).toBeLessThan(1e-12);
    const half = shifted(0.3 * pitch, 0.7 * pitch);
    expect(maxDiff(shifted(0.7 * pitch, 0.3 * pitch, half), shifted(pitch, pitch))).toBeLessThan(1e-12);
    expect(Math.abs(power(half) / power(t) - 1)).toBeLessThan(1e-12);
  });

  it("lays out non-overlapping regions inside the field and integrates |u|² over them", () => {
    for (const [h, w, classes, size] of [[14, 14, 10, 2], [28, 28, 10, 6], [10, 12, 3, 3], [8, 8, 4, 4]]) {
      const regions = detectorLayout(h, w, classes, size);
      const covered = new Set<number>();
      for (const [top, left] of regions) {
        expect(top).toBeGreaterThanOrEqual(0);
        expect(left).toBeGreaterThanOrEqual(0);
        expect(top + size).toBeLessThanOrEqual(h);
        expect(left + size).toBeLessThanOrEqual(w);
        for (let y = top; y < top + size; y++) for (let x = left; x < left + size; x++) {
          expect(covered.has(y * w + x)).toBe(false);
          covered.add(y * w + x);
        }
      }
    }
    const h = 14, w = 14;
    const field = randomField(new Stream(2, 2), 14);
    const b = new GraphBuilder();
    const u = b.input("u", "c64", [1, h, w]);
    b.output("p", lowerDetectorRegions(b, u, 10, 2));
    const p = compileInterp(b.build()).run({ u: c64([1, h, w], field) }).p.data;
    detectorLayout(h, w, 10, 2).forEach(([top, left], k) => {
      let s = 0;
      for (let y = top; y < top + 2; y++) for (let x = left; x < left + 2; x++) s += intensity(field, y * w + x);
      expect(p[k]).toBeCloseTo(s, 12);
    });
  });
});

describe("gradients through free-space layers", () => {
  it("match central finite differences (propagate, phase mask, amplitude mask, lens, detectors)", () => {
    const n = 8, batch = 2, classes = 4;
    const rng = new Stream(21, 7);
    const b = new GraphBuilder();
    const u = b.input("u", "c64", [batch, n, n]);
    const phi = b.param("phi", "f32", [n, n]);
    const logits = b.param("a", "f32", [n, n]);
    const weights = b.input("w", "f32", [batch, classes]);
    const o = { wavelength: 1.2e-6, pitch: 1e-6 };
    let f: Node = lowerPropagate(b, u, { ...o, distance: 5e-6, pad: 2 });
    f = b.mul(f, b.expi(phi));
    f = b.mul(f, b.sigmoid(logits));
    f = b.mul(f, b.const(lensTransmission(n, n, 30e-6, o.wavelength, o.pitch), "c64", [n, n]));
    f = lowerPropagate(b, f, { ...o, distance: 7e-6, pad: 0 });
    const det = lowerDetectorRegions(b, f, classes, 2);
    b.output("loss", b.sum(b.mul(b.log(b.add(det, b.scalar(0.1, "f32"))), weights)));
    const g = grad(b.build(), "loss", ["phi", "a"]);
    const exe = compileInterp(g);
    const feeds: Record<string, Tensor> = {
      u: c64([batch, n, n], Float64Array.from({ length: 2 * batch * n * n }, () => rng.normal())),
      w: { dtype: "f32", shape: [batch, classes], data: Float64Array.from({ length: batch * classes }, () => rng.normal()) },
      phi: { dtype: "f32", shape: [n, n], data: Float64Array.from({ length: n * n }, () => 2 * Math.PI * rng.uniform()) },
      a: { dtype: "f32", shape: [n, n], data: Float64Array.from({ length: n * n }, () => rng.normal()) },
    };
    const out = exe.run(feeds);
    const lossAt = (name: string, i: number, h: number): number => {
      const data = Float64Array.from(feeds[name].data);
      data[i] += h;
      return exe.run({ ...feeds, [name]: { ...feeds[name], data } }).loss.data[0];
    };
    for (const name of ["phi", "a"]) {
      const analytic = out[`grad:${name}`].data;
      let worst = 0, scale = 0;
      for (const i of [0, 5, 9, 27, 36, 63]) {
        const fd = (lossAt(name, i, 1e-6) - lossAt(name, i, -1e-6)) / 2e-6;
        worst = Math.max(worst, Math.abs(fd - analytic[i]));
        scale = Math.max(scale, Math.abs(fd));
      }
      expect(scale).toBeGreaterThan(1e-3);
      expect(worst / scale).toBeLessThan(1e-6);
    }
  });
});
