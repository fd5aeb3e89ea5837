// Every example in examples/*.pnn: all programs its own rule lowers to (infer twin and device on
// the same chip and key, plus the rule's programs: backprop/physics-aware train steps, the
// equilibrium-propagation and coupled-learning steps with their free and nudged relaxations)
// on wasm vs the float64 interpreter, output by output, within the f32 tolerance of helpers.ts.
// Small batches keep each example to a few seconds.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { loadProgram } from "../../cli/compile.js";
import { REPO } from "../train/helpers.js";
import { programParity, summarize } from "./parity.js";

const EXAMPLES = fs.readdirSync(path.join(REPO, "examples")).filter((f) => f.endsWith(".pnn")).sort();

describe("every example: every program on wasm matches the interpreter", () => {
  it("finds the examples", () => expect(EXAMPLES.length).toBeGreaterThanOrEqual(13));
  for (const file of EXAMPLES)
    it(file, async () => {
      const p = loadProgram(path.join(REPO, "examples", file));
      const r = await programParity(p, 4, file);
      console.log(summarize(file, r));
    });
});
