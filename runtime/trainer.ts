/**
 * The training loop and evaluation. Works on any backend's Executables (it cannot tell which):
 * seeded shuffling per epoch, fixed-size batches (the last one padded with zero-weight rows, so
 * one compiled program serves every batch), optimizer steps, per-epoch test accuracy on the twin
 * and on the trained chip, atomic checkpoints every epoch, and resume that reproduces an
 * uninterrupted run exactly (all randomness is keyed by seed, epoch, step and chip).
 */
import * as path from "node:path";
import { diag, UserError } from "../diagnostics/catalog.js";
import { fileSpan, type Span } from "../diagnostics/span.js";
import type { Executable } from "./backend.js";
import { loadCheckpoint, saveCheckpoint, type CheckpointTensor } from "./checkpoint.js";
import type { Dataset, Split } from "./data/index.js";
import { initParams, sampleChip } from "./init.js";
import type { MetricsWriter, ProgressReporter } from "./metrics.js";
import type { ModelSpec } from "./model.js";
import { newOptimizerState, optimizerStep, type OptimizerConfig, type OptimizerState } from "./optim.js";
import { Stream } from "./rng.js";
import { baseInputs, tensor } from "./rules/bind.js";
import { RULE_RUNTIMES, type StepCost } from "./rules/index.js";

export interface Programs {
  readonly inferTwin: Executable;
  readonly inferDevice?: Executable;
  /** The rule's own programs (e.g. `train`), by name; see runtime/rules/. */
  readonly rule: Readonly<Record<string, Executable>>;
  /** Digital FLOPs of one run of each rule program, by name. */
  readonly flops: Readonly<Record<string, number>>;
}

export interface TrainConfig {
  readonly rule: string;
  /** The rule's options (defaults filled in). */
  readonly ruleOptions?: Readonly<Record<string, number | boolean | string>>;
  readonly epochs: number;
  readonly seed: number;
  readonly chips: number;
  readonly optimizer: OptimizerConfig;
}

export interface TrainOptions {
  readonly outDir?: string;
  readonly resume?: boolean;
  readonly progress: ProgressReporter;
  readonly metrics?: MetricsWriter;
  /** Hash of the source, stored in checkpoints so a resume uses the same program. */
  readonly sourceHash: string;
  readonly span: Span;
}

export type Params = Map<string, Float64Array>;

function fillBatch(split: Split, order: ArrayLike<number>, start: number, batch: number, features: number, x: Float64Array, labels: Int32Array, weights: Float64Array): number {
  const n = Math.min(batch, order.length - start);
  x.fill(0);
  labels.fill(0);
  weights.fill(0);
  for (let r = 0; r < n; r++) {
    const i = order[start + r];
    x.set(split.x.subarray(i * features, (i + 1) * features), r * features);
    labels[r] = split.y[i];
    weights[r] = 1 / n;
  }
  return n;
}

function argmaxCorrect(logits: ArrayLike<number>, labels: Int32Array, n: number, classes: number): number {
  let correct = 0;
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[r * classes + c] > logits[r * classes + best]) best = c;
    if (best === labels[r]) correct++;
  }
  return correct;
}

/** Accuracy of `exe` (an infer program) on a split; chip = undefined on the twin. */
export function accuracy(spec: ModelSpec, exe: Executable, split: Split, params: Params, chip: Params | undefined, key: readonly number[]): number {
  const B = spec.batch;
  const x = new Float64Array(B * spec.features);
  const labels = new Int32Array(B);
  const weights = new Float64Array(B);
  const inputs = baseInputs(exe, params, chip);
  const order = Int32Array.from({ length: split.n }, (_, i) => i);
  let correct = 0;
  for (let start = 0, k = 0; start < split.n; start += B, k++) {
    const n = fillBatch(split, order, start, B, spec.features, x, labels, weights);
    inputs.x = tensor("f32", [B, spec.features], x);
    inputs.key = tensor("i32", [4], Int32Array.from([key[0], key[1], key[2], k]));
    const out = exe.run(inputs);
    correct += argmaxCorrect(out.logits.data, labels, n, spec.classes);
  }
  return split.n ? correct / split.n : 0;
}

/** Predictions (class index and scores) for rows of features. */
export function predict(spec: ModelSpec, exe: Executable, rows: Float64Array, count: number, params: Params, chip: Params | undefined, key: readonly number[]): { classes: number[]; scores: number[][] } {
  const split: Split = { x: rows, y: new Int32Array(count), n: count };
  const B = spec.batch;
  const x = new Float64Array(B * spec.features);
  const labels = new Int32Array(B);
  const weights = new Float64Array(B);
  const inputs = baseInputs(exe, params, chip);
  const order = Int32Array.from({ length: count }, (_, i) => i);
  const classes: number[] = [];
  const scores: number[][] = [];
  for (let start = 0, k = 0; start < count; start += B, k++) {
    const n = fillBatch(split, order, start, B, spec.features, x, labels, weights);
    inputs.x = tensor("f32", [B, spec.features], x);
    inputs.key = tensor("i32", [4], Int32Array.from([key[0], key[1], key[2], k]));
    const logits = exe.run(inputs).logits.data;
    for (let r = 0; r < n; r++) {
      const row = Array.from(logits.slice(r * spec.classes, (r + 1) * spec.classes) as ArrayLike<number>);
      scores.push(row);
      classes.push(row.indexOf(Math.max(...row)));
    }
  }
  return { classes, scores };
}

