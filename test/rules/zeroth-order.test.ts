// Zeroth-order rules (compiler/rules/zeroth-order.ts).
// Theory: SPSA's estimate is unbiased — the mean of many draws is within a few standard errors
// of the true (autodiff) gradient on a smooth problem, while one draw is far from it; central
// finite differences equal the gradient to O(eps²); the ES estimate points along the gradient.
// Accounting: every loss query is counted. Convergence: each rule trains a linear iris classifier.
import { describe, expect, it } from "vitest";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import { GRAD_OUTPUT_PREFIX as GRAD_PREFIX } from "../../compiler/ir/autodiff.js";
import { lowerTrainStep } from "../../compiler/lower/lower.js";
import { stepperFor } from "../helpers/program.js";
import { load, maxAbs, maxAbsDiff, randomInputs, run, trainSource, trainBlock } from "./helpers.js";

const B = 8;

const smooth = (rule: string, epochs = 1, lr = 0.05) => `network Smooth {
  input x: real[4]
  h = dense(x, 3) |> tanh
  output y = dense(h, 3)
}

${trainBlock("Smooth", "iris()", rule, lr, epochs, B)}
`;

/** The true gradient (autodiff on the twin) and a stepper of `rule` at the same parameters and batch. */
function setup(rule: string, options: Record<string, number>) {
  const p = load(smooth(`${rule}(${Object.entries(options).map(([k, v]) => `${k}: ${v}`).join(", ")})`));
  const inputs = randomInputs(p, B);
  const compiled = p.compileReference(B);
  const { spec } = compiled;
  const truth = run(compileInterp(lowerTrainStep(p.net, p.train.loss, "twin", B)), inputs);
  const params = new Map(spec.params.map((q) => [q.path, Float64Array.from(inputs[q.path]!.data)]));
  const stepper = stepperFor(p, compiled, params);
  const flatTruth = spec.params.flatMap((q) => Array.from(truth[GRAD_PREFIX + q.path]!.data));
  const estimate = async (step: number) => {
    const out = await stepper.step({ x: inputs.x!, labels: inputs.labels!, weights: inputs.weights!, key: inputs.key!, n: B, step });
    return { flat: spec.params.flatMap((q) => Array.from(out.grads!.get(q.path)! as ArrayLike<number>)), out };
  };
  return { spec, params, inputs, truth, flatTruth, estimate };
}

const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);
const norm = (a: number[]) => Math.sqrt(dot(a, a));

describe("spsa: theory", () => {
  it("is unbiased: the mean of 3000 draws is within 5 standard errors of the autodiff gradient in every component", async () => {
    const { flatTruth, estimate, params, inputs, spec } = setup("spsa", { c: 1e-3, samples: 1 });
    const N = 3000;
    const P = flatTruth.length;
    const sum = new Float64Array(P), sum2 = new Float64Array(P);
    let single = 0;
    for (let s = 0; s < N; s++) {
      const g = (await estimate(s)).flat;
      if (s === 0) single = norm(g.map((v, i) => v - flatTruth[i]!)) / norm(flatTruth);
      g.forEach((v, i) => { sum[i] += v; sum2[i] += v * v; });
    }
    for (let i = 0; i < P; i++) {
      const mean = sum[i]! / N;
      const se = Math.sqrt((sum2[i]! / N - mean * mean) / N);
      expect(Math.abs(mean - flatTruth[i]!), `component ${i}`).toBeLessThan(5 * se + 1e-9);
    }
    const meanErr = norm(Array.from(sum, (v, i) => v / N - flatTruth[i]!)) / norm(flatTruth);
    expect(meanErr).toBeLessThan(0.15);
    // one draw alone is far from the gradient: the averaging is what the check measures
    expect(single).toBeGreaterThan(0.5);
    // the step leaves the parameters exactly where they were
    for (const q of spec.params) expect(maxAbsDiff(params.get(q.path)!, inputs[q.path]!.data)).toBe(0);
  });

  it("finite_difference equals the autodiff gradient to O(eps²) and spends 2P + 1 queries", async () => {
    const { flatTruth, estimate, spec } = setup("finite_difference", { eps: 1e-4 });
    const { flat, out } = await estimate(0);
    expect(maxAbsDiff(flat, flatTruth)).toBeLessThan(1e-7 * Math.max(1, maxAbs(flatTruth)));
    const P = spec.params.reduce((s, q) => s + q.shape.reduce((a, b) => a * b, 1), 0);
    expect(P).toBe(27);
    // no device model: the queries are digital forwards, counted as FLOPs
    expect(out.cost.deviceForwards ?? 0).toBe(0);
    expect(out.cost.digitalFlops).toBeGreaterThan((2 * P + 1) * 100);
  });

  it("evolution_strategies: the estimate averaged over 200 steps points along the gradient (cosine > 0.95)", async () => {
    const { flatTruth, estimate } = setup("evolution_strategies", { sigma: 1e-3, population: 20 });
    const mean = new Array<number>(flatTruth.length).fill(0);
    for (let s = 0; s < 200; s++) (await estimate(s)).flat.forEach((v, i) => (mean[i]! += v / 200));
    expect(dot(mean, flatTruth) / (norm(mean) * norm(flatTruth))).toBeGreaterThan(0.95);
  });
});

const linear = (rule: string, epochs: number, lr = 0.05) => `network Linear {
  input x: real[4]
  output y = dense(x, 3)
}

${trainBlock("Linear", "iris()", rule, lr, epochs, 8)}
`;

// A 4-mode mesh with phase error and per-shot detector noise: the loss queries go to the device.
const mesh = (rule: string, epochs: number) => `import optics from "std/optics"

layer Mesh(n: int) {
  param phases: real[n * (n - 1)] init uniform(0, 2 * pi)
  device e: real[n * (n - 1)] ~ normal(0 rad, 0.05 rad)
  forward(x: complex[n]) -> complex[n] = optics.mzi_mesh(x, phases + e, topology: clements)
}

network Tiny {
  input x: real[4]
  out = x |> optics.amplitude_encode |> Mesh(n: 4) |> optics.photodetect(noise: 0.01)
  output y = out |> take(3) |> gain
}

${trainBlock("Tiny", "iris()", rule, 0.05, epochs, 8)}
`;

describe("zeroth-order rules: convergence (linear iris classifier, 20 epochs)", () => {
  it("the untrained classifier is below 65%", async () => expect((await trainSource(linear("backprop", 1, 1e-12))).test_accuracy!).toBeLessThan(0.65));
  for (const rule of ["spsa(c: 0.01, samples: 2)", "finite_difference(eps: 0.001)", "evolution_strategies(sigma: 0.02, population: 10)"])
    it(`${rule} reaches ≥ 85%`, async () => expect((await trainSource(linear(rule, 20))).test_accuracy).toBeGreaterThanOrEqual(0.85));

  it("spsa on a noisy optical device counts (2S + 1)·n device forwards per step", async () => {
    const s = await trainSource(mesh("spsa(c: 0.01, samples: 2)", 2));
    // iris: 100 training rows per epoch; 5 queries (θ, and ± for two perturbations) of each row
    expect(s.device_forwards).toBe(2 * 100 * 5);
    expect(s.device_test_accuracy).toBeDefined();
  });
});
