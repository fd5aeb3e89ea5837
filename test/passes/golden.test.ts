// Golden IR tests for the passes (MLIR-style: input and expected output in one file).
//
//   test/passes/golden/<pass>.ir   cases `// case NAME`, each an input graph, `// expect`, and
//                                  the graph after <pass> (then dce, which drops what it orphaned)
//
// Every pass in PASSES has a file; every rewrite rule of `simplify` has a case named after it.
// To accept new output after an intended change:
//   UPDATE_GOLDEN=1 npx vitest run test/passes/golden.test.ts
// and review the diff of test/passes/golden/ before committing. Without the flag a stale or
// empty expectation fails.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parseGraph } from "../../compiler/ir/parse-text.js";
import { printGraph } from "../../compiler/ir/print.js";
import { assertValid } from "../../compiler/ir/verify.js";
import { PASSES } from "../../compiler/passes/pipeline.js";
import { RULES } from "../../compiler/passes/simplify.js";

const UPDATE = process.env.UPDATE_GOLDEN === "1";
const DIR = path.join(path.dirname(new URL(import.meta.url).pathname), "golden");

interface Case {
  name: string;
  input: string;
  expected: string;
}

/** Splits a golden file into its header and cases. */
function parseFile(text: string): { header: string; cases: Case[] } {
  const parts = text.split(/^\/\/ case /m);
  const cases = parts.slice(1).map((part) => {
    const nl = part.indexOf("\n");
    const name = part.slice(0, nl).trim();
    const [input, expected = ""] = part.slice(nl + 1).split(/^\/\/ expect\n/m);
    return { name, input: input!.trim() + "\n", expected: expected.trim() ? expected.trim() + "\n" : "" };
  });
  return { header: parts[0]!, cases };
}

function writeFile(file: string, header: string, cases: Case[]): void {
  fs.writeFileSync(file, header + cases.map((c) => `// case ${c.name}\n${c.input}// expect\n${c.expected}`).join("\n"));
}

function runPass(pass: string, input: string): string {
  const g = parseGraph(input);
  assertValid(g, "golden input");
  let out = PASSES[pass]!.run(g);
  assertValid(out, `after ${pass}`);
  if (pass !== "dce") out = PASSES.dce!.run(out);
  return printGraph(out);
}

const files = fs.readdirSync(DIR).filter((f) => f.endsWith(".ir")).sort();

describe("golden: test/passes/golden/<pass>.ir", () => {
  it("every pass has a golden file", () => {
    expect(files.map((f) => f.slice(0, -3)).sort()).toEqual(Object.keys(PASSES).sort());
  });
  it("every simplify rule has a case named after it", () => {
    const names = parseFile(fs.readFileSync(path.join(DIR, "simplify.ir"), "utf8")).cases.map((c) => c.name);
    for (const r of RULES) expect(names, `case ${r.name}`).toContain(r.name);
  });
  for (const file of files) {
    const pass = file.slice(0, -3);
    const abs = path.join(DIR, file);
    const { header, cases } = parseFile(fs.readFileSync(abs, "utf8"));
    const updated = cases.map((c) => ({ ...c }));
    for (const [i, c] of cases.entries()) {
      it(`${pass}: ${c.name}`, () => {
        const actual = runPass(pass, c.input);
        if (UPDATE) {
          updated[i]!.expected = actual;
          writeFile(abs, header, updated);
          return;
        }
        expect(c.expected, `${file} case ${c.name} has no expectation; run with UPDATE_GOLDEN=1`).not.toBe("");
        expect(actual).toBe(c.expected);
      });
    }
  }
});
