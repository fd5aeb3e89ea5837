/**
 * A worker thread of the embedded sweep pool (sweep/sweep.ts, piscina): runs one job into its run
 * folder and answers with its row — { ok: true } for a trained run, { ok: false } for a run that
 * cannot succeed (its row says why). Anything else (a bug) rejects the task.
 */
import { runJob, RunFailure, type SweepJob, type SweepRow } from "./job.js";

export default async function task(t: { readonly job: SweepJob; readonly dir: string }): Promise<{ ok: boolean; row: SweepRow }> {
  try {
    return { ok: true, row: await runJob(t.job, t.dir) };
  } catch (e) {
    if (e instanceof RunFailure) return { ok: false, row: e.row };
    throw e;
  }
}
