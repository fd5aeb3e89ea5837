// report/views.ts finds a network's learned physical parameters and describes them as what they
// are. Checked against the compiler's own definitions: the pendulum trajectories are the layer's
// dynamics (at t = 0 they are the layer's input, at the end they produce the network's logits),
// a mesh's view carries its parameter's phases on the topology's columns, a crossbar maps each
// tile's largest |weight| to g_max, an energy-based resistor network becomes a circuit with one
// edge per trained conductance, and a trained physical layer the report cannot draw is named in
// a note rather than dropped.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { Program as LoadedProgram } from "../../compiler/driver/program.js";
import { keys } from "../../runtime/streams.js";
import { loadProgram } from "../helpers/program.js";
import { modelSpec } from "../../compiler/lower/lower.js";
import { clementsColumns } from "../../compiler/optics/topology.js";
import { twinEvaluator } from "../../report/collect.js";
import type { PhysicalView } from "../../report/input.js";
import { physicalViews } from "../../report/views.js";
import { loadDataset } from "../../runtime/data/index.js";
import { initParams } from "../../runtime/init.js";
import { Stream } from "../../runtime/rng.js";
import { predict } from "../../runtime/trainer.js";
import { REPO, tmpDir } from "../train/helpers.js";

/** A program's parameters at their initial values, with every entry perturbed so that gains and biases are not 1 and 0. */
function randomParams(p: LoadedProgram): Map<string, Float64Array> {
  const params = initParams(modelSpec(p.net, 1).params, 3);
  const s = new Stream(5, 1);
  for (const v of params.values()) for (let i = 0; i < v.length; i++) v[i] += 0.3 * s.normal();
  return params;
}

function views(p: LoadedProgram, params: Map<string, Float64Array>) {
  const data = loadDataset({ ...p.train.data, baseDir: path.dirname(p.file) });
  const spec = modelSpec(p.net, 1);
  return { data, ...physicalViews({ net: p.net, train: p.train, params, evaluate: twinEvaluator(p, params), samples: { x: data.test.x, y: data.test.y, n: data.test.n, features: spec.features, classNames: data.classNames } }) };
}

function program(source: string): LoadedProgram {
  const file = path.join(tmpDir("pnn-views-"), "p.pnn");
  fs.writeFileSync(file, source);
  return loadProgram(file);
}

const TRAIN = (net: string, data = "iris") => `train ${net} on ${data} {\n  rule = backprop\n  loss = cross_entropy\n  optimizer = adam(lr: 0.01)\n  epochs = 1\n  batch = 4\n  seed = 1\n}\n`;

