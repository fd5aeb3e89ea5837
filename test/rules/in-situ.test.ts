// In-situ adjoint gradients (compiler/rules/in-situ.ts; Hughes et al., Optica 2018). The mesh
// lowered in physical order with probes (compiler/lower/layers/optics-mesh.ts) is the same
// transfer matrix as the closed-form mesh — for every device option and both topologies — so the
// in-situ train program's forward pass IS the device's (inferDevice); with exact intensities the
// gradient recovered from forward, adjoint and interference intensities equals autodiff's (device
// mode) to ~1e-8; with measurement noise it is perturbed but still unbiased; a mesh whose phases
// are not one parameter is refused at check time (PNN5080); and the rule trains a linear optical
// classifier.
import { describe, expect, it } from "vitest";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import { GRAD_OUTPUT_PREFIX as GRAD_PREFIX } from "../../compiler/ir/autodiff.js";
import { GraphBuilder } from "../../compiler/ir/graph.js";
import { lowerMziMesh } from "../../compiler/lower/layers/optics-mesh.js";
import { lowerTrainStep } from "../../compiler/lower/lower.js";
import { names } from "../../compiler/lower/names.js";
import { sampleChip } from "../../runtime/init.js";
import { Stream } from "../../runtime/rng.js";
import { stepperFor } from "../helpers/program.js";
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

describe("the mesh in physical order (with an in-situ probe)", () => {
  const cases = [
    { name: "Clements, 0.3 dB per MZI", opts: { topology: "clements" as const, lossDb: 0.3 } },
    { name: "Reck, 0.3 dB per MZI", opts: { topology: "reck" as const, lossDb: 0.3 } },
    { name: "Clements, crosstalk 0.1, 6-bit phases", opts: { topology: "clements" as const, crosstalk: 0.1, phaseBits: 6 } },
    { name: "Reck, splitter error, crosstalk, 5-bit phases, 0.2 dB", opts: { topology: "reck" as const, lossDb: 0.2, crosstalk: 0.05, phaseBits: 5, splitter: 0.05 } },
  ];
  for (const c of cases)
    it(`has the closed-form mesh's transfer matrix (N = 5, ${c.name})`, () => {
      const n = 5, rows = 4, P = n * (n - 1);
      const rng = new Stream(3, 1);
      const field = Float64Array.from({ length: 2 * rows * n }, () => rng.normal());
      const phases = Float64Array.from({ length: P }, () => 2 * Math.PI * rng.uniform());
      const errors = Float64Array.from({ length: P }, () => 0.05 * rng.normal());
      const b = new GraphBuilder();
      const x = b.input("x", "c64", [rows, n]);
      const p = b.input("phases", "f32", [P]);
      const e = b.input("err", "f32", [P]);
      const { splitter, ...rest } = c.opts as typeof c.opts & { splitter?: number };
      const opts = { ...rest, ...(splitter ? { splitterError: e } : {}) };
      let seen = 0;
      b.output("ref", lowerMziMesh(b, x, p, opts));
      b.output("probed", lowerMziMesh(b, x, p, { ...opts, probe: { at: (f) => ((seen += f.shape[1]!), f) } }));
      const out = compileInterp(b.build()).run({
        x: { dtype: "c64", shape: [rows, n], data: field },
        phases: { dtype: "f32", shape: [P], data: phases },
        err: { dtype: "f32", shape: [P], data: errors },
      });
      expect(seen).toBe(P); // every shifter probed once
      expect(maxAbs(out.ref!.data)).toBeGreaterThan(0.1);
      expect(maxAbsDiff(out.ref!.data, out.probed!.data)).toBeLessThan(1e-12);
    });
});

/** The in-situ stepper and autodiff's (device mode) gradient at the same parameters, chip and batch. */
function setup(noise: number) {
  const p = load(linearOptical(`in_situ_adjoint(noise: ${noise})`));
  const spec = p.spec(B);
  const inputs = randomInputs(p, B);
  const chip = sampleChip(spec.chipVars, 1, 0);
  for (const c of spec.chipVars) inputs[names.chip(c.path)] = { dtype: "f32", shape: [...c.shape], data: chip.get(c.path)! };
  const autodiff = run(compileInterp(lowerTrainStep(p.net, p.train.loss, "device", B)), inputs);
  const compiled = p.compileReference(B);
  const params = new Map(spec.params.map((q) => [q.path, Float64Array.from(inputs[q.path]!.data)]));
  const stepper = stepperFor(p, compiled, params, chip);
  const step = (k: number) => stepper.step({ x: inputs.x!, labels: inputs.labels!, weights: inputs.weights!, key: inputs.key!, n: B, step: k });
  return { spec, autodiff, step };
}

