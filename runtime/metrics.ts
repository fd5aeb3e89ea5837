/**
 * Training metrics and progress output.
 *  - MetricsWriter(dir): `metrics.jsonl` gets one JSON object per epoch (appended and flushed as
 *    each epoch ends, so a crashed run keeps its history); `summary.json` is written atomically
 *    once at the end.
 *  - ProgressReporter: what the user sees while training. tty = one live progress bar per epoch
 *    (redrawn with \r, at most every 100 ms) with loss, accuracy and samples/s; plain = one line
 *    per epoch; json = one JSON object per line (epochs, then the summary); quiet = only the
 *    final summary line. It formats; it never decides what is measured.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "./checkpoint.js";

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

  /** Creates `dir` if needed. A new writer starts a fresh metrics.jsonl unless `append` (resume). */
  constructor(readonly dir: string, options: { append?: boolean } = {}) {
    fs.mkdirSync(dir, { recursive: true });
    this.metricsPath = path.join(dir, "metrics.jsonl");
    this.summaryPath = path.join(dir, "summary.json");
    if (!options.append) fs.writeFileSync(this.metricsPath, "");
  }

  /**
   * Keeps only the records of epochs 1..n (a resumed run continues after its checkpoint's epoch;
   * records a killed run wrote after its last checkpoint are dropped, so no epoch appears twice).
   */
  keepEpochs(n: number): void {
    let text = "";
    try {
      text = fs.readFileSync(this.metricsPath, "utf8");
    } catch {
      /* no history yet */
    }
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
    fs.appendFileSync(this.metricsPath, toJson(record) + "\n");
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

/** "key value" pairs for the extra keys of a record (accuracies as percentages). */
/** Running totals (device queries, FLOPs) and the raw rate: in the JSON records and the summary, not on every epoch line. */
const EPOCH_LINE_SKIP = ["epoch", "loss", "accuracy", "samples_per_s", "device_forwards", "device_relaxations", "device_measurements", "digital_flops"];
/** Accounting fields that are zero say nothing on a summary line (a rule that never relaxes). */
const ZERO_SILENT = ["device_forwards", "device_relaxations", "device_measurements"];

function fmtExtras(rec: Record<string, unknown>, skip: string[]): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(rec)) {
    if (skip.includes(k) || v === undefined || (ZERO_SILENT.includes(k) && v === 0)) continue;
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

  summary(obj: Summary): void {
    if (this.mode === "json") {
      this.out.write(toJson({ type: "summary", ...obj }) + "\n");
      return;
    }
    this.out.write(`done  ${fmtExtras(obj, [])}\n`);
  }
}
