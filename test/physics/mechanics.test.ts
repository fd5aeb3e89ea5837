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
import { KEY, LOGITS, X } from "../../compiler/lower/names.js";
import { checkText } from "../frontend/helpers.js";
import { loadSource } from "../helpers/program.js";

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

describe("units of std/mechanics, from source", () => {
  /** θ(T) of one uncoupled pendulum (the first of four, the others at rest) written in `.pnn`, released at rest from θ₀ (the twin's inference program). */
  function swing(omega0: string, duration: string, theta0: number, extra = ""): number {
    const p = loadSource(`import mechanics from "std/mechanics"\nnetwork P {\n  input x: real[4]\n  output y = x |> mechanics.pendula(duration: ${duration}, steps: 400, omega0: ${omega0}, coupling: 0 Hz/s${extra}) |> take(3)\n}\ntrain P on iris() {\n  rule = backprop\n}\n`);
    const g = p.inferGraph(false, 1);
    const exe = compileInterp(g);
    // the network has no parameters; whatever other inputs the program has are fed zeros
    const params = Object.fromEntries([...g.inputs, ...g.params].filter((n) => n.name !== X && n.name !== KEY).map(({ name, id }) => {
      const node = g.nodes[id]!;
      return [name, { dtype: node.dtype, shape: node.shape, data: new Float64Array(node.shape.reduce((a, b) => a * b, 1)) } as Tensor];
    }));
    return exe.run({ ...params, [X]: real([1, 4], [theta0, 0, 0, 0]), [KEY]: { dtype: "i32", shape: [4], data: new Float64Array(4) } })[LOGITS]!.data[0]!;
  }
  it("a single uncoupled pendulum with omega0: 1 Hz oscillates at 1 Hz", () => {
    const a = 1e-3; // small angles: θ(t) = θ₀ cos(2π·1 Hz·t)
    expect(swing("1 Hz", "1 s", a) / a).toBeCloseTo(1, 5); // one full period
    expect(swing("1 Hz", "0.5 s", a) / a).toBeCloseTo(-1, 5); // half a period
    expect(swing("1 Hz", "0.25 s", a) / a).toBeCloseTo(0, 5); // a quarter
    // 2π rad/s is the same pendulum; 1 rad/s is 2π times slower
    expect(swing("6.283185307179586 rad/s", "0.5 s", a)).toBeCloseTo(swing("1 Hz", "0.5 s", a), 12);
    expect(swing("1 rad/s", "1 s", a) / a).toBeCloseTo(Math.cos(1), 5);
  });
  it("damping is a rate in s⁻¹ (no 2π): the amplitude decays as e^{−γt/2}", () => {
    const a = 1e-3, gamma = 0.4;
    const wd = Math.sqrt((2 * Math.PI) ** 2 - gamma ** 2 / 4);
    const expected = a * Math.exp(-gamma / 2) * (Math.cos(wd) + (gamma / (2 * wd)) * Math.sin(wd));
    expect(swing("1 Hz", "1 s", a, `, damping: ${gamma} Hz`) / expected).toBeCloseTo(1, 4);
  });
  it("a bare number or a wrong unit is PNN3001, naming the units it takes", () => {
    const check = (args: string) => checkText(`import mechanics from "std/mechanics"\nnetwork P {\n  input x: real[2]\n  output y = x |> mechanics.pendula(${args})\n}\n`);
    const bare = check("omega0: 6.28");
    expect(bare.map((d) => d.code)).toEqual(["PNN3001"]);
    expect(bare[0]!.message).toMatch(/expects an angular frequency \(rad\/s\) or a frequency or rate \(Hz\), got a plain number \(write a unit, e.g. 6.28 rad\/s or 6.28 Hz\)/);
    expect(check("coupling: 20").map((d) => d.code)).toEqual(["PNN3001"]);
    expect(check("coupling: 20 Hz").map((d) => d.code)).toEqual(["PNN3001"]);
    expect(check("drive: 0.1 rad/s").map((d) => d.code)).toEqual(["PNN3001"]);
    expect(check("damping: 0.05 rad/s").map((d) => d.code)).toEqual(["PNN3001"]);
    expect(check("omega0: 1 Hz, coupling: 20 Hz/s, damping: 0.05 Hz, drive: 0.1 rad/s/s, drive_frequency: 2 rad/s")).toEqual([]);
  });
});
