// Source paths the documentation names exist: every `compiler/…/x.ts`, `test/…`, `bench/x.mjs`,
// `docs/x.md`, `examples/x.pnn` (and every such folder written with a trailing `/`) in README.md,
// docs/ and the example/editor READMEs is a file or folder of the repository, so a doc that
// points at code which moved or was removed fails here. A `.js` path may name the `.ts` source it
// is compiled from (`dist/` is build output); a path with a placeholder (`<family>`, `*`) is a
// pattern, not checked. Paths under `data/` are left out: the docs use them for a user's files.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { docFiles, REPO } from "./markdown.js";

const ROOTS = "grammar|compiler|runtime|stdlib|cli|lsp|report|playground|diagnostics|test|bench|docs|scripts|examples|editors";
/** A repository path: a known top folder, then either a file with a source extension or a folder ending in `/`. */
const PATH = new RegExp(`(?<![\\w./-])(?:${ROOTS})/(?:[\\w.<>*{},-]+/)*(?:[\\w.<>*{},-]+\\.(?:ts|mjs|js|md|pnn|json|html)\\b|(?=[\\s\`),;:]))`, "g");

/** The repository paths a text names, with their lines. */
function namedPaths(text: string): { path: string; line: number }[] {
  const out: { path: string; line: number }[] = [];
  text.split("\n").forEach((l, i) => {
    for (const m of l.matchAll(PATH)) out.push({ path: m[0], line: i + 1 });
  });
  return out;
}

/** Whether a named path is in the repository (or is a pattern). */
function exists(p: string, docDir: string): boolean {
  if (/[<>*{}]/.test(p)) return true;
  const candidates = [p, p.replace(/\.js$/, ".ts"), p.replace(/\.mjs$/, ".mts")];
  return candidates.some((c) => fs.existsSync(path.join(REPO, c)) || fs.existsSync(path.join(REPO, docDir, c)));
}

describe("paths named by the documentation", () => {
  it("every named source file and folder exists", () => {
    const missing: string[] = [];
    for (const doc of docFiles()) {
      const text = fs.readFileSync(path.join(REPO, doc), "utf8");
      for (const { path: p, line } of namedPaths(text)) if (!exists(p, path.dirname(doc))) missing.push(`${doc}:${line}: ${p}`);
    }
    expect(missing).toEqual([]);
  });

  it("finds paths in prose and code, and misses none that are gone", () => {
    expect(namedPaths("see `compiler/driver/session.ts` and runtime/trainer.ts, and compiler/passes/ too").map((x) => x.path)).toEqual([
      "compiler/driver/session.ts",
      "runtime/trainer.ts",
      "compiler/passes/",
    ]);
    expect(namedPaths("dist/grammar/prettier-plugin.js and data/x.csv").map((x) => x.path)).toEqual([]);
    expect(exists("compiler/driver/session.js", ".")).toBe(true);
    expect(exists("cli/compile.ts", ".")).toBe(false);
    expect(exists("stdlib/<family>.ts", ".")).toBe(true);
  });
});
