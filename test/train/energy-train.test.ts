// Energy-based rules end to end (fixed seeds, seconds each): equilibrium propagation teaches a
// Hopfield-like network XOR (a nonlinear task) and coupled learning teaches a resistor network
// iris (examples/resistor_iris.pnn), both past accuracies their untrained networks miss; the
// step reports its device cost; the resistor device model (per-chip conductance spread) leaves
// a common scaling of every conductance without effect (Kirchhoff) and changes the state
// otherwise; malformed energy-based networks are PNN2070 at check time (an internal error if
// lowered anyway: the checker guarantees lowering never meets one).
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { checkSource } from "../../compiler/sema/check.js";
import { energyStructure } from "../../compiler/lower/energy.js";
import { names } from "../../compiler/lower/names.js";
import { InternalError } from "../../diagnostics/internal.js";
import { initParams } from "../../runtime/init.js";
import { keys } from "../../runtime/streams.js";
import { accuracy } from "../../runtime/trainer.js";
import { loadProgram, runSync, trainCompiled } from "../helpers/program.js";
import { ensureBuilt, hasStackTrace, lastJson, pnn, REPO, tmpDir } from "./helpers.js";

const HOPFIELD_XOR = `import circuits from "std/circuits"
network HopXor {
  input x: real[2]
  nodes h: real[16]
  output y: real[2]
  couple x <-> h via circuits.synapse
  couple h <-> y via circuits.synapse(scale: 0.5)
}
train HopXor on xor(n: 200) {
  rule = equilibrium_propagation(beta: 0.5, symmetric: true, free_steps: 20, nudged_steps: 8, step: 0.5)
  loss = mse
  optimizer = adam(lr: 0.02)
  epochs = 8
  batch = 10
  seed = 1
}
`;

async function trainFile(file: string) {
  const p = loadProgram(file);
  const data = p.dataset();
  const compiled = p.compileReference(p.train.batch);
  const { spec, programs } = compiled;
  const untrained = await accuracy(spec, programs.inferTwin, data.test, initParams(spec.params, p.train.seed), undefined, keys.evalTwin(1));
  const summary = await trainCompiled(p, compiled);
  return { untrained, summary, n: data.train.n, epochs: p.train.epochs };
}

function write(source: string): string {
  const file = path.join(tmpDir("pnn-energy-"), "net.pnn");
  fs.writeFileSync(file, source);
  return file;
}

describe("convergence", () => {
  it("equilibrium propagation: a Hopfield network learns XOR (test ≥ 90%; untrained ≤ 60%)", async () => {
    const r = await trainFile(write(HOPFIELD_XOR));
    expect(r.untrained).toBeLessThanOrEqual(0.6);
    expect(r.summary.test_accuracy as number).toBeGreaterThanOrEqual(0.9);
    // symmetric EP: free, +β and −β relaxations (and readouts) per sample
    expect(r.summary.device_relaxations).toBe(3 * r.n * r.epochs);
    expect(r.summary.device_measurements).toBe(3 * r.n * r.epochs);
    expect(r.summary.digital_flops as number).toBeGreaterThan(0);
  });

  it("coupled learning: a resistor network learns iris (test ≥ 85%, on chips too; untrained ≤ 50%)", async () => {
    const r = await trainFile(path.join(REPO, "examples/resistor_iris.pnn"));
    expect(r.untrained).toBeLessThanOrEqual(0.5);
    expect(r.summary.test_accuracy as number).toBeGreaterThanOrEqual(0.85);
    expect(r.summary.device_test_accuracy_mean as number).toBeGreaterThanOrEqual(0.8);
    expect(r.summary.device_relaxations).toBe(2 * r.n * r.epochs);
    expect(r.summary.digital_flops).toBe(0);
  });
});

