/**
 * One run of a sweep as a job (docs/scaling.md): plain data that travels to a worker thread or
 * through the Redis queue — the program's text and the files its checker read (so a worker on
 * another machine needs neither), the run's overrides, the backend — and `runJob`, which trains it
 * into a run folder exactly as `pnn train --set … --out DIR` would (run.json, metrics.jsonl,
 * checkpoint, summary.json), resuming the folder's checkpoint if a killed attempt left one, and
 * returns the run's row of the results table. A run whose program or overrides are wrong, or that
 * diverges, gives a row with status "failed" and the diagnostic (such a job is not retried).
 * Data sets are not carried: the worker loads what the program names (built-in sets, the mnist
 * package, or a data file at the same path).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DiagnosticsError, Session, trainProduct } from "../compiler/driver/index.js";
import type { Assignment } from "../compiler/driver/overrides.js";
import { UserError } from "../diagnostics/catalog.js";
import { formatDiagnostic } from "../diagnostics/format.js";
import { ProgressReporter } from "../runtime/metrics.js";
import { CHECKPOINT_FILE } from "../runtime/run-state.js";
import { writeRunRecord } from "../report/collect.js";

export interface SweepJob {
  /** The sweep's id and the run's (sweep/spec.ts). */
  readonly sweep: string;
  readonly run: string;
  readonly index: number;
  readonly axes: Readonly<Record<string, string>>;
  readonly program: { readonly file: string; readonly source: string; readonly reads: Readonly<Record<string, string>> };
  readonly set: readonly Assignment[];
  readonly backend: string;
}

/** The results of a run, as the summary names them (the table's columns after the axes). */
export const RESULT_COLUMNS = [
  "epochs",
  "train_accuracy",
  "test_accuracy",
  "device_test_accuracy",
  "device_test_accuracy_mean",
  "device_test_accuracy_std",
  "twin_device_gap",
  "device_forwards",
  "device_relaxations",
  "device_measurements",
  "digital_flops",
] as const;

/** Measured, so they differ from one execution to the next (kept apart from the results). */
export const TIMING_COLUMNS = ["wall_s", "samples_per_s"] as const;

export interface SweepRow {
  readonly run: string;
  readonly index: number;
  readonly axes: Readonly<Record<string, string>>;
  readonly status: "done" | "failed";
  /** Why a failed run failed (a diagnostic as pnn prints it). */
  readonly error?: string;
  /** RESULT_COLUMNS and TIMING_COLUMNS present in the run's summary. */
  readonly results: Readonly<Record<string, number | null>>;
}

/** A job's failure that running it again would not change (bad overrides, divergence): the queue does not retry it. */
export class RunFailure extends Error {
  constructor(readonly row: SweepRow) {
    super(row.error);
    this.name = "RunFailure";
  }
}

export const SUMMARY_FILE = "summary.json";

/** The row of a finished run folder (its summary.json), or undefined when it has none. */
export function rowFromFolder(job: Pick<SweepJob, "run" | "index" | "axes">, dir: string): SweepRow | undefined {
  let summary: Record<string, unknown>;
  try {
    summary = JSON.parse(fs.readFileSync(path.join(dir, SUMMARY_FILE), "utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const results: Record<string, number | null> = {};
  for (const k of [...RESULT_COLUMNS, ...TIMING_COLUMNS]) if (k in summary) results[k] = typeof summary[k] === "number" ? (summary[k] as number) : null;
  return { run: job.run, index: job.index, axes: job.axes, status: "done", results };
}

function failure(job: SweepJob, error: string): RunFailure {
  return new RunFailure({ run: job.run, index: job.index, axes: job.axes, status: "failed", error, results: {} });
}

/**
 * Trains `job` into `dir` (resuming a checkpoint left there) and returns its row; a finished
 * folder is only read. Throws RunFailure for a run that cannot succeed.
 */
export async function runJob(job: SweepJob, dir: string): Promise<SweepRow> {
  const done = rowFromFolder(job, dir);
  if (done) return done;
  const host = { readFile: (p: string) => job.program.reads[p] };
  let program;
  try {
    program = new Session(job.program.file, job.program.source, host).program({ set: job.set });
  } catch (e) {
    if (e instanceof DiagnosticsError) throw failure(job, e.diagnostics.map((d) => formatDiagnostic(d, e.sources)).join("\n"));
    throw e;
  }
  const progress = new ProgressReporter({ mode: "quiet", out: devNull(), epochs: program.train.epochs });
  const checkpoint = path.join(dir, CHECKPOINT_FILE);
  let resume = fs.existsSync(checkpoint);
  try {
    if (!resume) writeRunRecord(dir, program, { backend: job.backend, epochs: program.train.epochs });
    let r = await trainProduct(program, { outDir: dir, resume, backend: job.backend, progress, workers: 1 });
    if (r.kind === "finished") {
      // killed after its last checkpoint but before its summary: train it again from the start
      fs.rmSync(checkpoint, { force: true });
      resume = false;
      writeRunRecord(dir, program, { backend: job.backend, epochs: program.train.epochs });
      r = await trainProduct(program, { outDir: dir, resume, backend: job.backend, progress, workers: 1 });
    }
  } catch (e) {
    if (e instanceof UserError) throw failure(job, formatDiagnostic(e.diagnostic, new Map([[job.program.file, job.program.source]])));
    throw e;
  }
  const row = rowFromFolder(job, dir);
  if (!row) throw new Error(`sweep: run ${job.run} trained but wrote no ${SUMMARY_FILE} in ${dir}`);
  return row;
}

function devNull(): NodeJS.WritableStream {
  return { write: () => true } as unknown as NodeJS.WritableStream;
}
