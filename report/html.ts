/**
 * ReportInput → one self-contained HTML page: every figure inlined as SVG (rendered here, on the
 * server, by report/render.ts), tables of the summary, the accounting, the configuration and the
 * versions, and the program's source. No script, no external stylesheet, font or image: the
 * file opens with no network access. Each figure is a <figure class="pnn-figure" id="fig-…">.
 */
import { summaryRows } from "../runtime/metrics.js";
import { pct, si } from "./figures/common.js";
import { reportSections } from "./figures/index.js";
import type { ReportInput } from "./input.js";
import { ECHARTS_VERSION, renderSvg } from "./render.js";

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const CSS = `
body { font: 14px/1.45 Helvetica, Arial, sans-serif; color: #222; margin: 0; background: #fafafa; }
header { background: #1d2b3a; color: #fff; padding: 18px 28px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0; color: #c8d3de; }
main { padding: 8px 28px 40px; max-width: 1400px; }
section { margin-top: 22px; }
h2 { font-size: 18px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin-top: 16px; }
.card { background: #fff; border: 1px solid #e2e2e2; border-radius: 6px; padding: 8px 14px; min-width: 130px; }
.card .v { font-size: 20px; font-weight: bold; }
.card .k { color: #666; font-size: 12px; }
.figures { display: flex; flex-wrap: wrap; gap: 16px; }
figure.pnn-figure { background: #fff; border: 1px solid #e2e2e2; border-radius: 6px; margin: 0; padding: 10px; }
figure.pnn-figure h3 { font-size: 14px; margin: 0 0 6px; }
figure.pnn-figure figcaption { color: #555; font-size: 12px; margin-top: 4px; }
table { border-collapse: collapse; background: #fff; margin: 6px 0 12px; }
td, th { border: 1px solid #e2e2e2; padding: 3px 10px; text-align: left; vertical-align: top; font-size: 13px; }
th { background: #f1f3f5; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #fff; border: 1px solid #e2e2e2; border-radius: 6px; padding: 10px; overflow-x: auto; font-size: 12px; line-height: 1.35; }
.notes li { color: #8a5300; }
`;

function table(rows: readonly (readonly string[])[], head?: readonly string[]): string {
  const tr = (cells: readonly string[], tag: "td" | "th") => `<tr>${cells.map((c) => `<${tag}>${c}</${tag}>`).join("")}</tr>`;
  return `<table>${head ? tr(head, "th") : ""}${rows.map((r) => tr(r, "td")).join("")}</table>`;
}

function cards(r: ReportInput): string {
  const s = r.summary;
  const n = (k: string) => (typeof s[k] === "number" ? (s[k] as number) : undefined);
  const items: [string, string | undefined][] = [
    ["twin test accuracy", n("test_accuracy") !== undefined ? pct(n("test_accuracy")!) : undefined],
    ["trained chip (chip 0)", n("device_test_accuracy") !== undefined ? pct(n("device_test_accuracy")!) : undefined],
    [`${n("device_chips") ?? "K"} chips, mean ± std`, r.chips ? `${pct(r.chips.mean)} ± ${pct(r.chips.std)}` : undefined],
    ["twin − device", n("twin_device_gap") !== undefined ? `${(100 * n("twin_device_gap")!).toFixed(1)} pts` : undefined],
    ["device queries", ["device_forwards", "device_relaxations", "device_measurements"].some((k) => n(k)) ? si(["device_forwards", "device_relaxations", "device_measurements"].reduce((a, k) => a + (n(k) ?? 0), 0)) : undefined],
    ["digital FLOPs", n("digital_flops") !== undefined ? si(n("digital_flops")!) : undefined],
    ["training time", n("wall_s") !== undefined ? `${n("wall_s")!.toPrecision(3)} s` : undefined],
  ];
  return `<div class="cards">${items.filter(([, v]) => v !== undefined).map(([k, v]) => `<div class="card"><div class="v">${escapeHtml(v!)}</div><div class="k">${escapeHtml(k)}</div></div>`).join("")}</div>`;
}

