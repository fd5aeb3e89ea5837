/**
 * Commands that compile and run a program: `pnn ir`, `pnn train`, `pnn eval`, `pnn infer`.
 * Thin: each parses its flags, opens a driver Session on the file, asks the driver for the
 * product (compiler/driver/) and prints it. Diagnostics print with context and exit 1.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { BACKENDS, DEFAULT_BACKEND, DiagnosticsError, evaluateProduct, inferProduct, irProduct, Session, trainProduct, type Program } from "../compiler/driver/index.js";
import { diag, UserError } from "../diagnostics/catalog.js";
import { fileSpan } from "../diagnostics/span.js";
import { defaultProgressMode, ProgressReporter, type ProgressMode } from "../runtime/metrics.js";
import type { CheckpointCadence } from "../runtime/trainer.js";
import { writeReport, writeRunRecord } from "../report/collect.js";
import { diskHost, printDiagnostics, readDataFile, readSource, UsageError } from "./io.js";
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

/** The checked program of FILE's first train block (with `--rule` and `--set`, when given). */
function openProgram(file: string, rule?: string, set: readonly string[] = []): Program {
  return new Session(file, readSource(file), diskHost).program({ ...(rule !== undefined ? { rule } : {}), ...(set.length ? { set: set.map((a) => parseAssignment(a, "--set")) } : {}) });
}

