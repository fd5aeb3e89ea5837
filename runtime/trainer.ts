/**
 * The training loop and evaluation. Works on any backend's programs (it cannot tell which) and
 * any rule (the driver hands it the rule's stepper; it never imports compiler code): seeded
 * shuffling per epoch, fixed-size batches (the last one padded with zero-weight rows, so one
 * compiled program serves every batch), optimizer steps, per-epoch test accuracy on the twin and
 * on the trained chip, checkpoints of the whole run state (runtime/run-state.ts) on a cadence,
 * and resume that reproduces an uninterrupted run exactly — parameters bit for bit, every
 * counter of the summary — because all randomness is keyed by seed, epoch, step and chip
 * (runtime/streams.ts) and the counters travel in the checkpoint.
 */
import * as path from "node:path";
import { diag, UserError } from "../diagnostics/catalog.js";
import type { Span } from "../diagnostics/span.js";
import type { Tensor } from "./backend.js";
import type { Dataset, Split } from "./data/index.js";
import { initParams, sampleChip } from "./init.js";
import { outputNamed } from "./manifest.js";
import type { MetricsWriter, ProgressReporter } from "./metrics.js";
import type { ModelSpec } from "./model.js";
import { newOptimizerState, optimizerStep, type OptimizerConfig, type OptimizerState } from "./optim.js";
import type { CompiledProgram, Programs } from "./program.js";
import { bindInputs, feedBatch, tensor } from "./rules/bind.js";
import type { RuleContext, RuleStepper, StepCost } from "./rules/types.js";
import { CHECKPOINT_FILE, describeData, loadRunState, saveRunState, zeroCounters, type Params, type RunIdentity, type RunState } from "./run-state.js";
import { keys, streams } from "./streams.js";

export type { Params } from "./run-state.js";
export { CHECKPOINT_FILE } from "./run-state.js";

export interface TrainConfig {
  readonly epochs: number;
  readonly seed: number;
  readonly chips: number;
  readonly optimizer: OptimizerConfig;
  readonly identity: RunIdentity;
  /** The simulated chip a rule that runs on the device trains on (default 0). */
  readonly chip?: number;
}

/** How often the run state is written: after every `epochs` epochs or `seconds` seconds, whichever comes first (always after the last). */
export interface CheckpointCadence {
  readonly epochs?: number;
  readonly seconds?: number;
}

export interface TrainOptions {
  readonly outDir?: string;
  readonly resume?: boolean;
  /** What the user sees while training (the CLI's ProgressReporter; the playground posts to its page). */
  readonly progress: Pick<ProgressReporter, "startEpoch" | "batch" | "endEpoch">;
  readonly metrics?: MetricsWriter;
  readonly span: Span;
  /** The rule's run-time half (compiler/rules/), bound to its options by the driver. */
  readonly makeStepper: (ctx: RuleContext) => RuleStepper;
  readonly checkpoint?: CheckpointCadence;
  /**
   * The twin's estimates of external devices' variables, shared with the staged programs
   * (runtime/device/staged.ts): saved in the checkpoint, restored into these arrays on --resume.
   */
  readonly twin?: Params;
  /** The external devices' row counts (their query budgets span --resume). */
  readonly devices?: { spent(): Record<string, number>; restore(spent: Readonly<Record<string, number>>): void };
  /** Called after each epoch's training, before its evaluation (calibration at chosen epochs); numbers it returns join the epoch's record. */
  readonly afterEpoch?: (epoch: number) => Promise<Record<string, number> | undefined>;
  /** Start from these parameters (a fine-tune, `pnn train --from`) instead of a fresh initialisation; the optimizer starts afresh. */
  readonly initialParams?: Params;
  /**
   * Called with the run state (fresh or resumed) before the stepper is made. Data-parallel
   * training (runtime/parallel/) moves the arrays into shared memory here: the maps keep their
   * keys, their arrays become shared views holding the same values.
   */
  readonly placeState?: (params: Params, optimizer: OptimizerState) => void | Promise<void>;
  /** Evaluates on worker threads (compiler/driver/parallel/); absent: on this thread. Same numbers either way. */
  readonly evaluator?: Evaluator;
}

/**
 * Accuracy on the test split of the trained parameters as they are now: on the twin (chip
 * undefined) or on simulated chip `chip`, with the per-shot key `key`. Counting correct rows is
 * exact, so an evaluator that splits the work gives the same number.
 */
export interface Evaluator {
  accuracy(chip: number | undefined, key: readonly number[]): Promise<number>;
}

