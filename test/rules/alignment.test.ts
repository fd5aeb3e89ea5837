// Feedback alignment, direct feedback alignment and hardware-aware training
// (compiler/rules/alignment.ts, compiler/rules/gradient.ts). Theory: FA with B = W, and DFA
// with B_l = the chain W_L⋯W_{l+1} on a linear network, reproduce backprop's gradient exactly;
// with random B they do not. The optical DFA projection (two intensity frames against a reference
// field) is the linear map e·Re(T ⊙ R̄). Convergence: each rule trains a small problem to an
// accuracy the untrained model does not reach; hardware-aware weights hold up across chips where
// in-silico backprop's do not.
import { describe, expect, it } from "vitest";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import { directFeedbackAlignmentProgram, feedbackAlignmentProgram, opticalMedium, randomFeedback, type FeedbackSource } from "../../compiler/rules/alignment.js";
import { GRAD_OUTPUT_PREFIX as GRAD_PREFIX } from "../../compiler/ir/autodiff.js";
import { lowerTrainStep } from "../../compiler/lower/lower.js";
import type { Tensor } from "../../runtime/backend.js";
import { sampleChip } from "../../runtime/init.js";
import { stepperFor } from "../helpers/program.js";
import { load, maxAbs, maxAbsDiff, randomInputs, run, trainSource, trainBlock } from "./helpers.js";

const B = 6;

const LINEAR = `network Linear {
  input x: real[4]
  h1 = dense(x, 5)
  h2 = dense(h1, 6)
  output y = dense(h2, 3)
}

train Linear on iris() {
  rule = backprop
  loss = cross_entropy
  optimizer = adam(lr: 0.01)
  epochs = 1
  batch = ${B}
  seed = 1
}
`;

/** W·V for row-major W [a, b] and V [b, c]. */
function matmul(w: ArrayLike<number>, v: ArrayLike<number>, a: number, b: number, c: number): Float64Array {
  const out = new Float64Array(a * c);
  for (let i = 0; i < a; i++) for (let k = 0; k < b; k++) for (let j = 0; j < c; j++) out[i * c + j] += w[i * b + k]! * v[k * c + j]!;
  return out;
}

const weights = (inputs: Record<string, Tensor>) => ["h1.dense.weight", "h2.dense.weight", "y.dense.weight"].map((k) => {
  if (!inputs[k]) throw new Error(`no parameter ${k}; have ${Object.keys(inputs).join(", ")}`);
  return inputs[k]!.data;
});

function grads(outs: Record<string, Tensor>): Map<string, ArrayLike<number>> {
  return new Map(Object.entries(outs).filter(([k]) => k.startsWith(GRAD_PREFIX)).map(([k, v]) => [k, v.data]));
}

function expectSameGrads(a: Map<string, ArrayLike<number>>, b: Map<string, ArrayLike<number>>, tol: number): void {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  for (const [k, g] of a) {
    expect(maxAbs(g), k).toBeGreaterThan(0);
    expect(maxAbsDiff(g, b.get(k)!), k).toBeLessThan(tol * maxAbs(g));
  }
}

