// `pnn ir` shows the pipeline's result by default; `--passes none|LIST` and `--print-after PASS`
// select what is run and printed; an unknown pass is a usage error (exit 2), not a stack trace.
// `pnn train --json` opens with the compile record: per program, nodes before/after and per pass.
import { describe, expect, it } from "vitest";
import { parseGraph } from "../../compiler/ir/parse-text.js";
import { verifyGraph } from "../../compiler/ir/verify.js";
import { PIPELINE } from "../../compiler/passes/pipeline.js";
import { hasStackTrace, pnn, tmpDir, VOWELS } from "../train/helpers.js";

const nodes = (text: string) => {
  const g = parseGraph(text);
  expect(verifyGraph(g)).toEqual([]);
  return g.nodes.length;
};

describe("pnn ir and the pass pipeline", () => {
  it("prints the optimised program by default, the lowered one with --passes none", () => {
    const raw = pnn(["ir", VOWELS, "--mode", "twin", "--passes", "none"]);
    const opt = pnn(["ir", VOWELS, "--mode", "twin"]);
    expect(raw.status, raw.all).toBe(0);
    expect(opt.status, opt.all).toBe(0);
    expect(nodes(opt.stdout)).toBeLessThan(nodes(raw.stdout));
  });
  it("--passes LIST runs only those; --print-after shows the IR right after a pass", () => {
    const dce = pnn(["ir", VOWELS, "--mode", "twin", "--passes", "dce"]);
    const cse = pnn(["ir", VOWELS, "--mode", "twin", "--passes", "cse,dce", "--print-after", "cse"]);
    expect(dce.status, dce.all).toBe(0);
    expect(cse.status, cse.all).toBe(0);
    expect(nodes(cse.stdout)).toBeLessThan(nodes(dce.stdout));
  });
  it("an unknown pass is a usage error naming the passes", () => {
    const r = pnn(["ir", VOWELS, "--passes", "simplify,nosuch"]);
    expect(r.status).toBe(2);
    expect(r.all).toContain("unknown pass nosuch");
    expect(r.all).toContain("fold-constants");
    expect(hasStackTrace(r.all)).toBe(false);
  });
  it("pnn train --json starts with the passes' node counts and times per program", () => {
    const r = pnn(["train", VOWELS, "--epochs", "1", "--json", "--out", tmpDir("pnn-passes-")]);
    expect(r.status, r.all).toBe(0);
    const first = JSON.parse(r.stdout.split("\n")[0]!) as { type: string; programs: Record<string, { nodes_lowered: number; nodes: number; per_pass: { pass: string; before: number; after: number; ms: number }[] }> };
    expect(first.type).toBe("compile");
    expect(Object.keys(first.programs).sort()).toEqual(["inferDevice", "inferTwin", "train"]);
    const train = first.programs.train!;
    expect(train.per_pass.map((p) => p.pass)).toEqual([...PIPELINE]);
    expect(train.nodes).toBeLessThan(train.nodes_lowered);
    expect(train.per_pass[0]!.before).toBe(train.nodes_lowered);
    expect(train.per_pass.at(-1)!.after).toBe(train.nodes);
  });
});
