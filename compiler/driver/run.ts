/**
 * The driver's running products, each one call from a checked Program: `train` (the training
 * loop on the compiled programs, with the rule's stepper), `evaluate` (twin and device accuracy
 * over K chips, at any time after programming), `infer` (predictions for rows of features).
 * All three compile the same programs through Program.compile with the same device settings, so
 * what `eval` measures is what `train` trained and what `infer` predicts. The callers (CLI,
 * tests, tools) do the printing.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Span } from "../../diagnostics/span.js";
import { fileSpan } from "../../diagnostics/span.js";
import { sampleChip } from "../../runtime/init.js";
import { MetricsWriter, type ProgressReporter } from "../../runtime/metrics.js";
import { readParams } from "../../runtime/run-state.js";
import { keys } from "../../runtime/streams.js";
import { accuracy, CHECKPOINT_FILE, chipAccuracies, meanStd, predict, train, type CheckpointCadence, type TrainOutcome } from "../../runtime/trainer.js";
import { UsageError } from "./errors.js";
import { defaultWorkers } from "./parallel/pool.js";
import { dataParallelRun } from "./parallel/train.js";
import { evaluateOnWorkers } from "./parallel/evaluate.js";
import { graphFlops } from "../ir/flops.js";
import type { Program } from "./program.js";

export interface TrainRequest {
  /** Overrides the train block's epochs (a resumed run may be extended). */
  readonly epochs?: number;
  readonly outDir: string;
  readonly resume?: boolean;
  readonly backend: string;
  readonly progress: ProgressReporter;
  readonly checkpoint?: CheckpointCadence;
  /** Threads for data-parallel training (train blocks with shards > 1; docs/scaling.md). Default: one per core. */
  readonly workers?: number;
}

export type TrainResult = (TrainOutcome & { readonly kind: "finished" }) | { readonly kind: "trained"; readonly summary: Record<string, unknown> };

/** Removes temporary files a killed run left behind (`<file>.tmp-<pid>` of a process that is gone). */
function removeStaleTemporaries(dir: string): void {
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const f of entries) {
    const m = /\.tmp-(\d+)$/.exec(f);
    if (!m) continue;
    let alive = true;
    try {
      process.kill(Number(m[1]), 0);
    } catch (e) {
      alive = (e as NodeJS.ErrnoException).code === "EPERM";
    }
    if (!alive) fs.rmSync(path.join(dir, f), { force: true });
  }
}

export async function trainProduct(p: Program, r: TrainRequest): Promise<TrainResult> {
  const epochs = r.epochs ?? p.train.epochs;
  if (r.resume && !fs.existsSync(path.join(r.outDir, CHECKPOINT_FILE))) throw new UsageError(`--resume: no checkpoint in ${r.outDir}`);
  removeStaleTemporaries(r.outDir);
  const data = p.dataset();
  const parallel = p.train.shards > 1 ? await dataParallelRun(p, r.backend, r.workers ?? defaultWorkers(), data) : undefined;
  const { spec, programs } = parallel ?? (await p.compile(r.backend, p.train.batch));
  const metrics = new MetricsWriter(r.outDir, { append: !!r.resume });
  let outcome: TrainOutcome;
  try {
    outcome = await train(
      spec,
      programs,
      data,
      { epochs, seed: p.train.seed, chips: p.train.chips, optimizer: p.train.optimizer, identity: { network: spec.network, rule: p.rule.name, sourceHash: p.sourceHash, configHash: p.configHash, seed: p.train.seed } },
      {
        outDir: r.outDir,
        resume: !!r.resume,
        progress: r.progress,
        metrics,
        span: p.train.span,
        makeStepper: parallel?.makeStepper ?? p.stepper(),
        ...(parallel ? { placeState: parallel.placeState, ...(parallel.evaluator ? { evaluator: parallel.evaluator } : {}) } : {}),
        ...(r.checkpoint ? { checkpoint: r.checkpoint } : {}),
      },
    );
  } finally {
    await parallel?.close();
  }
  if (outcome.kind === "finished") return outcome;
  const summary = { ...outcome.summary, ...(parallel ? { shards: p.train.shards, workers: parallel.threads } : {}), dataset: p.train.data.name, train_samples: data.train.n, test_samples: data.test.n, checkpoint: path.join(r.outDir, CHECKPOINT_FILE) };
  metrics.summary(summary);
  return { kind: "trained", summary };
}

