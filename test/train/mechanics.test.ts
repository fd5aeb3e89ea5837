// examples/pendula_vowels.pnn trains from the command line (shortened: 50 RK4 steps, 5 epochs):
// physics-aware training of the coupled pendula beats what the same program reaches with a
// vanishing learning rate, on the twin and on simulated chips with ω₀ spread and readout noise.
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, lastJson, pnn, REPO, tmpDir } from "./helpers.js";

const EXAMPLE = path.join(REPO, "examples/pendula_vowels.pnn");

/** The example with fewer steps, and the given optimizer and epochs. */
function variant(optimizer: string, epochs: number): string {
  let src = fs.readFileSync(EXAMPLE, "utf8");
  for (const [from, to] of [[/steps: \d+/, "steps: 50"], [/optimizer = .*/, `optimizer = ${optimizer}`], [/epochs = \d+/, `epochs = ${epochs}`]] as const) {
    expect(src, `the example no longer matches ${from}`).toMatch(from);
    src = src.replace(from, to);
  }
  return src;
}

function trainSummary(src: string): Record<string, unknown> {
  const dir = tmpDir("pnn-pendula-");
  const file = path.join(dir, "pendula.pnn");
  fs.writeFileSync(file, src);
  const r = pnn(["train", file, "--json", "--out", path.join(dir, "run")]);
  expect(r.status, r.all).toBe(0);
  return lastJson(r.stdout);
}

describe("coupled pendula training (std/mechanics)", () => {
  beforeAll(() => ensureBuilt());

  it("classifies vowels beyond the untrained network, on the twin and on the device", () => {
    const untrained = trainSummary(variant("sgd(lr: 1e-12)", 1));
    const trained = trainSummary(variant("adam(lr: 0.05)", 5));
    expect(trained.rule).toBe("physics_aware");
    expect(untrained.test_accuracy as number).toBeLessThan(0.3);
    expect(trained.test_accuracy as number).toBeGreaterThan(0.5);
    expect(trained.device_test_accuracy as number).toBeGreaterThan(0.5);
  });
});
