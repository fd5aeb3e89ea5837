/**
 * The adapter between a training run and its report: the ONE file of report/ that uses the
 * driver and the trainer's evaluation (compiler/driver, runtime/trainer.ts).
 *  - writeRunRecord: what `pnn train` saves beside its metrics so a report can be made later
 *    (run.json: program path, resolved configuration, versions; source.pnn: the source).
 *  - collectReport: run folder (+ its .pnn program) → ReportInput: re-evaluates the checkpoint on
 *    the test split (confusion matrices on the twin and chip 0, accuracy of every chip),
 *    optionally sweeps drift times (saved to drift.json and reused), finds the physical views.
 *  - writeReport: collectReport, then the HTML page (report/html.ts, loaded only here).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { compileInterp } from "../compiler/backends/interp/index.js";
import { DEFAULT_BACKEND, Session, UsageError, type Program } from "../compiler/driver/index.js";
import { assignmentText, parseAssignment } from "../compiler/driver/overrides.js";
import { graphFlops } from "../compiler/ir/flops.js";
import { lowerInfer } from "../compiler/lower/lower.js";
import { manifestOf } from "../compiler/lower/names.js";
import type { NetworkModel } from "../compiler/sema/model.js";
import { fileSpan } from "../diagnostics/span.js";
import { writeFileAtomic } from "../runtime/checkpoint.js";
import type { Split } from "../runtime/data/index.js";
import type { Programs } from "../runtime/program.js";
import { outputNamed } from "../runtime/manifest.js";
import { initTwin, sampleChip } from "../runtime/init.js";
import { bindInputs, feedBatch, tensor } from "../runtime/rules/bind.js";
import { readParams, readTwin } from "../runtime/run-state.js";
import { keys } from "../runtime/streams.js";
import { CHECKPOINT_FILE, chipAccuracies, meanStd, predict, type Params } from "../runtime/trainer.js";
import type { Confusion, DriftPoint, EpochPoint, ReportInput } from "./input.js";
import { physicalViews } from "./views.js";

export const RUN_RECORD = "run.json";
export const SOURCE_COPY = "source.pnn";
export const DRIFT_FILE = "drift.json";
export const REPORT_FILE = "report.html";

/** The checked program of FILE (the same Session `pnn` opens), optionally with the run's rule override. */
function loadProgram(file: string, rule?: string, simulate?: boolean, set: readonly string[] = []): Program {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const host = { readFile: (p: string) => (fs.existsSync(p) ? fs.readFileSync(p, "utf8") : undefined) };
  return new Session(file, text, host).program({ ...(rule !== undefined ? { rule } : {}), ...(simulate ? { simulate } : {}), ...(set.length ? { set: set.map((a) => parseAssignment(a)) } : {}) });
}

interface RunRecord {
  format: "pnn-run/1";
  program: string;
  source_hash: string;
  out: string;
  backend: string;
  epochs_override?: number;
  rule_override?: string;
  /** `pnn train --simulate`: the external layers ran on their device model. */
  simulate?: boolean;
  /** `--set` overrides (and a sweep's axis values), as name=value. */
  set_overrides?: string[];
  train: Record<string, unknown>;
  versions: Record<string, string>;
  started_at: string;
}

function packageJson(): { version: string; dependencies: Record<string, string> } {
  // from dist/report/ or report/: the nearest package.json above this module
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8"));
    if (path.dirname(dir) === dir) return { version: "unknown", dependencies: {} };
  }
}

function versions(): Record<string, string> {
  const pkg = packageJson();
  return { pnn: pkg.version, node: process.version, platform: `${process.platform}-${process.arch}`, binaryen: pkg.dependencies.binaryen ?? "unknown" };
}

/** The versions that trained the run, and those making the report where they differ. */
function reportVersions(trained: Record<string, string> | undefined): Record<string, string> {
  const now = versions();
  if (!trained) return Object.fromEntries(Object.entries(now).map(([k, v]) => [`${k} (report)`, v]));
  return { ...trained, ...Object.fromEntries(Object.entries(now).filter(([k, v]) => trained[k] !== v).map(([k, v]) => [`${k} (report)`, v])) };
}

