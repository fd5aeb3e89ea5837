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
import type { PassStat } from "../passes/pipeline.js";
import { UsageError } from "./errors.js";
import type { Program } from "./program.js";

export interface TrainRequest {
  /** Overrides the train block's epochs (a resumed run may be extended). */
  readonly epochs?: number;
  readonly outDir: string;
  readonly resume?: boolean;
  readonly backend: string;
  readonly progress: ProgressReporter;
  readonly checkpoint?: CheckpointCadence;
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
export function trainConfig(p: Program, spec: ModelSpec, epochs = p.train.epochs): TrainConfig {
  return { epochs, seed: p.train.seed, chips: p.train.chips, optimizer: p.train.optimizer, identity: { network: spec.network, rule: p.rule.name, sourceHash: p.sourceHash, configHash: p.configHash, seed: p.train.seed } };
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
  const { spec, programs, passes } = await p.compile(r.backend, p.train.batch);
  r.progress.compiled({ programs: passSummary(passes) });
  const metrics = new MetricsWriter(r.outDir, { append: !!r.resume });
  const outcome = await train(
    spec,
    programs,
    data,
    trainConfig(p, spec, epochs),
    { outDir: r.outDir, resume: !!r.resume, progress: r.progress, metrics, span: p.train.span, makeStepper: p.stepper(), ...(r.checkpoint ? { checkpoint: r.checkpoint } : {}) },
  );
  if (outcome.kind === "finished") return outcome;
  const summary = { ...outcome.summary, dataset: p.train.data.name, train_samples: data.train.n, test_samples: data.test.n, checkpoint: path.join(r.outDir, CHECKPOINT_FILE) };
  metrics.summary(summary);
  return { kind: "trained", summary };
}

export interface EvalRequest {
  readonly weights: string;
  readonly chips?: number;
  /** Seconds after programming (drift). */
  readonly time?: number;
  readonly backend: string;
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

export async function evaluateProduct(p: Program, r: EvalRequest): Promise<EvalResult> {
  const time = r.time ?? 0;
  const chips = r.chips ?? p.train.chips;
  requireInputFile(r.weights, "--weights");
  const data = p.dataset();
  const { spec, programs } = await p.compile(r.backend, p.train.batch, { time }, { inferenceOnly: true });
  const { params } = readParams(r.weights, spec, fileSpan(r.weights));
  const twin = await accuracy(spec, programs.inferTwin, data.test, params, undefined, keys.evalTwin(p.train.seed));
  const base = { network: spec.network, test_samples: data.test.n, test_accuracy: twin };
  if (!programs.inferDevice) return base;
  const accs = await chipAccuracies(spec, programs.inferDevice, data.test, params, p.train.seed, chips);
  const ms = meanStd(accs);
  return { ...base, chips, time_s: time, device_test_accuracy: accs[0], device_test_accuracy_mean: ms.mean, device_test_accuracy_std: ms.std, twin_device_gap: twin - ms.mean, per_chip: accs };
}

export interface InferRequest {
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
  const { spec, programs } = await p.compile(r.backend, r.batch ?? 1, { time: r.time ?? 0 }, { inferenceOnly: true });
  if (r.chip !== undefined && !programs.inferDevice) throw new UsageError(`--device: network ${spec.network} has no device model (no device variables or device-only effects), so a chip computes what the twin does; leave out --device`);
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
  const chip = r.chip !== undefined ? sampleChip(spec.chipVars, p.train.seed, r.chip) : undefined;
  const out = await predict(spec, chip ? programs.inferDevice! : programs.inferTwin, values, count, params, chip, keys.infer(p.train.seed, r.chip ?? 0));
  out.scores.forEach((row, i) => {
    if (row.every(Number.isFinite)) return;
    let big = 0;
    for (let j = 0; j < spec.features; j++) big = Math.max(big, Math.abs(values[i * spec.features + j]!));
    const message = `row ${i + 1}: the network's outputs are not finite (${row.find((v) => !Number.isFinite(v))}) for this input, whose largest ${rows && r.raw ? "normalised " : ""}value is ${big.toPrecision(4)}; it is far outside what the network was trained on`;
    throw new UserError(diag("PNN6005", rows ? rowSpan(rows, i) : fileSpan("--input"), message));
  });
  return { ...out, ...(data ? { classNames: data.classNames } : {}) };
}