describe("feedback alignment: theory", () => {
  const p = load(LINEAR);
  const inputs = randomInputs(p, B);
  const backprop = grads(run(compileInterp(lowerTrainStep(p.net, p.train.loss, "twin", B)), inputs));

  it("FA with B = W is backprop", () => {
    const ws = weights(inputs);
    const fb: FeedbackSource = (i) => Float64Array.from(ws[i]!);
    const fa = run(compileInterp(feedbackAlignmentProgram(p.ruleLowering(B), fb)), inputs);
    expectSameGrads(backprop, grads(fa), 1e-12);
  });

  it("FA with random B keeps the last layer's gradient and changes the hidden ones", () => {
    const fa = grads(run(compileInterp(feedbackAlignmentProgram(p.ruleLowering(B), randomFeedback(5))), inputs));
    for (const k of ["y.dense.weight", "y.dense.bias"]) expect(maxAbsDiff(fa.get(GRAD_PREFIX + k)!, backprop.get(GRAD_PREFIX + k)!), k).toBeLessThan(1e-12);
    for (const k of ["h1.dense.weight", "h2.dense.weight"]) expect(maxAbsDiff(fa.get(GRAD_PREFIX + k)!, backprop.get(GRAD_PREFIX + k)!), k).toBeGreaterThan(1e-3 * maxAbs(backprop.get(GRAD_PREFIX + k)!));
  });

  it("DFA with B_l = W_L⋯W_{l+1} is backprop on a linear network", () => {
    const [, w2, w3] = weights(inputs);
    // taps: h1 (width 5) gets e·W3·W2, h2 (width 6) gets e·W3
    const chain = [matmul(w3!, w2!, 3, 6, 5), Float64Array.from(w3!)];
    const fb: FeedbackSource = (i, shape) => {
      expect(shape).toEqual(i === 0 ? [3, 5] : [3, 6]);
      return chain[i]!;
    };
    const dfa = run(compileInterp(directFeedbackAlignmentProgram(p.ruleLowering(B), { projection: "digital", feedback: fb, seed: 1 })), inputs);
    expectSameGrads(backprop, grads(dfa), 1e-12);
    // the reported loss is the true loss, not the surrogate
    const bp = run(compileInterp(lowerTrainStep(p.net, p.train.loss, "twin", B)), inputs);
    expect(dfa.loss!.data[0]).toBeCloseTo(bp.loss!.data[0]!, 12);
  });

  it("DFA with random B differs from backprop in the hidden layers", () => {
    const dfa = grads(run(compileInterp(directFeedbackAlignmentProgram(p.ruleLowering(B), { projection: "digital", feedback: randomFeedback(5), seed: 1 })), inputs));
    expect(maxAbsDiff(dfa.get(GRAD_PREFIX + "h1.dense.weight")!, backprop.get(GRAD_PREFIX + "h1.dense.weight")!)).toBeGreaterThan(1e-3 * maxAbs(backprop.get(GRAD_PREFIX + "h1.dense.weight")!));
  });

  it("optical DFA (intensities |R ± eT|²) equals digital DFA with B = Re(T ⊙ R̄)", () => {
    const { t, reference } = opticalMedium(9, 3, 11);
    const beff = new Float64Array(3 * 11);
    for (let c = 0; c < 3; c++) for (let j = 0; j < 11; j++) beff[c * 11 + j] = t[2 * (c * 11 + j)]! * reference[2 * j]! + t[2 * (c * 11 + j) + 1]! * reference[2 * j + 1]!;
    const fb: FeedbackSource = (i, [rows, cols]) => {
      const out = new Float64Array(rows * cols);
      const off = i === 0 ? 0 : 5;
      for (let c = 0; c < rows; c++) for (let j = 0; j < cols; j++) out[c * cols + j] = beff[c * 11 + off + j]!;
      return out;
    };
    const optical = grads(run(compileInterp(directFeedbackAlignmentProgram(p.ruleLowering(B), { projection: "optical", feedback: randomFeedback(1), seed: 9 })), inputs));
    const digital = grads(run(compileInterp(directFeedbackAlignmentProgram(p.ruleLowering(B), { projection: "digital", feedback: fb, seed: 9 })), inputs));
    expectSameGrads(digital, optical, 1e-10);
  });
});

const spirals = (rule: string, epochs: number, lr = 0.01) => `network Spiral {
  input x: real[2]
  h1 = dense(x, 48) |> relu
  h2 = dense(h1, 48) |> relu
  output y = dense(h2, 2)
}

${trainBlock("Spiral", "spirals(n: 400, turns: 1.0)", rule, lr, epochs, 16)}
`;

describe("feedback alignment: convergence on spirals (2-48-48-2 relu, 40 epochs)", () => {
  it("the untrained model is at chance", async () => expect((await trainSource(spirals("backprop", 1, 1e-12))).test_accuracy!).toBeLessThan(0.6));
  it("feedback_alignment reaches ≥ 90%", async () => {
    const s = await trainSource(spirals("feedback_alignment", 40));
    expect(s.test_accuracy).toBeGreaterThanOrEqual(0.9);
    expect(s.device_forwards).toBe(0); // no device model here
  });
  it("direct_feedback_alignment (digital and optical projection) reaches ≥ 90%", async () => {
    for (const rule of ["direct_feedback_alignment", "direct_feedback_alignment(projection: optical)"]) {
      const s = await trainSource(spirals(rule, 40));
      expect(s.test_accuracy, rule).toBeGreaterThanOrEqual(0.9);
      expect(s.device_measurements, rule).toBe(rule.includes("optical") ? 2 * 300 * 40 : 0);
    }
  });
});

