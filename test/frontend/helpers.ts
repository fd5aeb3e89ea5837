// Shared helpers for the front-end tests: an in-memory check host that records every read,
// cursor markers in source text (`¦` marks where a diagnostic must start), and the one-line
// diagnostic form `file:line:col: error PNNxxxx: message` used by the golden files.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { checkSource, type CheckHost } from "../../compiler/sema/check.js";
import type { Diagnostic } from "../../diagnostics/catalog.js";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const EXAMPLES_DIR = path.join(REPO, "examples");
export const GOLDEN_DIR = path.join(REPO, "test/frontend/golden");

export function exampleFiles(): string[] {
  return fs.readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith(".pnn")).sort().map((f) => path.join(EXAMPLES_DIR, f));
}

/** A host backed by a map of absolute paths; `reads` lists every path the checker asked for. */
export function memHost(files: Record<string, string> = {}): CheckHost & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    readFile(p: string) {
      reads.push(p);
      return files[p];
    },
  };
}

export const MARK = "¦";

/** Removes the `¦` marker and returns the text and the 1-based line:col where it stood. */
export function unmark(src: string): { text: string; at?: string } {
  const i = src.indexOf(MARK);
  if (i < 0) return { text: src };
  const text = src.slice(0, i) + src.slice(i + MARK.length);
  const before = text.slice(0, i).split("\n");
  return { text, at: `${before.length}:${before[before.length - 1].length + 1}` };
}

export function checkText(text: string, file = "/virtual/t.pnn", host: CheckHost = memHost()) {
  return checkSource(text, file, host).diagnostics;
}

export function oneLine(d: Diagnostic): string {
  return `${d.span.file}:${d.span.line}:${d.span.col}: ${d.severity} ${d.code}: ${d.message}`;
}
