// Golden tests for the front end (MLIR-style: input and expected output side by side).
//
//   test/frontend/golden/NAME.pnn        the input
//   test/frontend/golden/NAME.ast.json   expected AST, spans stripped (inputs with no diagnostics)
//   test/frontend/golden/NAME.diag.txt   expected diagnostics, one `file:line:col: error PNNxxxx: msg`
//                                        line each (inputs with diagnostics)
//   test/frontend/golden/examples/NAME.ast.json   the same for every examples/*.pnn, which must
//                                        check with zero diagnostics
//
// To accept new output after an intended change, rerun with UPDATE_GOLDEN=1:
//   UPDATE_GOLDEN=1 npx vitest run test/frontend/golden.test.ts
// and review the diff of test/frontend/golden/ before committing. Without the flag a missing or
// stale expected file fails the test.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { checkSource } from "../../compiler/sema/check.js";
import { diskHost } from "../../cli/io.js";
import { parse } from "../../grammar/parse.js";
import { exampleFiles, GOLDEN_DIR, oneLine } from "./helpers.js";

const UPDATE = process.env.UPDATE_GOLDEN === "1";

/** The AST without positions; comments keep their text. */
function stripSpans(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripSpans);
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) if (k !== "span") out[k] = stripSpans(v);
  return out;
}

function compare(expectedPath: string, actual: string): void {
  if (UPDATE) {
    fs.mkdirSync(path.dirname(expectedPath), { recursive: true });
    fs.writeFileSync(expectedPath, actual);
    return;
  }
  expect(fs.existsSync(expectedPath), `${path.relative(process.cwd(), expectedPath)} is missing; run with UPDATE_GOLDEN=1`).toBe(true);
  expect(actual).toBe(fs.readFileSync(expectedPath, "utf8"));
}

/** Checks one file (paths shown relative to the working directory, as the CLI does). */
function run(abs: string) {
  const shown = path.relative(process.cwd(), abs);
  const text = fs.readFileSync(abs, "utf8");
  const r = checkSource(text, shown, diskHost);
  return { r, ast: JSON.stringify(stripSpans(parse(text, shown).program), null, 2) + "\n" };
}

const inputs = fs.readdirSync(GOLDEN_DIR).filter((f) => f.endsWith(".pnn")).sort();

describe("golden: test/frontend/golden/*.pnn", () => {
  it("has inputs", () => expect(inputs.length).toBeGreaterThan(3));
  for (const name of inputs) {
    it(name, () => {
      const abs = path.join(GOLDEN_DIR, name);
      const base = abs.slice(0, -".pnn".length);
      const { r, ast } = run(abs);
      if (r.diagnostics.length) {
        compare(`${base}.diag.txt`, r.diagnostics.map(oneLine).join("\n") + "\n");
        if (!UPDATE) expect(fs.existsSync(`${base}.ast.json`), "an invalid input should not have an .ast.json").toBe(false);
      } else {
        compare(`${base}.ast.json`, ast);
        if (!UPDATE) expect(fs.existsSync(`${base}.diag.txt`), `${name} checks clean but has a .diag.txt`).toBe(false);
      }
      if (UPDATE) fs.rmSync(r.diagnostics.length ? `${base}.ast.json` : `${base}.diag.txt`, { force: true });
    });
  }
});

describe("golden: examples/*.pnn check clean and keep their AST", () => {
  const files = exampleFiles();
  it("there are examples", () => expect(files.length).toBeGreaterThanOrEqual(9));
  for (const abs of files) {
    it(path.basename(abs), () => {
      const { r, ast } = run(abs);
      expect(r.diagnostics.map(oneLine)).toEqual([]);
      expect(r.model.trains.length, "every example trains something").toBeGreaterThan(0);
      compare(path.join(GOLDEN_DIR, "examples", path.basename(abs).replace(/\.pnn$/, ".ast.json")), ast);
    });
  }
});
