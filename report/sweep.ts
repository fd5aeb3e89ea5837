/**
 * A sweep's results (sweep/, docs/scaling.md) as one self-contained HTML page: `pnn report
 * SWEEP_DIR` or `pnn sweep … --report`. In: the folder's results.json (the table, whatever ran it).
 * Out: report.html with
 *   - the accuracy of every run (twin test, trained chip, mean over chips) against the run;
 *   - when the sweep has a `seed` axis: per combination of the other axes, the mean over seeds (a
 *     dash) with every seed as a point (how much a setting's result is the seed's);
 *   - the whole table. Figures are ECharts SVG (report/render.ts); no script, no network.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { EChartsOption } from "echarts";
import { writeFileAtomic } from "../runtime/checkpoint.js";
import { UsageError } from "../compiler/driver/errors.js";
import { accuracyAxis, COLORS, pct, type Figure } from "./figures/common.js";
import { escapeHtml } from "./html.js";
import { renderSvg } from "./render.js";

type Cell = string | number | null;
export interface SweepResults {
  readonly program: string;
  readonly axes: readonly string[];
  readonly columns: readonly string[];
  readonly rows: readonly Readonly<Record<string, Cell>>[];
}

const num = (v: Cell | undefined): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const label = (row: Readonly<Record<string, Cell>>, axes: readonly string[]) => axes.map((a) => `${a}=${row[a]}`).join(" ") || String(row.run);

const SERIES = [
  { key: "test_accuracy", name: "twin test", color: COLORS.twin },
  { key: "device_test_accuracy", name: "trained chip", color: COLORS.device },
  { key: "device_test_accuracy_mean", name: "mean over chips", color: COLORS.extra[0]! },
];

/** Accuracy of every run, in the sweep's order. */
export function runsFigure(r: SweepResults): Figure | undefined {
  const done = r.rows.filter((row) => row.status === "done");
  const present = SERIES.filter((s) => done.some((row) => num(row[s.key]) !== undefined));
  if (!present.length) return undefined;
  const labels = done.map((row) => label(row, r.axes));
  const all = present.flatMap((s) => done.map((row) => num(row[s.key])).filter((v): v is number => v !== undefined));
  const option: EChartsOption = {
    grid: { left: 64, right: 24, top: 40, bottom: 120 },
    legend: { top: 4, right: 8, data: present.map((s) => s.name) },
    xAxis: { type: "category", data: labels, axisLabel: { rotate: 40, fontSize: 10, interval: 0 } },
    yAxis: { type: "value", name: "test accuracy", ...accuracyAxis(all), axisLabel: { formatter: (v: number) => pct(v, 0) } },
    series: present.map((s) => ({ type: "scatter" as const, name: s.name, color: s.color, symbolSize: 8, data: done.map((row, i) => [i, num(row[s.key]) ?? null]) })),
  };
  return { id: "sweep-runs", title: "Test accuracy of every run", caption: "Twin test accuracy, accuracy of the chip each run trained on (chip 0), and the mean over the train block's simulated chips, run by run in the sweep's order.", option, width: Math.max(520, Math.min(1300, 60 + 34 * labels.length)), height: 380 };
}

