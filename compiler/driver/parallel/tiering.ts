/**
 * V8's optimizing compiler while a data-parallel run computes on every core (why, and what was
 * measured: docs/scaling.md "V8's optimizing compiler", bench/RESULTS.md). From the start of such
 * a run's pool to its close, TurboFan compiles nothing new: a compile takes 1–25 ms of a core,
 * and with every core computing it preempts a thread while the other waits at the next barrier.
 * Code optimized before the pause keeps running optimized; the rest runs in V8's baseline code,
 * which costs little because the step's work is in wasm. When the last paused run closes, V8
 * optimizes as before (evaluation afterwards, the next run with fewer threads).
 *
 * The setting is V8's: while it holds it applies to the whole process (worker threads included).
 * It is made only where it was measured: Node 20's V8 (11.3). A page bundles this module but starts
 * no pool (its `process` has no `versions`: playground/browser/process.ts), so it never applies there.
 */
import v8 from "node:v8";

/** Whether this process's V8 is the one the pause was measured on (Node 20's V8 11.3). */
export const TIERING_SETTABLE = typeof process !== "undefined" && process.versions?.v8?.startsWith("11.3.") === true;

/** Runs that hold the pause now. */
let pausedBy = 0;

/**
 * Stops V8's optimizing compiler where TIERING_SETTABLE, until every caller has called the function
 * it returns (calling it again does nothing). Elsewhere nothing changes.
 */
export function pauseOptimizingCompiler(): () => void {
  if (!TIERING_SETTABLE) return () => {};
  if (pausedBy++ === 0) v8.setFlagsFromString("--no-turbofan");
  let resumed = false;
  return () => {
    if (resumed) return;
    resumed = true;
    if (--pausedBy === 0) v8.setFlagsFromString("--turbofan");
  };
}
