/**
 * `pnn sweep FILE` and `pnn worker` (docs/scaling.md). Thin: flags in, sweep/ does the work.
 *   pnn sweep FILE [--grid NAME=v1,v2|a..b]… [--set NAME=V]… [--out DIR] [--workers N]
 *                  [--queue redis://HOST:PORT [--shared]] [--backend B] [--json]
 *     FILE is a sweep file (.json, sweep/spec.ts) or a .pnn program whose axes are all given here.
 *     Every run is checked before anything runs (a typo in an axis stops the sweep with its
 *     diagnostic); finished runs are reused; the table goes to OUT/results.csv and .json.
 *   pnn worker --queue redis://HOST:PORT [--concurrency N] [--lock-duration 30s] [--work-dir DIR] [--shared DIR]
 *     takes sweep jobs until interrupted (SIGINT/SIGTERM close it after the jobs in hand).
 * Exit codes: 0, 1 (diagnostics or a failed run), 2 (usage).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { BACKENDS, DEFAULT_BACKEND, DiagnosticsError, Session } from "../compiler/driver/index.js";
import { defaultWorkers } from "../compiler/driver/parallel/pool.js";
import { formatTable } from "../sweep/results.js";
import { writeSweepReport } from "../report/sweep.js";
import { expandSweep, parseGridAxis, parseSweepFile, programHash, type SweepDefinition } from "../sweep/spec.js";
import { localRunner, runSweep } from "../sweep/sweep.js";
import { parseAssignment } from "../compiler/driver/overrides.js";
import type { SweepRow } from "../sweep/job.js";
import { diskHost, printDiagnostics, readSource, UsageError } from "./io.js";
import { collect, parseDuration } from "./run-commands.js";

function positiveInt(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${what} must be a positive integer, got '${v}'`);
  return n;
}

const pct = (v: number | null | undefined) => (typeof v === "number" ? `${(100 * v).toFixed(1)}%` : "–");

/** One line per finished run. */
function progressLine(row: SweepRow, finished: number, total: number): string {
  const axes = Object.entries(row.axes).map(([k, v]) => `${k}=${v}`).join(" ") || row.run;
  if (row.status === "failed") return `[${finished}/${total}] ${axes}: FAILED ${row.error?.split("\n")[0] ?? ""}\n`;
  const r = row.results;
  const device = r.device_test_accuracy_mean !== undefined ? `, device ${pct(r.device_test_accuracy_mean)} ± ${pct(r.device_test_accuracy_std)}` : "";
  return `[${finished}/${total}] ${axes}: test ${pct(r.test_accuracy)}${device}${typeof r.wall_s === "number" ? ` (${r.wall_s.toFixed(1)} s)` : ""}\n`;
}

