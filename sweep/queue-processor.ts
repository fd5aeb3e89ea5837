/**
 * The BullMQ sandboxed processor of `pnn worker` (sweep/queue.ts): runs in a worker thread, one
 * job at a time. With a shared run folder — which must lie inside the folder the worker was told
 * it shares (`--shared DIR`; a job cannot make a worker write anywhere else) — it trains there (a
 * retried job resumes the killed attempt's checkpoint); otherwise in the worker's own folder (PNN_WORKER_DIR/<sweep>/<run>, so a
 * retry on the same machine resumes too) and returns the folder's files with the row. A run that
 * cannot succeed completes with its failed row (retrying would not help).
 */
import * as path from "node:path";
import { confine } from "../runtime/files.js";
import { runJob, RunFailure } from "./job.js";
import { readRunFolder, type QueueJobData, type QueueJobResult } from "./queue.js";

export default async function process(job: { readonly data: QueueJobData }): Promise<QueueJobResult> {
  const { job: j, dir } = job.data;
  const env = globalThis.process.env;
  if (dir !== undefined) {
    // a job may only write into the folder this worker shares (pnn worker --shared DIR)
    const root = env.PNN_WORKER_SHARED;
    const where = root ? confine(root, path.relative(root, dir)) : undefined;
    if (!where?.ok) throw new Error(root ? `this worker shares ${root}; the job's run folder ${dir} is outside it` : `the job writes into a shared folder (${dir}) and this worker shares none: start it with --shared DIR`);
  }
  const target = dir ?? path.join(env.PNN_WORKER_DIR ?? ".pnn-worker", j.sweep, j.run);
  try {
    const row = await runJob(j, target);
    return { row, ...(dir ? {} : { files: readRunFolder(target) }) };
  } catch (e) {
    if (e instanceof RunFailure) return { row: e.row };
    throw e;
  }
}
