/**
 * `pnn sweep` (docs/scaling.md): a sweep definition (sweep/spec.ts) and a program in, a results
 * table out. The runs are expanded and named by content; those whose folder under OUT/runs/ holds
 * a summary are finished and are only read (a finished run is never run twice); the others become
 * jobs (sweep/job.ts) and run
 *   - on this machine, on an embedded pool of worker threads (piscina; one thread: in-process), or
 *   - through a Redis queue (sweep/queue.ts) on any number of `pnn worker` processes.
 * Every finished run's row is added to OUT/results.csv and OUT/results.json as it arrives; OUT/
 * sweep.json records the program and the runs. Rows come out in the sweep's order whichever way
 * the runs ran, so the tables agree.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Piscina } from "piscina";
import { workerScript } from "../compiler/driver/parallel/pool.js";
import { assignmentText } from "../compiler/driver/overrides.js";
import { writeFileAtomic } from "../runtime/checkpoint.js";
import { rowFromFolder, type SweepJob, type SweepRow } from "./job.js";
import { resultsTable, writeResults, type Table } from "./results.js";
import type { Sweep } from "./spec.js";

export const SWEEP_RECORD = "sweep.json";
export const RUNS_DIR = "runs";

export interface SweepProgram {
  readonly file: string;
  readonly source: string;
  readonly reads: ReadonlyMap<string, string>;
}

/** Runs jobs somewhere and reports each row as it finishes (failed rows included). */
export interface JobRunner {
  run(jobs: readonly SweepJob[], dirOf: (job: SweepJob) => string, done: (row: SweepRow) => void): Promise<void>;
}

export interface SweepOutcome {
  readonly table: Table;
  readonly files: { readonly csv: string; readonly json: string };
  /** Runs found finished before this invocation, and runs it ran. */
  readonly reused: number;
  readonly ran: number;
  readonly failed: number;
}

export function runDir(outDir: string, runId: string): string {
  return path.join(outDir, RUNS_DIR, runId);
}

/** The jobs of a sweep's runs. */
export function jobsOf(sweep: Sweep, program: SweepProgram, backend: string): SweepJob[] {
  const reads = Object.fromEntries(program.reads);
  return sweep.runs.map((r) => ({ sweep: sweep.id, run: r.id, index: r.index, axes: r.axes, program: { file: path.resolve(program.file), source: program.source, reads }, set: r.set, backend }));
}

export async function runSweep(sweep: Sweep, program: SweepProgram, o: { readonly outDir: string; readonly backend: string; readonly runner: JobRunner; readonly onRow?: (row: SweepRow, finished: number, total: number) => void }): Promise<SweepOutcome> {
  fs.mkdirSync(path.join(o.outDir, RUNS_DIR), { recursive: true });
  const about = {
    format: "pnn-sweep/1",
    program: path.resolve(program.file),
    sweep: sweep.id,
    axes: sweep.axes,
    backend: o.backend,
  };
  writeFileAtomic(
    path.join(o.outDir, SWEEP_RECORD),
    JSON.stringify({ ...about, definition: { set: sweep.definition.set.map(assignmentText), runs: sweep.definition.runs.map((r) => r.map(assignmentText)), grid: sweep.definition.grid }, runs: sweep.runs.map((r) => ({ index: r.index, id: r.id, axes: r.axes, set: r.set.map(assignmentText) })) }, null, 2) + "\n",
  );
  const jobs = jobsOf(sweep, program, o.backend);
  const rows = new Map<string, SweepRow>();
  for (const job of jobs) {
    const row = rowFromFolder(job, runDir(o.outDir, job.run));
    if (row) rows.set(job.run, row);
  }
  const reused = rows.size;
  const write = () => writeResults(o.outDir, resultsTable(sweep.axes, [...rows.values()]), about);
  let files = write();
  let failed = 0;
  const pending = jobs.filter((j) => !rows.has(j.run));
  await o.runner.run(pending, (job) => runDir(o.outDir, job.run), (row) => {
    if (rows.has(row.run) && rows.get(row.run)!.status === "done") return; // already have it: never twice
    rows.set(row.run, row);
    if (row.status === "failed") failed++;
    files = write();
    o.onRow?.(row, rows.size, jobs.length);
  });
  return { table: resultsTable(sweep.axes, [...rows.values()]), files, reused, ran: pending.length, failed };
}

/** The embedded runner: `workers` threads of a piscina pool (one: in this thread, no pool). */
export function localRunner(workers: number): JobRunner {
  return {
    async run(jobs, dirOf, done) {
      if (!jobs.length) return;
      if (workers <= 1) {
        const { default: task } = await import("./thread.js");
        for (const job of jobs) done((await task({ job, dir: dirOf(job) })).row);
        return;
      }
      const pool = new Piscina({ filename: workerScript(import.meta.url, "thread.js"), minThreads: 1, maxThreads: Math.min(workers, jobs.length), idleTimeout: 1000 });
      try {
        await Promise.all(jobs.map(async (job) => done(((await pool.run({ job, dir: dirOf(job) })) as { row: SweepRow }).row)));
      } finally {
        await pool.destroy();
      }
    },
  };
}
