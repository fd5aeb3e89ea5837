/**
 * The BullMQ sandboxed processor of `pnn worker` (sweep/queue.ts): runs in a worker thread, one
 * job at a time. With a shared run folder it trains there (a retried job resumes the killed
 * attempt's checkpoint); otherwise in the worker's own folder (PNN_WORKER_DIR/<sweep>/<run>, so a
 * retry on the same machine resumes too) and returns the folder's files with the row. A run that
 * cannot succeed completes with its failed row (retrying would not help).
 */
import * as path from "node:path";
import { runJob, RunFailure } from "./job.js";
import { readRunFolder, type QueueJobData, type QueueJobResult } from "./queue.js";

export default async function process(job: { readonly data: QueueJobData }): Promise<QueueJobResult> {
  const { job: j, dir } = job.data;
  const target = dir ?? path.join(globalThis.process.env.PNN_WORKER_DIR ?? ".pnn-worker", j.sweep, j.run);
  try {
    const row = await runJob(j, target);
    return { row, ...(dir ? {} : { files: readRunFolder(target) }) };
  } catch (e) {
    if (e instanceof RunFailure) return { row: e.row };
    throw e;
  }
}