export type TrainOutcome =
  /** `params`: the trained parameters (also in the checkpoint, when there is an outDir). */
  | { readonly kind: "trained"; readonly summary: Record<string, unknown>; readonly params: Params }
  /** --resume of a run whose checkpoint already holds every epoch: nothing was done. */
  | { readonly kind: "finished"; readonly epoch: number; readonly checkpoint: string };

/** Fills a batch from rows order[start..]: x (unless the stepper reads the rows itself), labels, weights; zero padding after the n real rows. */
function fillBatch(split: Split, order: ArrayLike<number>, start: number, batch: number, features: number, x: Float64Array | undefined, labels: Int32Array, weights: Float64Array): number {
  const n = Math.min(batch, order.length - start);
  x?.fill(0, n * features);
  labels.fill(0);
  weights.fill(0);
  for (let r = 0; r < n; r++) {
    const i = order[start + r];
    x?.set(split.x.subarray(i * features, (i + 1) * features), r * features);
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

/** Runs an inference program over `count` rows in batches (batches `from`..`to`−1 only, when given); calls `each(logits, rows)` per batch. */
async function forEachBatch(spec: ModelSpec, prog: CompiledProgram, split: Split, params: Params, chip: Params | undefined, key: readonly number[], each: (logits: ArrayLike<number>, labels: Int32Array, n: number) => void, from = 0, to = Infinity): Promise<void> {
  const B = spec.batch;
  const x = new Float64Array(B * spec.features);
  const labels = new Int32Array(B);
  const weights = new Float64Array(B);
  const inputs = bindInputs(prog.exe, prog.manifest, params, chip);
  const logits = outputNamed(prog.manifest, "logits");
  const order = Int32Array.from({ length: split.n }, (_, i) => i);
  for (let k = from, start = from * B; start < split.n && k < to; start += B, k++) {
    const n = fillBatch(split, order, start, B, spec.features, x, labels, weights);
    feedBatch(prog.manifest, inputs, { x: tensor("f32", [B, spec.features], x), labels: tensor("i32", [B], labels), weights: tensor("f32", [B], weights), key: tensor("i32", [4], Int32Array.from([key[0]!, key[1]!, key[2]!, k])) });
    const out: Record<string, Tensor> = await prog.exe.run(inputs);
    each(out[logits]!.data, labels, n);
  }
}

/** Accuracy of an inference program on a split; chip = undefined on the twin. */
export async function accuracy(spec: ModelSpec, prog: CompiledProgram, split: Split, params: Params, chip: Params | undefined, key: readonly number[]): Promise<number> {
  let correct = 0;
  await forEachBatch(spec, prog, split, params, chip, key, (logits, labels, n) => (correct += argmaxCorrect(logits, labels, n, spec.classes)));
  return split.n ? correct / split.n : 0;
}

/** Batches of an inference program over a split (evaluation tasks cut this range). */
export function batchCount(spec: ModelSpec, split: Split): number {
  return Math.ceil(split.n / spec.batch);
}

/** Correct rows of batches `from`..`to`−1 of a split; the batch keys are the same as accuracy's, so parts add up to it exactly. */
export async function correctCount(spec: ModelSpec, prog: CompiledProgram, split: Split, params: Params, chip: Params | undefined, key: readonly number[], from: number, to: number): Promise<number> {
  let correct = 0;
  await forEachBatch(spec, prog, split, params, chip, key, (logits, labels, n) => (correct += argmaxCorrect(logits, labels, n, spec.classes)), from, to);
  return correct;
}

/** Predictions (class index and scores) for rows of features. */
export async function predict(spec: ModelSpec, prog: CompiledProgram, rows: Float64Array, count: number, params: Params, chip: Params | undefined, key: readonly number[]): Promise<{ classes: number[]; scores: number[][] }> {
  const classes: number[] = [];
  const scores: number[][] = [];
  await forEachBatch(spec, prog, { x: rows, y: new Int32Array(count), n: count }, params, chip, key, (logits, _labels, n) => {
    for (let r = 0; r < n; r++) {
      const row = Array.from({ length: spec.classes }, (_, c) => logits[r * spec.classes + c]!);
      scores.push(row);
      let best = 0;
      for (let c = 1; c < row.length; c++) if (row[c]! > row[best]!) best = c;
      classes.push(row.every((v) => Number.isFinite(v)) ? best : -1);
    }
  });
  return { classes, scores };
}

/** Device accuracy over chips 0..K−1 (chip 0 is the chip a physics-aware run trained on). */
export async function chipAccuracies(spec: ModelSpec, prog: CompiledProgram, split: Split, params: Params, seed: number, chips: number): Promise<number[]> {
  const out: number[] = [];
  for (let c = 0; c < chips; c++) out.push(await accuracy(spec, prog, split, params, sampleChip(spec.chipVars, seed, c), keys.evalDevice(seed, c)));
  return out;
}

export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length));
  return { mean, std };
}

