// Equilibrium propagation on a Hopfield-like network (compiler/lower/energy.ts, hopfield family;
// compiler/lower/rules/energy.ts): the free relaxation reaches a fixed point of
// s = clip(R(s), 0, 1), and the EP update approaches the backprop gradient of the same model
// (recurrent backprop: autodiff through the unrolled free relaxation) as β → 0 — cosine > 0.99
// at small β, better with the symmetric ±β variant, worse at large β.
import { describe, expect, it } from "vitest";
import { energyStructure } from "../../compiler/lower/energy.js";
import { lowerEnergyBptt, lowerEquilibriumStep, type EquilibriumOptions } from "../../compiler/rules/energy.js";
import { Stream } from "../../runtime/rng.js";
import { cosine, init, load, run, t } from "./energy-helpers.js";

const NET = (rule: string) => `
import circuits from "std/circuits"
network H {
  input x: real[6]
  nodes h: real[8]
  output y: real[3]
  couple x <-> h via circuits.synapse(scale: 0.5)
  couple h <-> y via circuits.synapse(scale: 0.5)
}
train H on csv(path: "none.csv") {
  rule = ${rule}
  loss = mse
  batch = 5
}
`;

const B = 5;
function batch() {
  const rng = new Stream(7, 1);
  return {
    x: t("f32", [B, 6], Array.from({ length: B * 6 }, () => rng.uniform())),
    labels: t("i32", [B], Array.from({ length: B }, (_, i) => i % 3)),
    weights: t("f32", [B], Array(B).fill(1 / B)),
  };
}

function epVsBptt(beta: number, symmetric: boolean): { cos: number; ratio: number } {
  const rule = `equilibrium_propagation(beta: ${beta}, symmetric: ${symmetric}, free_steps: 150, nudged_steps: 150, step: 0.5)`;
  const { net, train } = load(NET(rule));
  const e = energyStructure(net);
  const params = init(e.params, 4);
  // non-zero biases so both boundaries and the interior of [0, 1] occur
  const rng = new Stream(9, 2);
  for (const g of e.groups) params.get(g.bias!)!.forEach((_, i, a) => (a[i] = 0.3 * (rng.uniform() - 0.5)));
  const inp = batch();
  const ep = run(lowerEquilibriumStep(net, B, false, train.rule.options as unknown as EquilibriumOptions), params, e.params, inp);
  const bp = run(lowerEnergyBptt(net, B, { steps: 150, eps: train.rule.options.step as number }), params, e.params, inp);
  const a = e.params.map((p) => ep[`grad:${p.path}`]!.data);
  const c = e.params.map((p) => bp[`grad:${p.path}`]!.data);
  const norm = (xs: readonly ArrayLike<number>[]) => Math.sqrt(xs.reduce((s, x) => s + Array.from(x).reduce((u, v) => u + v * v, 0), 0));
  expect(norm(c)).toBeGreaterThan(1e-4); // a real gradient, not a saturated network
  expect(ep.loss!.data[0]).toBeCloseTo(bp.loss!.data[0]!, 12); // same free state
  return { cos: cosine(a, c), ratio: norm(a) / norm(c) };
}

describe("equilibrium propagation vs backprop through the relaxation", () => {
  it("cosine > 0.99 at small β (one-sided), and the update has the gradient's scale", () => {
    const r = epVsBptt(0.01, false);
    expect(r.cos).toBeGreaterThan(0.99);
    expect(r.ratio).toBeGreaterThan(0.95);
    expect(r.ratio).toBeLessThan(1.05);
  });
  it("the symmetric ±β variant is > 0.99 too and has the smaller bias at a moderate β; a large β is further away", () => {
    expect(epVsBptt(0.01, true).cos).toBeGreaterThan(0.99);
    const one = epVsBptt(0.3, false);
    const sym = epVsBptt(0.3, true);
    expect(sym.cos).toBeGreaterThan(one.cos);
    expect(epVsBptt(1, false).cos).toBeLessThan(one.cos);
  });
});

describe("free relaxation", () => {
  it("reaches a fixed point s = clip(R(s), 0, 1) with states inside [0, 1]", () => {
    const { net, train } = load(NET("equilibrium_propagation(free_steps: 150)"));
    const e = energyStructure(net);
    const params = init(e.params, 4);
    const inp = batch();
    const g = lowerEquilibriumStep(net, B, false, train.rule.options as unknown as EquilibriumOptions);
    const y150 = run(g, params, e.params, inp).logits!.data;
    const { net: net2, train: train2 } = load(NET("equilibrium_propagation(free_steps: 300)"));
    const y300 = run(lowerEquilibriumStep(net2, B, false, train2.rule.options as unknown as EquilibriumOptions), params, e.params, inp).logits!.data;
    for (let i = 0; i < y150.length; i++) {
      expect(y150[i]).toBeGreaterThanOrEqual(0);
      expect(y150[i]).toBeLessThanOrEqual(1);
      expect(Math.abs(y150[i]! - y300[i]!)).toBeLessThan(1e-9);
    }
  });
});