/** The resolved configuration of a program's train block. */
function trainConfig(p: Program, epochs: number): Record<string, unknown> {
  const t = p.train;
  return { network: t.network, data: { name: t.data.name, args: t.data.args }, rule: p.rule.name, rule_options: t.rule.options, loss: t.loss, optimizer: t.optimizer, epochs, batch: t.batch, seed: t.seed, chips: t.chips, shards: t.shards };
}

/** Saves run.json and a copy of the source into the run folder (called by `pnn train` before training). */
export function writeRunRecord(outDir: string, p: Program, opts: { backend: string; epochs: number; epochsOverride?: number; ruleOverride?: string; simulate?: boolean }): void {
  fs.mkdirSync(outDir, { recursive: true });
  const record: RunRecord = {
    format: "pnn-run/1",
    program: path.resolve(p.file),
    source_hash: p.sourceHash,
    out: outDir,
    backend: opts.backend,
    ...(opts.epochsOverride !== undefined ? { epochs_override: opts.epochsOverride } : {}),
    ...(opts.ruleOverride ? { rule_override: opts.ruleOverride } : {}),
    ...(opts.simulate ? { simulate: true } : {}),
    ...(p.origin.options.set?.length ? { set_overrides: p.origin.options.set.map(assignmentText) } : {}),
    train: trainConfig(p, opts.epochs),
    versions: versions(),
    started_at: new Date().toISOString(),
  };
  writeFileAtomic(path.join(outDir, RUN_RECORD), JSON.stringify(record, null, 2) + "\n");
  writeFileAtomic(path.join(outDir, SOURCE_COPY), p.source);
}

export interface CollectOptions {
  /** The .pnn program (default: the one run.json names, or the run's saved copy). */
  readonly program?: string;
  readonly backend?: string;
  /** Simulated chips (default: the train block's). */
  readonly chips?: number;
  /** Evaluate the device at these times after programming and save the sweep to drift.json. */
  readonly drift?: readonly { readonly seconds: number; readonly label: string }[];
}

const sha = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex").slice(0, 16);

function readJson<T>(file: string): T {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
}

/** Which program to load: --program, else run.json's (if unchanged), else the saved copy. */
function resolveProgram(runDir: string, record: RunRecord | undefined, given: string | undefined, notes: string[]): string {
  if (given) return given;
  if (!record) throw new UsageError(`${runDir} has no ${RUN_RECORD} (runs trained before pnn recorded one): pass the program with --program FILE`);
  if (fs.existsSync(record.program) && sha(fs.readFileSync(record.program, "utf8")) === record.source_hash) return record.program;
  const copy = path.join(runDir, SOURCE_COPY);
  if (fs.existsSync(copy)) {
    notes.push(`${record.program} changed or is gone since the run; the report uses the run's saved copy ${copy}.`);
    return copy;
  }
  throw new UsageError(`${record.program} changed since the run and ${copy} is missing: pass the program with --program FILE`);
}

function readEpochs(file: string): EpochPoint[] {
  if (!fs.existsSync(file)) return [];
  const out: EpochPoint[] = [];
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    if (!line.trim()) continue;
    const rec = JSON.parse(line) as Record<string, unknown>;
    // non-finite numbers are stored as strings ("NaN"); keep them as numbers
    out.push(Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, typeof v === "string" && /^-?(NaN|Infinity)$/.test(v) ? Number(v) : v])) as unknown as EpochPoint);
  }
  return out;
}

function confusion(classes: number, labels: Int32Array, predicted: readonly number[]): Confusion {
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  predicted.forEach((p, i) => counts[labels[i]][p]++);
  return { counts };
}