/** The run state to start from: a fresh one, or the checkpoint's (checked to be the same run). */
function startState(spec: ModelSpec, cfg: TrainConfig, opts: TrainOptions, ckptFile: string | undefined): RunState {
  if (!(opts.resume && ckptFile)) {
    const params = opts.initialParams ? new Map([...opts.initialParams].map(([k, v]) => [k, Float64Array.from(v)])) : initParams(spec.params, cfg.seed);
    return { params, optimizer: newOptimizerState(params), epoch: 0, epochs: cfg.epochs, counters: zeroCounters(), samples: 0, trainSeconds: 0, twin: opts.twin ?? new Map(), deviceRows: {} };
  }
  const { state, identity } = loadRunState(ckptFile, spec, opts.span);
  const same = (what: string, a: string | number, b: string | number, hint: string) => {
    if (a !== b) throw new UserError(diag("PNN6004", opts.span, `--resume: ${ckptFile} belongs to another run (its ${what} is ${a}, this one's is ${b}); ${hint}`));
  };
  const want = cfg.identity;
  same("network", identity.network, want.network, "start a new run without --resume, or with another --out");
  same("rule", identity.rule, want.rule, `resume with --rule ${identity.rule}, or start a new run without --resume`);
  same("source hash", identity.sourceHash, want.sourceHash, "the program changed since: restore it, or start a new run without --resume");
  same("configuration hash", identity.configHash, want.configHash, "the train block's settings (other than epochs) changed since: restore them, or start a new run without --resume");
  same("seed", identity.seed, want.seed, "restore the seed, or start a new run without --resume");
  // the twin's estimates live in the staged programs' store: fill it from the checkpoint
  const twin = opts.twin ?? new Map<string, Float64Array>();
  for (const [path, v] of state.twin) {
    const into = twin.get(path);
    if (into) into.set(v);
    else twin.set(path, v);
  }
  opts.devices?.restore(state.deviceRows);
  return { ...state, twin, epochs: cfg.epochs };
}

