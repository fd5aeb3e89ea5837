// `pnn eval --time` reaches every rule's device programs (issue 11): the device settings are the
// driver's, applied to every program alike, so a drifting PCM crossbar evaluated ten years after
// programming scores differently from the same chip at programming time, whichever rule the run
// names — and the twin, which does not drift, scores the same. The weights are trained once (by
// backprop, in-process) and evaluated under every rule that can train the network.
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateProduct, trainProduct } from "../../compiler/driver/run.js";
import { RULES } from "../../compiler/rules/index.js";
import { ProgressReporter } from "../../runtime/metrics.js";
import { loadProgram, loadSource } from "../helpers/program.js";
import { tmpDir } from "../train/helpers.js";

const SOURCE = `import analog from "std/analog"

network Xbar {
  input x: real[49]
  h = x |> analog.crossbar(24, pcm: true, dac_bits: 8, adc_bits: 8) |> relu
  output y = h |> dense(10)
}

train Xbar on mnist(train: 600, test: 300, size: 7) {
  rule = backprop
  loss = cross_entropy
  optimizer = adam(lr: 0.01)
  epochs = 4
  batch = 32
  seed = 1
  chips = 2
}
`;

const TEN_YEARS = 10 * 365.25 * 86400;
let dir = "";
let weights = "";

beforeAll(async () => {
  dir = tmpDir("pnn-drift-");
  fs.writeFileSync(path.join(dir, "xbar.pnn"), SOURCE);
  const p = loadProgram(path.join(dir, "xbar.pnn"));
  const r = await trainProduct(p, { outDir: path.join(dir, "run"), backend: "wasm", progress: new ProgressReporter({ mode: "quiet", out: process.stdout }) });
  expect(r.kind).toBe("trained");
  weights = path.join(dir, "run", "checkpoint.safetensors");
}, 180_000);

describe("eval --time for every rule that can train a drifting crossbar", () => {
  const base = loadSource(SOURCE);
  const rules = RULES.filter((r) => r.plan(base.net, r.options.read({})).length === 0).map((r) => r.name);

  it("finds the rules (every feed-forward rule the network allows)", () => {
    expect(rules).toEqual(expect.arrayContaining(["backprop", "hardware_aware", "physics_aware", "feedback_alignment", "direct_feedback_alignment", "spsa", "finite_difference", "evolution_strategies", "local", "readout_only"]));
  });

  for (const rule of ["backprop", "hardware_aware", "physics_aware", "feedback_alignment", "direct_feedback_alignment", "spsa", "finite_difference", "evolution_strategies", "local", "readout_only"])
    it(`${rule}: ten years of drift change the device accuracy, not the twin's`, async () => {
      const p = loadProgram(path.join(dir, "xbar.pnn"), rule);
      const now = await evaluateProduct(p, { weights, time: 0, backend: "wasm" });
      const later = await evaluateProduct(p, { weights, time: TEN_YEARS, backend: "wasm" });
      expect(later.time_s).toBe(TEN_YEARS);
      expect(later.test_accuracy).toBe(now.test_accuracy);
      expect(later.per_chip, `${rule}: per-chip accuracy at 0 s ${now.per_chip} and at 10 y ${later.per_chip}`).not.toEqual(now.per_chip);
    }, 120_000);
});
