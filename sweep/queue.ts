/**
 * Sweeps beyond one machine on a Redis-backed job queue (BullMQ; docs/scaling.md).
 *   - `pnn sweep … --queue redis://HOST:PORT` (queueRunner) adds one job per unfinished run to the
 *     queue `pnn-sweep`, job id = sweep id + run id (adding a job that is already there does
 *     nothing, so an interrupted sweep re-run neither loses nor repeats one), waits for each, writes
 *     what it returns into OUT/runs/<run>/ and removes it from Redis once its row is recorded.
 *   - `pnn worker --queue …` (startWorker) takes jobs on any machine, each in a sandboxed worker
 *     thread (queue-processor.ts) so this process keeps renewing the job's lock while it trains.
 *     A worker that dies (SIGKILL, power) stops renewing; after the lock duration another worker's
 *     stalled-job check puts the job back in the queue and it is run again (resuming from the
 *     checkpoint of the killed attempt when the run folder is shared). A run's row is recorded once.
 * What travels: the job (sweep/job.ts: program text, the files its checker read, overrides,
 * backend, and with --shared the run folder's path); back, the row and — unless the workers
 * write into a shared folder — the run folder's files (run.json, metrics.jsonl, summary.json,
 * the checkpoint), base64.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Queue, QueueEvents, Worker, type ConnectionOptions, type Job } from "bullmq";
import { UsageError } from "../compiler/driver/errors.js";
import { workerScript } from "../compiler/driver/parallel/pool.js";
import { writeFileAtomic } from "../runtime/checkpoint.js";
import type { SweepJob, SweepRow } from "./job.js";
import type { JobRunner } from "./sweep.js";

/** The queue `pnn sweep --queue` and `pnn worker` meet on unless given another (--queue-name). */
export const QUEUE_NAME = "pnn-sweep";

/** What a queue job carries: the sweep job, and the run folder when the workers share it. */
export interface QueueJobData {
  readonly job: SweepJob;
  readonly dir?: string;
}

/** What a queue job returns: the row, and the run folder's files (base64) when they are not shared. */
export interface QueueJobResult {
  readonly row: SweepRow;
  readonly files?: Readonly<Record<string, string>>;
}

/** BullMQ connection options for a `redis://HOST:PORT[/DB]` URL (a usage error otherwise). */
export function redisConnection(url: string): ConnectionOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--queue takes a Redis URL such as redis://127.0.0.1:6379, got '${url}'`);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw new UsageError(`--queue takes a Redis URL such as redis://127.0.0.1:6379, got '${url}'`);
  // BullMQ's workers need maxRetriesPerRequest: null (blocking commands); a dead server is a clear error, not a hang
  return { url, maxRetriesPerRequest: null, enableOfflineQueue: true, connectTimeout: 5000 } as ConnectionOptions;
}

/** `p`'s value, or undefined when it takes longer than `ms` (or fails). */
async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([p.catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Fails with a usage error when no Redis answers at `url` within a few seconds. */
async function reachable(q: Queue, url: string): Promise<void> {
  const client = (await within(q.client, 4000)) as unknown as { ping(): Promise<string> } | undefined;
  const pong = client ? await within(client.ping(), 4000) : undefined;
  if (pong !== "PONG") {
    await within(q.close(), 1000);
    throw new UsageError(`cannot reach Redis at ${url} (is redis-server running there?)`);
  }
}

const jobIdOf = (j: SweepJob) => `${j.sweep}-${j.run}`;

/** The files of a run folder that travel back through the queue. */
const RUN_FILES = ["run.json", "source.pnn", "metrics.jsonl", "summary.json", "checkpoint.safetensors"];

export function readRunFolder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of RUN_FILES) {
    const p = path.join(dir, f);
    if (fs.existsSync(p)) out[f] = fs.readFileSync(p).toString("base64");
  }
  return out;
}

