/**
 * `pnn report RUN_DIR [-o FILE] [--drift 0,1h,1d,1y]`: one self-contained HTML page about a
 * training run (report/). Parses flags and prints where the page went; the work is
 * report/collect.ts's (evaluation) and report/html.ts's (figures).
 */
import type { Command } from "commander";
import { writeReport } from "../report/collect.js";
import { isSweepFolder, writeSweepReport } from "../report/sweep.js";
import { BACKENDS, DiagnosticsError } from "../compiler/driver/index.js";
import { printDiagnostics, UsageError } from "./io.js";
import { parseDuration } from "./run-commands.js";

/** `0,1h,1d,1y` → times in seconds with their labels. */
export function parseDriftTimes(list: string): { seconds: number; label: string }[] {
  const items = list.split(",").map((s) => s.trim()).filter(Boolean);
  if (!items.length) throw new UsageError(`--drift needs a comma-separated list of times such as 0,1h,1d,1y`);
  const times = items.map((label) => ({ seconds: parseDuration(label, "--drift"), label: label === "0" ? "0 s" : label }));
  for (let i = 1; i < times.length; i++) if (!(times[i].seconds > times[i - 1].seconds)) throw new UsageError(`--drift times must increase: '${items[i]}' comes after '${items[i - 1]}'`);
  return times;
}

export function registerReportCommand(program: Command, setCode: (c: number) => void): void {
  program
    .command("report")
    .description("write one self-contained HTML report of a training run (curves, twin vs device, confusion, learned physical parameters, drift, cost, source)")
    .argument("<run_dir>", "folder written by pnn train --out (or by pnn sweep --out: the sweep's table and figures)")
    .option("-o, --output <file>", "where to write the page (default RUN_DIR/report.html)")
    .option("--program <file>", "the .pnn program (default: the one the run recorded)")
    .option("--drift <times>", "also evaluate the device these times after programming, e.g. 0,1h,1d,1y (saved to RUN_DIR/drift.json)")
    .option("--chips <k>", "simulated chips to evaluate (default: the train block's)")
    .option("--backend <name>", `execution backend: ${BACKENDS.map((b) => b.name).join(" | ")} (default: the run's)`)
    .action(async (runDir: string, opts: { output?: string; program?: string; drift?: string; chips?: string; backend?: string }) => {
      const chips = opts.chips !== undefined ? Number(opts.chips) : undefined;
      if (chips !== undefined && !(Number.isInteger(chips) && chips >= 1)) throw new UsageError(`--chips must be a positive integer, got '${opts.chips}'`);
      const drift = opts.drift !== undefined ? parseDriftTimes(opts.drift) : undefined;
      if (isSweepFolder(runDir)) {
        const r = writeSweepReport(runDir, opts.output);
        process.stdout.write(`wrote ${r.file} (${r.figures} figures, ${(r.bytes / 1024).toFixed(0)} KiB)\n`);
        return;
      }
      try {
        const r = await writeReport(runDir, opts.output, { ...(opts.program ? { program: opts.program } : {}), ...(opts.backend ? { backend: opts.backend } : {}), ...(chips ? { chips } : {}), ...(drift ? { drift } : {}) });
        process.stdout.write(`wrote ${r.file} (${r.figures} figures, ${(r.bytes / 1024).toFixed(0)} KiB)\n`);
      } catch (e) {
        if (!(e instanceof DiagnosticsError)) throw e;
        printDiagnostics(e.diagnostics, e.sources, false, process.stderr);
        setCode(1);
      }
    });
}
