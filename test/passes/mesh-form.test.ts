// The MZI mesh's two lowerings (compiler/lower/layers/optics-mesh.ts): per-sample column rotations
// and the transfer matrix built once from the phases plus one matmul. Every program of every
// example with a mesh (inference on the twin and the device, train steps with gradients and the
// fused optimizer update), under several rules, gives the same outputs with either form forced
// (interpreter, 1e-5 of each output's scale); the in-situ probe keeps its unrolled mesh whatever
// the form; and the cost model (layers/mesh-form.ts) picks per-sample columns for the flagship's
// 12 modes at batch 16 and the transfer matrix where the batch dwarfs N² (bench/mesh-form.mjs
// measures where each wins).
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import type { Graph } from "../../compiler/ir/graph.js";
import { chooseMeshForm, meshLayout } from "../../compiler/lower/layers/optics-mesh.js";
import { manifestOf } from "../../compiler/lower/names.js";
import { initParams, sampleChip } from "../../runtime/init.js";
import { loadProgram, loadSource } from "../helpers/program.js";
import { REPO } from "../train/helpers.js";
import { feedsFor } from "../wasm/parity.js";
import { expectSameOutputs } from "./helpers.js";

const BATCH = 5;
const CASES: [string, string | undefined][] = [
  ["vowels_mzi.pnn", undefined],
  ["vowels_mzi.pnn", "backprop"],
  ["vowels_mzi.pnn", "hardware_aware"],
  ["vowels_mesh_device.pnn", undefined],
  ["vowels_fourier_mesh.pnn", undefined],
  ["optical_mlp_mnist.pnn", undefined],
];

const complexMatmuls = (g: Graph) => g.nodes.filter((n) => n.op === "matmul" && n.dtype === "c64").length;
const scans = (g: Graph) => g.nodes.filter((n) => n.op === "scan").length;

describe("mesh forms: columns and transfer matrix give the same programs (interpreter, 1e-5)", () => {
  for (const [file, rule] of CASES)
    it(`${file}${rule ? ` (${rule})` : ""}`, () => {
      const p = loadProgram(path.join(REPO, "examples", file), rule);
      const spec = p.spec(BATCH);
      const cols = p.graphs(BATCH, { meshForm: "columns" });
      const xfer = p.graphs(BATCH, { meshForm: "transfer" });
      const params = initParams(spec.params, 3);
      const chip = sampleChip(spec.chipVars, 3, 0);
      const names = ["inferTwin", ...(cols.inferDevice ? ["inferDevice"] : []), ...Object.keys(cols.rule)];
      const pick = (g: typeof cols, name: string) => (name === "inferTwin" ? g.inferTwin : name === "inferDevice" ? g.inferDevice! : g.rule[name]!);
      for (const name of names) {
        const a = pick(cols, name), b = pick(xfer, name);
        expect(complexMatmuls(b), `${file} ${name}: the transfer form multiplies by matrices`).toBeGreaterThan(complexMatmuls(a));
        const ea = compileInterp(a), eb = compileInterp(b);
        const feeds = feedsFor(ea, manifestOf(a), params, chip, spec.classes, 5);
        expectSameOutputs(eb.run(feeds), ea.run(feeds), `${file} ${name}`);
      }
    });

  it("the in-situ adjoint rule's probed mesh is unrolled in either form", () => {
    const p = loadSource(`import optics from "std/optics"
network LinearOptical {
  input x: real[4]
  out = x |> optics.amplitude_encode |> optics.mzi_mesh(topology: clements) |> optics.photodetect
  output y = out |> take(3) |> gain
}
train LinearOptical on iris() {
  rule = in_situ_adjoint
  loss = cross_entropy
  optimizer = adam(lr: 0.05)
  epochs = 1
  batch = ${BATCH}
  seed = 1
}
`);
    for (const meshForm of ["columns", "transfer"] as const) {
      const train = p.graphs(BATCH, { meshForm }, { passes: "none" }).rule.train!;
      expect(complexMatmuls(train), meshForm).toBe(0);
      expect(manifestOf(train).outputs.some((o) => o.role.kind === "field"), `${meshForm}: the probe taps every shifter`).toBe(true);
    }
  });
});

describe("mesh forms: the cost model", () => {
  it("per-sample columns for the flagship (12 modes, batch 16) and for wide meshes; the transfer matrix for large batches", () => {
    expect(chooseMeshForm({ shape: [16, 12] }, meshLayout("clements", 12))).toBe("columns");
    expect(chooseMeshForm({ shape: [256, 12] }, meshLayout("clements", 12))).toBe("transfer");
    expect(chooseMeshForm({ shape: [64, 4] }, meshLayout("clements", 4))).toBe("transfer");
    expect(chooseMeshForm({ shape: [64, 32] }, meshLayout("clements", 32))).toBe("columns");
    expect(chooseMeshForm({ shape: [1, 16] }, meshLayout("reck", 16))).toBe("columns");
  });
  it("phases with leading axes (per sample or per chip) keep the columns", () => {
    expect(chooseMeshForm({ shape: [256, 4] }, meshLayout("clements", 4), true)).toBe("columns");
  });
  it("the flagship's train program keeps its mesh loops; a batch of 256 multiplies by transfer matrices", () => {
    const p = loadProgram(path.join(REPO, "examples/vowels_mzi.pnn"));
    const at16 = p.graphs(16, {}, { passes: "none" });
    expect(scans(at16.rule.train!)).toBeGreaterThan(0);
    expect(complexMatmuls(at16.rule.train!)).toBe(0);
    const at256 = p.graphs(256, {}, { passes: "none" });
    expect(scans(at256.inferTwin)).toBe(0);
    expect(complexMatmuls(at256.inferTwin)).toBeGreaterThanOrEqual(2);
  });
});
