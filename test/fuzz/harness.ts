// The fuzz suite's harness (issue 16): runs one generated input the way a user would and checks
// what every run must satisfy, whatever the input —
//   · an exit code a user can act on: 0, 1 (diagnostics) or 2 (usage), never 70 (a crash) or
//     134 (out of memory); in-process, "would be 70" is any exception other than UsageError and
//     UserError;
//   · no stack trace and no "internal error" in the output;
//   · printable output: no control characters but newlines, no line longer than a message
//     (1,000 characters) and its location, at most ~100 diagnostics per file;
//   · within a time budget per case; and the whole run within 1 GB of memory (peak RSS, checked
//     in-process at the end of each file and per spawned process).
// The seed is fixed (CI is deterministic) and printed; PNN_FC_SEED (or FC_SEED) = N replays,
// = random explores. Cases are written under one temporary project folder per test file.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "vitest";
import { runFmt } from "../../cli/fmt.js";
import { checkLikeCli, REPO, textSink } from "../frontend/helpers.js";

const fromEnv = process.env.PNN_FC_SEED ?? process.env.FC_SEED;
/** The seed of this run: fixed by default, PNN_FC_SEED=random to explore. */
export const SEED = fromEnv === "random" ? Date.now() % 2 ** 31 : Number(fromEnv ?? 20261216);

export const GB = 2 ** 30;
/** Output a case may print, at most: 100 diagnostics of ~300 characters each and a little more. */
const MAX_OUTPUT_CHARS = 200_000;

/** Counts cases per run, so a test can say how many inputs it tried. */
export const tried = { inProcess: 0, spawned: 0 };

export function announce(suite: string): void {
  console.log(`[fuzz ${suite}] fast-check seed = ${SEED} (replay: PNN_FC_SEED=${SEED}; explore: PNN_FC_SEED=random)`);
}

/** A scratch project folder; `put` writes a file into it (creating folders). */
export function scratch(prefix: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pnn-fuzz-${prefix}-`));
  let n = 0;
  return {
    dir,
    put(text: string | Buffer, name = `case${n++}.pnn`): string {
      const p = path.join(dir, name);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, text);
      return p;
    },
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

const CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
const STACK = /internal error|RangeError|TypeError|\n\s+at .+:\d+:\d+/;

/** What every printed (text, not JSON) output must look like. */
export function expectTidy(out: string, what: string): void {
  expect(out.length, `${what}: ${out.length} characters printed`).toBeLessThan(MAX_OUTPUT_CHARS);
  const bad = CONTROL.exec(out);
  expect(bad && JSON.stringify(out.slice(Math.max(0, bad.index - 40), bad.index + 10)), `${what}: a raw control character`).toBeNull();
  expect(out, `${what}: a stack trace`).not.toMatch(STACK);
  const longest = out.split("\n").reduce((m, l) => Math.max(m, l.length), 0);
  expect(longest, `${what}: a line ${longest} characters long`).toBeLessThan(1_400);
}

/**
 * `pnn check [--json] FILE` in this process (cli/front-end.ts checkFiles + main.ts's reporting),
 * with every universal property asserted. Returns the printed text for further checks.
 */
export function checkCase(file: string, budgetMs: number, json = false): { code: number; out: string } {
  tried.inProcess++;
  const r = checkLikeCli([file], json); // anything but UsageError/UserError propagates: a crash
  expect([0, 1, 2], `exit code ${r.code}`).toContain(r.code);
  expect(r.ms, `${path.basename(file)} took ${r.ms.toFixed(0)} ms (budget ${budgetMs})`).toBeLessThan(budgetMs);
  expectTidy(r.err, "stderr");
  if (json) {
    expect(r.out.length).toBeLessThan(MAX_OUTPUT_CHARS * 2);
    if (r.code !== 2 && r.out) expect(Array.isArray(JSON.parse(r.out).diagnostics)).toBe(true);
  } else expectTidy(r.out, "stdout");
  return { code: r.code, out: r.out + r.err };
}

/** `pnn fmt --check FILE` in this process (cli/fmt.ts runFmt): never an exception, codes 0–2. */
export async function fmtCase(file: string, budgetMs: number): Promise<number> {
  tried.inProcess++;
  const out = textSink();
  const err = textSink();
  const t0 = performance.now();
  const code = await runFmt([file], { check: true }, out, err);
  const ms = performance.now() - t0;
  expect([0, 1, 2]).toContain(code);
  expect(ms, `fmt took ${ms.toFixed(0)} ms`).toBeLessThan(budgetMs);
  expectTidy(out.text() + err.text(), "fmt output");
  return code;
}

/** Peak RSS of this process so far (resourceUsage reports kilobytes). */
export function peakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

const BIN = path.join(REPO, "bin/pnn.js");
const RSS_REPORTER = path.join(REPO, "test/fuzz/report-rss.cjs");

/**
 * `pnn ARGS` as a separate process with a 1 GB heap limit (so unbounded memory shows as exit 134,
 * not as a slow machine), a wall-clock budget, and its peak RSS measured by a preloaded reporter.
 */
export function spawnCase(args: string[], cwd: string, budgetMs: number): { code: number | null; out: string; err: string; ms: number; rss: number } {
  tried.spawned++;
  const rssFile = path.join(os.tmpdir(), `pnn-fuzz-rss-${process.pid}-${tried.spawned}`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ["--max-old-space-size=1024", "--require", RSS_REPORTER, BIN, ...args], {
    cwd, encoding: "utf8", timeout: budgetMs, env: { ...process.env, PNN_FUZZ_RSS_FILE: rssFile }, maxBuffer: 64 * 2 ** 20,
  });
  const ms = Date.now() - t0;
  const rss = fs.existsSync(rssFile) ? Number(fs.readFileSync(rssFile, "utf8")) * 1024 : NaN;
  fs.rmSync(rssFile, { force: true });
  const what = `pnn ${args.map((a) => path.basename(a)).join(" ")}`;
  expect(r.error, `${what}: ${r.error?.message} (budget ${budgetMs} ms)`).toBeUndefined();
  expect([0, 1, 2], `${what} exited ${r.status}${r.signal ? ` (${r.signal})` : ""}: ${r.stderr.slice(0, 300)}`).toContain(r.status);
  expect(rss, `${what}: peak RSS ${(rss / 2 ** 20).toFixed(0)} MB`).toBeLessThan(GB);
  expect(r.stderr, `${what}: stderr`).not.toMatch(STACK);
  return { code: r.status, out: r.stdout, err: r.stderr, ms, rss };
}
