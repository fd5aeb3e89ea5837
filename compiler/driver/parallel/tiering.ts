/**
 * V8's optimizing compiler while a data-parallel run computes on every core (why, and what was
 * measured: docs/scaling.md "V8's optimizing compiler", bench/RESULTS.md). Before such a run
 * starts its pool, V8 is asked to see a function hot for longer before TurboFan compiles it, so
 * the step's JavaScript stays in V8's baseline code instead of compiling on a computing core
 * while the other thread waits at a barrier.
 *
 * The setting is V8's: it holds for the whole process from then on (worker threads started later
 * included). It is made only where it was measured and the flag has this name: Node 20's V8 11.3.
 * A page bundles this module but starts no pool (its `process` has no `versions`:
 * playground/browser/process.ts), so it never applies there.
 */
import v8 from "node:v8";

/** Interrupt-budget ticks before V8 optimizes a function (V8 11.3's default: 3). */
export const TICKS_BEFORE_OPTIMIZATION = 40;

/** Whether this process's V8 takes the setting (Node 20's V8 11.3). */
export const TIERING_SETTABLE = typeof process !== "undefined" && process.versions?.v8?.startsWith("11.3.") === true;

let deferred = false;

/** Sets TICKS_BEFORE_OPTIMIZATION for this process (once) where TIERING_SETTABLE; whether it is set. */
export function deferOptimizingCompiles(): boolean {
  if (!deferred && TIERING_SETTABLE) {
    v8.setFlagsFromString(`--ticks-before-optimization=${TICKS_BEFORE_OPTIMIZATION}`);
    deferred = true;
  }
  return deferred;
}
