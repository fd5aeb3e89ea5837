/**
 * `pnn eval --chips K` on worker threads (docs/scaling.md): the inference pair is compiled once
 * here (portable.ts), the trained parameters and the test split go into shared memory, and this
 * thread with a WorkerPool counts correct rows chip by chip (each chip's batches cut into one
 * range per thread).
 * Counting is exact and every batch keeps its key, so the accuracies are the ones one thread gets.
 */
import { shareParams, shareSplit } from "../../../runtime/parallel/shared.js";
import type { Dataset } from "../../../runtime/data/index.js";
import type { Params } from "../../../runtime/run-state.js";
import { keys } from "../../../runtime/streams.js";
import { batchCount, correctCount } from "../../../runtime/trainer.js";
import { sampleChip } from "../../../runtime/init.js";
import type { DeviceSettings, Program } from "../program.js";
import { programOrigin, WorkerPool } from "./pool.js";
import { compilePortable } from "./portable.js";

/** Twin accuracy and the device accuracy of chips 0..chips−1, on `workers` threads (this one and workers − 1 more). */
export async function evaluateOnWorkers(p: Program, backend: string, settings: DeviceSettings, params: Params, data: Dataset, chips: number, workers: number): Promise<{ twin: number; perChip: number[] }> {
  const spec = p.spec();
  const twin = await compilePortable(backend, p.inferGraph(false, p.train.batch, settings), p.train.span);
  const device = spec.hasDevice ? await compilePortable(backend, p.inferGraph(true, p.train.batch, settings), p.train.span) : undefined;
  const pool = new WorkerPool(
    {
      origin: programOrigin(p),
      settings,
      infer: { twin: twin.portable, ...(device ? { device: device.portable } : {}) },
      test: shareSplit(data.test, spec.features),
      params: shareParams(params),
    },
    workers - 1,
  );
  try {
    await pool.ready();
    const here = (chip: number | undefined, key: readonly number[], from: number, to: number) =>
      correctCount(spec, chip === undefined ? twin.compiled : device!.compiled, data.test, params, chip === undefined ? undefined : sampleChip(spec.chipVars, p.train.seed, chip), key, from, to);
    const ev = pool.evaluator(batchCount(spec, data.test), data.test.n, here);
    const [twinAcc, ...perChip] = await Promise.all([ev.accuracy(undefined, keys.evalTwin(p.train.seed)), ...(device ? Array.from({ length: chips }, (_, c) => ev.accuracy(c, keys.evalDevice(p.train.seed, c))) : [])]);
    return { twin: twinAcc!, perChip };
  } finally {
    await pool.close();
  }
}
