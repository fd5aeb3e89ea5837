/**
 * Commands that compile and run a program: `pnn ir`, `pnn train`, `pnn eval`, `pnn infer`.
 * Thin: each parses its flags, opens a driver Session on the file, asks the driver for the
 * product (compiler/driver/) and prints it. Diagnostics print with context and exit 1.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { BACKENDS, calibrateAtEpochs, DEFAULT_BACKEND, DiagnosticsError, evaluateProduct, inferProduct, irProduct, IR_MODES, openRunDirectory, parsePassList, Session, trainProduct, type DeviceRequest, type Program } from "../compiler/driver/index.js";
import { PIPELINE } from "../compiler/passes/pipeline.js";
import { diag, UserError } from "../diagnostics/catalog.js";
import { fileSpan } from "../diagnostics/span.js";
import { defaultProgressMode, ProgressReporter, type ProgressMode } from "../runtime/metrics.js";
import { CHECKPOINT_FILE } from "../runtime/run-state.js";
import type { CheckpointCadence } from "../runtime/trainer.js";
import { writeReport, writeRunRecord } from "../report/collect.js";
import { escapeControls } from "../diagnostics/format.js";
import { diskHost, printDiagnostics, readInputArgument, readSource, UsageError } from "./io.js";
import { parseAssignment } from "../compiler/driver/overrides.js";

function positiveInt(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${what} must be a positive integer, got '${v}'`);
  return n;
}

function nonNegativeInt(v: string, what: string): number {
  const n = Number(v);
  if (!/^\s*\d+\s*$/.test(v) || !Number.isSafeInteger(n)) throw new UsageError(`${what} must be a whole number ≥ 0, got '${v}'`);
  return n;
}

const DURATION_UNITS: Record<string, number> = { ms: 1e-3, s: 1, min: 60, h: 3600, d: 86400, w: 7 * 86400, y: 365.25 * 86400 };

/** Parses a duration after programming: a number with a unit (`1s`, `1.5h`, `1d`, `10y`); bare numbers are seconds. */
export function parseDuration(v: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d*)?(?:e[+-]?\d+)?)\s*(ms|s|min|h|d|w|y)?\s*$/i.exec(v);
  const unit = m ? (m[2] ?? "s").toLowerCase() : "";
  const seconds = m && unit in DURATION_UNITS ? Number(m[1]) * DURATION_UNITS[unit] : NaN;
  if (!Number.isFinite(seconds)) throw new UsageError(`${what} must be a duration such as 0, 30s, 1h, 1d or 1y (units ${Object.keys(DURATION_UNITS).join(", ")}), got '${v}'`);
  return seconds;
}

/** `--checkpoint-every`: N epochs, or a duration (`30s`, `5min`). */
function parseCadence(v: string): CheckpointCadence {
  if (/^\s*\d+\s*$/.test(v)) return { epochs: positiveInt(v, "--checkpoint-every") };
  return { seconds: parseDuration(v, "--checkpoint-every") };
}

/** The checked program of FILE's first train block (with `--rule`, `--set` and `--simulate`, when given). */
export function openProgram(file: string, rule?: string, simulate?: boolean, set: readonly string[] = []): Program {
  return new Session(file, readSource(file), diskHost).program({ ...(rule !== undefined ? { rule } : {}), ...(simulate ? { simulate } : {}), ...(set.length ? { set: set.map((a) => parseAssignment(a, "--set")) } : {}) });
}

/** The external-device flags every running command takes (docs/hardware.md). */
export interface DeviceFlags {
  external: string[];
  deviceLog?: string;
  allowCommands?: boolean;
  calibration?: string;
  simulate?: boolean;
}

export function addDeviceOptions(cmd: Command, what = "run"): Command {
  return cmd
    .option("--external <[name=]address>", "where an external device is, instead of its `external` declaration: stdio:COMMAND, tcp:HOST:PORT or replay:LOG (repeat for several devices; NAME is the external layer's name)", (v: string, all: string[]) => [...all, v], [] as string[])
    .option("--device-log <file>", "append every query to the external devices (inputs, parameters, outputs, time) to this log")
    .option("--allow-commands", "start the device programs the .pnn file names (external stdio(…)); without it pnn refuses")
    .option("--calibration <file>", "start the twin from this calibration (pnn calibrate -o FILE)")
    .option("--simulate", `${what} the external layers on their own device model (device variables sampled per chip) instead of the device`);
}