export function registerSweepCommands(program: Command, setCode: (c: number) => void): void {
  program
    .command("sweep")
    .description("train a grid or list of runs (train keys, rule options, device parameters, seeds) and tabulate them; resumable")
    .argument("<file>", "a sweep file (.json) or a .pnn program (then give the axes with --grid)")
    .option("--grid <name=values>", "an axis, NAME=v1,v2,… or NAME=a..b (repeatable; after the file's axes)", collect, [])
    .option("--set <name=value>", "an override of every run, as NAME=VALUE (repeatable)", collect, [])
    .option("--out <dir>", "the sweep's folder: runs/, results.csv, results.json (default sweeps/<name>)")
    .option("--workers <n>", "runs at once on this machine (default: one per core)")
    .option("--queue <url>", "run the jobs through a Redis queue, redis://HOST:PORT, on `pnn worker --queue …` processes")
    .option("--shared", "with --queue: workers write the run folders into --out themselves (a folder they all see at the same path); otherwise results and checkpoints come back through the queue")
    .option("--queue-name <name>", "with --queue: the queue's name (workers must use the same)", "pnn-sweep")
    .option("--backend <name>", `execution backend: ${BACKENDS.map((b) => b.name).join(" | ")}`, DEFAULT_BACKEND)
    .option("--json", "one JSON object per finished run, then the table")
    .option("--report [file]", "at the end, write an HTML page of the table and figures (default OUT/report.html; pnn report OUT does the same)")
    .action(async (file: string, opts: { grid: string[]; set: string[]; out?: string; workers?: string; queue?: string; queueName: string; shared?: boolean; backend: string; json?: boolean; report?: boolean | string }) => {
      if (opts.shared && !opts.queue) throw new UsageError("--shared goes with --queue");
      const isJson = file.endsWith(".json");
      let def: SweepDefinition = isJson
        ? parseSweepFile(file, readSource(file), (p) => path.resolve(path.dirname(file), p))
        : { program: path.resolve(file), set: [], runs: [], grid: [] };
      def = { ...def, set: [...def.set, ...opts.set.map((a) => parseAssignment(a, "--set"))], grid: [...def.grid, ...opts.grid.map(parseGridAxis)] };
      const workers = opts.workers !== undefined ? positiveInt(opts.workers, "--workers") : defaultWorkers();
      const outDir = opts.out ?? path.join("sweeps", path.basename(file).replace(/\.(json|pnn)$/, ""));
      const programFile = path.relative(process.cwd(), def.program) || def.program;
      const source = readSource(programFile);
      try {
        const base = new Session(programFile, source, diskHost).program();
        const sweep = expandSweep(def, programHash(programFile, source, base.origin.reads), file);
        // every run checks before anything runs
        for (const run of sweep.runs) new Session(programFile, source, diskHost).program({ set: run.set });
        const out = opts.json ? process.stdout : process.stderr;
        out.write(opts.json ? "" : `sweep: ${sweep.runs.length} runs of ${programFile} into ${outDir}${opts.queue ? ` through ${opts.queue}` : ` on ${Math.min(workers, sweep.runs.length)} worker${workers > 1 ? "s" : ""}`}\n`);
        const runner = opts.queue ? (await import("../sweep/queue.js")).queueRunner(opts.queue, { shared: !!opts.shared, name: opts.queueName }) : localRunner(workers);
        const r = await runSweep(sweep, { file: programFile, source, reads: base.origin.reads }, {
          outDir,
          backend: opts.backend,
          runner,
          onRow: (row, finished, total) => process.stdout.write(opts.json ? JSON.stringify({ type: "run", ...row }) + "\n" : progressLine(row, finished, total)),
        });
        if (opts.json) process.stdout.write(JSON.stringify({ type: "table", columns: r.table.columns, rows: r.table.rows }) + "\n");
        else process.stdout.write(`${r.reused ? `${r.reused} finished run${r.reused > 1 ? "s" : ""} reused, ` : ""}${r.ran} run${r.ran === 1 ? "" : "s"} ran${r.failed ? `, ${r.failed} failed` : ""}\n${formatTable(r.table, sweep.axes)}results: ${r.files.csv}, ${r.files.json}\n`);
        if (opts.report) (opts.json ? process.stderr : process.stdout).write(`report: ${writeSweepReport(outDir, typeof opts.report === "string" ? opts.report : undefined).file}\n`);
        if (r.failed) setCode(1);
      } catch (e) {
        if (!(e instanceof DiagnosticsError)) throw e;
        printDiagnostics(e.diagnostics, e.sources, !!opts.json, opts.json ? process.stdout : process.stderr);
        setCode(1);
      }
    });

  program
    .command("worker")
    .description("run sweep jobs from a Redis queue (start one or more on every machine; see pnn sweep --queue)")
    .requiredOption("--queue <url>", "the Redis server, redis://HOST:PORT")
    .option("--concurrency <n>", "jobs at once in this process", "1")
    .option("--lock-duration <duration>", "how long a job stays claimed without a heartbeat: how soon a dead worker's job is run again", "30s")
    .option("--work-dir <dir>", "where runs train when the sweep's folder is not shared", ".pnn-worker")
    .option("--queue-name <name>", "the queue's name (as given to pnn sweep)", "pnn-sweep")
    .option("--shared <dir>", "a folder shared with the machine running pnn sweep --shared (as this machine sees it): jobs may write their run folders only inside it")
    .action(async (opts: { queue: string; concurrency: string; lockDuration: string; workDir: string; queueName: string; shared?: string }) => {
      const lockDurationMs = Math.round(1000 * parseDuration(opts.lockDuration, "--lock-duration"));
      if (lockDurationMs < 500) throw new UsageError("--lock-duration must be at least 0.5s");
      fs.mkdirSync(opts.workDir, { recursive: true });
      const { startWorker } = await import("../sweep/queue.js");
      const log = (line: string) => process.stdout.write(`pnn worker: ${line}\n`);
      if (opts.shared && !fs.existsSync(opts.shared)) throw new UsageError(`--shared ${opts.shared}: no such folder`);
      const w = await startWorker(opts.queue, { name: opts.queueName, concurrency: positiveInt(opts.concurrency, "--concurrency"), lockDurationMs, workDir: path.resolve(opts.workDir), ...(opts.shared ? { shared: path.resolve(opts.shared) } : {}), log });
      await new Promise<void>((resolve) => {
        const stop = () => {
          log("closing (finishing the jobs in hand)");
          resolve();
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      await w.close();
    });
}