/** Device accuracy over chips 0..K−1 (chip 0 is the chip a physics-aware run trained on). */
export function chipAccuracies(spec: ModelSpec, exe: Executable, split: Split, params: Params, seed: number, chips: number): number[] {
  const out: number[] = [];
  for (let c = 0; c < chips; c++) out.push(accuracy(spec, exe, split, params, sampleChip(spec.chipVars, seed, c), [seed, c, 0x7ffffff0]));
  return out;
}

export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length));
  return { mean, std };
}

// ── checkpoints ──────────────────────────────────────────────────────────────
export const CHECKPOINT_FILE = "checkpoint.safetensors";

export function writeCheckpoint(file: string, spec: ModelSpec, params: Params, state: OptimizerState | undefined, meta: Record<string, string>): void {
  const tensors = new Map<string, CheckpointTensor>();
  for (const p of spec.params) {
    tensors.set(p.path, { dtype: "F64", shape: [...p.shape], data: params.get(p.path)! });
    if (state) {
      tensors.set(`optimizer.m:${p.path}`, { dtype: "F64", shape: [...p.shape], data: state.m.get(p.path)! });
      tensors.set(`optimizer.v:${p.path}`, { dtype: "F64", shape: [...p.shape], data: state.v.get(p.path)! });
    }
  }
  saveCheckpoint(file, tensors, { format: "pnn-checkpoint/1", network: spec.network, optimizer_step: String(state?.step ?? 0), ...meta });
}

/** Reads parameters (and optimizer state if present) and checks they fit the model (PNN6004). */
export function readCheckpoint(file: string, spec: ModelSpec, span?: Span): { params: Params; state?: OptimizerState; metadata: Record<string, string> } {
  const ck = loadCheckpoint(file, span);
  const where = span ?? fileSpan(file);
  const params: Params = new Map();
  for (const p of spec.params) {
    const t = ck.tensors.get(p.path);
    if (!t) throw new UserError(diag("PNN6004", where, `${file} has no tensor '${p.path}' (network ${spec.network}${ck.metadata.network ? `; the checkpoint is for ${ck.metadata.network}` : ""})`));
    if (t.shape.join(",") !== p.shape.join(",")) throw new UserError(diag("PNN6004", where, `${file}: '${p.path}' has shape [${t.shape}] but the network needs [${p.shape}]`));
    const v = Float64Array.from(t.data as ArrayLike<number>);
    if (v.some((x) => !Number.isFinite(x))) throw new UserError(diag("PNN6003", where, `${file}: '${p.path}' holds non-finite values`));
    params.set(p.path, v);
  }
  let state: OptimizerState | undefined;
  if (spec.params.every((p) => ck.tensors.has(`optimizer.m:${p.path}`))) {
    state = newOptimizerState(params);
    state.step = Number(ck.metadata.optimizer_step ?? 0);
    for (const p of spec.params) {
      state.m.set(p.path, Float64Array.from(ck.tensors.get(`optimizer.m:${p.path}`)!.data as ArrayLike<number>));
      state.v.set(p.path, Float64Array.from(ck.tensors.get(`optimizer.v:${p.path}`)!.data as ArrayLike<number>));
    }
  }
  return { params, ...(state ? { state } : {}), metadata: ck.metadata };
}