export function deviceRequest(o: DeviceFlags): DeviceRequest {
  return { externals: o.external, ...(o.deviceLog ? { log: o.deviceLog } : {}), ...(o.allowCommands ? { allowCommands: true } : {}), ...(o.calibration ? { calibration: o.calibration } : {}) };
}

/** Commander's collector for a repeatable option. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const SET_HELP = "override a train key, rule option, data argument, constant or layer parameter default, as NAME=VALUE (repeatable): seed=3, \"rule.c=0.02\", \"NoisyMesh.sigma=0.02 rad\"";
const WORKERS_HELP = "worker threads (default: one per core); training uses them when the train block has shards > 1 (docs/scaling.md)";

/** Runs a command body; checker diagnostics print and set exit code 1. */
export async function guarded(setCode: (c: number) => void, json: boolean | undefined, body: () => void | Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    if (!(e instanceof DiagnosticsError)) throw e;
    printDiagnostics(e.diagnostics, e.sources, !!json, json ? process.stdout : process.stderr);
    setCode(1);
  }
}

const backendHelp = `execution backend: ${BACKENDS.map((b) => b.name).join(" | ")}`;

export function registerRunCommands(program: Command, setCode: (c: number) => void): void {
  program
    .command("ir")
    .description("print the IR of a network's programs")
    .argument("<file>", ".pnn file")
    .option("--mode <mode>", IR_MODES.join(" | "), "train")
    .option("--batch <n>", "batch size the program is specialised for", "1")
    .option("--rule <rule>", "the rule whose programs to show (e.g. \"spsa(c: 0.02)\")")
    .option("--passes <list>", `'none' (as lowered), or passes to run, comma-separated (default: the pipeline ${PIPELINE.join(",")})`)
    .option("--print-after <pass>", "print the IR right after this pass instead of the pipeline's result")
    .option("--set <name=value>", SET_HELP, collect, [])
    .action((file: string, opts: { mode: string; batch: string; rule?: string; passes?: string; printAfter?: string; set: string[] }) =>
      guarded(setCode, false, () => {
        const p = openProgram(file, opts.rule, false, opts.set);
        const request = { mode: opts.mode, batch: positiveInt(opts.batch, "--batch"), ...(opts.passes !== undefined ? { passes: parsePassList(opts.passes) } : {}), ...(opts.printAfter !== undefined ? { printAfter: opts.printAfter } : {}) };
        process.stdout.write(irProduct(p, request));
      }),
    );

  addDeviceOptions(program
    .command("train")
    .description("train the network of FILE's train block and evaluate it on the twin and the simulated device")
    .argument("<file>", ".pnn file")
    .option("--epochs <n>", "override the train block's epochs (with --resume: extend a finished run)")
    .option("--out <dir>", "output directory (checkpoint, metrics.jsonl, summary.json)")
    .option("--resume", "continue the run in --out from its last checkpoint")
    .option("--json", "one JSON object per epoch, then a summary")
    .option("--quiet", "print only the final summary")
    .option("--backend <name>", backendHelp, DEFAULT_BACKEND)
    .option("--rule <rule>", "override the train block's learning rule, with options if any (e.g. physics_aware, \"spsa(c: 0.02)\")")
    .option("--checkpoint-every <n|duration>", "write the checkpoint every N epochs or every duration (30s, 5min); always after the last epoch", "1")
    .option("--report [file]", "at the end, write an HTML report of the run (default OUT/report.html; see pnn report)")
    .option("--calibrate-at <epochs>", "after these epochs (e.g. 5,10,20), refit the twin of each external device to the run's latest queries")
    .option("--calibrate-rows <n>", "rows of the latest queries --calibrate-at fits to", "2000")
    .option("--calibrate-steps <n>", "gradient steps of each --calibrate-at fit", "100")
    .option("--from <ckpt>", "start from this checkpoint's parameters (a fine-tune: fresh optimizer, epochs from 0)")
    .option("--chip <k>", "train on simulated chip K (rules that run on the device; default 0)"), "train")
    .option("--set <name=value>", SET_HELP, collect, [])
    .option("--workers <n>", WORKERS_HELP)
    .action((file: string, opts: { epochs?: string; out?: string; resume?: boolean; json?: boolean; quiet?: boolean; backend: string; rule?: string; checkpointEvery: string; report?: boolean | string; calibrateAt?: string; calibrateRows: string; calibrateSteps: string; from?: string; chip?: string; set: string[]; workers?: string } & DeviceFlags) =>
      guarded(setCode, opts.json, async () => {
        const p = openProgram(file, opts.rule, opts.simulate, opts.set);
        const workers = opts.workers !== undefined ? positiveInt(opts.workers, "--workers") : undefined;
        const epochs = opts.epochs ? positiveInt(opts.epochs, "--epochs") : undefined;
        const outDir = opts.out ?? path.join("runs", path.basename(file, ".pnn"));
        const mode: ProgressMode = opts.json ? "json" : opts.quiet ? "quiet" : defaultProgressMode(process.stdout);
        const progress = new ProgressReporter({ mode, out: process.stdout, epochs: epochs ?? p.train.epochs });
        const cadence = parseCadence(opts.checkpointEvery);
        if (opts.resume && !fs.existsSync(path.join(outDir, CHECKPOINT_FILE))) throw new UsageError(`--resume: no checkpoint in ${outDir}`);
        const at = opts.calibrateAt ? opts.calibrateAt.split(",").map((e) => positiveInt(e.trim(), "--calibrate-at")) : [];
        if (at.length && !p.spec().externals.length) throw new UsageError("--calibrate-at: this network has no external device to calibrate");
        const afterEpoch = at.length ? calibrateAtEpochs(p, at, { rows: positiveInt(opts.calibrateRows, "--calibrate-rows"), steps: positiveInt(opts.calibrateSteps, "--calibrate-steps"), lr: 0.01, holdout: 0.2, backend: opts.backend }) : undefined;
        const chip = opts.chip !== undefined ? nonNegativeInt(opts.chip, "--chip") : undefined;
        const run = openRunDirectory(outDir); // created and locked before anything is written into it
        let r: Awaited<ReturnType<typeof trainProduct>>;
        try {
          if (!opts.resume) writeRunRecord(outDir, p, { backend: opts.backend, epochs: epochs ?? p.train.epochs, ...(epochs ? { epochsOverride: epochs } : {}), ...(opts.rule ? { ruleOverride: opts.rule } : {}), ...(opts.simulate ? { simulate: true } : {}) });
          r = await trainProduct(p, { ...(epochs ? { epochs } : {}), outDir, resume: !!opts.resume, backend: opts.backend, progress, checkpoint: cadence, ...deviceRequest(opts), ...(afterEpoch ? { afterEpoch } : {}), ...(opts.from ? { from: opts.from } : {}), ...(chip !== undefined ? { chip } : {}), ...(workers ? { workers } : {}) });
        } finally {
          run.release();
        }
        if (r.kind === "finished") {
          const note = `${outDir} holds a finished run (epoch ${r.epoch} of ${r.epoch}); nothing to do — pass --epochs N to extend it`;
          process.stdout.write(opts.json ? JSON.stringify({ type: "finished", epoch: r.epoch, checkpoint: r.checkpoint, message: note }) + "\n" : `pnn train: ${note}\n`);
          return;
        }
        progress.summary(r.summary);
        if (opts.report) (opts.json ? process.stderr : process.stdout).write(`report: ${(await writeReport(outDir, typeof opts.report === "string" ? opts.report : undefined, { backend: opts.backend })).file}\n`);
      }),
    );

  addDeviceOptions(program
    .command("eval")
    .description("evaluate trained weights on the twin and on K simulated chips")
    .argument("<file>", ".pnn file")
    .requiredOption("--weights <ckpt>", "checkpoint (.safetensors) written by pnn train")
    .option("--chips <k>", "simulated chips to average over")
    .option("--json", "print the result as JSON")
    .option("--time <duration>", "evaluate the device this long after programming (drift): 1s, 1h, 1d, 1y", "0")
    .option("--backend <name>", backendHelp, DEFAULT_BACKEND), "evaluate")
    .option("--set <name=value>", SET_HELP, collect, [])
    .option("--workers <n>", "worker threads the chips are spread over (default: one per core)")
    .action((file: string, opts: { weights: string; chips?: string; json?: boolean; time: string; backend: string; set: string[]; workers?: string } & DeviceFlags) =>
      guarded(setCode, opts.json, async () => {
        const time = parseDuration(opts.time, "--time");
        const p = openProgram(file, undefined, opts.simulate, opts.set);
        const workers = opts.workers !== undefined ? positiveInt(opts.workers, "--workers") : undefined;
        const r = await evaluateProduct(p, { weights: opts.weights, ...(opts.chips ? { chips: positiveInt(opts.chips, "--chips") } : {}), time, backend: opts.backend, ...(workers ? { workers } : {}), ...deviceRequest(opts) });
        if (opts.json) {
          process.stdout.write(JSON.stringify(r) + "\n");
          return;
        }
        const pct = (v: number | undefined) => `${(100 * (v ?? NaN)).toFixed(2)}%`;
        process.stdout.write(`twin   test accuracy: ${pct(r.test_accuracy)} (${r.test_samples} samples)\n`);
        if (r.chips !== undefined)
          process.stdout.write(`device test accuracy: ${pct(r.device_test_accuracy_mean)} ± ${pct(r.device_test_accuracy_std)} over ${r.chips} chips (chip 0: ${pct(r.device_test_accuracy)})${time > 0 ? `, ${opts.time} after programming` : ""}\ngap (twin − device): ${(100 * r.twin_device_gap!).toFixed(2)} points\n`);
      }),
    );

  addDeviceOptions(program
    .command("infer")
    .description("print predictions for inputs (a CSV file of feature rows, or comma-separated numbers)")
    .argument("<file>", ".pnn file")
    .requiredOption("--weights <ckpt>", "checkpoint (.safetensors)")
    .requiredOption("--input <rows>", "a CSV file (one row of features per line, an optional header naming the columns) or 'v1,v2,…'")
    .option("--raw", "the rows are raw features (as in the data file): normalise them as training did")
    .option("--device", "run on the device instead of the twin: simulated chip --chip (default 0), or the external device")
    .option("--chip <n>", "which simulated chip (with --device)")
    .option("--json", "print JSON")
    .option("--backend <name>", backendHelp, DEFAULT_BACKEND), "run")
    .option("--set <name=value>", SET_HELP, collect, [])
    .action((file: string, opts: { weights: string; input: string; raw?: boolean; device?: boolean; chip?: string; json?: boolean; backend: string; set: string[] } & DeviceFlags) =>
      guarded(setCode, opts.json, async () => {
        if (opts.chip !== undefined && !opts.device) throw new UsageError("--chip picks a simulated chip and needs --device");
        const chip = opts.device ? (opts.chip !== undefined ? nonNegativeInt(opts.chip, "--chip") : 0) : undefined;
        const input = readInputArgument(opts.input, "--input"); // bounded; a FIFO, device or folder is refused
        const p = openProgram(file, undefined, opts.simulate, opts.set);
        const r = await inferProduct(p, { weights: opts.weights, input, ...(opts.raw ? { raw: true } : {}), ...(chip !== undefined ? { chip } : {}), backend: opts.backend, ...deviceRequest(opts) });
        const name = (c: number) => r.classNames?.[c];
        if (opts.json) process.stdout.write(JSON.stringify({ predictions: r.classes, ...(r.classNames ? { labels: r.classes.map((c) => name(c)) } : {}), scores: r.scores }) + "\n");
        else r.classes.forEach((c, i) => process.stdout.write(`${i}: ${name(c) !== undefined ? `${escapeControls(name(c)!)} (class ${c})` : `class ${c}`}  scores [${r.scores[i]!.map((s) => s.toFixed(4)).join(", ")}]\n`));
      }),
    );
}
