// The batch-invariant split of inference programs (compiler/ir/split-invariant.ts) and the
// prepared executable that runs it (runtime/prepared.ts): a program's parameter- and chip-only
// work is split off where the cost model says it pays (a crossbar's conductance mapping, a
// mesh's transfer matrix) and not where it does not (an MLP); the two parts, run through the
// prepared executable, give bit for bit what the whole program gives, on the interpreter and on
// wasm, over batches with different inputs; the preparation runs once while the parameters and
// chip stay the same, and again as soon as a parameter changes in place; and Program.compile
// uses it for inference programs.
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import { compileWasm } from "../../compiler/backends/wasm/index.js";
import type { Graph } from "../../compiler/ir/graph.js";
import { splitInference } from "../../compiler/ir/split-invariant.js";
import type { Executable, Tensor } from "../../runtime/backend.js";
import { initParams, sampleChip } from "../../runtime/init.js";
import { preparedExecutable, type PreparedExecutable } from "../../runtime/prepared.js";
import { Stream } from "../../runtime/rng.js";
import { loadProgram } from "../helpers/program.js";
import { REPO } from "../train/helpers.js";

const B = 8;

function inferenceGraph(example: string, device: boolean): { graph: Graph; params: Map<string, Float64Array>; chip: Map<string, Float64Array> } {
  const p = loadProgram(path.join(REPO, "examples", example));
  const g = p.graphs(B);
  const spec = p.spec(B);
  return { graph: device ? g.inferDevice! : g.inferTwin, params: initParams(spec.params, 3), chip: sampleChip(spec.chipVars, 3, 0) };
}


/** Feeds for `graph`: parameters and chip bound (shared arrays), batch `k`'s x and key. */
function feeds(graph: Graph, params: Map<string, Float64Array>, chip: Map<string, Float64Array>, k: number): Record<string, Tensor> {
  const rng = new Stream(17, k);
  const out: Record<string, Tensor> = {};
  for (const n of graph.nodes) {
    if (n.op !== "input" && n.op !== "param") continue;
    const name = n.attrs.name as string;
    const size = n.shape.reduce((a, b) => a * b, 1);
    const data = params.get(name) ?? (name.startsWith("chip:") ? chip.get(name.slice(5)) : undefined)
      ?? (name === "key" ? Int32Array.of(5, 0, 1, k) : Float64Array.from({ length: size }, () => rng.uniform()));
    out[name] = { dtype: n.dtype, shape: n.shape, data };
  }
  return out;
}

/** `exe`, counting its runs. */
function counted(exe: Executable): { exe: Executable; runs: () => number } {
  let runs = 0;
  return { exe: { ...exe, run: (i: Readonly<Record<string, Tensor>>) => (runs++, exe.run(i)) } as Executable, runs: () => runs };
}

const bits = (t: Tensor) => Array.from(t.data);

describe("batch-invariant split of inference programs", () => {
  it("splits where the saved work pays for the per-batch overhead, and leaves an MLP whole", () => {
    const xbar = splitInference(inferenceGraph("crossbar_mnist.pnn", true).graph);
    expect(xbar, "crossbar device program: conductance mapping, drift and programming noise are parameter/chip work").toBeDefined();
    expect(xbar!.savedFlops).toBeGreaterThanOrEqual(4 * xbar!.overhead);
    expect(xbar!.fixedInputs.some((n) => n.startsWith("chip:"))).toBe(true);
    // per-shot read noise reads the batch's key: it stays in the per-batch part
    expect(xbar!.main.nodes.some((n) => n.op === "random_normal")).toBe(true);
    expect(xbar!.prepare.nodes.some((n) => n.op === "random_normal" || (n.op === "input" && n.attrs.name === "x"))).toBe(false);
    expect(splitInference(inferenceGraph("vowels_mzi.pnn", false).graph), "the flagship's mesh transfer matrices").toBeDefined();
    expect(splitInference(inferenceGraph("mnist_mlp.pnn", false).graph), "an MLP has nothing worth preparing").toBeUndefined();
  });

  for (const [example, device] of [["crossbar_mnist.pnn", true], ["vowels_mzi.pnn", false], ["vowels_mzi.pnn", true], ["vowels_mesh_device.pnn", true]] as const)
    it(`${example} ${device ? "device" : "twin"}: prepared = whole, bit for bit, on the interpreter and on wasm; one preparation until a parameter changes`, async () => {
      const { graph, params, chip } = inferenceGraph(example, device);
      const s = splitInference(graph)!;
      expect(s).toBeDefined();
      for (const compile of [async (g: Graph) => compileInterp(g), async (g: Graph) => compileWasm(g, { optimize: 0 })]) {
        const whole = await compile(graph);
        const prepare = counted(await compile(s.prepare));
        const main = await compile(s.main);
        const inputs = whole.inputs;
        const prepared = preparedExecutable({ inputs, prepare: prepare.exe, main, fixedInputs: s.fixedInputs });
        for (let k = 0; k < 3; k++) {
          const f = feeds(graph, params, chip, k);
          const want = await whole.run(f), got = await prepared.run(f);
          for (const name of Object.keys(want)) expect(bits(got[name]!), `${name}, batch ${k}`).toEqual(bits(want[name]!));
        }
        expect(prepare.runs(), "prepared once for three batches").toBe(1);
        // an optimizer step changes a parameter in place: the next run prepares again
        const first = [...params.values()][0]!;
        first[0] += 0.25;
        const f = feeds(graph, params, chip, 3);
        const want = await whole.run(f), got = await prepared.run(f);
        for (const name of Object.keys(want)) expect(bits(got[name]!), `${name}, after a parameter changed`).toEqual(bits(want[name]!));
        expect(prepare.runs()).toBe(2);
        first[0] -= 0.25;
      }
    });

  it("Program.compile runs the crossbar's device inference as a prepared program, and keeps the train program whole", async () => {
    const p = loadProgram(path.join(REPO, "examples", "crossbar_mnist.pnn"));
    const c = await p.compile("ref", B);
    const exe = c.programs.inferDevice!.exe as Partial<PreparedExecutable> & Executable;
    expect(exe.parts, "the device program runs prepared").toBeDefined();
    expect(exe.parts!.prepare.inputs.some((i) => i.name === "x" || i.name === "key"), "the preparation reads no batch").toBe(false);
    expect((c.programs.inferTwin.exe as Partial<PreparedExecutable>).parts, "the twin (a dense crossbar model) stays whole").toBeUndefined();
    // callers bind every input of the whole program by its manifest
    const names = new Set(exe.inputs.map((i) => i.name));
    for (const i of c.programs.inferDevice!.manifest.inputs) expect(names.has(i.name), i.name).toBe(true);
    expect(Object.values(c.programs.rule).every((r) => !r.exe.inputs.some((i) => i.name.startsWith("hoisted:")))).toBe(true);
  });
});
