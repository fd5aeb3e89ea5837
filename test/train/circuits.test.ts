// Resistor networks (compiler/lower/energy.ts, resistor family) and coupled learning:
// the Kirchhoff solve conserves current at every free node, the coupled-learning update
// (ΔV^C)² − (ΔV^F)² approaches the gradient of the cost as η → 0 (exactly proportional to it
// with one output node; a descent direction with several), and the EP update on the same
// network matches finite differences.
import { describe, expect, it } from "vitest";
import { GraphBuilder } from "../../compiler/ir/graph.js";
import { energyLeaves, energyResidual, energyStructure, relax, RESISTOR_SOLVE, zeroStates, RAILS, RAIL_GROUP, type EnergyNet } from "../../compiler/lower/energy.js";
import { lowerCoupledStep, lowerEquilibriumStep, type EquilibriumOptions } from "../../compiler/rules/energy.js";
import { Stream } from "../../runtime/rng.js";
import { cosine, init, load, run, t } from "./energy-helpers.js";

const NET = (outputs: number, rule: string) => `
import circuits from "std/circuits"
network R {
  input x: real[3]
  nodes h: real[5]
  output y: real[${outputs}]
  couple x <-> h via circuits.resistor(g: 0.05 S .. 2 S)
  couple h <-> y via circuits.resistor(g: 0.05 S .. 2 S)
  couple x <-> y via circuits.resistor(g: 0.05 S .. 2 S)
}
train R on csv(path: "none.csv") {
  rule = ${rule}
  loss = mse
  batch = 4
}
`;

const B = 4;
function batch(seed: number, outputs: number) {
  const rng = new Stream(seed, 5);
  const x = Array.from({ length: B * 3 }, () => 2 * rng.uniform() - 1);
  const labels = Array.from({ length: B }, (_, i) => i % outputs);
  return { x: t("f32", [B, 3], x), labels: t("i32", [B], labels), weights: t("f32", [B], Array(B).fill(1 / B)) };
}

describe("resistor network: Kirchhoff solve", () => {
  it("conserves current at every free node (residual < 1e-9 of the largest edge current)", () => {
    const { net, train } = load(NET(2, "coupled_learning"));
    const e = energyStructure(net);
    const b = new GraphBuilder();
    const L = energyLeaves(b, e, B, false);
    const s = relax(L, zeroStates(L), { kind: "free" }, RESISTOR_SOLVE.steps, 0);
    s.forEach((v, i) => b.output(`s${i}`, v));
    const params = init(e.params, 3);
    const inp = batch(1, 2);
    const out = run(b.build(), params, e.params, { x: inp.x });
    const volt = (g: number, r: number, i: number): number => (g === RAIL_GROUP ? RAILS[i]! : g < 0 ? inp.x.data[r * 3 + i]! : out[`s${g}`]!.data[r * e.groups[g]!.size + i]!);
    let worst = 0;
    let scale = 0;
    for (let r = 0; r < B; r++)
      e.groups.forEach((grp, g) => {
        for (let i = 0; i < grp.size; i++) {
          let current = 0; // net current into node (g, i)
          e.couplings.forEach((c) => {
            const k = params.get(c.path)!;
            const [na, nb] = c.shape;
            if (c.a === g) for (let j = 0; j < nb; j++) { const I = k[i * nb + j]! * (volt(c.b, r, j) - volt(g, r, i)); current += I; scale = Math.max(scale, Math.abs(I)); }
            if (c.b === g) for (let j = 0; j < na; j++) { const I = k[j * nb + i]! * (volt(c.a, r, j) - volt(g, r, i)); current += I; scale = Math.max(scale, Math.abs(I)); }
          });
          worst = Math.max(worst, Math.abs(current));
        }
      });
    expect(scale).toBeGreaterThan(1e-3);
    expect(worst / scale).toBeLessThan(1e-9);
  });
});

/**
 * The free nodes' voltages by an independent float64 solve: Kirchhoff's equations assembled node
 * by node from the conductances and solved by Gaussian elimination with partial pivoting.
 */
function directSolve(e: EnergyNet, params: Map<string, Float64Array>, x: ArrayLike<number>, row: number, features: number): number[] {
  const offset: number[] = [];
  let n = 0;
  for (const g of e.groups) (offset.push(n), (n += g.size));
  const a = Array.from({ length: n }, () => new Array<number>(n + 1).fill(0));
  const clamped = (g: number, j: number) => (g === RAIL_GROUP ? RAILS[j]! : x[row * features + j]!);
  for (const c of e.couplings) {
    const k = params.get(c.path)!;
    const [na, nb] = c.shape;
    for (let i = 0; i < na; i++)
      for (let j = 0; j < nb; j++) {
        const g = k[i * nb + j]!;
        const p = c.a >= 0 ? offset[c.a]! + i : -1, q = c.b >= 0 ? offset[c.b]! + j : -1;
        if (p >= 0) a[p]![p] += g;
        if (q >= 0) a[q]![q] += g;
        if (p >= 0 && q >= 0) (a[p]![q] -= g), (a[q]![p] -= g);
        else if (p >= 0) a[p]![n] += g * clamped(c.b, j);
        else if (q >= 0) a[q]![n] += g * clamped(c.a, i);
      }
  }
  for (let k = 0; k < n; k++) {
    let best = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i]![k]!) > Math.abs(a[best]![k]!)) best = i;
    [a[k], a[best]] = [a[best]!, a[k]!];
    for (let i = k + 1; i < n; i++) {
      const f = a[i]![k]! / a[k]![k]!;
      for (let j = k; j <= n; j++) a[i]![j] -= f * a[k]![j]!;
    }
  }
  const v = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = a[i]![n]!;
    for (let j = i + 1; j < n; j++) s -= a[i]![j]! * v[j]!;
    v[i] = s / a[i]![i]!;
  }
  return v;
}

