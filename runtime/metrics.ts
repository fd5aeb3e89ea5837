/**
 * Training metrics and progress output.
 *  - MetricsWriter(dir): `metrics.jsonl` gets one JSON object per epoch (appended and flushed as
 *    each epoch ends, so a crashed run keeps its history); `summary.json` is written atomically
 *    once at the end.
 *  - ProgressReporter: what the user sees while training. tty = one live progress bar per epoch
 *    (redrawn with \r, at most every 100 ms) with loss, accuracy and samples/s; plain = one line
 *    per epoch; json = one JSON object per line (epochs, then the summary); quiet = only the
 *    final summary. The summary (all modes but json) is a block of aligned, labelled rows
 *    (summaryRows: twin, trained chip, K chips mean ± std, queries, FLOPs, time), which the HTML
 *    report (report/) shows too. It formats; it never decides what is measured.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { MAX_DATA_FILE_BYTES } from "../diagnostics/limits.js";
import { writeFileAtomic } from "./checkpoint.js";
import { namingPath, readTextFile } from "./files.js";

/** Appends never follow a link: metrics.jsonl is the run folder's own file. */
const APPEND = fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | (fs.constants.O_NOFOLLOW ?? 0);

/** One epoch's results. `epoch` is 1-based; other keys (test_accuracy, device_accuracy, …) pass through. */
export interface EpochRecord {
  epoch: number;
  loss: number;
  accuracy?: number;
  [key: string]: number | string | boolean | null | undefined;
}

export type Summary = Record<string, unknown>;

/** JSON.stringify that keeps non-finite numbers visible (as null would hide a diverged loss). */
function toJson(obj: unknown): string {
  return JSON.stringify(obj, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v));
}

export class MetricsWriter {
  readonly metricsPath: string;
  readonly summaryPath: string;

  /**
   * Creates `dir` if needed. A new writer starts a fresh metrics.jsonl unless `append` (resume).
   * Files are replaced by rename (never written through a link a folder may hold).
   */
  constructor(readonly dir: string, options: { append?: boolean } = {}) {
    fs.mkdirSync(dir, { recursive: true });
    this.metricsPath = path.join(dir, "metrics.jsonl");
    this.summaryPath = path.join(dir, "summary.json");
    if (!options.append) writeFileAtomic(this.metricsPath, "");
  }

  /**
   * Keeps only the records of epochs 1..n (a resumed run continues after its checkpoint's epoch;
   * records a killed run wrote after its last checkpoint are dropped, so no epoch appears twice).
   */
  keepEpochs(n: number): void {
    // Bounded, regular files only: anything else (missing, a link to a device) is no history.
    const r = readTextFile(this.metricsPath, MAX_DATA_FILE_BYTES);
    const text = r.ok ? r.text : "";
    const kept = text.split("\n").filter((line) => {
      if (!line.trim()) return false;
      try {
        const e = (JSON.parse(line) as { epoch?: unknown }).epoch;
        return typeof e === "number" && e <= n;
      } catch {
        return false; // a line cut short by a crash
      }
    });
    writeFileAtomic(this.metricsPath, kept.map((l) => l + "\n").join(""));
  }

  epoch(record: EpochRecord): void {
    const fd = fs.openSync(this.metricsPath, APPEND, 0o644);
    try {
      fs.writeSync(fd, toJson(record) + "\n");
    } catch (e) {
      throw namingPath(e, this.metricsPath);
    } finally {
      fs.closeSync(fd);
    }
  }

  summary(summary: Summary): void {
    writeFileAtomic(this.summaryPath, JSON.stringify(JSON.parse(toJson(summary)), null, 2) + "\n");
  }
}

export type ProgressMode = "tty" | "plain" | "json" | "quiet";

export interface ProgressOptions {
  mode: ProgressMode;
  out: NodeJS.WritableStream;
  /** Total epochs, shown as "epoch 3/10" when known. */
  epochs?: number;
  /** Clock in ms (tests inject one). */
  now?: () => number;
  /** Minimum ms between tty redraws (default 100). */
  redrawMs?: number;
  /** Bar width in characters (default 24). */
  barWidth?: number;
}

/** Picks tty when the stream is a terminal, plain otherwise. */
export function defaultProgressMode(out: NodeJS.WritableStream): ProgressMode {
  return (out as NodeJS.WriteStream).isTTY ? "tty" : "plain";
}

