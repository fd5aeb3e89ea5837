/**
 * The driver's running products, each one call from a checked Program: `train` (the training
 * loop on the compiled programs, with the rule's stepper; optionally from a checkpoint's
 * parameters and on another simulated chip: the many-chip recipe, docs/deploy-many-chips.md), `evaluate` (twin and device accuracy
 * over K chips, at any time after programming), `infer` (predictions for rows of features).
 * All three compile the same programs through Program.compile with the same device settings, so
 * what `eval` measures is what `train` trained and what `infer` predicts. The callers (CLI,
 * tests, tools) do the printing.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileSpan } from "../../diagnostics/span.js";
import { fileProblem } from "../../runtime/files.js";
import { sampleChip } from "../../runtime/init.js";
import { MetricsWriter, type ProgressReporter } from "../../runtime/metrics.js";
import { describeData, readDataDescription, readParams, type DataDescription } from "../../runtime/run-state.js";
import { checkScale, normalise, readInputRows, rowSpan, type InputRows } from "../../runtime/data/rows.js";
import type { ModelSpec } from "../../runtime/model.js";
import { diag, UserError } from "../../diagnostics/catalog.js";
import { MAX_CHECKPOINT_BYTES } from "../../diagnostics/limits.js";
import { lockRunDir, removeStaleTemporaries } from "../../runtime/run-dir.js";
import { keys } from "../../runtime/streams.js";
import { accuracy, CHECKPOINT_FILE, chipAccuracies, meanStd, predict, train, type CheckpointCadence, type TrainConfig, type TrainOutcome } from "../../runtime/trainer.js";
import { attachDevices, type TwinValues } from "../../runtime/device/staged.js";
import type { DeviceHub } from "../../runtime/device/hub.js";
import type { Programs } from "../../runtime/program.js";
import type { PassStat } from "../passes/pipeline.js";
import { isStaged, startingTwin, withDevices, type DeviceRequest } from "./devices.js";
import { UsageError } from "./errors.js";
import { defaultWorkers } from "./parallel/pool.js";
import { dataParallelRun } from "./parallel/train.js";
import { evaluateOnWorkers } from "./parallel/evaluate.js";
import { graphFlops } from "../ir/flops.js";
import type { Program } from "./program.js";

export interface TrainRequest extends DeviceRequest {
  /** Overrides the train block's epochs (a resumed run may be extended). */
  readonly epochs?: number;
  readonly outDir: string;
  readonly resume?: boolean;
  readonly backend: string;
  readonly progress: ProgressReporter;
  readonly checkpoint?: CheckpointCadence;
  /** Work after each epoch with the staged programs, the twin's estimates and the devices (calibration at chosen epochs). */
  readonly afterEpoch?: (programs: Programs, twin: TwinValues, hub: DeviceHub | undefined) => ((epoch: number) => Promise<Record<string, number> | undefined>) | undefined;
  /** Start from this checkpoint's parameters (a fine-tune; fresh optimizer state, epochs from 0). */
  readonly from?: string;
  /** The simulated chip to train on (rules that run on the device); default 0. */
  readonly chip?: number;
  /** Threads for data-parallel training (train blocks with shards > 1; docs/scaling.md). Default: one per core. */
  readonly workers?: number;
}

export type TrainResult = (TrainOutcome & { readonly kind: "finished" }) | { readonly kind: "trained"; readonly summary: Record<string, unknown> };

/**
 * Creates and locks a run folder (`--out`): a usage error naming the path and the reason when it
 * cannot be one (a file, under a file, empty, read-only …) or when another pnn process is
 * writing into it. Re-entrant in one process; call `release()` when done.
 */
export function openRunDirectory(dir: string, flag = "--out"): { release(): void } {
  const lock = lockRunDir(dir, flag);
  if (!lock.ok) throw new UsageError(lock.problem);
  return lock;
}

/**
 * A file named by a flag (`--weights`) must exist and be a regular file of a plausible size:
 * otherwise a usage error (exit 2), like a missing .pnn file. What is inside is the reader's
 * to judge (a corrupt checkpoint is PNN6003).
 */
export function requireInputFile(file: string, flag: string, maxBytes = MAX_CHECKPOINT_BYTES): void {
  if (!fs.existsSync(file)) {
    let onTheWay = "";
    try {
      fs.statSync(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOTDIR") onTheWay = " (a folder on the way is a file)";
    }
    throw new UsageError(`${flag} ${file}: file not found${onTheWay}`);
  }
  const bad = fileProblem(file, maxBytes);
  if (bad) throw new UsageError(`${flag} ${file}: ${bad.problem}`);
}

/** The trainer's configuration for a program: its epochs (or `epochs`), seed, chips, optimizer and the run's identity. */
export function trainConfig(p: Program, spec: ModelSpec, epochs = p.train.epochs, chip = 0): TrainConfig {
  // the trained chip is part of the run's configuration: --resume on another chip is refused
  const configHash = chip === 0 ? p.configHash : createHash("sha256").update(`${p.configHash}|chip ${chip}`).digest("hex").slice(0, 16);
  return { epochs, seed: p.train.seed, chips: p.train.chips, optimizer: p.train.optimizer, chip, identity: { network: spec.network, rule: p.rule.name, sourceHash: p.sourceHash, configHash, seed: p.train.seed } };
}

/** Per program: IR nodes as lowered and after the pipeline, and each pass's node counts and time (`pnn train --json`'s compile record). */
function passSummary(passes: Readonly<Record<string, readonly PassStat[]>>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(passes).map(([program, stats]) => [
      program,
      {
        nodes_lowered: stats[0]?.nodesBefore ?? null,
        nodes: stats.length ? stats[stats.length - 1]!.nodesAfter : null,
        per_pass: stats.map((s) => ({ pass: s.pass, before: s.nodesBefore, after: s.nodesAfter, ms: Math.round(s.ms * 100) / 100 })),
      },
    ]),
  );
}

