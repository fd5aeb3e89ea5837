// Every example in examples/*.pnn: all programs its own rule lowers to (infer twin and device on
// the same chip and key, plus the rule's programs: backprop/physics-aware train steps, the
// equilibrium-propagation and coupled-learning steps with their free and nudged relaxations)
// on wasm vs the float64 interpreter, output by output, within the f32 tolerance of helpers.ts.
// crossbar_mnist also a day after programming (drift). Small batches keep each example to a
// few seconds.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { loadProgram, runSync } from "../helpers/program.js";
import { initParams, sampleChip } from "../../runtime/init.js";
import { REPO } from "../train/helpers.js";
import { feedsFor, programParity, relativeError, summarize } from "./parity.js";

const EXAMPLES = fs.readdirSync(path.join(REPO, "examples")).filter((f) => f.endsWith(".pnn")).sort();

describe("every example: every program on wasm matches the interpreter", () => {
  it("finds the examples", () => expect(EXAMPLES.length).toBeGreaterThanOrEqual(13));
  for (const file of EXAMPLES)
    it(file, async () => {
      const p = loadProgram(path.join(REPO, "examples", file));
      const r = await programParity(p, 4, file);
      console.log(summarize(file, r));
    });
  it("crossbar_mnist a day after programming (conductance drift, as pnn eval --time 86400)", async () => {
    const p = loadProgram(path.join(REPO, "examples", "crossbar_mnist.pnn"));
    const r = await programParity(p, 4, "crossbar_mnist@1d", {}, 11, 86400);
    console.log(summarize("crossbar_mnist@1d", r));
    // and drift did act: the device program a day on is not the one at programming time
    const at = (time: number) => {
      const { spec, programs } = p.compileReference(4, { time });
      const prog = programs.inferDevice!;
      return runSync(prog.exe, feedsFor(prog.exe, prog.manifest, initParams(spec.params, 7), sampleChip(spec.chipVars, 7, 0), spec.classes, 11)).logits!.data;
    };
    expect(relativeError(at(86400), at(0))).toBeGreaterThan(1e-3);
  });
});
