/**
 * V8's optimizing compiler while every core computes (docs/scaling.md, "V8's optimizing
 * compiler"). A training step calls a few dozen JavaScript functions once or a few times each —
 * the step's work is in wasm — and with V8's default tiering TurboFan compiles each of them within
 * the first seconds of a run, in every thread's isolate, 5–25 ms of a core per function. When one
 * thread computes, those compiles run on an idle core. When every core computes, each one preempts
 * a computing thread, and the other threads wait for it at the next barrier: on 2 cores that cost
 * a 15-epoch MNIST MLP run about a sixth of its time. Asking V8 to see a function hot for longer
 * before it optimizes it leaves these functions in V8's baseline code, which costs little per
 * step, while the loops that run per row (or per element) still reach TurboFan. Measured on 2
 * cores (bench/RESULTS.md): two threads train the MNIST MLP 8–20% faster, and one thread, with
 * the same setting, neither faster nor slower. The pools that compute on every core set it: a
 * data-parallel run's and a multi-chip evaluation's (pool.ts), and a sweep's (sweep/sweep.ts).
 *
 * The setting is V8's, so it holds for the whole process, from the moment a pool starts (the
 * pool's threads start with it). It is made only on the V8 it was measured on (Node 20's 11.3,
 * whose flag is --ticks-before-optimization): later V8 names its tiering flags differently and
 * compiles such functions in a cheaper middle tier (Maglev) first, and is left as it is.
 */
import v8 from "node:v8";

/** Interrupt-budget ticks before V8 optimizes a function (V8 11's default: 3). */
export const TICKS_BEFORE_OPTIMIZATION = 40;

let deferred = false;

/** Sets TICKS_BEFORE_OPTIMIZATION for this process (once), on V8 11.3. */
export function deferOptimizingCompiles(): void {
  if (deferred) return;
  deferred = true;
  // (a page bundles this module but starts no pool, and has no `process`: playground/browser/v8.ts)
  if (typeof process !== "undefined" && process.versions?.v8?.startsWith("11.3.")) v8.setFlagsFromString(`--ticks-before-optimization=${TICKS_BEFORE_OPTIMIZATION}`);
}
