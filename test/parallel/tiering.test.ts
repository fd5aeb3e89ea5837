// V8's optimizing compiler while a data-parallel run computes on every core
// (compiler/driver/parallel/tiering.ts): after deferOptimizingCompiles, V8 runs a function many
// more times before it optimizes it. Run in a child process (the setting is the process's), with
// synchronous optimization so the count is exact.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { TICKS_BEFORE_OPTIMIZATION, TIERING_SETTABLE } from "../../compiler/driver/parallel/tiering.js";
import { ensureBuilt, REPO } from "../train/helpers.js";

/** How many calls of a mid-sized function (above V8's early-optimization size) before TurboFan has it, with or without the setting. */
function callsBeforeOptimized(defer: boolean): number {
  ensureBuilt();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-tiering-"));
  const script = path.join(dir, "tier.mjs");
  fs.writeFileSync(
    script,
    `const { deferOptimizingCompiles } = await import(${JSON.stringify(pathToFileURL(path.join(REPO, "dist/compiler/driver/parallel/tiering.js")).href)});
if (${defer} && !deferOptimizingCompiles()) throw new Error("the setting was not made");
function step(a, o) {
  let s = 0, t = 0, u = 0;
  for (let i = 0; i < a.length; i++) { s += a[i] * o.x; t = Math.max(t, a[i] - o.y); u += (a[i] > o.z ? 1 : 0) + (i & 1 ? o.x : o.y); }
  o.s = s; o.t = t; o.u = u;
  return s + t + u;
}
const a = new Float64Array(8), o = { x: 1, y: 2, z: 3, s: 0, t: 0, u: 0 };
let calls = 0;
for (; calls < 100000; calls++) { step(a, o); if (%GetOptimizationStatus(step) & 16) break; }
console.log(calls);
`,
  );
  const r = spawnSync(process.execPath, ["--allow-natives-syntax", "--no-concurrent-recompilation", script], { encoding: "utf8" });
  fs.rmSync(dir, { recursive: true, force: true });
  expect(r.status, r.stderr).toBe(0);
  return Number(r.stdout.trim());
}

if (!TIERING_SETTABLE) console.warn(`SKIPPED: test/parallel/tiering.test.ts: this V8 (${process.versions.v8}) is not the one the setting is made on (Node 20's 11.3)`);

describe("deferring V8's optimizing compiles while every core computes", () => {
  it.runIf(TIERING_SETTABLE)("V8 runs a function about ten times as often before it optimizes it (Node 20's V8)", () => {
    const plain = callsBeforeOptimized(false), deferred = callsBeforeOptimized(true);
    expect(plain).toBeGreaterThan(10);
    expect(plain).toBeLessThan(2000);
    // TICKS_BEFORE_OPTIMIZATION ticks instead of V8's 3 (the function's own size adds the same few ticks to both)
    expect(TICKS_BEFORE_OPTIMIZATION / 3).toBeGreaterThan(5);
    expect(deferred).toBeGreaterThan(5 * plain);
    expect(deferred).toBeLessThan(100000);
  });
});