export async function trainProduct(p: Program, r: TrainRequest): Promise<TrainResult> {
  const epochs = r.epochs ?? p.train.epochs;
  if (r.resume && !fs.existsSync(path.join(r.outDir, CHECKPOINT_FILE))) throw new UsageError(`--resume: no checkpoint in ${r.outDir}`);
  if (r.resume && r.from) throw new UsageError("--from starts a new run from a checkpoint's parameters; --resume continues the run in --out: use one of them");
  const run = openRunDirectory(r.outDir);
  try {
    return await trainLocked(p, r, epochs);
  } finally {
    run.release();
  }
}

async function trainLocked(p: Program, r: TrainRequest, epochs: number): Promise<TrainResult> {
  removeStaleTemporaries(r.outDir);
  const data = p.dataset();
  if (p.train.shards > 1 && isStaged(p.spec()))
    throw new UsageError(`shards = ${p.train.shards}: a network with an external layer (on its device or --simulate'd, with the twin's estimates of it) trains on one thread; use shards = 1`);
  if (p.train.shards > 1 && (r.chip ?? 0) !== 0) throw new UsageError(`--chip ${r.chip}: data-parallel training (shards = ${p.train.shards}) trains on chip 0 only; use shards = 1 to fine-tune on another chip`);
  const parallel = p.train.shards > 1 ? await dataParallelRun(p, r.backend, r.workers ?? defaultWorkers(), data) : undefined;
  const { spec, programs: compiled, passes } = parallel ? { ...parallel, passes: {} } : await p.compile(r.backend, p.train.batch);
  r.progress.compiled({ programs: passSummary(passes) });
  const initialParams = r.from ? readParams(r.from, spec, fileSpan(r.from)).params : undefined;
  const twin = startingTwin(spec, p.train.seed, r);
  const metrics = new MetricsWriter(r.outDir, { append: !!r.resume });
  let outcome: TrainOutcome;
  try {
    outcome = await withDevices(spec, compiled, r, twin, (programs, hub) => {
      const afterEpoch = r.afterEpoch?.(programs, twin, hub);
      return train(spec, programs, data, trainConfig(p, spec, epochs, r.chip ?? 0), {
        outDir: r.outDir,
        resume: !!r.resume,
        progress: r.progress,
        metrics,
        span: p.train.span,
        makeStepper: parallel?.makeStepper ?? p.stepper(),
        ...(parallel ? { placeState: parallel.placeState, ...(parallel.evaluator ? { evaluator: parallel.evaluator } : {}) } : {}),
        ...(r.checkpoint ? { checkpoint: r.checkpoint } : {}),
        twin,
        ...(hub ? { devices: hub } : {}),
        ...(initialParams ? { initialParams } : {}),
        ...(afterEpoch ? { afterEpoch } : {}),
      });
    });
  } finally {
    await parallel?.close();
  }
  if (outcome.kind === "finished") return outcome;
  const summary = { ...outcome.summary, ...(parallel ? { shards: p.train.shards, workers: parallel.threads } : {}), dataset: p.train.data.name, train_samples: data.train.n, test_samples: data.test.n, checkpoint: path.join(r.outDir, CHECKPOINT_FILE) };
  metrics.summary(summary);
  return { kind: "trained", summary };
}

export interface EvalRequest extends DeviceRequest {
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
  requireInputFile(r.weights, "--weights");
  const data = p.dataset();
  const spec = p.spec();
  const { params } = readParams(r.weights, spec, fileSpan(r.weights));
  const work = () => graphFlops(p.inferGraph(true, p.train.batch, { time })) * Math.ceil(data.test.n / p.train.batch) * chips;
  // a staged model (external devices, the twin's estimates of them) is evaluated on this thread
  const workers = !spec.hasDevice || isStaged(spec) ? 1 : Math.min(chips, r.workers ?? (work() >= POOL_WORTH_FLOPS ? defaultWorkers() : 1));
  let twin: number;
  let accs: number[] = [];
  if (workers > 1) ({ twin, perChip: accs } = await evaluateOnWorkers(p, r.backend, { time }, params, data, chips, workers));
  else {
    const { programs: compiled } = await p.compile(r.backend, p.train.batch, { time }, { inferenceOnly: true });
    ({ twin, accs } = await withDevices(spec, compiled, r, startingTwin(spec, p.train.seed, r, r.weights), async (programs) => ({
      twin: await accuracy(spec, programs.inferTwin, data.test, params, undefined, keys.evalTwin(p.train.seed)),
      accs: programs.inferDevice ? await chipAccuracies(spec, programs.inferDevice, data.test, params, p.train.seed, chips) : [],
    })));
  }
  const base = { network: spec.network, test_samples: data.test.n, test_accuracy: twin };
  if (!accs.length) return base;
  const ms = meanStd(accs);
  return { ...base, chips, time_s: time, device_test_accuracy: accs[0], device_test_accuracy_mean: ms.mean, device_test_accuracy_std: ms.std, twin_device_gap: twin - ms.mean, per_chip: accs };
}