// ── training ─────────────────────────────────────────────────────────────────
export function train(spec: ModelSpec, programs: Programs, data: Dataset, cfg: TrainConfig, opts: TrainOptions): Record<string, unknown> {
  const B = spec.batch;
  let params = initParams(spec.params, cfg.seed);
  let state = newOptimizerState(params);
  let firstEpoch = 1;
  const ckptFile = opts.outDir ? path.join(opts.outDir, CHECKPOINT_FILE) : undefined;
  if (opts.resume && ckptFile) {
    const ck = readCheckpoint(ckptFile, spec, opts.span);
    if (ck.metadata.source_hash && ck.metadata.source_hash !== opts.sourceHash)
      throw new UserError(diag("PNN6004", opts.span, `${ckptFile} was written by a different version of this program; start a new run (without --resume) or restore the source`));
    if (!ck.state) throw new UserError(diag("PNN6004", opts.span, `${ckptFile} has no optimizer state to resume from`));
    params = ck.params;
    state = ck.state;
    firstEpoch = Number(ck.metadata.epoch ?? 0) + 1;
  }
  const ranges = new Map(spec.params.filter((p) => p.range).map((p) => [p.path, p.range!]));
  const trainChip = sampleChip(spec.chipVars, cfg.seed, 0);
  const x = new Float64Array(B * spec.features);
  const labels = new Int32Array(B);
  const weights = new Float64Array(B);
  const makeRule = RULE_RUNTIMES[cfg.rule];
  if (!makeRule) throw new UserError(diag("PNN5001", opts.span, `rule ${cfg.rule} has no runtime in this build`));
  // Parameters are bound once: the optimizer updates these arrays in place.
  const rule = makeRule({ spec, programs: programs.rule, flops: programs.flops, params, ...(spec.hasDevice ? { chip: trainChip } : {}), options: cfg.ruleOptions ?? {}, seed: cfg.seed, trainSamples: data.train.n, optimizer: { config: cfg.optimizer, state } });
  const cost: Required<StepCost> = { deviceForwards: 0, relaxations: 0, measurements: 0, digitalFlops: 0 };
  const batches = Math.ceil(data.train.n / B);
  const started = performance.now();
  let last: Record<string, number> = {};
  let trainSeconds = 0;
  let samples = 0;
  for (let epoch = firstEpoch; epoch <= cfg.epochs; epoch++) {
    const order = new Stream(cfg.seed, 7 + epoch).permutation(data.train.n);
    opts.progress.startEpoch(epoch, batches);
    const t0 = performance.now();
    let lossSum = 0;
    let correct = 0;
    for (let k = 0; k < batches; k++) {
      const n = fillBatch(data.train, order, k * B, B, spec.features, x, labels, weights);
      const out = rule.step({
        x: tensor("f32", [B, spec.features], x),
        labels: tensor("i32", [B], labels),
        weights: tensor("f32", [B], weights),
        key: tensor("i32", [4], Int32Array.from([cfg.seed, 0, state.step, 0])),
        n,
        step: state.step,
      });
      const loss = out.loss;
      if (!Number.isFinite(loss)) throw new UserError(diag("PNN6005", opts.span, `training diverged at epoch ${epoch}, step ${k + 1} (loss is ${loss}); lower the learning rate`));
      if (out.grads) optimizerStep(cfg.optimizer, state, params, out.grads, ranges);
      else state.step++; // the rule updated params (and, with a fused optimizer, state.m/v) itself
      for (const key of Object.keys(cost) as (keyof StepCost)[]) cost[key] += out.cost[key] ?? 0;
      lossSum += loss * n;
      correct += argmaxCorrect(out.logits, labels, n, spec.classes);
      opts.progress.batch(k + 1, lossSum / Math.min(data.train.n, (k + 1) * B), correct / Math.min(data.train.n, (k + 1) * B), Math.min(data.train.n, (k + 1) * B));
    }
    const dt = (performance.now() - t0) / 1000;
    trainSeconds += dt;
    samples += data.train.n;
    const record: Record<string, number> = {
      epoch,
      loss: lossSum / data.train.n,
      accuracy: correct / data.train.n,
      test_accuracy: accuracy(spec, programs.inferTwin, data.test, params, undefined, [cfg.seed, 0, 0x7fffff00]),
      samples_per_s: data.train.n / Math.max(dt, 1e-9),
      device_forwards: cost.deviceForwards,
      device_relaxations: cost.relaxations,
      device_measurements: cost.measurements,
      digital_flops: cost.digitalFlops,
    };
    if (programs.inferDevice) record.device_test_accuracy = accuracy(spec, programs.inferDevice, data.test, params, trainChip, [cfg.seed, 0, 0x7ffffff0]);
    last = record;
    opts.progress.endEpoch(record as never);
    opts.metrics?.epoch(record as never);
    if (ckptFile) writeCheckpoint(ckptFile, spec, params, state, { epoch: String(epoch), seed: String(cfg.seed), rule: cfg.rule, source_hash: opts.sourceHash });
  }
  const summary: Record<string, unknown> = {
    type: "summary",
    network: spec.network,
    rule: cfg.rule,
    epochs: cfg.epochs,
    train_accuracy: last.accuracy ?? null,
    test_accuracy: accuracy(spec, programs.inferTwin, data.test, params, undefined, [cfg.seed, 0, 0x7fffff00]),
    wall_s: (performance.now() - started) / 1000,
    samples_per_s: samples / Math.max(trainSeconds, 1e-9),
    device_forwards: cost.deviceForwards,
    device_relaxations: cost.relaxations,
    device_measurements: cost.measurements,
    digital_flops: cost.digitalFlops,
  };
  if (programs.inferDevice) {
    const accs = chipAccuracies(spec, programs.inferDevice, data.test, params, cfg.seed, cfg.chips);
    const ms = meanStd(accs);
    summary.device_test_accuracy = accs[0];
    summary.device_chips = cfg.chips;
    summary.device_test_accuracy_mean = ms.mean;
    summary.device_test_accuracy_std = ms.std;
    summary.twin_device_gap = (summary.test_accuracy as number) - ms.mean;
  }
  return summary;
}