describe("in_situ_adjoint: theory", () => {
  it("without measurement noise, the intensity-derived ∂L/∂φ equals autodiff's to 1e-8 (and the digital gain's gradient is autodiff's)", async () => {
    const { spec, autodiff, step } = setup(0);
    const out = await step(0);
    for (const q of spec.params) {
      const ad = autodiff[GRAD_PREFIX + q.path]!.data;
      expect(maxAbs(ad), q.path).toBeGreaterThan(1e-4);
      expect(maxAbsDiff(out.grads!.get(q.path)!, ad), q.path).toBeLessThan(1e-8 * maxAbs(ad));
    }
    expect(out.cost.deviceForwards).toBe(3 * B);
    expect(out.cost.measurements).toBe(3 * 12 * B);
  });

  it("with 5% intensity noise the gradient is perturbed but unbiased (mean of 400 reads within 5 standard errors)", async () => {
    const phases = "out.Mesh.phases";
    const exact = (await setup(0).step(0)).grads!.get(phases)!;
    const noisy = setup(0.05).step;
    expect(maxAbsDiff((await noisy(1)).grads!.get(phases)!, exact)).toBeGreaterThan(1e-3 * maxAbs(exact));
    const N = 400;
    const sum = new Float64Array(exact.length), sum2 = new Float64Array(exact.length);
    for (let s = 0; s < N; s++) Array.from((await noisy(s)).grads!.get(phases)! as ArrayLike<number>).forEach((v: number, i: number) => { sum[i] += v; sum2[i] += v * v; });
    for (let i = 0; i < exact.length; i++) {
      const mean = sum[i]! / N;
      const se = Math.sqrt(Math.max(0, sum2[i]! / N - mean * mean) / N);
      expect(Math.abs(mean - exact[i]!), `shifter ${i}`).toBeLessThan(5 * se + 1e-12);
    }
  });

  it("a mesh whose phases are not one parameter is refused at check time (PNN5080)", () => {
    expect(() => load(linearOptical("in_situ_adjoint", 1, 0.05, "2 * phases + e"))).toThrow(/PNN5080/);
  });
});

describe("in_situ_adjoint: convergence", () => {
  it("trains an iris classifier (dense 4→6, 6-mode mesh with phase error, 0.2 dB/MZI, detectors) to ≥ 88% on the device", async () => {
    const untrained = await trainSource(linearOptical("in_situ_adjoint", 1, 1e-12, "phases + e", 6));
    const s = await trainSource(linearOptical("in_situ_adjoint(noise: 0.01)", 30, 0.05, "phases + e", 6));
    expect(untrained.device_test_accuracy).toBeLessThan(0.7);
    expect(s.device_test_accuracy).toBeGreaterThanOrEqual(0.88);
    expect(s.device_measurements).toBe(30 * 100 * 3 * 30);
  });
});

describe("in_situ_adjoint trains the chip that inferDevice evaluates", () => {
  const net = (args: string) => `import optics from "std/optics"

network M {
  input x: real[4]
  out = x |> dense(5) |> optics.amplitude_encode |> optics.mzi_mesh(${args}) |> optics.photodetect
  output y = out |> take(3) |> gain
}

${trainBlock("M", "iris()", "in_situ_adjoint", 0.05, 1, B)}
`;
  const options = [
    "topology: clements",
    "topology: reck",
    "loss: 0.3 dB",
    "crosstalk: 0.1",
    "splitter_error: 0.05 rad",
    "phase_bits: 5",
    "topology: reck, loss: 0.2 dB, crosstalk: 0.05, splitter_error: 0.04 rad, phase_bits: 6",
  ];
  for (const o of options)
    it(`forward logits equal inferDevice's within 1e-6 (${o})`, () => {
      const p = load(net(o));
      const spec = p.spec(B);
      const { programs } = p.compileReference(B);
      const inputs = randomInputs(p, B);
      const chip = sampleChip(spec.chipVars, 1, 0);
      for (const c of spec.chipVars) inputs[names.chip(c.path)] = { dtype: "f32", shape: [...c.shape], data: chip.get(c.path)! };
      const train = programs.rule.train!;
      for (const { name } of train.manifest.inputs.filter((i) => i.role.kind === "probe")) {
        const s = train.exe.inputs.find((i) => i.name === name)!;
        inputs[name] = { dtype: "c64", shape: [...s.shape], data: new Float64Array(2 * s.shape[0]! * s.shape[1]!) };
      }
      const trained = run(train.exe, inputs);
      // without a device model the device is the twin
      const evaluated = run((programs.inferDevice ?? programs.inferTwin).exe, inputs);
      expect(maxAbs(evaluated.logits!.data)).toBeGreaterThan(1e-3);
      expect(maxAbsDiff(trained.logits!.data, evaluated.logits!.data)).toBeLessThan(1e-6 * Math.max(1, maxAbs(evaluated.logits!.data)));
    });
});