describe("resistor device model", () => {
  const SRC = (variation: number) => `import circuits from "std/circuits"
network R {
  input x: real[4]
  nodes h: real[5]
  output y: real[3]
  couple x <-> h via circuits.resistor(g: 0.001 S .. 10 S, variation: ${variation})
  couple h <-> y via circuits.resistor(g: 0.001 S .. 10 S, variation: ${variation})
}
train R on iris {
  rule = coupled_learning
  loss = mse
  batch = 4
}
`;
  it("a common scale of every conductance leaves the voltages unchanged; a per-element spread does not", () => {
    const p = loadProgram(write(SRC(0.1)));
    const { spec, programs } = p.compileReference(4);
    expect(spec.hasDevice).toBe(true);
    expect(spec.chipVars.map((c) => c.path)).toEqual(["x_h.resistor.conductance.variation", "h_y.resistor.conductance.variation"]);
    const params = initParams(spec.params, 2);
    const x = { dtype: "f32" as const, shape: [4, 4], data: Float64Array.from({ length: 16 }, (_, i) => Math.sin(i)) };
    const base: Record<string, import("../../runtime/backend.js").Tensor> = { x, key: { dtype: "i32", shape: [4], data: new Int32Array(4) } };
    for (const q of spec.params) base[q.path] = { dtype: "f32", shape: [...q.shape], data: params.get(q.path)! };
    const twin = runSync(programs.inferTwin.exe, base).logits!.data;
    const withChip = (fill: (i: number) => number) => {
      const inputs = { ...base };
      for (const c of spec.chipVars) inputs[names.chip(c.path)] = { dtype: "f32", shape: [...c.shape], data: Float64Array.from({ length: c.shape[0]! * c.shape[1]! }, (_, i) => fill(i)) };
      return runSync(programs.inferDevice!.exe, inputs).logits!.data;
    };
    // δ = 0 everywhere: the device is the twin
    const same = withChip(() => 0);
    Array.from(twin).forEach((v, i) => expect(same[i]).toBeCloseTo(v, 12));
    // per-element spread: the state moves
    const spread = withChip((i) => 0.3 * Math.cos(7 * i));
    expect(Math.max(...Array.from(twin, (v, i) => Math.abs(v - spread[i]!)))).toBeGreaterThan(1e-3);
    // scaling every conductance (rails included) by 3 leaves Kirchhoff's solution unchanged
    const scaled = { ...base };
    for (const q of spec.params) scaled[q.path] = { dtype: "f32", shape: [...q.shape], data: params.get(q.path)!.map((v) => 3 * v) };
    const y3 = runSync(programs.inferTwin.exe, scaled).logits!.data;
    Array.from(twin).forEach((v, i) => expect(y3[i]).toBeCloseTo(v, 9));
  });
});

const MIXED_SRC = `import circuits from "std/circuits"
network E {
  input x: real[4]
  nodes h: real[3]
  output y: real[3]
  couple x <-> h via circuits.synapse
  couple h <-> y via circuits.resistor
}
train E on iris {
  rule = equilibrium_propagation
  loss = mse
}
`;

describe("malformed energy-based networks", () => {
  const MIXED = MIXED_SRC;
  it("are PNN2070 at check time, and lowering one anyway is an internal error (the checker guarantees it never happens)", () => {
    const r = checkSource(MIXED, "/virtual/m.pnn", { readFile: () => undefined });
    expect(r.diagnostics.map((d) => d.code)).toEqual(["PNN2070"]);
    expect(r.diagnostics[0]!.span.line).toBe(7);
    expect(() => energyStructure(r.model.networks.get("E")!)).toThrow(InternalError);
    expect(() => energyStructure(r.model.networks.get("E")!)).toThrow(/mixes coupling elements/);
  });
});

describe("CLI", () => {
  it("pnn train and pnn eval run an energy-based example and report relaxations", () => {
    ensureBuilt();
    const out = tmpDir("pnn-energy-cli-");
    const r = pnn(["train", path.join(REPO, "examples/resistor_iris.pnn"), "--epochs", "2", "--json", "--out", out]);
    expect(r.status).toBe(0);
    const s = lastJson(r.stdout);
    expect(s.rule).toBe("coupled_learning");
    expect(s.device_relaxations).toBe(2 * 100 * 2);
    const e = pnn(["eval", path.join(REPO, "examples/resistor_iris.pnn"), "--weights", path.join(out, "checkpoint.safetensors"), "--chips", "3", "--json"]);
    expect(e.status).toBe(0);
    const ev = JSON.parse(e.stdout) as Record<string, number>;
    expect(ev.test_accuracy).toBe(s.test_accuracy);
    expect(ev.chips).toBe(3);
  });
  it("a malformed energy-based network is a PNN2070 diagnostic with file:line:col, not a stack trace", () => {
    const file = write(MIXED_SRC);
    const r = pnn(["train", file, "--epochs", "1"]);
    expect(r.status).not.toBe(0);
    expect(r.all).toMatch(/PNN2070/);
    expect(r.all).toMatch(/net\.pnn:\d+:\d+/);
    expect(hasStackTrace(r.all)).toBe(false);
  });
});
