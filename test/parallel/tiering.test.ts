// V8's optimizing compiler while a data-parallel run computes on every core
// (compiler/driver/parallel/tiering.ts): while a pause holds, V8 optimizes no function however hot;
// once every pause is lifted it optimizes as before; a process whose command line turned the
// optimizing compiler off keeps it off. Run in child processes (the setting is the process's), with
// synchronous optimization so the counts are exact. That a run pauses it while its loops run:
// test/parallel/data-parallel.test.ts.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { COMPILER_PAUSABLE } from "../../compiler/driver/parallel/tiering.js";
import { ensureBuilt, REPO } from "../train/helpers.js";

/** Calls before TurboFan has a fresh mid-sized function (NEVER: not within LIMIT calls), in each phase of the script, in order. */
const LIMIT = 100000, NEVER = -1;
function phases(body: string, flags: string[] = []): number[] {
  ensureBuilt();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-tiering-"));
  const script = path.join(dir, "tier.mjs");
  fs.writeFileSync(
    script,
    `const { pauseOptimizingCompiler } = await import(${JSON.stringify(pathToFileURL(path.join(REPO, "dist/compiler/driver/parallel/tiering.js")).href)});
let fresh = 0;
/** Calls of a new function (its own source, so nothing is shared with the others) until TurboFan has it. */
function callsBeforeOptimized() {
  const step = new Function("a", "o", \`// \${fresh++}
  let s = 0, t = 0, u = 0;
  for (let i = 0; i < a.length; i++) { s += a[i] * o.x; t = Math.max(t, a[i] - o.y); u += (a[i] > o.z ? 1 : 0) + (i & 1 ? o.x : o.y); }
  o.s = s; o.t = t; o.u = u;
  return s + t + u;\`);
  const a = new Float64Array(8), o = { x: 1, y: 2, z: 3, s: 0, t: 0, u: 0 };
  for (let calls = 0; calls < ${LIMIT}; calls++) { step(a, o); if (%GetOptimizationStatus(step) & 16) return calls; }
  return ${NEVER};
}
const out = [];
${body}
console.log(JSON.stringify(out));
`,
  );
  const r = spawnSync(process.execPath, ["--allow-natives-syntax", "--no-concurrent-recompilation", ...flags, script], { encoding: "utf8" });
  fs.rmSync(dir, { recursive: true, force: true });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim()) as number[];
}

if (!COMPILER_PAUSABLE) console.warn(`SKIPPED: test/parallel/tiering.test.ts: this V8 (${process.versions.v8}) is not the one the pause is made on (Node 20's 11.3), or this process was started with a flag for V8's optimizing compiler`);

describe("pausing V8's optimizing compiler while every core computes", () => {
  it.runIf(COMPILER_PAUSABLE)("optimizes nothing while a pause holds, and as before once every pause is lifted (Node 20's V8)", () => {
    const [before, paused, nested, oneLifted, twiceLifted, after] = phases(`
out.push(callsBeforeOptimized());
const resume = pauseOptimizingCompiler();
out.push(callsBeforeOptimized());
const resumeToo = pauseOptimizingCompiler();
out.push(callsBeforeOptimized());
resume();
out.push(callsBeforeOptimized());
resume(); // a second call does not lift the other run's pause
out.push(callsBeforeOptimized());
resumeToo();
out.push(callsBeforeOptimized());
`);
    // optimized within a couple of thousand calls (NEVER is −1)
    expect(before).toBeGreaterThanOrEqual(0);
    expect(before).toBeLessThan(2000);
    expect([paused, nested, oneLifted, twiceLifted]).toEqual([NEVER, NEVER, NEVER, NEVER]);
    expect(after).toBeGreaterThanOrEqual(0);
    expect(after).toBeLessThan(2000);
  });

  it.runIf(COMPILER_PAUSABLE)("leaves V8 alone in a process started with its optimizing compiler off", () => {
    const [before, after] = phases(
      `
out.push(callsBeforeOptimized());
pauseOptimizingCompiler()();
out.push(callsBeforeOptimized());
`,
      ["--no-opt"],
    );
    expect([before, after]).toEqual([NEVER, NEVER]);
  });
});
