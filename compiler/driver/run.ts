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
import { attachDevices, type TwinValues } from "../../runtime/device/staged.js";
import type { DeviceHub } from "../../runtime/device/hub.js";
import type { Programs } from "../../runtime/program.js";
import { startingTwin, withDevices, type DeviceRequest } from "./devices.js";
import { UsageError } from "./errors.js";
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
  const { spec, programs: compiled } = await p.compile(r.backend, p.train.batch);
  const twin = startingTwin(spec, p.train.seed, r);
  const metrics = new MetricsWriter(r.outDir, { append: !!r.resume });
  const outcome = await withDevices(spec, compiled, r, twin, (programs, hub) => {
    const afterEpoch = r.afterEpoch?.(programs, twin, hub);
    return train(
      spec,
      programs,
      data,
      { epochs, seed: p.train.seed, chips: p.train.chips, optimizer: p.train.optimizer, identity: { network: spec.network, rule: p.rule.name, sourceHash: p.sourceHash, configHash: p.configHash, seed: p.train.seed } },
      { outDir: r.outDir, resume: !!r.resume, progress: r.progress, metrics, span: p.train.span, makeStepper: p.stepper(), ...(r.checkpoint ? { checkpoint: r.checkpoint } : {}), twin, ...(hub ? { devices: hub } : {}), ...(afterEpoch ? { afterEpoch } : {}) },
    );
  });
  if (outcome.kind === "finished") return outcome;
  const summary = { ...outcome.summary, dataset: p.train.data.name, train_samples: data.train.n, test_samples: data.test.n, checkpoint: path.join(r.outDir, CHECKPOINT_FILE) };
  metrics.summary(summary);
  return { kind: "trained", summary };
}

export interface EvalRequest extends DeviceRequest {
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
  const data = p.dataset();
  const { spec, programs: compiled } = await p.compile(r.backend, p.train.batch, { time }, true);
  const { params } = readParams(r.weights, spec, fileSpan(r.weights));
  return withDevices(spec, compiled, r, startingTwin(spec, p.train.seed, r, r.weights), async (programs) => {
    const twin = await accuracy(spec, programs.inferTwin, data.test, params, undefined, keys.evalTwin(p.train.seed));
    const base = { network: spec.network, test_samples: data.test.n, test_accuracy: twin };
    if (!programs.inferDevice) return base;
    const accs = await chipAccuracies(spec, programs.inferDevice, data.test, params, p.train.seed, chips);
    const ms = meanStd(accs);
    return { ...base, chips, time_s: time, device_test_accuracy: accs[0], device_test_accuracy_mean: ms.mean, device_test_accuracy_std: ms.std, twin_device_gap: twin - ms.mean, per_chip: accs };
  });
}

export interface InferRequest extends DeviceRequest {
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
  const { spec, programs: compiled } = await p.compile(r.backend, r.batch ?? 1, { time: r.time ?? 0 }, true);
  const { params } = readParams(r.weights, spec, fileSpan(r.weights));
  const onDevice = r.chip !== undefined && !!compiled.inferDevice;
  const chip = onDevice ? sampleChip(spec.chipVars, p.train.seed, r.chip!) : undefined;
  const run = (programs: typeof compiled) => predict(spec, onDevice ? programs.inferDevice! : programs.inferTwin, r.rows, r.count, params, chip, keys.infer(p.train.seed, r.chip ?? 0));
  const twin = startingTwin(spec, p.train.seed, r, r.weights);
  // external devices are opened only to run on them; the twin needs only its estimates
  if (!onDevice && spec.twinVars.length) return run(attachDevices(compiled, [], spec.externals, twin));
  return withDevices(spec, compiled, r, twin, run);
}
