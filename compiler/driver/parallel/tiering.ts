/**
 * V8's optimizing compiler while a data-parallel run computes on every core: paused while the
 * resident step's loops run (runtime/parallel/resident.ts `whileComputing`, from an epoch's first
 * step to its end), so no compile preempts a computing thread; running between epochs, so what is
 * hot there is optimized. Why, and what was measured: docs/scaling.md "V8's optimizing compiler",
 * bench/RESULTS.md.
 *
 * The setting is V8's: while it holds it applies to the whole process (worker threads included).
 * Pauses are counted on this thread: pnn starts data-parallel runs on the main thread only (sweep
 * jobs in worker threads train on one thread). It is made only where it was measured (Node 20's
 * V8, 11.3) and where the command line leaves V8's optimizing compiler alone (no --no-opt,
 * --jitless, ...: lifting the pause must not turn on what the user turned off). A page bundles
 * this module but starts no pool (its `process` has no `versions`: playground/browser/process.ts),
 * so it never applies there.
 */
import v8 from "node:v8";

/** Command-line flags by which a user decides about V8's optimizing compiler themselves (V8 reads `_` as `-` and takes `no` with or without a dash). */
const COMPILER_FLAGS = /(^|\s)--(no[-_]?)?(opt|turbofan|jitless|max[-_]opt|always[-_](opt|turbofan)|turbo[-_]filter)(=|\s|$)/;

/** Whether this process pauses V8's optimizing compiler: Node 20's V8 (11.3), started without COMPILER_FLAGS. */
export const COMPILER_PAUSABLE =
  typeof process !== "undefined" &&
  process.versions?.v8?.startsWith("11.3.") === true &&
  !COMPILER_FLAGS.test(`${process.execArgv?.join(" ") ?? ""} ${process.env?.NODE_OPTIONS ?? ""}`);

/** Pauses that hold now. */
let pauses = 0;

/** Whether V8's optimizing compiler is paused now (by this thread's pauses). */
export function optimizingCompilerPaused(): boolean {
  return pauses > 0;
}

/**
 * Stops V8's optimizing compiler where COMPILER_PAUSABLE, until every caller has called the
 * function it returns (calling it again does nothing). Elsewhere nothing changes.
 */
export function pauseOptimizingCompiler(): () => void {
  if (!COMPILER_PAUSABLE) return () => {};
  if (pauses++ === 0) v8.setFlagsFromString("--no-turbofan");
  let resumed = false;
  return () => {
    if (resumed) return;
    resumed = true;
    if (--pauses === 0) v8.setFlagsFromString("--turbofan");
  };
}