/** Mean over seeds per combination of the other axes (bars), with every seed (points). */
export function seedsFigure(r: SweepResults): Figure | undefined {
  if (!r.axes.includes("seed")) return undefined;
  const others = r.axes.filter((a) => a !== "seed");
  const done = r.rows.filter((row) => row.status === "done");
  const groups = new Map<string, Readonly<Record<string, Cell>>[]>();
  for (const row of done) {
    const key = label(row, others) || "all runs";
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const names = [...groups.keys()];
  const present = SERIES.filter((s) => s.key !== "device_test_accuracy" && done.some((row) => num(row[s.key]) !== undefined));
  if (!present.length || !names.length) return undefined;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const values = (rows: readonly Readonly<Record<string, Cell>>[], key: string) => rows.map((row) => num(row[key])).filter((v): v is number => v !== undefined);
  const all = present.flatMap((s) => names.flatMap((n) => values(groups.get(n)!, s.key)));
  const column = (category: number, series: number) => category - 0.3 + (0.6 * (series + 0.5)) / present.length;
  const option: EChartsOption = {
    grid: { left: 64, right: 24, top: 40, bottom: 80 },
    legend: { top: 4, right: 8, data: present.map((s) => s.name) },
    // one column per series within each category: the mean as a bar-wide dash, every seed as a point
    // (a dash, not a bar: the axis is zoomed to the data, and a bar's length would mislead)
    xAxis: [
      { type: "category", data: names, axisLabel: { rotate: names.length > 4 ? 30 : 0, interval: 0 } },
      { type: "value", min: -0.5, max: names.length - 0.5, show: false },
    ],
    yAxis: { type: "value", name: "test accuracy", ...accuracyAxis(all), axisLine: { onZero: false }, axisLabel: { formatter: (v: number) => pct(v, 0) } },
    series: present.flatMap((s, k) => [
      { type: "scatter" as const, name: s.name, color: s.color, symbol: "rect", symbolSize: [Math.min(60, 200 / (names.length * present.length)), 3], xAxisIndex: 1, data: names.map((n, i) => [column(i, k), mean(values(groups.get(n)!, s.key))]) },
      { type: "scatter" as const, name: s.name, color: s.color, symbolSize: 6, itemStyle: { opacity: 0.7 }, xAxisIndex: 1, data: names.flatMap((n, i) => values(groups.get(n)!, s.key).map((v) => [column(i, k), v])) },
    ]),
  };
  return { id: "sweep-seeds", title: "Mean over seeds", caption: `Per ${others.length ? others.join(" × ") : "sweep"}: the mean over seeds (dash) and every seed (points), of the twin test accuracy and the device accuracy averaged over chips.`, option, width: Math.max(460, Math.min(1100, 140 + 120 * names.length)), height: 360 };
}

const shown = (k: string, v: Cell | undefined): string => {
  if (v === null || v === undefined) return "–";
  if (typeof v === "string") return v;
  if (/accuracy|gap|_std$|_mean$/.test(k)) return pct(v);
  return Number.isInteger(v) ? v.toLocaleString("en-US") : v.toPrecision(4);
};

export function renderSweepHtml(r: SweepResults, generatedAt: string): string {
  const figures = [runsFigure(r), seedsFigure(r)].filter((f): f is Figure => !!f);
  const figs = figures.map((f) => `<figure class="pnn-figure" id="fig-${escapeHtml(f.id)}" style="width:${f.width}px"><h3>${escapeHtml(f.title)}</h3>${renderSvg(f)}<figcaption>${escapeHtml(f.caption)}</figcaption></figure>`).join("\n");
  const cols = r.columns.filter((c) => c !== "run");
  const head = `<tr>${cols.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr>`;
  const body = r.rows.map((row) => `<tr>${cols.map((c) => `<td${typeof row[c] === "number" ? ' class="num"' : ""}>${escapeHtml(shown(c, row[c]))}</td>`).join("")}</tr>`).join("\n");
  const done = r.rows.filter((row) => row.status === "done").length;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>pnn sweep: ${escapeHtml(path.basename(r.program))}</title>
<style>body{font:14px/1.45 Helvetica,Arial,sans-serif;color:#222;margin:0;background:#fafafa}header{background:#1d2b3a;color:#fff;padding:18px 28px}header h1{margin:0 0 4px;font-size:22px}header p{margin:0;color:#c8d3de}main{padding:8px 28px 40px}.figures{display:flex;flex-wrap:wrap;gap:16px;margin-top:16px}figure.pnn-figure{background:#fff;border:1px solid #e2e2e2;border-radius:6px;margin:0;padding:10px}figure.pnn-figure h3{font-size:14px;margin:0 0 6px}figcaption{color:#555;font-size:12px}table{border-collapse:collapse;background:#fff;margin-top:16px}td,th{border:1px solid #e2e2e2;padding:3px 8px;font-size:12px;text-align:left}th{background:#f1f3f5}.num{text-align:right;font-variant-numeric:tabular-nums}</style></head>
<body><header><h1>Sweep of ${escapeHtml(path.basename(r.program))}</h1><p>${escapeHtml(`${r.rows.length} runs (${done} done) over ${r.axes.join(", ") || "no axes"} · ${r.program} · report made ${generatedAt}`)}</p></header>
<main><div class="figures">${figs}</div>
<table id="results">${head}\n${body}</table></main></body></html>
`;
}

/** Reads DIR/results.json (written by pnn sweep) and writes the page; returns its path. */
export function writeSweepReport(dir: string, output?: string): { file: string; figures: number; bytes: number } {
  const file = path.join(dir, "results.json");
  let r: SweepResults;
  try {
    r = JSON.parse(fs.readFileSync(file, "utf8")) as SweepResults;
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const html = renderSweepHtml(r, new Date().toISOString());
  const out = output ?? path.join(dir, "report.html");
  writeFileAtomic(out, html);
  return { file: out, figures: [runsFigure(r), seedsFigure(r)].filter(Boolean).length, bytes: Buffer.byteLength(html) };
}

/** A folder written by pnn sweep (it has sweep.json and results.json). */
export function isSweepFolder(dir: string): boolean {
  return fs.existsSync(path.join(dir, "sweep.json")) && fs.existsSync(path.join(dir, "results.json"));
}
