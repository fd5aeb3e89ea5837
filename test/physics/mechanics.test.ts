// Coupled pendula (compiler/lower/layers/mechanics.ts) against closed forms: without damping and
// drive the RK4 integrator conserves E = Σ ½θ̇² + ω₀²(1 − cos θ) + ½k Σ(θᵢ₊₁ − θᵢ)² over many
// periods; small oscillations have frequency ω₀ (one pendulum) and normal modes ω₀, √(ω₀² + 2k)
// (two coupled pendula); damping decays the amplitude as e^{−γt/2}; the device's ω₀ spread is
// the same as integrating with the scaled ω₀; gradients match central finite differences.
import { describe, expect, it } from "vitest";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import { grad } from "../../compiler/ir/autodiff.js";
import { GraphBuilder } from "../../compiler/ir/graph.js";
import { lowerPendula, type PendulaOptions } from "../../compiler/lower/layers/mechanics.js";
import type { Tensor } from "../../runtime/backend.js";
import { Stream } from "../../runtime/rng.js";

const real = (shape: number[], data: number[]): Tensor => ({ dtype: "f32", shape, data: Float64Array.from(data) });
const base: PendulaOptions = { duration: 1, steps: 100, omega0: 1, coupling: 0, damping: 0, drive: 0 };

/** Integrates from rest at angles θ₀ (one row per sample); returns final angles and velocities. */
function run(theta0: number[][], o: PendulaOptions, scale?: number[]): { theta: number[][]; velocity: number[][] } {
  const rows = theta0.length, n = theta0[0].length;
  const b = new GraphBuilder();
  const x = b.input("x", "f32", [rows, n]);
  const s = scale ? b.input("s", "f32", [n]) : undefined;
  const out = lowerPendula(b, x, null, o, s);
  b.output("theta", out.theta);
  b.output("velocity", out.velocity);
  const feeds: Record<string, Tensor> = { x: real([rows, n], theta0.flat()) };
  if (scale) feeds.s = real([n], scale);
  const r = compileInterp(b.build()).run(feeds);
  const split = (d: ArrayLike<number>) => Array.from({ length: rows }, (_, i) => Array.from(d).slice(i * n, (i + 1) * n));
  return { theta: split(r.theta.data), velocity: split(r.velocity.data) };
}

function energy(theta: number[], velocity: number[], o: PendulaOptions): number {
  let e = 0;
  for (let i = 0; i < theta.length; i++) e += 0.5 * velocity[i] ** 2 + o.omega0 ** 2 * (1 - Math.cos(theta[i]));
  for (let i = 0; i + 1 < theta.length; i++) e += 0.5 * o.coupling * (theta[i + 1] - theta[i]) ** 2;
  return e;
}

describe("coupled pendula (RK4)", () => {
  it("conserves energy over 50 periods without damping and drive (large angles, coupled)", () => {
    const o: PendulaOptions = { ...base, omega0: 2 * Math.PI, coupling: 3, duration: 50, steps: 5000 };
    const theta0 = [[1.2, -0.4, 0.8, 2.0, -1.5]];
    const e0 = energy(theta0[0], [0, 0, 0, 0, 0], o);
    const out = run(theta0, o);
    const drift = Math.abs(energy(out.theta[0], out.velocity[0], o) / e0 - 1);
    expect(drift).toBeLessThan(1e-5);
    // the state did evolve (it is not the initial condition)
    expect(Math.max(...out.velocity[0].map(Math.abs))).toBeGreaterThan(0.1);
  });

  it("oscillates at ω₀ for small angles: θ(t) = θ₀ cos ω₀t", () => {
    const w = 3;
    for (const t of [0.3, 1.0, 2.5]) {
      const o: PendulaOptions = { ...base, omega0: w, duration: t, steps: 200 };
      const out = run([[1e-4]], o);
      expect(Math.abs(out.theta[0][0] / 1e-4 - Math.cos(w * t))).toBeLessThan(1e-6);
    }
  });

  it("has the normal modes ω₀ and √(ω₀² + 2k) for two coupled pendula", () => {
    const w = 2, k = 1.5, t = 1.7, a = 1e-4;
    const o: PendulaOptions = { ...base, omega0: w, coupling: k, duration: t, steps: 400 };
    const out = run([[a, 0]], o);
    const slow = Math.cos(w * t), fast = Math.cos(Math.sqrt(w * w + 2 * k) * t);
    // θ₁ = a(cos ω₁t + cos ω₂t)/2, θ₂ = a(cos ω₁t − cos ω₂t)/2
    expect(Math.abs(out.theta[0][0] / a - (slow + fast) / 2)).toBeLessThan(1e-6);
    expect(Math.abs(out.theta[0][1] / a - (slow - fast) / 2)).toBeLessThan(1e-6);
  });

  it("decays small oscillations as e^{−γt/2} with damping", () => {
    const w = 5, g = 0.4;
    const wd = Math.sqrt(w * w - g * g / 4);
    const t = 2.0, a = 1e-4;
    const out = run([[a]], { ...base, omega0: w, damping: g, duration: t, steps: 400 });
    const exact = a * Math.exp(-g * t / 2) * (Math.cos(wd * t) + (g / (2 * wd)) * Math.sin(wd * t));
    expect(Math.abs(out.theta[0][0] - exact) / a).toBeLessThan(1e-6);
  });

  it("models the device's ω₀ spread as pendula with ω₀(1 + δ)", () => {
    const o: PendulaOptions = { ...base, omega0: 4, coupling: 0, duration: 0.8, steps: 100 };
    const spread = run([[0.5, 0.9]], o, [0.05, -0.1]);
    const a = run([[0.5]], { ...o, omega0: 4 * 1.05 });
    const b = run([[0.9]], { ...o, omega0: 4 * 0.9 });
    expect(spread.theta[0][0]).toBeCloseTo(a.theta[0][0], 12);
    expect(spread.theta[0][1]).toBeCloseTo(b.theta[0][0], 12);
  });

  it("differentiates the final angles w.r.t. the initial angles like finite differences (driven, damped)", () => {
    const n = 4, rows = 2;
    const o: PendulaOptions = { duration: 1, steps: 60, omega0: 6, coupling: 2, damping: 0.3, drive: 1.5, driveFrequency: 5 };
    const rng = new Stream(4, 4);
    const b = new GraphBuilder();
    const x = b.param("x", "f32", [rows, n]);
    const w = b.input("w", "f32", [rows, n]);
    b.output("loss", b.sum(b.mul(b.sin(lowerPendula(b, x, null, o).theta), w)));
    const exe = compileInterp(grad(b.build(), "loss", ["x"]));
    const x0 = Array.from({ length: rows * n }, () => rng.normal());
    const feeds = { x: real([rows, n], x0), w: real([rows, n], Array.from({ length: rows * n }, () => rng.normal())) };
    const g = exe.run(feeds)["grad:x"].data;
    const loss = (i: number, h: number) => {
      const d = [...x0];
      d[i] += h;
      return exe.run({ ...feeds, x: real([rows, n], d) }).loss.data[0];
    };
    let worst = 0, scale = 0;
    for (let i = 0; i < rows * n; i++) {
      const fd = (loss(i, 1e-6) - loss(i, -1e-6)) / 2e-6;
      worst = Math.max(worst, Math.abs(fd - g[i]));
      scale = Math.max(scale, Math.abs(fd));
    }
    expect(scale).toBeGreaterThan(1e-2);
    expect(worst / scale).toBeLessThan(1e-6);
  });
});
