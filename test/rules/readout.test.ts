// readout_only (compiler/rules/readout.ts): the fitted readout
// solves the ridge normal equations of the measured features; the physical map is left alone;
// epochs after the first pass change nothing; an output that is not a dense layer is PNN5081; and
// an optical reservoir (a fixed random 12-mode mesh read out by detectors) classifies vowels.
import { describe, expect, it } from "vitest";
import { names } from "../../compiler/lower/names.js";
import { choleskySolve } from "../../compiler/rules/readout.js";
import { sampleChip } from "../../runtime/init.js";
import { Stream } from "../../runtime/rng.js";
import { stepperFor } from "../helpers/program.js";
import { load, maxAbs, maxAbsDiff, randomInputs, run, trainSource } from "./helpers.js";

const reservoir = (rule: string, epochs = 1, output = "dense(s, 7)") => `import optics from "std/optics"

layer Mesh(n: int) {
  param phases: real[n * (n - 1)] init uniform(0, 2 * pi)
  device e: real[n * (n - 1)] ~ normal(0 rad, 0.05 rad)
  forward(x: complex[n]) -> complex[n] = optics.mzi_mesh(x, phases + e, topology: clements)
}

network Reservoir {
  input x: real[12]
  s = x |> optics.phase_encode(scale: 1 rad) |> Mesh(n: 12) |> optics.photodetect(noise: 0.01)
  output y = ${output}
}

train Reservoir on vowels() {
  rule = ${rule}
  loss = mse
  optimizer = adam(lr: 0.01)
  epochs = ${epochs}
  batch = 16
  seed = 1
}
`;

describe("readout_only: theory", () => {
  it("choleskySolve solves a random SPD system with several right-hand sides", () => {
    const k = 7, c = 3, rng = new Stream(2, 2);
    const a = Float64Array.from({ length: k * k }, () => rng.normal());
    const s = new Float64Array(k * k);
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) for (let m = 0; m < k; m++) s[i * k + j] += a[m * k + i]! * a[m * k + j]!;
    for (let i = 0; i < k; i++) s[i * k + i] += 0.1;
    const r = Float64Array.from({ length: k * c }, () => rng.normal());
    const x = choleskySolve(s, r, k, c);
    const back = new Float64Array(k * c);
    for (let i = 0; i < k; i++) for (let j = 0; j < c; j++) for (let m = 0; m < k; m++) back[i * c + j] += s[i * k + m]! * x[m * c + j]!;
    expect(maxAbsDiff(back, r)).toBeLessThan(1e-10);
  });

  it("the fitted readout solves (FᵀF/N + λI′)θ = FᵀY/N for the measured features; the mesh is untouched", async () => {
    const B = 16, lambda = 0.01;
    const p = load(reservoir(`readout_only(lambda: ${lambda})`));
    const compiled = p.compileReference(B);
    const { spec, programs } = compiled;
    const base = randomInputs(p, B);
    const params = new Map(spec.params.map((q) => [q.path, Float64Array.from(base[q.path]!.data)]));
    const phases0 = Float64Array.from(params.get("s.Mesh.phases")!);
    const chip = sampleChip(spec.chipVars, 1, 0);
    const stepper = stepperFor(p, compiled, params, chip, { trainSamples: 3 * B });
    const feats: number[][] = [];
    const labels: number[] = [];
    for (let s = 0; s < 3; s++) {
      const ins = randomInputs(p, B, 10 + s);
      const batch = { x: ins.x!, labels: ins.labels!, weights: ins.weights!, key: ins.key!, n: B, step: s };
      const out = await stepper.step(batch);
      expect(out.grads).toBeUndefined();
      expect(out.cost.deviceForwards).toBe(B);
      // the same query (same key) measured again gives the features the fit saw
      const all: Record<string, import("../../runtime/backend.js").Tensor> = { ...ins, ...Object.fromEntries(spec.params.map((q) => [q.path, { dtype: "f32" as const, shape: [...q.shape], data: params.get(q.path)! }])) };
      for (const c of spec.chipVars) all[names.chip(c.path)] = { dtype: "f32", shape: [...c.shape], data: chip.get(c.path)! };
      // (the fit of this step wrote the readout, which does not change the features)
      const f = run(programs.rule.features!.exe, all).features!.data;
      for (let r = 0; r < B; r++) {
        feats.push([...Array.from(f.slice(r * 12, (r + 1) * 12) as ArrayLike<number>), 1]);
        labels.push(ins.labels!.data[r]!);
      }
    }
    const N = feats.length, K = 13, C = 7;
    const w = params.get("y.dense.weight")!, bias = params.get("y.dense.bias")!;
    const theta = (i: number, c: number) => (i < 12 ? w[c * 12 + i]! : bias[c]!);
    let worst = 0, scale = 0;
    for (let i = 0; i < K; i++)
      for (let c = 0; c < C; c++) {
        let lhs = i < 12 ? lambda * theta(i, c) : 0, rhs = 0;
        for (let n = 0; n < N; n++) {
          let pred = 0;
          for (let j = 0; j < K; j++) pred += feats[n]![j]! * theta(j, c);
          lhs += (feats[n]![i]! * pred) / N;
          rhs += (feats[n]![i]! * (labels[n] === c ? 1 : 0)) / N;
        }
        worst = Math.max(worst, Math.abs(lhs - rhs));
        scale = Math.max(scale, Math.abs(rhs));
      }
    expect(scale).toBeGreaterThan(0);
    expect(worst).toBeLessThan(1e-10 * Math.max(1, scale));
    expect(maxAbs(w)).toBeGreaterThan(0);
    expect(maxAbsDiff(params.get("s.Mesh.phases")!, phases0)).toBe(0);
  });

  it("an output that is not a trainable linear map is refused at check time (PNN5081)", () => {
    expect(() => load(reservoir("readout_only", 1, "s |> take(7) |> gain"))).toThrow(/PNN5081/);
  });
});

describe("readout_only: convergence (optical reservoir on vowels)", () => {
  it("one pass reaches ≥ 75% device accuracy; a second epoch changes nothing but costs its forwards", async () => {
    const untrained = await trainSource(reservoir("backprop", 1).replace("lr: 0.01", "lr: 1e-12"));
    const one = await trainSource(reservoir("readout_only", 1));
    const two = await trainSource(reservoir("readout_only", 2));
    expect(untrained.device_test_accuracy).toBeLessThan(0.3);
    expect(one.device_test_accuracy).toBeGreaterThanOrEqual(0.75);
    expect(two.device_test_accuracy).toBe(one.device_test_accuracy);
    expect(two.test_accuracy).toBe(one.test_accuracy);
    expect(two.device_forwards).toBe(2 * one.device_forwards!);
    expect(one.device_forwards).toBeGreaterThan(100);
  });
});
