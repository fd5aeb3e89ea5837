/**
 * The worker threads of one data-parallel training run or one multi-chip evaluation
 * (docs/scaling.md) besides the main thread, which works too (N workers = the main thread and
 * N − 1 pool threads): a piscina pool whose workers (worker.ts) re-create the run's Program from
 * its source text, the files its checker read and its options — the same configuration hash, or
 * they refuse — and run the programs the main thread compiled (portable.ts). Tasks:
 *   shard / update — one shard of a training step, one slice of its update (runtime/parallel/);
 *   loop           — the resident step: this thread's shards and update slice of every step, until stopped;
 *   correct        — correct rows of a range of test batches, on the twin or on one chip.
 * Everything large is in shared memory (runtime/parallel/shared.ts); tasks are a few numbers.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import { handled, slices, type RemoteTasks } from "../../../runtime/parallel/data-parallel.js";
import type { RemoteLoops, ResidentRun } from "../../../runtime/parallel/resident.js";
import type { ShardOutcome, ShardTask, UpdateTask } from "../../../runtime/parallel/shard-runner.js";
import type { SharedRows, SharedRun, SharedSplit, Slots } from "../../../runtime/parallel/shared.js";
import type { Evaluator } from "../../../runtime/trainer.js";
import type { DeviceSettings, Program } from "../program.js";
import type { ProgramOptions } from "../session.js";
import type { PortableProgram } from "./portable.js";

/** The number of workers when none is asked for: one per core. */
export const defaultWorkers = (): number => Math.max(1, os.availableParallelism?.() ?? os.cpus().length);

/** Everything a worker needs, posted once as its workerData. */
export interface PoolInit {
  /** How to re-create the Program: its file, text, the files its checker read, its options, and the hash it must have. */
  readonly origin: { readonly file: string; readonly source: string; readonly reads: Readonly<Record<string, string>>; readonly options: ProgramOptions; readonly configHash: string };
  readonly settings: DeviceSettings;
  readonly infer: { readonly twin: PortableProgram; readonly device?: PortableProgram };
  readonly test: SharedSplit;
  /** The parameters evaluated (training: the shared run's, updated in place every step). */
  readonly params: { readonly slots: Slots; readonly buffer: SharedArrayBuffer };
  /** Training only: the shared run and the rule's programs for one shard; for a resident step (runtime/parallel/resident.ts) its memory and the update program of each slice. */
  readonly train?: { readonly run: SharedRun; readonly shard: Readonly<Record<string, PortableProgram>>; readonly trainSamples: number; readonly resident?: { readonly run: ResidentRun; readonly updates: readonly PortableProgram[]; readonly split: SharedRows } };
}

export type PoolTask =
  /** Initialise, then wait until `of` ready tasks have arrived (so every thread has one): counter[0] counts them. */
  | { readonly kind: "ready"; readonly counter: Int32Array; readonly of: number }
  | { readonly kind: "shard"; readonly task: ShardTask }
  | { readonly kind: "update"; readonly task: UpdateTask }
  /** The resident step's loop: this thread's part of every step until told to stop (runtime/parallel/resident.ts). */
  | { readonly kind: "loop"; readonly from: number }
  /** Correct rows of test batches from..to−1, on the twin (chip null) or on chip `chip`. */
  | { readonly kind: "correct"; readonly chip: number | null; readonly key: readonly number[]; readonly from: number; readonly to: number };

/** How a Program travels to a worker. */
export function programOrigin(p: Program): PoolInit["origin"] {
  return { file: p.file, source: p.source, reads: Object.fromEntries(p.origin.reads), options: p.origin.options, configHash: p.configHash };
}

/**
 * A worker thread's compiled script `name`, in the folder of the module at `moduleUrl`: beside it
 * in dist/, or dist/'s copy when that module runs from the TypeScript sources (the tests).
 */
export function workerScript(moduleUrl: string, name: string): string {
  const here = path.dirname(fileURLToPath(moduleUrl));
  const beside = path.join(here, name);
  if (fs.existsSync(beside)) return beside;
  for (let dir = here; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "package.json"))) {
      const built = path.join(dir, "dist", path.relative(dir, here), name);
      if (fs.existsSync(built)) return built;
      break;
    }
  }
  throw new Error(`the worker script ${name} is not built (run npm run build)`);
}

export class WorkerPool {
  private readonly pool: Piscina;

  constructor(init: PoolInit, readonly threads: number) {
    // concurrentTasksPerWorker 2, although a step gives each thread one task at a time: piscina
    // frees a worker only after the caller's promise has resolved, so the next step's task, posted
    // at once, would otherwise wait in piscina's queue until this thread finished its own shard
    // (measured: the two threads then ran one after the other about half the time)
    this.pool = new Piscina({ filename: workerScript(import.meta.url, "worker.js"), workerData: init, minThreads: threads, maxThreads: threads, idleTimeout: 60_000, concurrentTasksPerWorker: 2 });
  }

  private run<T>(task: PoolTask): Promise<T> {
    return this.pool.run(task) as Promise<T>;
  }

  /** Resolves when every thread has re-created the program and built its executables (before a run is timed). */
  async ready(): Promise<void> {
    const counter = new Int32Array(new SharedArrayBuffer(4));
    await Promise.all(Array.from({ length: this.threads }, () => this.run({ kind: "ready", counter, of: this.threads })));
  }

  /** Shard and update tasks on the pool's threads (the main thread takes its share: threadExecutor). */
  remote(): RemoteTasks {
    return {
      threads: this.threads,
      shard: (task) => this.run<ShardOutcome>({ kind: "shard", task }),
      update: (task) => this.run<void>({ kind: "update", task }),
    };
  }

  /** Resident-step loops, one per pool thread (each blocks its thread until the main thread stops it). */
  loops(): RemoteLoops {
    return { threads: this.threads, start: (from) => Array.from({ length: this.threads }, () => this.run<void>({ kind: "loop", from })) };
  }

  /**
   * Accuracy on the test split, its batches cut into one range per thread, this thread included
   * (`here` counts a range on it): counts add up exactly, so the accuracy is one thread's.
   */
  evaluator(batches: number, rows: number, here: (chip: number | undefined, key: readonly number[], from: number, to: number) => Promise<number>): Evaluator {
    const cuts = slices(batches, this.threads + 1);
    return {
      accuracy: async (chip, key) => {
        const there = cuts.slice(1).map(([from, to]) => handled(this.run<number>({ kind: "correct", chip: chip ?? null, key: [...key], from, to })));
        const mine = await here(chip, key, cuts[0]![0], cuts[0]![1]);
        const parts = [mine, ...(await Promise.all(there))];
        return rows ? parts.reduce((a, b) => a + b, 0) / rows : 0;
      },
    };
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