export async function train(spec: ModelSpec, programs: Programs, data: Dataset, cfg: TrainConfig, opts: TrainOptions): Promise<TrainOutcome> {
  const B = spec.batch;
  const ckptFile = opts.outDir ? path.join(opts.outDir, CHECKPOINT_FILE) : undefined;
  const s = startState(spec, cfg, opts, ckptFile);
  if (opts.resume && ckptFile && s.epoch >= cfg.epochs) return { kind: "finished", epoch: s.epoch, checkpoint: ckptFile };
  opts.metrics?.keepEpochs(s.epoch);
  const ranges = new Map(spec.params.filter((p) => p.range).map((p) => [p.path, p.range!]));
  const chip = cfg.chip ?? 0;
  const trainChip = sampleChip(spec.chipVars, cfg.seed, chip);
  const x = new Float64Array(B * spec.features);
  const labels = new Int32Array(B);
  const weights = new Float64Array(B);
  const rulePrograms = programs.rule;
  await opts.placeState?.(s.params, s.optimizer);
  // Parameters are bound once: the optimizer updates these arrays in place.
  const stepper = opts.makeStepper({
    spec,
    programs: Object.fromEntries(Object.entries(rulePrograms).map(([k, p]) => [k, p.exe])),
    manifests: Object.fromEntries(Object.entries(rulePrograms).map(([k, p]) => [k, p.manifest])),
    flops: Object.fromEntries(Object.entries(rulePrograms).map(([k, p]) => [k, p.flops])),
    params: s.params,
    ...(spec.hasDevice ? { chip: trainChip } : {}),
    seed: cfg.seed,
    trainSamples: data.train.n,
    optimizer: { config: cfg.optimizer, state: s.optimizer },
    span: opts.span,
  });
  const batches = Math.ceil(data.train.n / B);
  const dataDescription = describeData(data);
  const started = performance.now();
  let lastSaved = performance.now();
  const save = () => {
    if (!ckptFile) return;
    if (opts.devices) s.deviceRows = opts.devices.spent();
    saveRunState(ckptFile, spec, s, cfg.identity, dataDescription);
    lastSaved = performance.now();
  };
  const ev = opts.evaluator;
  const evalTwin = () => (ev ? ev.accuracy(undefined, keys.evalTwin(cfg.seed)) : accuracy(spec, programs.inferTwin, data.test, s.params, undefined, keys.evalTwin(cfg.seed)));
  for (let epoch = s.epoch + 1; epoch <= cfg.epochs; epoch++) {
    const order = Int32Array.from(streams.shuffle(cfg.seed, epoch).permutation(data.train.n));
    opts.progress.startEpoch(epoch, batches);
    const t0 = performance.now();
    let lossSum = 0;
    let correct = 0;
    for (let k = 0; k < batches; k++) {
      const n = fillBatch(data.train, order, k * B, B, spec.features, stepper.readsRows ? undefined : x, labels, weights);
      const out = await stepper.step({
        ...(stepper.readsRows ? { rows: order.subarray(k * B, k * B + n) } : {}),
        x: tensor("f32", [B, spec.features], x),
        labels: tensor("i32", [B], labels),
        weights: tensor("f32", [B], weights),
        key: tensor("i32", [4], Int32Array.from(keys.trainStep(cfg.seed, s.optimizer.step))),
        n,
        step: s.optimizer.step,
      });
      if (!Number.isFinite(out.loss)) throw new UserError(diag("PNN6005", opts.span, `training diverged at epoch ${epoch}, step ${k + 1} (loss is ${out.loss}); lower the learning rate`));
      if (out.grads) optimizerStep(cfg.optimizer, s.optimizer, s.params, out.grads, ranges);
      else s.optimizer.step++; // the rule updated params (and, with a fused optimizer, the moments) itself
      for (const key of Object.keys(s.counters) as (keyof StepCost)[]) s.counters[key] += out.cost[key] ?? 0;
      lossSum += out.loss * n;
      correct += argmaxCorrect(out.logits, labels, n, spec.classes);
      const seen = Math.min(data.train.n, (k + 1) * B);
      opts.progress.batch(k, lossSum / seen, correct / seen, seen);
    }
    const dt = (performance.now() - t0) / 1000;
    await stepper.sync?.(); // parameters and optimizer state a resident stepper kept inside its executable
    s.trainSeconds += dt;
    s.samples += data.train.n;
    s.epoch = epoch;
    const extra = (await opts.afterEpoch?.(epoch)) ?? {};
    const record: Record<string, number> = {
      epoch,
      loss: lossSum / data.train.n,
      accuracy: correct / data.train.n,
      test_accuracy: await evalTwin(),
      samples_per_s: data.train.n / Math.max(dt, 1e-9),
      device_forwards: s.counters.deviceForwards,
      device_relaxations: s.counters.relaxations,
      device_measurements: s.counters.measurements,
      digital_flops: s.counters.digitalFlops,
      ...extra,
    };
    if (programs.inferDevice) record.device_test_accuracy = await (ev ? ev.accuracy(chip, keys.evalDevice(cfg.seed, chip)) : accuracy(spec, programs.inferDevice, data.test, s.params, trainChip, keys.evalDevice(cfg.seed, chip)));
    s.last = record;
    opts.progress.endEpoch(record as never);
    opts.metrics?.epoch(record as never);
    const cadence = opts.checkpoint ?? { epochs: 1 };
    const due = epoch === cfg.epochs || (cadence.epochs !== undefined && epoch % cadence.epochs === 0) || (cadence.seconds !== undefined && (performance.now() - lastSaved) / 1000 >= cadence.seconds);
    if (due) save();
  }
  const summary: Record<string, unknown> = {
    type: "summary",
    network: spec.network,
    rule: cfg.identity.rule,
    epochs: cfg.epochs,
    train_accuracy: s.last?.accuracy ?? null,
    test_accuracy: await evalTwin(),
    wall_s: (performance.now() - started) / 1000,
    samples_per_s: s.samples / Math.max(s.trainSeconds, 1e-9),
    device_forwards: s.counters.deviceForwards,
    device_relaxations: s.counters.relaxations,
    device_measurements: s.counters.measurements,
    digital_flops: s.counters.digitalFlops,
  };
  if (programs.inferDevice) {
    const accs = ev ? await Promise.all(Array.from({ length: cfg.chips }, (_, c) => ev.accuracy(c, keys.evalDevice(cfg.seed, c)))) : await chipAccuracies(spec, programs.inferDevice, data.test, s.params, cfg.seed, cfg.chips);
    const ms = meanStd(accs);
    // the trained chip's accuracy (chip 0 unless --chip chose another)
    const trained = chip < accs.length ? accs[chip]! : await accuracy(spec, programs.inferDevice, data.test, s.params, trainChip, keys.evalDevice(cfg.seed, chip));
    Object.assign(summary, { device_test_accuracy: trained, ...(chip !== 0 ? { trained_chip: chip } : {}), device_chips: cfg.chips, device_test_accuracy_mean: ms.mean, device_test_accuracy_std: ms.std, twin_device_gap: (summary.test_accuracy as number) - ms.mean, device_per_chip: accs });
  }
  return { kind: "trained", summary, params: s.params };
}
