// Every feed-forward rule's programs on one network with digital and optical layers: each graph
// verifies and prints/parses back to the same text; each rule trains it and reports its device
// queries (spsa also through `pnn train --rule`); the rule diagnostics (PNN5080–PNN5083) come out of the CLI
// with file:line:col and exit code 1, never a stack trace.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parseGraph } from "../../compiler/ir/parse-text.js";
import { printGraph } from "../../compiler/ir/print.js";
import { verifyGraph } from "../../compiler/ir/verify.js";
import { ensureBuilt, hasStackTrace, lastJson, pnn, tmpDir } from "../train/helpers.js";
import { load, trainSource } from "./helpers.js";

const RULES = ["hardware_aware", "feedback_alignment", "direct_feedback_alignment", "spsa", "finite_difference", "evolution_strategies", "in_situ_adjoint", "readout_only", "local"];

const hybrid = (phases = "phases + e", output = "dense(out, 3)") => `import optics from "std/optics"

layer Mesh(n: int) {
  param phases: real[n * (n - 1)] init uniform(0, 2 * pi)
  device e: real[n * (n - 1)] ~ normal(0 rad, 0.05 rad)
  forward(x: complex[n]) -> complex[n] = optics.mzi_mesh(x, ${phases}, topology: clements, loss: 0.2 dB)
}

network Hybrid {
  input x: real[4]
  out = x |> dense(4) |> optics.amplitude_encode |> Mesh(n: 4) |> optics.photodetect(noise: 0.01)
  output y = ${output}
}

train Hybrid on iris() {
  rule = backprop
  loss = cross_entropy
  optimizer = adam(lr: 0.01)
  epochs = 1
  batch = 8
  seed = 1
}
`;

describe("rule programs", () => {
  for (const rule of RULES)
    it(`${rule}: every program verifies and round-trips through the IR text`, () => {
      const p = load(hybrid(), rule);
      const graphs = p.graphs(4);
      expect(graphs.inferDevice).toBeDefined();
      const all = { inferTwin: graphs.inferTwin, inferDevice: graphs.inferDevice, ...graphs.rule };
      expect(Object.keys(all).length).toBeGreaterThanOrEqual(3);
      for (const [name, g] of Object.entries(all)) {
        expect(verifyGraph(g!), `${rule} ${name}`).toEqual([]);
        const text = printGraph(g!);
        expect(printGraph(parseGraph(text)), `${rule} ${name}`).toBe(text);
      }
    });
});

describe("rules from the CLI", () => {
  ensureBuilt();
  const dir = tmpDir("pnn-rules-cli-");
  const write = (name: string, src: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, src);
    return f;
  };

  it("every rule trains the hybrid network for one epoch and reports its queries (in-process; spsa also through the CLI)", async () => {
    const expected: Record<string, (s: Record<string, number>) => boolean> = {
      hardware_aware: (s) => s.device_forwards === 0,
      spsa: (s) => s.device_forwards === 100 * 3,
      in_situ_adjoint: (s) => s.device_forwards === 100 * 3 && s.device_measurements === 100 * 3 * 12,
      readout_only: (s) => s.device_forwards === 100,
      local: (s) => s.device_forwards === 200,
    };
    for (const rule of RULES) {
      const s = await trainSource(hybrid(), rule);
      expect(s.rule as unknown).toBe(rule);
      expect(typeof s.device_test_accuracy).toBe("number");
      expect(s.digital_flops, rule).toBeGreaterThan(0);
      if (expected[rule]) expect(expected[rule]!(s), `${rule}: ${JSON.stringify(s)}`).toBe(true);
    }
    const r = pnn(["train", write("hybrid.pnn", hybrid()), "--rule", "spsa", "--json", "--out", path.join(dir, "spsa")]);
    expect(r.status, r.all).toBe(0);
    const cli = lastJson(r.stdout) as Record<string, number>;
    expect(cli.rule as unknown).toBe("spsa");
    expect(cli.device_forwards).toBe(100 * 3);
  });

  for (const [code, rule, src, line] of [
    ["PNN5080", "in_situ_adjoint", hybrid("2 * phases + e"), 6],
    ["PNN5081", "readout_only", hybrid("phases + e", "out |> take(3) |> gain"), 12],
    ["PNN5082", "local", "network Tiny {\n  input x: real[2]\n  output y = dense(x, 3)\n}\n\ntrain Tiny on spirals(classes: 3) {\n  rule = backprop\n  loss = cross_entropy\n  optimizer = adam(lr: 0.01)\n  epochs = 1\n  batch = 8\n  seed = 1\n}\n", 2],
    // a refusal of the rule itself points at where the rule was given: here, the command line
    ["PNN5083", "in_situ_adjoint", "network Tiny {\n  input x: real[4]\n  output y = dense(x, 3)\n}\n\ntrain Tiny on iris() {\n  rule = in_situ_adjoint\n  loss = cross_entropy\n  optimizer = adam(lr: 0.01)\n  epochs = 1\n  batch = 8\n  seed = 1\n}\n", 0],
  ] as const)
    it(`${rule} on a network it cannot train is ${code} at the offending node`, () => {
      const file = write(`${code}.pnn`, src);
      const r = pnn(["train", file, "--rule", rule, "--out", path.join(dir, code)]);
      expect(r.status, r.all).toBe(1);
      expect(r.all).toContain(code);
      if (line === 0) expect(r.all).toMatch(new RegExp(`--rule:1:1: error ${code}`));
      else {
        expect(r.all).toContain(`${code}.pnn:${line}:`);
        expect(r.all).toMatch(new RegExp(`:${line}:\\d+: error ${code}`));
      }
      expect(hasStackTrace(r.all), r.all).toBe(false);
    });
});