function accountingTable(r: ReportInput): string {
  const s = r.summary;
  const rows: string[][] = [];
  const totals: [string, string][] = [["device_forwards", "device forward passes"], ["device_relaxations", "device relaxations"], ["device_measurements", "extra device measurements"], ["digital_flops", "digital FLOPs (training)"]];
  for (const [k, label] of totals) if (typeof s[k] === "number") rows.push([escapeHtml(label), `<span class="num">${(s[k] as number).toLocaleString("en-US")}</span>`]);
  const programs = Object.entries(r.programFlops).map(([name, f]) => [escapeHtml(`program ${name}: FLOPs per run`), `<span class="num">${f.toLocaleString("en-US")}</span>`]);
  return table([...rows, ...programs], ["quantity", "value"]);
}

/** The command that reproduces the run (from the recorded configuration). */
function reproduceCommand(r: ReportInput): string {
  const c = r.config;
  const parts = ["pnn", "train", r.source.file];
  if (typeof c.out === "string") parts.push("--out", c.out);
  if (c.epochs_override !== undefined) parts.push("--epochs", String(c.epochs_override));
  if (typeof c.rule_override === "string") parts.push("--rule", c.rule_override);
  if (typeof c.backend === "string") parts.push("--backend", c.backend);
  return parts.join(" ");
}

export function figureCount(r: ReportInput): number {
  return reportSections(r).reduce((n, s) => n + s.figures.length, 0);
}

export function renderHtml(r: ReportInput): string {
  const sections = reportSections(r);
  const body: string[] = [];
  for (const s of sections) {
    const figs = s.figures.map((f) => `<figure class="pnn-figure" id="fig-${escapeHtml(f.id)}" data-figure="${escapeHtml(f.id)}" style="width:${f.width}px"><h3>${escapeHtml(f.title)}</h3>${renderSvg(f)}<figcaption>${escapeHtml(f.caption)}</figcaption></figure>`);
    const extra = s.id === "cost" ? accountingTable(r) : "";
    if (!figs.length && !extra) continue;
    body.push(`<section id="${s.id}"><h2>${escapeHtml(s.title)}</h2><div class="figures">${figs.join("\n")}</div>${extra}</section>`);
  }
  const summary = table(summaryRows(r.summary).map((row) => [escapeHtml(row.label), escapeHtml(row.value)]));
  const config = table(Object.entries(r.config).map(([k, v]) => [escapeHtml(k), `<code>${escapeHtml(typeof v === "string" ? v : JSON.stringify(v))}</code>`]));
  const versions = table(Object.entries({ ...r.versions, "echarts (report)": ECHARTS_VERSION }).map(([k, v]) => [escapeHtml(k), escapeHtml(v)]));
  const notes = r.notes.length ? `<section id="notes"><h2>Notes</h2><ul class="notes">${r.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul></section>` : "";
  const title = `${r.network} · ${r.rule} · ${r.dataset}`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>pnn report: ${escapeHtml(title)}</title><style>${CSS}</style></head>
<body>
<header><h1>${escapeHtml(title)}</h1><p>${escapeHtml(`${r.trainSamples} training and ${r.testSamples} test samples · ${r.epochs.length} epochs recorded · report made ${r.generatedAt}`)}</p></header>
<main>
${cards(r)}
${notes}
${body.join("\n")}
<section id="reproduce"><h2>Reproduce</h2>
<p>Summary of the run:</p>${summary}
<p>Command: <code>${escapeHtml(reproduceCommand(r))}</code></p>
<p>Configuration:</p>${config}
<p>Versions:</p>${versions}
<p>Program <code>${escapeHtml(r.source.file)}</code> (sha256 ${escapeHtml(r.source.hash)}…):</p>
<pre id="source"><code>${escapeHtml(r.source.text)}</code></pre>
</section>
</main></body></html>
`;
}
