// Every example, every program its rule lowers to (infer twin/device and the rule's own: train
// steps with their gradients and optimizer update, relaxations, queries), with and without the
// pass pipeline, on the float64 interpreter with identical feeds: every output (so every
// gradient) equal within 1e-5 of its scale. Also: the pipeline never grows a program.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import { manifestOf } from "../../compiler/lower/names.js";
import { runPipeline } from "../../compiler/passes/pipeline.js";
import { countNodes } from "../../compiler/passes/rewrite.js";
import { initParams, sampleChip } from "../../runtime/init.js";
import { loadProgram } from "../helpers/program.js";
import { REPO } from "../train/helpers.js";
import { feedsFor } from "../wasm/parity.js";
import { expectSameOutputs } from "./helpers.js";

const EXAMPLES = fs.readdirSync(path.join(REPO, "examples")).filter((f) => f.endsWith(".pnn")).sort();
const BATCH = 3;

describe("every example: outputs and gradients with passes equal those without (interpreter, 1e-5)", () => {
  it("finds the examples", () => expect(EXAMPLES.length).toBeGreaterThanOrEqual(13));
  for (const file of EXAMPLES)
    it(file, () => {
      const p = loadProgram(path.join(REPO, "examples", file));
      const spec = p.spec(BATCH);
      const lowered = p.graphs(BATCH, {}, { passes: "none" });
      const graphs = { inferTwin: lowered.inferTwin, ...(lowered.inferDevice ? { inferDevice: lowered.inferDevice } : {}), ...lowered.rule };
      const params = initParams(spec.params, 7);
      const chip = sampleChip(spec.chipVars, 7, 0);
      for (const [name, g] of Object.entries(graphs)) {
        if (!g) continue;
        const opt = runPipeline(g).graph;
        expect(countNodes(opt), `${file} ${name}: node count`).toBeLessThanOrEqual(countNodes(g));
        const before = compileInterp(g), after = compileInterp(opt);
        expect(after.inputs.map((s) => s.name), `${file} ${name}: interface`).toEqual(before.inputs.map((s) => s.name));
        const feeds = feedsFor(before, manifestOf(g), params, chip, spec.classes, 11);
        expectSameOutputs(after.run(feeds), before.run(feeds), `${file} ${name}`);
      }
    });
});