/** Runs a variant of p's network (same parameters) on the twin, on the reference interpreter: its output rows. */
export function twinEvaluator(p: Program, params: Params, twin?: ReadonlyMap<string, ArrayLike<number>>): (net: NetworkModel, rows: Float64Array, count: number) => number[][] {
  return (net, rows, count) => {
    const g = lowerInfer(net, "twin", count, twin ? { twin } : {});
    const exe = compileInterp(g);
    const m = manifestOf(g);
    const inputs = bindInputs(exe, m, params, undefined);
    const features = rows.length / count;
    feedBatch(m, inputs, { x: tensor("f32", [count, features], rows), labels: tensor("i32", [count], new Int32Array(count)), weights: tensor("f32", [count], new Float64Array(count)), key: tensor("i32", [4], Int32Array.from([...keys.evalTwin(p.train.seed), 0])) });
    const y = exe.run(inputs)[outputNamed(m, "logits")]!;
    const width = y.data.length / count;
    return Array.from({ length: count }, (_, r) => Array.from(y.data.subarray(r * width, (r + 1) * width)));
  };
}

interface DriftFile {
  checkpoint: string;
  source_hash: string;
  chips: number;
  points: DriftPoint[];
}

export async function collectReport(runDir: string, opts: CollectOptions = {}): Promise<ReportInput> {
  if (!fs.existsSync(runDir) || !fs.statSync(runDir).isDirectory()) throw new UsageError(`${runDir} is not a run folder (pnn train --out DIR writes one)`);
  const ckptFile = path.join(runDir, CHECKPOINT_FILE);
  if (!fs.existsSync(ckptFile)) throw new UsageError(`${runDir} has no ${CHECKPOINT_FILE}: train first (pnn train FILE --out ${runDir})`);
  const notes: string[] = [];
  const recordFile = path.join(runDir, RUN_RECORD);
  const record = fs.existsSync(recordFile) ? readJson<RunRecord>(recordFile) : undefined;
  const file = resolveProgram(runDir, record, opts.program, notes);
  const p = loadProgram(file, record?.rule_override, record?.simulate, record?.set_overrides);
  const backend = opts.backend ?? record?.backend ?? DEFAULT_BACKEND;
  const chips = opts.chips ?? p.train.chips;
  const seed = p.train.seed;
  const spec0 = p.spec();
  // an external device's twin: the run's estimates as constants; the device itself is not queried
  const twin = readTwin(ckptFile, spec0, fileSpan(ckptFile)) ?? initTwin(spec0.twinVars, seed);
  const external = spec0.externals.length > 0;
  if (external) notes.push(`${spec0.network} runs on an external device (${spec0.externals.map((d) => d.name).join(", ")}); pnn report does not query it: the device figures are the run's own per-epoch measurements.`);
  const { spec, programs: compiled } = await p.compile(backend, p.train.batch, { twin }, { inferenceOnly: true });
  const programs: Programs = external ? { inferTwin: compiled.inferTwin, rule: {} } : compiled;
  const { params, metadata } = readParams(ckptFile, spec, fileSpan(ckptFile));
  if (metadata.source_hash && metadata.source_hash !== p.sourceHash) notes.push(`the checkpoint was written by a different version of ${file}; figures show the checkpoint evaluated with the program as it is now.`);
  const data = p.dataset();
  const test: Split = data.test;

  const twinPred = (await predict(spec, programs.inferTwin, test.x, test.n, params, undefined, keys.evalTwin(seed))).classes;
  const confusionTwin = confusion(spec.classes, test.y, twinPred);
  let confusionDevice: Confusion | undefined;
  let chipSpread: ReportInput["chips"];
  if (programs.inferDevice) {
    confusionDevice = confusion(spec.classes, test.y, (await predict(spec, programs.inferDevice, test.x, test.n, params, sampleChip(spec.chipVars, seed, 0), keys.evalDevice(seed, 0))).classes);
    const perChip = await chipAccuracies(spec, programs.inferDevice, test, params, seed, chips);
    const twin = twinPred.filter((c, i) => c === test.y[i]).length / Math.max(1, test.n);
    chipSpread = { twin, perChip, ...meanStd(perChip) };
  }

  const ckptHash = sha(fs.readFileSync(ckptFile));
  const driftFile = path.join(runDir, DRIFT_FILE);
  let drift: DriftPoint[] | undefined;
  if (opts.drift?.length) {
    if (!programs.inferDevice) throw new UsageError(`--drift: ${spec.network} ${external ? "runs on an external device, which pnn report does not query" : "has no device model, so nothing drifts"}`);
    drift = [];
    for (const t of opts.drift) {
      const later = (await p.compile(backend, p.train.batch, { time: t.seconds, twin }, { inferenceOnly: true })).programs.inferDevice!;
      const perChip = await chipAccuracies(spec, later, test, params, seed, chips);
      drift.push({ timeS: t.seconds, label: t.label, perChip, ...meanStd(perChip) });
    }
    const saved: DriftFile = { checkpoint: ckptHash, source_hash: p.sourceHash, chips, points: drift };
    writeFileAtomic(driftFile, JSON.stringify(saved, null, 2) + "\n");
  } else if (fs.existsSync(driftFile)) {
    const saved = readJson<DriftFile>(driftFile);
    if (saved.checkpoint === ckptHash && saved.source_hash === p.sourceHash) drift = saved.points;
    else notes.push(`${driftFile} was measured on another checkpoint or program; run pnn report --drift … again to refresh it.`);
  }

  const physical = physicalViews({ net: p.net, train: p.train, params, evaluate: twinEvaluator(p, params, twin), samples: { x: test.x, y: test.y, n: test.n, features: spec.features, classNames: data.classNames } });
  notes.push(...physical.notes);

  const summaryFile = path.join(runDir, "summary.json");
  const summary = fs.existsSync(summaryFile) ? readJson<Record<string, unknown>>(summaryFile) : {};
  if (!fs.existsSync(summaryFile)) notes.push(`${runDir} has no summary.json (the run did not finish); the figures use its last checkpoint.`);
  const epochs = readEpochs(path.join(runDir, "metrics.jsonl"));
  const config: Record<string, unknown> = {
    program: file,
    ...(record ? { out: record.out, backend: record.backend } : { backend }),
    ...(record?.epochs_override !== undefined ? { epochs_override: record.epochs_override } : {}),
    ...(record?.rule_override ? { rule_override: record.rule_override } : {}),
    ...(record?.train ?? trainConfig(p, p.train.epochs)),
    report_chips: chips,
    checkpoint_sha256: ckptHash,
    ...(record ? { trained_at: record.started_at } : {}),
  };
  return {
    network: spec.network,
    rule: p.rule.name,
    dataset: data.name,
    trainSamples: data.train.n,
    testSamples: test.n,
    classNames: data.classNames,
    generatedAt: new Date().toISOString(),
    epochs,
    summary,
    confusion: { twin: confusionTwin, ...(confusionDevice ? { device: confusionDevice } : {}) },
    ...(chipSpread ? { chips: chipSpread } : {}),
    ...(drift ? { drift } : {}),
    physical: physical.views,
    programFlops: Object.fromEntries(Object.entries(p.graphs(p.train.batch).rule).map(([k, g]) => [k, graphFlops(g)])),
    source: { file, text: p.source, hash: p.sourceHash },
    config,
    versions: reportVersions(record?.versions),
    notes,
  };
}

/** Collects and writes the HTML report; returns the file, its figure count and size. */
export async function writeReport(runDir: string, output: string | undefined, opts: CollectOptions = {}): Promise<{ file: string; figures: number; bytes: number }> {
  const input = await collectReport(runDir, opts);
  const { renderHtml, figureCount } = await import("./html.js");
  const html = renderHtml(input);
  const file = output ?? path.join(runDir, REPORT_FILE);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileAtomic(file, html);
  return { file, figures: figureCount(input), bytes: Buffer.byteLength(html) };
}
