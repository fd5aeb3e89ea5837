/**
 * A sweep's results table (docs/scaling.md): one row per run, in the sweep's order, whatever order
 * the runs finished in and wherever they ran. Columns: run, index, status, the axes, the results
 * (RESULT_COLUMNS, as the runs' summaries name them), error, then the measured timings
 * (TIMING_COLUMNS: these differ from one execution to the next, the rest does not). Written as
 * results.csv (RFC 4180 quoting) and results.json (atomically, after every finished run), and
 * drawn as aligned text for the terminal.
 */
import * as path from "node:path";
import { writeFileAtomic } from "../runtime/checkpoint.js";
import { RESULT_COLUMNS, TIMING_COLUMNS, type SweepRow } from "./job.js";

export const RESULTS_CSV = "results.csv";
export const RESULTS_JSON = "results.json";

export interface Table {
  readonly columns: readonly string[];
  readonly rows: readonly Readonly<Record<string, string | number | null>>[];
}

/** The table of `rows` (sorted by index) with the given axis columns; result columns present in no row are left out. */
export function resultsTable(axes: readonly string[], rows: readonly SweepRow[]): Table {
  const sorted = [...rows].sort((a, b) => a.index - b.index);
  const present = (k: string) => sorted.some((r) => k in r.results);
  const results = RESULT_COLUMNS.filter(present);
  const timings = TIMING_COLUMNS.filter(present);
  const anyError = sorted.some((r) => r.error);
  const columns = ["index", "run", "status", ...axes, ...results, ...(anyError ? ["error"] : []), ...timings];
  return {
    columns,
    rows: sorted.map((r) => {
      const out: Record<string, string | number | null> = { index: r.index, run: r.run, status: r.status };
      for (const a of axes) out[a] = r.axes[a] ?? null;
      for (const k of [...results, ...timings]) out[k] = r.results[k] ?? null;
      if (anyError) out.error = r.error ?? null;
      return out;
    }),
  };
}

const csvCell = (v: string | number | null) => {
  if (v === null) return "";
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function toCsv(t: Table): string {
  return [t.columns.map(csvCell).join(","), ...t.rows.map((r) => t.columns.map((c) => csvCell(r[c] ?? null)).join(","))].join("\n") + "\n";
}

/** Writes results.csv and results.json into `dir`; returns their paths. */
export function writeResults(dir: string, t: Table, about: Record<string, unknown>): { csv: string; json: string } {
  const csv = path.join(dir, RESULTS_CSV), json = path.join(dir, RESULTS_JSON);
  writeFileAtomic(csv, toCsv(t));
  writeFileAtomic(json, JSON.stringify({ ...about, columns: t.columns, rows: t.rows }, null, 2) + "\n");
  return { csv, json };
}

const shown = (k: string, v: string | number | null): string => {
  if (v === null) return "–";
  if (typeof v === "string") return k === "error" ? v.split("\n")[0]!.slice(0, 60) : v;
  if (/accuracy|gap|_std$|_mean$/.test(k)) return `${(100 * v).toFixed(1)}%`;
  if (Number.isInteger(v)) return String(v);
  return v.toPrecision(4);
};

/** Columns the terminal shows besides the axes (the files have every column). */
const SHOWN = ["index", "status", "train_accuracy", "test_accuracy", "device_test_accuracy_mean", "device_test_accuracy_std", "twin_device_gap", "error", "wall_s"];

/** The table as aligned text (accuracies as percentages): the axes and the main results. */
export function formatTable(t: Table, axes: readonly string[]): string {
  const cols = t.columns.filter((c) => SHOWN.includes(c) || axes.includes(c));
  const cells = [cols, ...t.rows.map((r) => cols.map((c) => shown(c, r[c] ?? null)))];
  const width = cols.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells.map((row) => row.map((c, i) => c.padEnd(width[i]!)).join("  ").trimEnd()).join("\n") + "\n";
}