export interface InferRequest extends DeviceRequest {
  readonly weights: string;
  /** Rows of features, row-major (already numbers: tests, tools) … */
  readonly rows?: Float64Array;
  readonly count?: number;
  /** … or the text of `--input` (a file's, or the flag's own), refused or used whole (runtime/data/rows.ts). */
  readonly input?: { readonly text: string; readonly file: string };
  /** The rows are raw features: normalise them as training did (the checkpoint's normalisation). */
  readonly raw?: boolean;
  /** On simulated chip `chip` instead of the twin. */
  readonly chip?: number;
  readonly time?: number;
  readonly backend: string;
  /** Rows per program run (default 1: `pnn infer` is for a few rows; the same function of each row at any batch). */
  readonly batch?: number;
}

export interface InferResult {
  readonly classes: number[];
  readonly scores: number[][];
  /** The training data's class names, in output order, when the checkpoint (or the data set) knows them. */
  readonly classNames?: readonly string[];
}

/** What the training data looked like: from the checkpoint, or (older checkpoints) by loading the data set; undefined if neither can tell. */
function dataOf(p: Program, metadata: Record<string, string>, spec: ModelSpec, weights: string): DataDescription | undefined {
  const recorded = readDataDescription(metadata, spec, weights, fileSpan(weights));
  if (recorded) return recorded;
  try {
    return describeData(p.dataset());
  } catch (e) {
    if (e instanceof UserError) return undefined; // the data set cannot be loaded here: infer without its names
    throw e;
  }
}

export async function inferProduct(p: Program, r: InferRequest): Promise<InferResult> {
  requireInputFile(r.weights, "--weights");
  const { spec, programs: compiled } = await p.compile(r.backend, r.batch ?? 1, { time: r.time ?? 0 }, { inferenceOnly: true });
  if (r.chip !== undefined && !compiled.inferDevice && !spec.externals.length) throw new UsageError(`--device: network ${spec.network} has no device model (no device variables or device-only effects), so a chip computes what the twin does; leave out --device`);
  const { params, metadata } = readParams(r.weights, spec, fileSpan(r.weights));
  const data = dataOf(p, metadata, spec, r.weights);
  let rows: InputRows | undefined;
  if (r.input) {
    rows = readInputRows(r.input.text, r.input.file, spec.features, data?.featureNames);
    if (r.raw) {
      if (!data?.normalization) throw new UsageError(`--raw: ${data ? `data set ${data.name} uses its features as they are (no normalisation)` : "the checkpoint records no normalisation and the data set cannot be loaded"}; leave out --raw`);
      normalise(rows, data.normalization, data.name);
    } else if (data?.normalization) checkScale(rows, data.normalization, data.name);
  } else if (r.raw) throw new UsageError("--raw needs the rows as text (--input)");
  const values = rows?.values ?? r.rows;
  const count = rows?.count ?? r.count;
  if (!values || count === undefined) throw new UsageError("infer: no input rows");
  const onDevice = r.chip !== undefined && !!compiled.inferDevice;
  const chip = onDevice ? sampleChip(spec.chipVars, p.train.seed, r.chip!) : undefined;
  const run = (programs: typeof compiled) => predict(spec, onDevice ? programs.inferDevice! : programs.inferTwin, values, count, params, chip, keys.infer(p.train.seed, r.chip ?? 0));
  const twin = startingTwin(spec, p.train.seed, r, r.weights);
  // external devices are opened only to run on them; the twin needs only its estimates
  const out = !onDevice && spec.twinVars.length ? await run(attachDevices(compiled, [], spec.externals, twin)) : await withDevices(spec, compiled, r, twin, run);
  out.scores.forEach((row, i) => {
    if (row.every(Number.isFinite)) return;
    let big = 0;
    for (let j = 0; j < spec.features; j++) big = Math.max(big, Math.abs(values[i * spec.features + j]!));
    const message = `row ${i + 1}: the network's outputs are not finite (${row.find((v) => !Number.isFinite(v))}) for this input, whose largest ${rows && r.raw ? "normalised " : ""}value is ${big.toPrecision(4)}; it is far outside what the network was trained on`;
    throw new UserError(diag("PNN6005", rows ? rowSpan(rows, i) : fileSpan("--input"), message));
  });
  return { ...out, ...(data ? { classNames: data.classNames } : {}) };
}
