// In-situ adjoint gradients (compiler/lower/rules/in-situ.ts, runtime/rules/in-situ.ts; Hughes
// et al., Optica 2018). The shifter-by-shifter mesh is the same transfer matrix as the registry's
// mesh lowering; with exact intensities the gradient recovered from forward, adjoint and
// interference intensities equals autodiff's (device mode) to ~1e-8; with measurement noise it is
// perturbed but still unbiased; a mesh whose phases are not one parameter is PNN5080; and the rule
// trains a linear optical classifier.
import { describe, expect, it } from "vitest";
import { buildReferencePrograms } from "../../cli/compile.js";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import { GraphBuilder } from "../../compiler/ir/graph.js";
import { lowerMziMesh } from "../../compiler/lower/layers/optics.js";
import { lowerTrainStep, modelSpec } from "../../compiler/lower/lower.js";
import { lowerProbedMesh } from "../../compiler/lower/rules/in-situ.js";
import { UserError } from "../../diagnostics/catalog.js";
import { sampleChip } from "../../runtime/init.js";
import { CHIP_PREFIX, GRAD_PREFIX } from "../../runtime/model.js";
import { Stream } from "../../runtime/rng.js";
import { RULE_RUNTIMES } from "../../runtime/rules/index.js";
import { load, maxAbs, maxAbsDiff, randomInputs, run, trainSource, trainBlock } from "./helpers.js";

const B = 6;

const linearOptical = (rule: string, epochs = 1, lr = 0.05, phases = "phases + e", modes = 4) => `import optics from "std/optics"

layer Mesh(n: int) {
  param phases: real[n * (n - 1)] init uniform(0, 2 * pi)
  device e: real[n * (n - 1)] ~ normal(0 rad, 0.05 rad)
  forward(x: complex[n]) -> complex[n] = optics.mzi_mesh(x, ${phases}, topology: clements, loss: 0.2 dB)
}

network LinearOptical {
  input x: real[4]
  out = x${modes === 4 ? "" : ` |> dense(${modes})`} |> optics.amplitude_encode |> Mesh(n: ${modes}) |> optics.photodetect
  output y = out |> take(3) |> gain
}

${trainBlock("LinearOptical", "iris()", rule, lr, epochs, B)}
`;

describe("the shifter-by-shifter mesh", () => {
  it("has the transfer matrix of the registry's Clements mesh (N = 5, 0.3 dB per MZI)", () => {
    const n = 5, rows = 4, P = n * (n - 1);
    const rng = new Stream(3, 1);
    const field = Float64Array.from({ length: 2 * rows * n }, () => rng.normal());
    const phases = Float64Array.from({ length: P }, () => 2 * Math.PI * rng.uniform());
    const b = new GraphBuilder();
    const x = b.input("x", "c64", [rows, n]);
    const p = b.input("phases", "f32", [P]);
    const probe = b.input("probe", "c64", [rows, P]);
    b.output("ref", lowerMziMesh(b, x, p, { lossDb: 0.3 }));
    b.output("probed", lowerProbedMesh(b, x, p, 0.3, probe).y);
    const out = compileInterp(b.build()).run({
      x: { dtype: "c64", shape: [rows, n], data: field },
      phases: { dtype: "f32", shape: [P], data: phases },
      probe: { dtype: "c64", shape: [rows, P], data: new Float64Array(2 * rows * P) },
    });
    expect(maxAbs(out.ref!.data)).toBeGreaterThan(0.1);
    expect(maxAbsDiff(out.ref!.data, out.probed!.data)).toBeLessThan(1e-12);
  });
});

/** The in-situ stepper and autodiff's (device mode) gradient at the same parameters, chip and batch. */
function setup(noise: number) {
  const p = load(linearOptical("in_situ_adjoint"));
  const spec = modelSpec(p.net, B);
  const inputs = randomInputs(p, B);
  const chip = sampleChip(spec.chipVars, 1, 0);
  for (const c of spec.chipVars) inputs[CHIP_PREFIX + c.path] = { dtype: "f32", shape: [...c.shape], data: chip.get(c.path)! };
  const autodiff = run(compileInterp(lowerTrainStep(p.net, p.train, "device", B)), inputs);
  const { programs } = buildReferencePrograms(p, B);
  const params = new Map(spec.params.map((q) => [q.path, Float64Array.from(inputs[q.path]!.data)]));
  const stepper = RULE_RUNTIMES.in_situ_adjoint!({ spec, programs: programs.rule, flops: programs.flops, params, chip, options: { noise }, seed: 1 });
  const step = (k: number) => stepper.step({ x: inputs.x!, labels: inputs.labels!, weights: inputs.weights!, key: inputs.key!, n: B, step: k });
  return { spec, autodiff, step };
}

describe("in_situ_adjoint: theory", () => {
  it("without measurement noise, the intensity-derived ∂L/∂φ equals autodiff's to 1e-8 (and the digital gain's gradient is autodiff's)", () => {
    const { spec, autodiff, step } = setup(0);
    const out = step(0);
    for (const q of spec.params) {
      const ad = autodiff[GRAD_PREFIX + q.path]!.data;
      expect(maxAbs(ad), q.path).toBeGreaterThan(1e-4);
      expect(maxAbsDiff(out.grads!.get(q.path)!, ad), q.path).toBeLessThan(1e-8 * maxAbs(ad));
    }
    expect(out.cost.deviceForwards).toBe(3 * B);
    expect(out.cost.measurements).toBe(3 * 12 * B);
  });

  it("with 5% intensity noise the gradient is perturbed but unbiased (mean of 400 reads within 5 standard errors)", () => {
    const phases = "out.Mesh.phases";
    const exact = setup(0).step(0).grads!.get(phases)!;
    const noisy = setup(0.05).step;
    expect(maxAbsDiff(noisy(1).grads!.get(phases)!, exact)).toBeGreaterThan(1e-3 * maxAbs(exact));
    const N = 400;
    const sum = new Float64Array(exact.length), sum2 = new Float64Array(exact.length);
    for (let s = 0; s < N; s++) Array.from(noisy(s).grads!.get(phases)!).forEach((v: number, i: number) => { sum[i] += v; sum2[i] += v * v; });
    for (let i = 0; i < exact.length; i++) {
      const mean = sum[i]! / N;
      const se = Math.sqrt(Math.max(0, sum2[i]! / N - mean * mean) / N);
      expect(Math.abs(mean - exact[i]!), `shifter ${i}`).toBeLessThan(5 * se + 1e-12);
    }
  });

  it("a mesh whose phases are not one parameter is PNN5080", () => {
    const p = load(linearOptical("in_situ_adjoint", 1, 0.05, "2 * phases + e"));
    let err: unknown;
    try {
      buildReferencePrograms(p, B);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).diagnostic.code).toBe("PNN5080");
  });
});

describe("in_situ_adjoint: convergence", () => {
  it("trains an iris classifier (dense 4→6, 6-mode mesh with phase error, 0.2 dB/MZI, detectors) to ≥ 88% on the device", () => {
    const untrained = trainSource(linearOptical("in_situ_adjoint", 1, 1e-12, "phases + e", 6));
    const s = trainSource(linearOptical("in_situ_adjoint(noise: 0.01)", 30, 0.05, "phases + e", 6));
    expect(untrained.device_test_accuracy).toBeLessThan(0.7);
    expect(s.device_test_accuracy).toBeGreaterThanOrEqual(0.88);
    expect(s.device_measurements).toBe(30 * 100 * 3 * 30);
  });
});