// An iris classifier on a 4-mode mesh with large fabrication phase error (σ = 0.3 rad) and 4-bit DAC/ADC.
const mesh = (rule: string, epochs: number, lr = 0.02) => `import optics from "std/optics"

layer Mesh(n: int) {
  param phases: real[n * (n - 1)] init uniform(0, 2 * pi)
  device e: real[n * (n - 1)] ~ normal(0 rad, 0.3 rad)
  forward(x: complex[n]) -> complex[n] = optics.mzi_mesh(x, phases + e, topology: clements)
}

network Tiny {
  input x: real[4]
  out = x |> optics.amplitude_encode(bits: 4) |> Mesh(n: 4) |> optics.photodetect(adc_bits: 4, adc_range: 2)
  output y = out |> take(3) |> gain
}

train Tiny on iris() {
  rule = ${rule}
  loss = cross_entropy
  optimizer = adam(lr: ${lr})
  epochs = ${epochs}
  batch = 8
  seed = 1
  chips = 8
}
`;

describe("hardware_aware", () => {
  it("draws a new chip every step: two steps at the same parameters give different gradients", async () => {
    const p = load(mesh("hardware_aware", 1));
    expect(p.rule.name).toBe("hardware_aware");
    const compiled = p.compileReference(8);
    const { spec } = compiled;
    const ins = randomInputs(p, 8);
    const params = new Map(spec.params.map((q) => [q.path, Float64Array.from(ins[q.path]!.data)]));
    const stepper = stepperFor(p, compiled, params, sampleChip(spec.chipVars, 1, 0));
    const batch = (step: number) => ({ x: ins.x!, labels: ins.labels!, weights: ins.weights!, key: ins.key!, n: 8, step });
    const g = async (step: number) => Float64Array.from((await stepper.step(batch(step))).grads!.get("out.Mesh.phases")!);
    const g0 = await g(0), g0again = await g(0), g1 = await g(1);
    expect(maxAbs(g0)).toBeGreaterThan(0);
    expect(maxAbsDiff(g0, g0again)).toBe(0);
    expect(maxAbsDiff(g0, g1)).toBeGreaterThan(1e-6 * maxAbs(g0));
  });

  it("gives finite gradients through a PCM crossbar (read noise at zero conductance once made them NaN)", async () => {
    const src = `import analog from "std/analog"
network Cb {
  input x: real[4]
  h = x |> analog.crossbar(6, pcm: true, dac_bits: 8, adc_bits: 8, weight_noise: 0.02, out_noise: 0.02) |> relu
  output y = h |> analog.crossbar(3, pcm: true, dac_bits: 8, adc_bits: 8)
}

train Cb on iris() {
  rule = hardware_aware
  loss = cross_entropy
  optimizer = adam(lr: 0.01)
  epochs = 1
  batch = 8
  seed = 1
}
`;
    const p = load(src);
    const compiled = p.compileReference(8);
    const { spec } = compiled;
    const ins = randomInputs(p, 8);
    const params = new Map(spec.params.map((q) => [q.path, Float64Array.from(ins[q.path]!.data)]));
    const stepper = stepperFor(p, compiled, params, sampleChip(spec.chipVars, 1, 0));
    const grads = (await stepper.step({ x: ins.x!, labels: ins.labels!, weights: ins.weights!, key: ins.key!, n: 8, step: 0 })).grads!;
    expect(grads.size).toBeGreaterThan(0);
    for (const [k, g] of grads) {
      expect(Array.from(g).every(Number.isFinite), k).toBe(true);
      expect(maxAbs(g), k).toBeGreaterThan(0);
    }
  });

  it("trains weights that work across chips (mean device accuracy over 8 chips ≥ 75%, ≥ 0.2 above in-silico backprop's)", async () => {
    const untrained = (await trainSource(mesh("hardware_aware", 1, 1e-12))).device_test_accuracy_mean!;
    const ha = await trainSource(mesh("hardware_aware", 30));
    const bp = await trainSource(mesh("backprop", 30));
    expect(untrained).toBeLessThan(0.7);
    expect(ha.device_test_accuracy_mean).toBeGreaterThanOrEqual(0.75);
    expect(ha.device_test_accuracy_mean! - bp.device_test_accuracy_mean!).toBeGreaterThanOrEqual(0.2);
    expect(ha.device_forwards).toBe(0); // trained in simulation only
  });
});