describe("physical views", () => {
  it("pendula: the trajectory starts at the layer's input and ends where the logits are read", async () => {
    const p = loadProgram(path.join(REPO, "examples/pendula_vowels.pnn"));
    const params = randomParams(p);
    const { data, views: vs, notes } = views(p, params);
    expect(notes).toEqual([]);
    const traj = vs.filter((v): v is Extract<PhysicalView, { kind: "trajectory" }> => v.kind === "trajectory");
    expect(traj).toHaveLength(2);
    expect(traj[0].timesS[0]).toBe(0);
    expect(traj[0].timesS[traj[0].timesS.length - 1]).toBeCloseTo(1, 12); // duration: 1 s
    expect(traj[0].timesS.length).toBe(26); // 100 RK4 steps: frames every 4 steps
    const g1 = params.get("angles.gain.gain")!, b1 = params.get("angles.gain.bias")!;
    const g2 = params.get("y.gain.gain")!, b2 = params.get("y.gain.bias")!;
    const { spec, programs } = p.compileReference(1);
    for (const t of traj) {
      const row = Number(/test sample (\d+)/.exec(t.title)![1]);
      const x = data.test.x.subarray(row * 12, (row + 1) * 12);
      // t = 0: the pendula start at the digital layer's output, x·g + b
      t.traces.forEach((tr, j) => expect(tr.values[0]).toBeCloseTo(x[j] * g1[j] + b1[j], 5));
      // t = T: the first 7 angles, through the output gain, are the network's twin logits
      const logits = (await predict(spec, programs.inferTwin, Float64Array.from(x), 1, params, undefined, keys.evalTwin(p.train.seed))).scores[0];
      for (let c = 0; c < 7; c++) expect(t.traces[c].values[t.timesS.length - 1] * g2[c] + b2[c]).toBeCloseTo(logits[c], 4);
      // the pendula move in between
      expect(Math.max(...t.traces.map((tr) => Math.abs(tr.values[13] - tr.values[0])))).toBeGreaterThan(0.05);
    }
    expect(data.test.y[Number(/test sample (\d+)/.exec(traj[0].title)![1])]).not.toBe(data.test.y[Number(/test sample (\d+)/.exec(traj[1].title)![1])]);
  });

  it("an MZI mesh carries its parameter's phases, wrapped, on the topology's columns", () => {
    const p = loadProgram(path.join(REPO, "examples/vowels_mzi.pnn"));
    const params = randomParams(p);
    const meshes = views(p, params).views.filter((v): v is Extract<PhysicalView, { kind: "mesh" }> => v.kind === "mesh");
    expect(meshes.map((m) => m.path)).toEqual(["h.NoisyMesh.phases", "out.NoisyMesh.phases"]);
    const m = meshes[1];
    expect(m).toMatchObject({ topology: "clements", modes: 12 });
    expect(m.columns).toEqual(clementsColumns(12));
    const raw = params.get("out.NoisyMesh.phases")!;
    expect(m.theta).toHaveLength(66);
    m.theta.forEach((t, k) => {
      expect(t).toBeGreaterThanOrEqual(0);
      expect(t).toBeLessThan(2 * Math.PI);
      expect(Math.cos(t)).toBeCloseTo(Math.cos(raw[2 * k]), 12);
      expect(Math.sin(m.phi[k])).toBeCloseTo(Math.sin(raw[2 * k + 1]), 12);
    });
  });

  it("a crossbar maps each tile's largest |weight| to g_max", () => {
    const p = program(`import analog from "std/analog"\nnetwork X {\n  input x: real[4]\n  output y = x |> analog.crossbar(6, tile: 4, g_max: 10 uS) |> take(3)\n}\n${TRAIN("X")}`);
    const params = randomParams(p);
    const [v] = views(p, params).views;
    if (v.kind !== "matrix") throw new Error(`expected a matrix view, got ${v.kind}`);
    const w = params.get("y.crossbar.weight")!;
    expect([v.rows, v.cols, v.signed]).toEqual([6, 4, true]);
    for (const rows of [[0, 4], [4, 6]]) {
      const idx = Array.from({ length: (rows[1] - rows[0]) * 4 }, (_, i) => rows[0] * 4 + i);
      const wmax = Math.max(...idx.map((i) => Math.abs(w[i])));
      expect(Math.max(...idx.map((i) => Math.abs(v.values[i])))).toBeCloseTo(10, 9);
      for (const i of idx) expect(v.values[i]).toBeCloseTo((w[i] / wmax) * 10, 9);
    }
  });

  it("a resistor network is a circuit: every trained conductance is one edge", () => {
    const p = loadProgram(path.join(REPO, "examples/resistor_iris.pnn"));
    const params = randomParams(p);
    const [c] = views(p, params).views;
    if (c.kind !== "circuit") throw new Error(`expected a circuit, got ${c.kind}`);
    expect(c.groups.map((g) => [g.name, g.size, g.role])).toEqual([["x", 4, "input"], ["h", 6, "hidden"], ["y", 3, "output"], ["rails", 2, "rail"]]);
    const all = [...params.entries()].filter(([k]) => k.endsWith("conductance")).flatMap(([, v]) => Array.from(v));
    expect(c.edges).toHaveLength(4 * 6 + 6 * 3 + 4 * 3 + 2 * 6 + 2 * 3);
    expect(c.edges.map((e) => e.value).sort()).toEqual(all.sort());
    // x1 ↔ h2 is entry [1, 2] of x_h's conductance matrix
    expect(c.edges.find((e) => e.a[0] === 0 && e.a[1] === 1 && e.b[0] === 1 && e.b[1] === 2)!.value).toBe(params.get("x_h.resistor.conductance")![1 * 6 + 2]);
  });

  it("a Hopfield network's synapses are signed matrices; a layer it cannot draw is named in a note", () => {
    const hop = loadProgram(path.join(REPO, "examples/hopfield_xor.pnn"));
    const hv = views(hop, randomParams(hop)).views;
    expect(hv.length).toBeGreaterThan(0);
    for (const v of hv) expect(v).toMatchObject({ kind: "matrix", signed: true, quantity: "coupling weight W" });
    const p = program(`import optics from "std/optics"\nimport freespace from "std/freespace"\nnetwork A {\n  input x: real[4]\n  output y = x |> optics.amplitude_encode |> reshape(2, 2) |> freespace.amplitude_mask |> optics.photodetect |> flatten |> take(3)\n}\n${TRAIN("A")}`);
    const r = views(p, randomParams(p));
    expect(r.views).toEqual([]);
    expect(r.notes).toEqual(["y.amplitude_mask (freespace.amplitude_mask) has trained parameters this report does not draw yet."]);
  });
});