describe("resistor network: a deep network (8 groups of 16) solves to 1e-9 V", () => {
  const groups = 8, size = 16;
  const hidden = Array.from({ length: groups - 1 }, (_, i) => `h${i + 1}`);
  const chain = ["x", ...hidden, "y"];
  const src = `import circuits from "std/circuits"
network Deep {
  input x: real[${size}]
${hidden.map((h) => `  nodes ${h}: real[${size}]`).join("\n")}
  output y: real[${size}]
${chain.slice(1).map((h, i) => `  couple ${chain[i]} <-> ${h} via circuits.resistor`).join("\n")}
}
train Deep on csv(path: "none.csv") {
  rule = coupled_learning
  loss = mse
  batch = 3
}
`;
  it("matches an independent float64 solve to 1e-9 V at the default µS conductances, and its residual says so", () => {
    const { net } = load(src);
    const e = energyStructure(net);
    expect(e.groups.length).toBe(groups);
    expect(e.params[0]!.range).toEqual({ lo: 1e-6, hi: 1e-4 }); // the default range: 1 µS .. 100 µS
    const b = new GraphBuilder();
    const L = energyLeaves(b, e, 3, false);
    const s = relax(L, zeroStates(L), { kind: "free" }, RESISTOR_SOLVE.steps, 0);
    s.forEach((v, i) => b.output(`s${i}`, v));
    b.output("residual", energyResidual(L, s, { kind: "free" }, 0));
    const params = init(e.params, 11);
    const rng = new Stream(4, 2);
    const x = Array.from({ length: 3 * size }, () => 2 * rng.uniform() - 1);
    const out = run(b.build(), params, e.params, { x: t("f32", [3, size], x) });
    let worst = 0, spread = 0;
    for (let r = 0; r < 3; r++) {
      const ref = directSolve(e, params, x, r, size);
      e.groups.forEach((_, g) => {
        for (let i = 0; i < size; i++) {
          const v = out[`s${g}`]!.data[r * size + i]!;
          worst = Math.max(worst, Math.abs(v - ref[g * size + i]!));
          spread = Math.max(spread, Math.abs(v - 0.5));
        }
      });
    }
    expect(spread).toBeGreaterThan(0.01); // the voltages are not all at the rails' midpoint
    expect(worst).toBeLessThan(1e-9);
    expect(out.residual!.data[0]!).toBeLessThan(1e-9);
  });
});

/** Central finite differences of the step program's loss with respect to every conductance. */
function fdGrad(g: ReturnType<typeof lowerCoupledStep>, params: Map<string, Float64Array>, specs: ReturnType<typeof energyStructure>["params"], inp: ReturnType<typeof batch>): Float64Array[] {
  const h = 1e-6;
  return specs.map((p) => {
    const k = params.get(p.path)!;
    const out = new Float64Array(k.length);
    for (let i = 0; i < k.length; i++) {
      const k0 = k[i]!;
      k[i] = k0 + h;
      const lp = run(g, params, specs, inp).loss!.data[0]!;
      k[i] = k0 - h;
      const lm = run(g, params, specs, inp).loss!.data[0]!;
      k[i] = k0;
      out[i] = (lp - lm) / (2 * h);
    }
    return out;
  });
}

describe("coupled learning approaches the cost gradient as η → 0", () => {
  for (const outputs of [1, 2]) {
    it(`${outputs} output node${outputs > 1 ? "s" : ""}`, () => {
      const cos: number[] = [];
      for (const eta of [0.5, 1e-3]) {
        const { net, train } = load(NET(outputs, `coupled_learning(eta: ${eta}, alpha: 0.05 S/V/V)`));
        const e = energyStructure(net);
        const g = lowerCoupledStep(net, B, false, train.rule.options.eta as number);
        const params = init(e.params, 11);
        const inp = batch(2, outputs);
        const out = run(g, params, e.params, inp);
        const delta = e.params.map((p) => Array.from(out[`delta:${p.path}`]!.data, (v) => v / eta));
        const fd = fdGrad(g, params, e.params, inp);
        cos.push(cosine(delta, fd));
        // sign agreement on the elements that matter
        let agree = 0, total = 0;
        const big = Math.max(...fd.flatMap((a) => Array.from(a, Math.abs)));
        fd.forEach((a, k) => a.forEach((v, i) => { if (Math.abs(v) > 0.05 * big) { total++; if (Math.sign(v) === Math.sign(delta[k]![i]!)) agree++; } }));
        if (eta < 0.01) expect(agree / total).toBeGreaterThan(outputs === 1 ? 0.99 : 0.8);
      }
      // one output node: the clamped shift is the EP nudge up to a scalar, so the update is the gradient
      if (outputs === 1) expect(cos[1]).toBeGreaterThan(0.999);
      else expect(cos[1]).toBeGreaterThan(0.95);
      expect(cos[1]).toBeGreaterThanOrEqual(cos[0]! - 1e-6);
    });
  }
});

