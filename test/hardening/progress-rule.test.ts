// Issue 16: two command-line details. The TTY progress bar counted batches 2..N+1 ("13/12"):
// the trainer now reports 0-based batch indices and the bar shows 1..N — checked here with the
// real trainer driving a TTY-mode reporter that draws every batch. And `--rule` takes options
// (`--rule "spsa(c: 0.02)"`) and suggests the closest rule or option for a typo, through the
// driver (Session.program) and through the real command.
import { describe, expect, it } from "vitest";
import { DiagnosticsError } from "../../compiler/driver/errors.js";
import { ProgressReporter } from "../../runtime/metrics.js";
import { train } from "../../runtime/trainer.js";
import { loadProgram, loadSource } from "../helpers/program.js";
import { hasStackTrace, pnn, VOWELS } from "../train/helpers.js";
import * as fs from "node:fs";
import { Session } from "../../compiler/driver/session.js";

const MOONS = `network M {
  input x: real[2]
  output y = dense(x, 2)
}

train M on moons(n: 100) {
  rule = backprop
  loss = cross_entropy
  optimizer = adam(lr: 0.01)
  epochs = 2
  batch = 8
  seed = 1
}
`;

describe("the TTY progress bar counts 1..N batches", () => {
  it("driven by the trainer: every epoch shows 1/N … N/N, never N+1", async () => {
    const p = loadSource(MOONS);
    const compiled = p.compileReference(p.train.batch);
    let text = "";
    const out = { write: (s: string) => ((text += s), true) } as unknown as NodeJS.WritableStream;
    const progress = new ProgressReporter({ mode: "tty", out, epochs: 2, redrawMs: 0 });
    const data = p.dataset();
    await train(compiled.spec, compiled.programs, data, { epochs: 2, seed: 1, chips: 1, optimizer: p.train.optimizer, identity: { network: "M", rule: "backprop", sourceHash: "", configHash: "", seed: 1 } }, { progress, span: p.train.span, makeStepper: p.stepper() });
    const batches = Math.ceil(data.train.n / 8);
    expect(batches).toBe(10); // 75 train samples in batches of 8
    for (const epoch of [1, 2]) {
      const counts = [...text.matchAll(new RegExp(`epoch ${epoch}/2 [█░]+ (\\d+)/(\\d+) `, "g"))].map((m) => [Number(m[1]), Number(m[2])]);
      expect(counts).toEqual(Array.from({ length: batches }, (_, i) => [i + 1, batches]));
    }
  });
});

describe("--rule with options, and did-you-mean for typos", () => {
  const program = (rule: string) => new Session(VOWELS, fs.readFileSync(VOWELS, "utf8"), { readFile: (f) => fs.readFileSync(f, "utf8") }).program({ rule });
  const refusal = (rule: string): string => {
    try {
      program(rule);
    } catch (e) {
      if (!(e instanceof DiagnosticsError)) throw e;
      return e.diagnostics.map((d) => `${d.span.file}:${d.span.line}:${d.span.col}: ${d.code} ${d.message}`).join("\n");
    }
    throw new Error(`--rule ${rule} was accepted`);
  };

  it("options are checked as if written in the file", () => {
    expect(program("spsa(c: 0.02)").train.rule.options).toMatchObject({ c: 0.02 });
    expect(loadProgram(VOWELS, "physics_aware").rule.name).toBe("physics_aware");
  });

  it("a typo'd rule or option gets the closest name, pointing into the --rule text", () => {
    expect(refusal("spsaa")).toBe("--rule:1:1: PNN4001 unknown learning rule 'spsaa'; did you mean 'spsa'?");
    expect(refusal("physics_awar")).toMatch(/did you mean 'physics_aware'\?/);
    expect(refusal("spsa(cc: 0.02)")).toBe("--rule:1:6: PNN4003 spsa has no argument 'cc'; did you mean 'c'?");
    expect(refusal("spsa(")).toMatch(/^--rule:1:6: PNN1001 /);
    expect(refusal("1+2")).toMatch(/--rule takes a rule name with optional options/);
  });

  it("through the real command: exit 1, the diagnostic with the --rule text as its context", () => {
    const r = pnn(["train", VOWELS, "--rule", "spsaa", "--epochs", "1", "--out", fs.mkdtempSync("/tmp/pnn-rule-")]);
    expect(r.status, r.all).toBe(1);
    expect(r.stderr).toContain("--rule:1:1: error PNN4001: unknown learning rule 'spsaa'; did you mean 'spsa'?");
    expect(r.stderr).toMatch(/ 1 \| spsaa\n\s+\^~~~~/);
    expect(hasStackTrace(r.all)).toBe(false);
  });
});