function fmtNum(v: number): string {
  if (!Number.isFinite(v) || Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toFixed(4);
}

function fmtPct(v: number): string {
  return Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : String(v);
}

function fmtRate(samples: number, ms: number): string {
  if (ms <= 0) return "– samples/s";
  const r = (samples * 1000) / ms;
  return `${r >= 100 ? Math.round(r) : r.toPrecision(3)} samples/s`;
}

/** Running totals (device queries, FLOPs) and the raw rate: in the JSON records and the summary, not on every epoch line. */
const EPOCH_LINE_SKIP = ["epoch", "loss", "accuracy", "samples_per_s", "device_forwards", "device_relaxations", "device_measurements", "digital_flops"];

/** "key value" pairs for the extra keys of an epoch record (accuracies as percentages). */
function fmtExtras(rec: Record<string, unknown>, skip: string[]): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(rec)) {
    if (skip.includes(k) || v === undefined) continue;
    if (typeof v === "number") parts.push(`${k} ${/acc/.test(k) ? fmtPct(v) : fmtNum(v)}`);
    else parts.push(`${k} ${typeof v === "object" && v !== null ? toJson(v) : String(v)}`);
  }
  return parts.join("  ");
}

export class ProgressReporter {
  private readonly mode: ProgressMode;
  private readonly out: NodeJS.WritableStream;
  private readonly now: () => number;
  private readonly redrawMs: number;
  private readonly barWidth: number;
  private epoch = 0;
  private totalBatches = 0;
  private started = 0;
  private lastDraw = -Infinity;
  private lastLen = 0;
  private samples = 0;
  private lossSum = 0;
  private accSum = 0;
  private batches = 0;

  constructor(private readonly options: ProgressOptions) {
    this.mode = options.mode;
    this.out = options.out;
    this.now = options.now ?? (() => performance.now());
    this.redrawMs = options.redrawMs ?? 100;
    this.barWidth = options.barWidth ?? 24;
  }

  private epochLabel(): string {
    return this.options.epochs ? `epoch ${this.epoch}/${this.options.epochs}` : `epoch ${this.epoch}`;
  }

  startEpoch(epoch: number, totalBatches: number): void {
    this.epoch = epoch;
    this.totalBatches = totalBatches;
    this.started = this.now();
    this.lastDraw = -Infinity;
    this.samples = this.lossSum = this.accSum = this.batches = 0;
  }

  /** Batch i (0-based) finished; loss and accuracy are the running means over the epoch's first `samples` samples. */
  batch(i: number, loss: number, acc: number, samples: number): void {
    this.samples = samples;
    this.lossSum = loss * samples;
    this.accSum = acc * samples;
    this.batches = i + 1;
    if (this.mode !== "tty") return;
    const t = this.now();
    const last = i + 1 >= this.totalBatches;
    if (!last && t - this.lastDraw < this.redrawMs) return;
    this.lastDraw = t;
    const frac = this.totalBatches > 0 ? Math.min(1, (i + 1) / this.totalBatches) : 0;
    const filled = Math.round(frac * this.barWidth);
    const bar = "█".repeat(filled) + "░".repeat(this.barWidth - filled);
    const n = Math.max(1, this.samples);
    this.draw(
      `${this.epochLabel()} ${bar} ${i + 1}/${this.totalBatches}  loss ${fmtNum(this.lossSum / n)}  acc ${fmtPct(this.accSum / n)}  ${fmtRate(this.samples, t - this.started)}`,
    );
  }

  private draw(line: string): void {
    // \r, then the line, padded over whatever the previous line left on screen.
    const pad = Math.max(0, this.lastLen - line.length);
    this.out.write(`\r${line}${" ".repeat(pad)}`);
    this.lastLen = line.length;
  }

  endEpoch(record: EpochRecord): void {
    const ms = this.now() - this.started;
    if (this.mode === "json") {
      this.out.write(toJson({ type: "epoch", ...record }) + "\n");
      return;
    }
    if (this.mode === "quiet") return;
    const head = [`${this.epochLabel()}`, `loss ${fmtNum(record.loss)}`];
    if (record.accuracy !== undefined) head.push(`acc ${fmtPct(record.accuracy)}`);
    const extras = fmtExtras(record, EPOCH_LINE_SKIP);
    if (extras) head.push(extras);
    if (this.samples > 0) head.push(fmtRate(this.samples, ms));
    head.push(`${(ms / 1000).toFixed(1)} s`);
    const line = head.join("  ");
    if (this.mode === "tty") {
      this.draw(line);
      this.out.write("\n");
      this.lastLen = 0;
    } else this.out.write(line + "\n");
  }

  /** What compiling the run's programs did (pass statistics): a `{"type": "compile", …}` record in json mode only. */
  compiled(obj: Summary): void {
    if (this.mode === "json") this.out.write(toJson({ type: "compile", ...obj }) + "\n");
  }

  summary(obj: Summary): void {
    if (this.mode === "json") {
      this.out.write(toJson({ type: "summary", ...obj }) + "\n");
      return;
    }
    const rows = summaryRows(obj);
    const width = Math.max(...rows.map((r) => r.label.length));
    this.out.write(`training done\n${rows.map((r) => `  ${r.label.padEnd(width)}  ${r.value}`).join("\n")}\n`);
  }
}