function writeRunFolder(dir: string, files: Readonly<Record<string, string>>): void {
  fs.mkdirSync(dir, { recursive: true });
  // the summary last: it marks the run finished
  const names = Object.keys(files).filter((f) => RUN_FILES.includes(f)).sort((a, b) => (a === "summary.json" ? 1 : b === "summary.json" ? -1 : 0));
  for (const f of names) writeFileAtomic(path.join(dir, f), Buffer.from(files[f]!, "base64"));
}

/** Enqueues the jobs and collects their rows (see the file comment). `shared`: the workers write into the run folders themselves. */
export function queueRunner(url: string, o: { readonly shared: boolean; readonly name?: string; readonly attempts?: number }): JobRunner {
  const name = o.name ?? QUEUE_NAME;
  return {
    async run(jobs, dirOf, done) {
      const connection = redisConnection(url);
      const queue = new Queue(name, { connection });
      await reachable(queue, url);
      const events = new QueueEvents(name, { connection });
      try {
        await events.waitUntilReady();
        const added = await queue.addBulk(
          jobs.map((job) => ({
            name: job.run,
            data: { job, ...(o.shared ? { dir: path.resolve(dirOf(job)) } : {}) } satisfies QueueJobData,
            opts: { jobId: jobIdOf(job), attempts: o.attempts ?? 3, backoff: { type: "fixed", delay: 1000 }, removeOnComplete: false, removeOnFail: false },
          })),
        );
        await Promise.all(
          added.map(async (bull: Job, i) => {
            const job = jobs[i]!;
            let result: QueueJobResult;
            try {
              const r = (await bull.waitUntilFinished(events)) as QueueJobResult | string;
              result = typeof r === "string" ? (JSON.parse(r) as QueueJobResult) : r;
            } catch (e) {
              result = { row: { run: job.run, index: job.index, axes: job.axes, status: "failed", error: `the job failed on every attempt: ${(e as Error).message}`, results: {} } };
            }
            if (result.files) writeRunFolder(dirOf(job), result.files);
            done(result.row);
            await bull.remove().catch(() => undefined);
          }),
        );
      } finally {
        await events.close();
        await queue.close();
      }
    },
  };
}

export interface WorkerOptions {
  /** The queue's name (default QUEUE_NAME). */
  readonly name?: string;
  readonly concurrency: number;
  /** How long a job's lock lasts without renewal (ms): how soon a dead worker's job is run again. */
  readonly lockDurationMs: number;
  /** Where runs train when the sweep's folder is not shared. */
  readonly workDir: string;
  /** The folder this worker shares with `pnn sweep --shared` (jobs may write only inside it). */
  readonly shared?: string;
  readonly log: (line: string) => void;
}

/** A running `pnn worker`: takes jobs until closed. */
export async function startWorker(url: string, o: WorkerOptions): Promise<{ close(): Promise<void> }> {
  const name = o.name ?? QUEUE_NAME;
  const connection = redisConnection(url);
  const probe = new Queue(name, { connection });
  await reachable(probe, url);
  await probe.close();
  // the processor threads read these
  process.env.PNN_WORKER_DIR = o.workDir;
  if (o.shared) process.env.PNN_WORKER_SHARED = o.shared;
  const worker = new Worker(name, workerScript(import.meta.url, "queue-processor.js"), {
    connection,
    concurrency: o.concurrency,
    useWorkerThreads: true,
    lockDuration: o.lockDurationMs,
    stalledInterval: o.lockDurationMs,
    maxStalledCount: 5,
  });
  worker.on("active", (job) => o.log(`started ${(job.data as QueueJobData).job.run} (job ${job.id}, attempt ${job.attemptsStarted ?? job.attemptsMade + 1})`));
  worker.on("completed", (job, r: QueueJobResult) => o.log(`finished ${(job.data as QueueJobData).job.run}: ${r.row.status}`));
  worker.on("failed", (job, e) => o.log(`failed ${job ? (job.data as QueueJobData).job.run : "?"}: ${e.message}`));
  worker.on("error", (e) => o.log(`error: ${e.message}`));
  await worker.waitUntilReady();
  o.log(`waiting for jobs on ${url} (queue ${name}, ${o.concurrency} at a time, host ${os.hostname()})`);
  return { close: () => worker.close() };
}