export interface EvalRequest {
  readonly weights: string;
  readonly chips?: number;
  /** Seconds after programming (drift). */
  readonly time?: number;
  readonly backend: string;
  /**
   * Threads the chips are spread over; the numbers do not depend on it. Default: one per core
   * when the chips' evaluation is large enough to repay starting the threads (POOL_WORTH_FLOPS),
   * else this thread.
   */
  readonly workers?: number;
}

export interface EvalResult {
  readonly network: string;
  readonly test_samples: number;
  readonly test_accuracy: number;
  readonly chips?: number;
  readonly time_s?: number;
  readonly device_test_accuracy?: number;
  readonly device_test_accuracy_mean?: number;
  readonly device_test_accuracy_std?: number;
  readonly twin_device_gap?: number;
  readonly per_chip?: number[];
}

/** Digital work (FLOPs) of a multi-chip evaluation below which starting worker threads (about a second) costs more than it saves. */
export const POOL_WORTH_FLOPS = 5e9;

export async function evaluateProduct(p: Program, r: EvalRequest): Promise<EvalResult> {
  const time = r.time ?? 0;
  const chips = r.chips ?? p.train.chips;
  const data = p.dataset();
  const spec = p.spec();
  const { params } = readParams(r.weights, spec, fileSpan(r.weights));
  const work = () => graphFlops(p.inferGraph(true, p.train.batch, { time })) * Math.ceil(data.test.n / p.train.batch) * chips;
  const workers = !spec.hasDevice ? 1 : Math.min(chips, r.workers ?? (work() >= POOL_WORTH_FLOPS ? defaultWorkers() : 1));
  let twin: number;
  let accs: number[] = [];
  if (workers > 1) ({ twin, perChip: accs } = await evaluateOnWorkers(p, r.backend, { time }, params, data, chips, workers));
  else {
    const { programs } = await p.compile(r.backend, p.train.batch, { time }, true);
    twin = await accuracy(spec, programs.inferTwin, data.test, params, undefined, keys.evalTwin(p.train.seed));
    if (programs.inferDevice) accs = await chipAccuracies(spec, programs.inferDevice, data.test, params, p.train.seed, chips);
  }
  const base = { network: spec.network, test_samples: data.test.n, test_accuracy: twin };
  if (!spec.hasDevice) return base;
  const ms = meanStd(accs);
  return { ...base, chips, time_s: time, device_test_accuracy: accs[0], device_test_accuracy_mean: ms.mean, device_test_accuracy_std: ms.std, twin_device_gap: twin - ms.mean, per_chip: accs };
}

export interface InferRequest {
  readonly weights: string;
  /** Rows of features, row-major. */
  readonly rows: Float64Array;
  readonly count: number;
  /** On simulated chip `chip` instead of the twin. */
  readonly chip?: number;
  readonly time?: number;
  readonly backend: string;
  /** Rows per program run (default 1: `pnn infer` is for a few rows; the same function of each row at any batch). */
  readonly batch?: number;
  /** Where input problems point. */
  readonly span?: Span;
}

export async function inferProduct(p: Program, r: InferRequest): Promise<{ classes: number[]; scores: number[][] }> {
  const { spec, programs } = await p.compile(r.backend, r.batch ?? 1, { time: r.time ?? 0 }, true);
  const { params } = readParams(r.weights, spec, fileSpan(r.weights));
  const onDevice = r.chip !== undefined && programs.inferDevice;
  const chip = onDevice ? sampleChip(spec.chipVars, p.train.seed, r.chip!) : undefined;
  return predict(spec, onDevice ? programs.inferDevice! : programs.inferTwin, r.rows, r.count, params, chip, keys.infer(p.train.seed, r.chip ?? 0));
}