// ── the end-of-run summary, as labelled rows ─────────────────────────────────
export interface SummaryRow {
  readonly label: string;
  readonly value: string;
}

const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);
/** 12345 → "12,345"; 4.7e9 → "4.70 G". */
function fmtCount(v: number): string {
  const a = Math.abs(v);
  for (const [scale, unit] of [[1e15, "P"], [1e12, "T"], [1e9, "G"], [1e6, "M"]] as const) if (a >= scale) return `${(v / scale).toFixed(2)} ${unit}`;
  return Number.isInteger(v) ? v.toLocaleString("en-US") : fmtNum(v);
}
function fmtSeconds(s: number): string {
  if (s < 60) return `${s < 10 ? s.toFixed(2) : s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s - 60 * m)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
/**
 * A run summary (as `pnn train` writes it to summary.json) as labelled rows: twin accuracy,
 * trained-chip accuracy, K chips mean ± std, device queries, FLOPs, time. Keys it does not know
 * follow as `key  value` rows, so nothing in the summary is hidden. Used by the terminal summary
 * and by the HTML report.
 */
export function summaryRows(s: Summary): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const used = new Set(["type"]);
  /** Adds a row when its first key is present and not shown yet; marks every key it shows as used. */
  const row = (label: string, keys: string[], value: () => string) => {
    if (s[keys[0]] === undefined || used.has(keys[0])) return;
    for (const k of keys) used.add(k);
    rows.push({ label, value: value() });
  };
  const epochs = num(s.epochs);
  const plural = (n: number, what: string) => `${fmtCount(n)} ${what}${n === 1 ? "" : "s"}`;
  row("network", s.rule !== undefined ? ["network", "rule", "epochs"] : ["network"], () => `${String(s.network)}${s.rule !== undefined ? ` (rule ${String(s.rule)}${epochs !== undefined ? `, ${plural(epochs, "epoch")}` : ""})` : ""}`);
  row("epochs", ["epochs"], () => String(s.epochs));
  row("data", ["dataset", "train_samples", "test_samples"], () => `${String(s.dataset)}${num(s.train_samples) !== undefined ? `: ${fmtCount(num(s.train_samples)!)} train, ${fmtCount(num(s.test_samples) ?? 0)} test samples` : ""}`);
  const trainAcc = num(s.train_accuracy);
  row("twin", ["test_accuracy", "train_accuracy"], () => `${fmtPct(num(s.test_accuracy)!)} test accuracy${trainAcc !== undefined ? ` (train ${fmtPct(trainAcc)})` : ""}`);
  row("trained chip", ["device_test_accuracy"], () => `${fmtPct(num(s.device_test_accuracy)!)} test accuracy (chip 0)`);
  const chips = num(s.device_chips);
  row(chips !== undefined ? plural(chips, "chip") : "chips", ["device_test_accuracy_mean", "device_test_accuracy_std", "device_chips", "device_per_chip"], () => `${fmtPct(num(s.device_test_accuracy_mean)!)} ± ${fmtPct(num(s.device_test_accuracy_std) ?? 0)} (mean ± std)`);
  row("twin − device", ["twin_device_gap"], () => `${(100 * num(s.twin_device_gap)!).toFixed(1)} points`);
  const queries: [string, string][] = [["device_forwards", "forward pass"], ["device_relaxations", "relaxation"], ["device_measurements", "measurement"]];
  const present = queries.filter(([k]) => k in s);
  if (present.length) {
    const asked = present.filter(([k]) => (num(s[k]) ?? 0) > 0).map(([k, what]) => (what === "forward pass" ? `${fmtCount(num(s[k])!)} forward passes` : plural(num(s[k])!, what)));
    row("device queries", present.map(([k]) => k), () => (asked.length ? asked.join(", ") : "none (trained on the twin alone)"));
  }
  row("digital FLOPs", ["digital_flops"], () => fmtCount(num(s.digital_flops)!));
  row("time", ["wall_s", "samples_per_s"], () => `${fmtSeconds(num(s.wall_s)!)}${num(s.samples_per_s) !== undefined ? ` (${fmtCount(Math.round(num(s.samples_per_s)!))} samples/s)` : ""}`);
  row("checkpoint", ["checkpoint"], () => String(s.checkpoint));
  for (const [k, v] of Object.entries(s)) {
    if (used.has(k) || v === undefined) continue;
    rows.push({ label: k, value: typeof v === "number" ? (/acc/.test(k) ? fmtPct(v) : fmtNum(v)) : typeof v === "object" && v !== null ? toJson(v) : String(v) });
  }
  return rows;
}
