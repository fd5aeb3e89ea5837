// Shared helpers for the front-end tests: an in-memory check host that records every read,
// cursor markers in source text (`¦` marks where a diagnostic must start), and the one-line
// diagnostic form `file:line:col: error PNNxxxx: message` used by the golden files.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { checkFiles } from "../../cli/front-end.js";
import { reportUserFailure } from "../../cli/main.js";
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

/** A stream that keeps what is written to it (only `write` is used by the CLI's printers). */
export function textSink(): NodeJS.WritableStream & { text(): string } {
  const chunks: string[] = [];
  return {
    write(s: string | Uint8Array) {
      chunks.push(typeof s === "string" ? s : Buffer.from(s).toString("utf8"));
      return true;
    },
    text: () => chunks.join(""),
  } as unknown as NodeJS.WritableStream & { text(): string };
}

/**
 * `pnn check [--json] FILES` in this process, through the functions the CLI calls (checkFiles,
 * then main.ts's reporting of usage errors and UserErrors). Anything else thrown is a bug and
 * propagates (the CLI would exit 70).
 */
export function checkLikeCli(files: readonly string[], json = false): { code: number; out: string; err: string; ms: number } {
  const out = textSink();
  const err = textSink();
  const t0 = performance.now();
  let code: number;
  try {
    code = checkFiles(files, json, out);
  } catch (e) {
    const exit = reportUserFailure(e, err);
    if (exit === undefined) throw e;
    code = exit;
  }
  return { code, out: out.text(), err: err.text(), ms: performance.now() - t0 };
}
