// Shared helpers for the training tests: the repo root, a check that dist/ was built, and running the `pnn` CLI as a child process.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const PNN = path.join(REPO, "bin/pnn.js");
export const VOWELS = path.join(REPO, "examples/vowels_mzi.pnn");

/** dist/ is built from the current source by vitest's global setup (test/global-setup.ts); this only checks it is there. */
export function ensureBuilt(): void {
  if (!fs.existsSync(path.join(REPO, "dist/cli/main.js"))) throw new Error("dist/ is missing: run the tests through vitest (its global setup builds it)");
}

export function tmpDir(prefix = "pnn-train-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly all: string;
}

export function pnn(args: readonly string[], cwd = REPO): CliResult {
  const r = spawnSync(process.execPath, [PNN, ...args], { cwd, encoding: "utf8", timeout: 180_000, maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, all: r.stdout + r.stderr };
}

/** The last line of stdout parsed as JSON (the summary of `pnn train --json`). */
export function lastJson(out: string): Record<string, unknown> {
  const lines = out.trim().split("\n").filter((l) => l.trim() !== "");
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
}

/** True if the text looks like a JavaScript stack trace. */
export function hasStackTrace(text: string): boolean {
  return /\n\s+at .+[:(].*\d+:\d+\)?/.test(text) || /^\s*at (async )?\S+ \(/m.test(text);
}
