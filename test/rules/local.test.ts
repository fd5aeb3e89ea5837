// local (forward-forward style physical local learning; compiler/rules/local.ts). Theory: inference by the best label returns, for every label c, the
// total goodness Σ_l Σ h_l² of the label-embedded input — checked against an independent forward
// pass in plain TypeScript; blocks are local — a layer's gradient does not depend on the weights
// of the layers after it. Convergence: a 12-32-32-7 MLP learns vowels by local goodness alone.
import { describe, expect, it } from "vitest";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import { GRAD_OUTPUT_PREFIX as GRAD_PREFIX } from "../../compiler/ir/autodiff.js";
import { local } from "../../compiler/rules/local.js";
import { load, maxAbs, maxAbsDiff, randomInputs, run, trainSource, trainBlock } from "./helpers.js";

const B = 5;

const mlp = (rule: string, epochs = 1, lr = 0.01) => `network Mlp {
  input x: real[12]
  h1 = dense(x, 8) |> relu
  h2 = dense(h1, 6) |> relu
  output y = dense(h2, 7)
}

${trainBlock("Mlp", "vowels()", rule, lr, epochs, B)}
`;

/** y = x Wᵀ + b for one row. */
function dense(x: number[], w: ArrayLike<number>, b: ArrayLike<number>, out: number): number[] {
  return Array.from({ length: out }, (_, o) => x.reduce((s, v, i) => s + v * w[o * x.length + i]!, b[o]!));
}
const relu = (v: number[]) => v.map((z) => Math.max(z, 0));
const normalise = (v: number[]) => {
  const rms = Math.sqrt(v.reduce((s, z) => s + z * z, 0) / v.length);
  return v.map((z) => z / (rms + 1e-6));
};
const sq = (v: number[]) => v.reduce((s, z) => s + z * z, 0);

describe("local: theory", () => {
  const p = load(mlp("local"));
  const inputs = randomInputs(p, B);
  const param = (k: string) => inputs[k]!.data;

  it("inference scores each label by the total goodness of the label-embedded input", () => {
    const out = run(compileInterp(local.infer!(p.ruleLowering(B), false)), inputs).logits!;
    expect(out.shape).toEqual([B, 7]);
    for (let r = 0; r < B; r++)
      for (let c = 0; c < 7; c++) {
        const x = Array.from({ length: 12 }, (_, f) => inputs.x!.data[r * 12 + f]! + (f === c ? 1 : 0));
        const h1 = relu(dense(x, param("h1.dense.weight"), param("h1.dense.bias"), 8));
        const h2 = relu(dense(normalise(h1), param("h2.dense.weight"), param("h2.dense.bias"), 6));
        const y = dense(normalise(h2), param("y.dense.weight"), param("y.dense.bias"), 7);
        const g = sq(h1) + sq(h2) + sq(y);
        expect(Math.abs(out.data[r * 7 + c]! - g)).toBeLessThan(1e-9 * Math.max(1, g));
      }
  });

  it("blocks are local: changing the output layer's weights leaves the hidden layers' gradients unchanged", () => {
    const exe = compileInterp(local.programs(p.ruleLowering(B)).train!);
    const two = (t: import("../../runtime/backend.js").Tensor) => ({ ...t, shape: [2 * t.shape[0]!, ...t.shape.slice(1)], data: Float64Array.from([...Array.from(t.data), ...Array.from(t.data).map((v, i) => (t.dtype === "i32" ? (v + 1) % 7 : v + (i % 12 === 0 ? 1 : 0)))]) });
    const base = { ...inputs, x: two(inputs.x!), weights: two(inputs.weights!), labels: { ...two(inputs.labels!), data: Int32Array.from(two(inputs.labels!).data) } };
    const a = run(exe, base);
    const changed = { ...base, "y.dense.weight": { ...inputs["y.dense.weight"]!, data: inputs["y.dense.weight"]!.data.map((v: number) => v * 1.7 + 0.1) as Float64Array } };
    const b = run(exe, changed);
    for (const k of ["h1.dense.weight", "h2.dense.weight"]) {
      expect(maxAbs(a[GRAD_PREFIX + k]!.data), k).toBeGreaterThan(0);
      expect(maxAbsDiff(a[GRAD_PREFIX + k]!.data, b[GRAD_PREFIX + k]!.data), k).toBe(0);
    }
    expect(maxAbsDiff(a[GRAD_PREFIX + "y.dense.weight"]!.data, b[GRAD_PREFIX + "y.dense.weight"]!.data)).toBeGreaterThan(0);
    // and the first layer's weights do reach the second layer's gradient (through its input)
    const c = run(exe, { ...base, "h1.dense.weight": { ...inputs["h1.dense.weight"]!, data: inputs["h1.dense.weight"]!.data.map((v: number) => v * 1.7 + 0.1) as Float64Array } });
    expect(maxAbsDiff(a[GRAD_PREFIX + "h2.dense.weight"]!.data, c[GRAD_PREFIX + "h2.dense.weight"]!.data)).toBeGreaterThan(0);
  });
});

describe("local: convergence (vowels, 12-32-32-7 relu MLP, 20 epochs)", () => {
  it("reaches ≥ 80% test accuracy by inference on the best label; untrained is below 35%", async () => {
    const big = (rule: string, epochs: number, lr: number) => mlp(rule, epochs, lr).replace("dense(x, 8)", "dense(x, 32)").replace("dense(h1, 6)", "dense(h1, 32)").replace(`batch = ${B}`, "batch = 16");
    const untrained = await trainSource(big("local", 1, 1e-12));
    const s = await trainSource(big("local(tau: 4)", 20, 0.01));
    expect(untrained.test_accuracy).toBeLessThan(0.35);
    expect(s.test_accuracy).toBeGreaterThanOrEqual(0.8);
  });
});
