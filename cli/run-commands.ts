/**
 * Commands that compile and run a program: `pnn ir`, `pnn train`, `pnn eval`, `pnn infer`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { printGraph } from "../compiler/ir/print.js";
import { PASSES, PIPELINE, runPipeline, unknownPasses } from "../compiler/passes/pipeline.js";
import type { Graph } from "../compiler/ir/graph.js";
import { lowerInfer, modelSpec, type LowerMode } from "../compiler/lower/lower.js";
import { RULE_LOWERINGS } from "../compiler/lower/rules/index.js";
import { diag, UserError } from "../diagnostics/catalog.js";
import { fileSpan } from "../diagnostics/span.js";
import { loadDataset } from "../runtime/data/index.js";
import { defaultProgressMode, MetricsWriter, ProgressReporter, type ProgressMode } from "../runtime/metrics.js";
import { sampleChip } from "../runtime/init.js";
import { accuracy, chipAccuracies, meanStd, predict, readCheckpoint, train } from "../runtime/trainer.js";
import { BACKENDS, buildPrograms, DEFAULT_BACKEND, DiagnosticsError, loadProgram, ruleOptions } from "./compile.js";
import { printDiagnostics, UsageError } from "./io.js";

function positiveInt(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${what} must be a positive integer, got '${v}'`);
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

export function registerRunCommands(program: Command, setCode: (c: number) => void): void {
  program
    .command("ir")
    .description("print the IR of a network's programs")
    .argument("<file>", ".pnn file")
    .option("--mode <mode>", "twin | device | physics_aware | train", "train")
    .option("--batch <n>", "batch size the program is specialised for", "1")
    .option("--passes <list>", `'none', or passes to run, comma-separated (default: the pipeline ${PIPELINE.join(",")})`)
    .option("--print-after <pass>", "print the IR right after this pass instead of the pipeline's result")
    .action((file: string, opts: { mode: string; batch: string; passes?: string; printAfter?: string }) =>
      guarded(setCode, false, () => {
        const passes = opts.passes === undefined ? undefined : opts.passes === "none" ? ("none" as const) : opts.passes.split(",").map((x) => x.trim());
        const bad = unknownPasses([...(passes === "none" ? [] : passes ?? []), ...(opts.printAfter ? [opts.printAfter] : [])]);
        if (bad.length) throw new UsageError(`unknown pass ${bad.join(", ")} (passes: ${Object.keys(PASSES).join(", ")})`);
        const shown = (g: Graph): string => {
          const r = runPipeline(g, { passes, printAfter: opts.printAfter });
          return r.printed ?? (opts.printAfter ? `; pass ${opts.printAfter} did not run\n` : printGraph(r.graph));
        };
        const p = loadProgram(file);
        const batch = positiveInt(opts.batch, "--batch");
        const modes = ["twin", "device", "physics_aware", "train"];
        if (!modes.includes(opts.mode)) throw new UsageError(`--mode must be one of ${modes.join(", ")}`);
        if (opts.mode !== "train") {
          process.stdout.write(shown(lowerInfer(p.net, opts.mode as LowerMode, batch, { train: p.train })) + "\n");
          return;
        }
        // The rule's own programs (a gradient rule has one, `train`; others may have several).
        const graphs = RULE_LOWERINGS[p.train.rule.sig.name](p.net, p.train, batch, modelSpec(p.net, batch).hasDevice);
        const own = Object.entries(graphs).filter(([name, g]) => g && name !== "inferTwin" && name !== "inferDevice");
        for (const [name, g] of own) process.stdout.write((own.length > 1 ? `; program ${name}\n` : "") + shown(g!) + "\n");
      }),
    );

  program
    .command("train")
    .description("train the network of FILE's train block and evaluate it on the twin and the simulated device")
    .argument("<file>", ".pnn file")
    .option("--epochs <n>", "override the train block's epochs")
    .option("--out <dir>", "output directory (checkpoint, metrics.jsonl, summary.json)")
    .option("--resume", "continue the run in --out from its last checkpoint")
    .option("--json", "one JSON object per epoch, then a summary")
    .option("--quiet", "print only the final summary")
    .option("--backend <name>", `execution backend: ${BACKENDS.join(" | ")}`, DEFAULT_BACKEND)
    .option("--rule <rule>", "override the train block's learning rule (e.g. compare backprop with physics_aware)")
    .action((file: string, opts: { epochs?: string; out?: string; resume?: boolean; json?: boolean; quiet?: boolean; backend: string; rule?: string }) =>
      guarded(setCode, opts.json, async () => {
        const p = loadProgram(file, 0, opts.rule);
        const epochs = opts.epochs ? positiveInt(opts.epochs, "--epochs") : p.train.epochs;
        const outDir = opts.out ?? path.join("runs", path.basename(file, ".pnn"));
        if (opts.resume && !fs.existsSync(path.join(outDir, "checkpoint.safetensors"))) throw new UsageError(`--resume: no checkpoint in ${outDir}`);
        const data = loadDataset({ ...p.train.data, baseDir: path.dirname(path.resolve(file)) });
        const { spec, programs } = await buildPrograms(p, p.train.batch, opts.backend);
        const mode: ProgressMode = opts.json ? "json" : opts.quiet ? "quiet" : defaultProgressMode(process.stdout);
        const progress = new ProgressReporter({ mode, out: process.stdout, epochs });
        const metrics = new MetricsWriter(outDir, { append: !!opts.resume });
        const summary = train(spec, programs, data, { rule: p.train.rule.sig.name, ruleOptions: ruleOptions(p), epochs, seed: p.train.seed, chips: p.train.chips, optimizer: p.train.optimizer }, { outDir, resume: !!opts.resume, progress, metrics, sourceHash: p.hash, span: p.train.span });
        const full = { ...summary, dataset: p.train.data.name, train_samples: data.train.n, test_samples: data.test.n, checkpoint: path.join(outDir, "checkpoint.safetensors") };
        metrics.summary(full);
        progress.summary(full);
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
    .option("--backend <name>", `execution backend: ${BACKENDS.join(" | ")}`, DEFAULT_BACKEND)
    .action((file: string, opts: { weights: string; chips?: string; json?: boolean; time: string; backend: string }) =>
      guarded(setCode, opts.json, async () => {
        const time = parseDuration(opts.time, "--time");
        const p = loadProgram(file);
        const chips = opts.chips ? positiveInt(opts.chips, "--chips") : p.train.chips;
        const data = loadDataset({ ...p.train.data, baseDir: path.dirname(path.resolve(file)) });
        const { spec, programs } = await buildPrograms(p, p.train.batch, opts.backend, time);
        const { params } = readCheckpoint(opts.weights, spec, fileSpan(opts.weights));
        const result: Record<string, unknown> = { network: spec.network, test_samples: data.test.n, test_accuracy: accuracy(spec, programs.inferTwin, data.test, params, undefined, [p.train.seed, 0, 0x7fffff00]) };
        if (programs.inferDevice) {
          const accs = chipAccuracies(spec, programs.inferDevice, data.test, params, p.train.seed, chips);
          const ms = meanStd(accs);
          Object.assign(result, { chips, time_s: time, device_test_accuracy: accs[0], device_test_accuracy_mean: ms.mean, device_test_accuracy_std: ms.std, twin_device_gap: (result.test_accuracy as number) - ms.mean, per_chip: accs });
        }
        if (opts.json) process.stdout.write(JSON.stringify(result) + "\n");
        else {
          const pct = (v: unknown) => `${(100 * (v as number)).toFixed(2)}%`;
          process.stdout.write(`twin   test accuracy: ${pct(result.test_accuracy)} (${data.test.n} samples)\n`);
          if (programs.inferDevice)
            process.stdout.write(`device test accuracy: ${pct(result.device_test_accuracy_mean)} ± ${pct(result.device_test_accuracy_std)} over ${chips} chips (chip 0: ${pct(result.device_test_accuracy)})${time > 0 ? `, ${opts.time} after programming` : ""}\ngap (twin − device): ${(100 * (result.twin_device_gap as number)).toFixed(2)} points\n`);
        }
      }),
    );

  program
    .command("infer")
    .description("print predictions for inputs (a CSV file of feature rows, or comma-separated numbers)")
    .argument("<file>", ".pnn file")
    .requiredOption("--weights <ckpt>", "checkpoint (.safetensors)")
    .requiredOption("--input <rows>", "a CSV file (one row of features per line) or 'v1,v2,…'")
    .option("--device", "run on simulated chip (--chip, default 0) instead of the twin")
    .option("--chip <n>", "which simulated chip", "0")
    .option("--json", "print JSON")
    .option("--backend <name>", `execution backend: ${BACKENDS.join(" | ")}`, DEFAULT_BACKEND)
    .action((file: string, opts: { weights: string; input: string; device?: boolean; chip: string; json?: boolean; backend: string }) =>
      guarded(setCode, opts.json, async () => {
        const p = loadProgram(file);
        const { spec, programs } = await buildPrograms(p, 1, opts.backend);
        const { params } = readCheckpoint(opts.weights, spec, fileSpan(opts.weights));
        const isFile = fs.existsSync(opts.input);
        const text = isFile ? fs.readFileSync(opts.input, "utf8") : opts.input;
        const where = fileSpan(isFile ? opts.input : "--input");
        const rows = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !/^[A-Za-z_"]/.test(l));
        const values: number[] = [];
        rows.forEach((line, i) => {
          const cells = line.split(/[,\s]+/).filter(Boolean).map(Number);
          if (cells.length !== spec.features) throw new UserError(diag("PNN6005", where, `input row ${i + 1} has ${cells.length} values; the network takes ${spec.features}`));
          if (cells.some((v) => !Number.isFinite(v))) throw new UserError(diag("PNN6005", where, `input row ${i + 1} has a value that is not a finite number`));
          values.push(...cells);
        });
        if (!rows.length) throw new UserError(diag("PNN6005", where, "no input rows"));
        const chip = opts.device ? sampleChip(spec.chipVars, p.train.seed, Number(opts.chip)) : undefined;
        const exe = opts.device && programs.inferDevice ? programs.inferDevice : programs.inferTwin;
        const r = predict(spec, exe, Float64Array.from(values), rows.length, params, chip, [p.train.seed, Number(opts.chip), 0x7fffff80]);
        if (opts.json) process.stdout.write(JSON.stringify({ predictions: r.classes, scores: r.scores }) + "\n");
        else r.classes.forEach((c, i) => process.stdout.write(`${i}: class ${c}  scores [${r.scores[i].map((s) => s.toFixed(4)).join(", ")}]\n`));
      }),
    );
}