/** Commander's collector for a repeatable option. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const SET_HELP = "override a train key, rule option, data argument, constant or layer parameter default, as NAME=VALUE (repeatable): seed=3, \"rule.c=0.02\", \"NoisyMesh.sigma=0.02 rad\"";
const WORKERS_HELP = "worker threads (default: one per core); training uses them when the train block has shards > 1 (docs/scaling.md)";

/** Runs a command body; checker diagnostics print and set exit code 1. */
async function guarded(setCode: (c: number) => void, json: boolean | undefined, body: () => void | Promise<void>): Promise<void> {
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
    .option("--mode <mode>", "twin | device | physics_aware | train", "train")
    .option("--batch <n>", "batch size the program is specialised for", "1")
    .option("--rule <rule>", "the rule whose programs to show (e.g. \"spsa(c: 0.02)\")")
    .option("--set <name=value>", SET_HELP, collect, [])
    .action((file: string, opts: { mode: string; batch: string; rule?: string; set: string[] }) =>
      guarded(setCode, false, () => {
        const p = openProgram(file, opts.rule, opts.set);
        process.stdout.write(irProduct(p, opts.mode, positiveInt(opts.batch, "--batch")));
      }),
    );

  program
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
    .option("--set <name=value>", SET_HELP, collect, [])
    .option("--workers <n>", WORKERS_HELP)
    .action((file: string, opts: { epochs?: string; out?: string; resume?: boolean; json?: boolean; quiet?: boolean; backend: string; rule?: string; checkpointEvery: string; report?: boolean | string; set: string[]; workers?: string }) =>
      guarded(setCode, opts.json, async () => {
        const p = openProgram(file, opts.rule, opts.set);
        const workers = opts.workers !== undefined ? positiveInt(opts.workers, "--workers") : undefined;
        const epochs = opts.epochs ? positiveInt(opts.epochs, "--epochs") : undefined;
        const outDir = opts.out ?? path.join("runs", path.basename(file, ".pnn"));
        const mode: ProgressMode = opts.json ? "json" : opts.quiet ? "quiet" : defaultProgressMode(process.stdout);
        const progress = new ProgressReporter({ mode, out: process.stdout, epochs: epochs ?? p.train.epochs });
        if (!opts.resume) writeRunRecord(outDir, p, { backend: opts.backend, epochs: epochs ?? p.train.epochs, ...(epochs ? { epochsOverride: epochs } : {}), ...(opts.rule ? { ruleOverride: opts.rule } : {}) });
        const r = await trainProduct(p, { ...(epochs ? { epochs } : {}), outDir, resume: !!opts.resume, backend: opts.backend, progress, checkpoint: parseCadence(opts.checkpointEvery), ...(workers ? { workers } : {}) });
        if (r.kind === "finished") {
          const note = `${outDir} holds a finished run (epoch ${r.epoch} of ${r.epoch}); nothing to do — pass --epochs N to extend it`;
          process.stdout.write(opts.json ? JSON.stringify({ type: "finished", epoch: r.epoch, checkpoint: r.checkpoint, message: note }) + "\n" : `pnn train: ${note}\n`);
          return;
        }
        progress.summary(r.summary);
        if (opts.report) (opts.json ? process.stderr : process.stdout).write(`report: ${(await writeReport(outDir, typeof opts.report === "string" ? opts.report : undefined, { backend: opts.backend })).file}\n`);
      }),
    );

  program
    .command("eval")
    .description("evaluate trained weights on the twin and on K simulated chips")
    .argument("<file>", ".pnn file")
    .requiredOption("--weights <ckpt>", "checkpoint (.safetensors) written by pnn train")
    .option("--chips <k>", "simulated chips to average over")
    .option("--json", "print the result as JSON")
    .option("--time <duration>", "evaluate the device this long after programming (drift): 1s, 1h, 1d, 1y", "0")
    .option("--backend <name>", backendHelp, DEFAULT_BACKEND)
    .option("--set <name=value>", SET_HELP, collect, [])
    .option("--workers <n>", "worker threads the chips are spread over (default: one per core)")
    .action((file: string, opts: { weights: string; chips?: string; json?: boolean; time: string; backend: string; set: string[]; workers?: string }) =>
      guarded(setCode, opts.json, async () => {
        const time = parseDuration(opts.time, "--time");
        const p = openProgram(file, undefined, opts.set);
        const workers = opts.workers !== undefined ? positiveInt(opts.workers, "--workers") : undefined;
        const r = await evaluateProduct(p, { weights: opts.weights, ...(opts.chips ? { chips: positiveInt(opts.chips, "--chips") } : {}), time, backend: opts.backend, ...(workers ? { workers } : {}) });
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

  program
    .command("infer")
    .description("print predictions for inputs (a CSV file of feature rows, or comma-separated numbers)")
    .argument("<file>", ".pnn file")
    .requiredOption("--weights <ckpt>", "checkpoint (.safetensors)")
    .requiredOption("--input <rows>", "a CSV file (one row of features per line) or 'v1,v2,…'")
    .option("--device", "run on simulated chip (--chip, default 0) instead of the twin")
    .option("--chip <n>", "which simulated chip (with --device)")
    .option("--json", "print JSON")
    .option("--backend <name>", backendHelp, DEFAULT_BACKEND)
    .option("--set <name=value>", SET_HELP, collect, [])
    .action((file: string, opts: { weights: string; input: string; device?: boolean; chip?: string; json?: boolean; backend: string; set: string[] }) =>
      guarded(setCode, opts.json, async () => {
        if (opts.chip !== undefined && !opts.device) throw new UsageError("--chip picks a simulated chip and needs --device");
        const chip = opts.device ? (opts.chip !== undefined ? nonNegativeInt(opts.chip, "--chip") : 0) : undefined;
        const p = openProgram(file, undefined, opts.set);
        const features = p.spec(1).features;
        const fromFile = readDataFile(opts.input, "--input"); // bounded; a FIFO or device is refused
        const isFile = fromFile !== undefined;
        const text = fromFile ?? opts.input;
        const where = fileSpan(isFile ? opts.input : "--input");
        const rows = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !/^[A-Za-z_"]/.test(l));
        const values: number[] = [];
        rows.forEach((line, i) => {
          const cells = line.split(/[,\s]+/).filter(Boolean).map(Number);
          if (cells.length !== features) throw new UserError(diag("PNN6005", where, `input row ${i + 1} has ${cells.length} values; the network takes ${features}`));
          if (cells.some((v) => !Number.isFinite(v))) throw new UserError(diag("PNN6005", where, `input row ${i + 1} has a value that is not a finite number`));
          values.push(...cells);
        });
        if (!rows.length) throw new UserError(diag("PNN6005", where, "no input rows"));
        const r = await inferProduct(p, { weights: opts.weights, rows: Float64Array.from(values), count: rows.length, ...(chip !== undefined ? { chip } : {}), backend: opts.backend });
        if (opts.json) process.stdout.write(JSON.stringify({ predictions: r.classes, scores: r.scores }) + "\n");
        else r.classes.forEach((c, i) => process.stdout.write(`${i}: class ${c}  scores [${r.scores[i]!.map((s) => s.toFixed(4)).join(", ")}]\n`));
      }),
    );
}