describe("equilibrium propagation on a resistor network", () => {
  it("matches the finite-difference gradient at small β (cosine > 0.999)", () => {
    const { net, train } = load(NET(2, "equilibrium_propagation(beta: 0.001, symmetric: true)"));
    const e = energyStructure(net);
    const g = lowerEquilibriumStep(net, B, false, train.rule.options as unknown as EquilibriumOptions);
    const params = init(e.params, 5);
    const inp = batch(3, 2);
    const out = run(g, params, e.params, inp);
    const ep = e.params.map((p) => out[`grad:${p.path}`]!.data);
    const fd = fdGrad(g, params, e.params, inp);
    expect(cosine(ep, fd)).toBeGreaterThan(0.999);
    // and the magnitudes agree: EP estimates the gradient itself, not a multiple
    const n = (a: readonly ArrayLike<number>[]) => Math.sqrt(a.reduce((s, x) => s + Array.from(x).reduce((u, v) => u + v * v, 0), 0));
    expect(n(ep) / n(fd)).toBeGreaterThan(0.99);
    expect(n(ep) / n(fd)).toBeLessThan(1.01);
  });
});

describe("couple a <-> b without via", () => {
  it("is circuits.synapse with its default arguments: the same network, parameters and programs", () => {
    const net = (via: string) => `network H {\n  input x: real[4]\n  nodes h: real[5]\n  output y: real[3]\n  couple x <-> h${via}\n  couple h <-> y${via}\n}\ntrain H on iris() {\n  rule = equilibrium_propagation\n  loss = mse\n}\n`;
    const bare = load(net(""));
    const explicit = load(`import circuits from "std/circuits"\n${net(" via circuits.synapse")}`);
    expect(bare.net.couplings.map((c) => c.via)).toEqual(["circuits.synapse", "circuits.synapse"]);
    const a = energyStructure(bare.net), b = energyStructure(explicit.net);
    expect(a.family).toBe("hopfield");
    expect(a.params).toEqual(b.params);
    expect(a.couplings).toEqual(b.couplings);
  });
});

describe("a solve that cannot reach equilibrium stops training (PNN5071)", () => {
  it("a negative nudge larger than the µS conductances makes the system indefinite: the residual check names it", async () => {
    const { loadSource, trainReference } = await import("../helpers/program.js");
    const { UserError } = await import("../../diagnostics/catalog.js");
    const p = loadSource(`import circuits from "std/circuits"\nnetwork R {\n  input x: real[4]\n  nodes h: real[4]\n  output y: real[3]\n  couple x <-> h via circuits.resistor\n  couple h <-> y via circuits.resistor\n}\ntrain R on iris() {\n  rule = equilibrium_propagation(beta: 0.5, symmetric: true)\n  loss = mse\n  epochs = 1\n  batch = 10\n}\n`);
    const err = await trainReference(p).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    const d = (err as InstanceType<typeof UserError>).diagnostic;
    expect(d.code).toBe("PNN5071");
    expect(d.message).toMatch(/Kirchhoff solve of R at step 0 is not at a minimum of the power: the conductance matrix is not positive definite \(smallest pivot -[0-9.e+-]+ S\)/);
    expect(d.span.line).toBe(9); // the train block
  });
});

describe("energyResidual of a Hopfield relaxation", () => {
  it("is the size of one more relaxation step: large after 2 steps, vanishing once the relaxation has converged", () => {
    const { net } = load(`network H {\n  input x: real[4]\n  nodes h: real[6]\n  output y: real[3]\n  couple x <-> h\n  couple h <-> y\n}\ntrain H on iris() {\n  rule = equilibrium_propagation\n  loss = mse\n}\n`);
    const e = energyStructure(net);
    const residualAfter = (steps: number) => {
      const b = new GraphBuilder();
      const L = energyLeaves(b, e, B, false);
      const s = relax(L, zeroStates(L), { kind: "free" }, steps, 0.5);
      b.output("r", energyResidual(L, s, { kind: "free" }, 0.5));
      const rng = new Stream(3, 9);
      return run(b.build(), init(e.params, 5), e.params, { x: t("f32", [B, 4], Array.from({ length: B * 4 }, () => rng.uniform())) }).r!.data[0]!;
    };
    expect(residualAfter(2)).toBeGreaterThan(1e-3);
    expect(residualAfter(400)).toBeLessThan(1e-9);
  });
});
