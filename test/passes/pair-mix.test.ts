// Mesh columns as pair_mix (compiler/lower/layers/optics-mesh.ts, compiler/ir/ops-nn.ts): the
// flagship's column loops hold one pair_mix forward and one adjoint pair_mix plus two
// pair_mix_grad sums backward (no gather, scatter or reduction left in a column body); the
// programs give the same outputs and gradients as their expansion into gathers, products and
// sums (expand-pair-mix, what the WGSL backend runs) on the interpreter, for every program of the
// mesh examples; and the interpreter rejects partners that are not an involution.
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import { GraphBuilder, type Graph } from "../../compiler/ir/graph.js";
import { manifestOf } from "../../compiler/lower/names.js";
import { expandPairMix } from "../../compiler/passes/expand-pair-mix.js";
import { initParams, sampleChip } from "../../runtime/init.js";
import { loadProgram } from "../helpers/program.js";
import { REPO } from "../train/helpers.js";
import { feedsFor } from "../wasm/parity.js";
import { expectSameOutputs } from "./helpers.js";

const bodyOps = (g: Graph): string[][] => g.nodes.filter((n) => n.op === "scan").map((n) => n.body!.nodes.map((m) => m.op).filter((op) => op !== "input"));

describe("mesh columns as pair_mix", () => {
  it("the flagship's column bodies: one pair_mix forward; an adjoint pair_mix and two pair_mix_grad backward", () => {
    const p = loadProgram(path.join(REPO, "examples/vowels_mzi.pnn"));
    const train = p.graphs(16).rule.train!;
    const bodies = bodyOps(train);
    expect(bodies.length).toBe(6); // twin and device forward of two meshes, twin backward of two
    const forward = bodies.filter((ops) => !ops.includes("pair_mix_grad"));
    const backward = bodies.filter((ops) => ops.includes("pair_mix_grad"));
    expect(forward.map((ops) => ops.sort())).toEqual(Array(4).fill(["pair_mix"]));
    expect(backward.map((ops) => ops.sort())).toEqual(Array(2).fill(["pair_mix", "pair_mix_grad", "pair_mix_grad"]));
    const adjoint = train.nodes.filter((n) => n.op === "scan").flatMap((n) => n.body!.nodes.filter((m) => m.op === "pair_mix").map((m) => m.attrs.adjoint));
    expect(adjoint.sort()).toEqual([false, false, false, false, true, true]);
  });

  for (const file of ["vowels_mzi.pnn", "vowels_mesh_device.pnn", "optical_mlp_mnist.pnn"])
    it(`${file}: every program equals its expansion into gathers, products and sums (interpreter)`, () => {
      const p = loadProgram(path.join(REPO, "examples", file));
      const spec = p.spec(3);
      const g = p.graphs(3);
      const programs = { inferTwin: g.inferTwin, ...(g.inferDevice ? { inferDevice: g.inferDevice } : {}), ...g.rule };
      const params = initParams(spec.params, 5);
      const chip = sampleChip(spec.chipVars, 5, 0);
      let mixed = 0;
      for (const [name, graph] of Object.entries(programs)) {
        const expanded = expandPairMix.run(graph);
        mixed += JSON.stringify(bodyOps(graph)).split("pair_mix").length - 1;
        expect(JSON.stringify(bodyOps(expanded))).not.toContain("pair_mix");
        const a = compileInterp(graph), b = compileInterp(expanded);
        const feeds = feedsFor(a, manifestOf(graph), params, chip, spec.classes, 7);
        expectSameOutputs(a.run(feeds), b.run(feeds), `${file} ${name}`, 1e-9);
      }
      expect(mixed, `${file}: some column uses pair_mix`).toBeGreaterThan(0);
    });

  it("the interpreter rejects partners outside the axis or not an involution", () => {
    const run = (partners: number[]) => {
      const b = new GraphBuilder();
      const x = b.input("x", "c64", [2, 3]), d = b.input("d", "c64", [3]), o = b.input("o", "c64", [3]);
      b.output("y", b.pairMix(x, d, o, b.const(partners, "i32", [3])));
      const z = (n: number) => ({ dtype: "c64" as const, shape: n === 3 ? [3] : [2, 3], data: new Float64Array(2 * (n === 3 ? 3 : 6)) });
      return compileInterp(b.build()).run({ x: z(6), d: z(3), o: z(3) });
    };
    expect(() => run([1, 0, 2])).not.toThrow();
    expect(() => run([1, 2, 0])).toThrow(/involution/);
    expect(() => run([1, 0, 3])).toThrow(/outside/);
  });
});
