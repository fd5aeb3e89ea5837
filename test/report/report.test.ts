// `pnn report` end to end on four examples, each trained for very few epochs into a temp folder
// through the built CLI: the flagship (pnn train --report), the diffractive network, the crossbar
// (with a drift sweep, pnn report --drift) and the resistor network (energy-based, coupled
// learning). Every page is opened in headless Debian chromium from disk with no network: each
// expected figure is there, has a real size and draws something (its data marks alone, rasterised
// in the page, cover pixels; an axes-only control chart covers none), nothing is fetched, and a
// full-page screenshot is kept in test-artifacts/report/. The report's numbers are checked against the run's own: the confusion
// matrices' diagonals are the summary's twin and chip-0 accuracies, and the drift sweep at 0 s is
// the chips' accuracy without drift. Skips, loudly, when chromium is absent (.ci/run installs it).
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectReport } from "../../report/collect.js";
import type { Confusion } from "../../report/input.js";
import { renderSvg } from "../../report/render.js";
import { ensureBuilt, REPO, tmpDir } from "../train/helpers.js";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => fs.existsSync(p));
if (!CHROMIUM) console.warn("test/report/report.test.ts: browser checks SKIPPED — chromium is not installed (apt-get install -y chromium; .ci/run does this)");
const ARTIFACTS = path.join(REPO, "test-artifacts", "report");
const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

const masks = Array.from({ length: 5 }, (_, i) => `mask-masks-Diffract${i ? `_${i + 1}` : ""}-phase_mask-phases`);
interface Case {
  readonly name: string;
  readonly example: string;
  readonly train: string[];
  /** Extra `pnn report` flags; undefined: the report comes from `pnn train --report`. */
  readonly report?: string[];
  readonly figures: string[];
}
const CASES: Case[] = [
  { name: "flagship", example: "vowels_mzi", train: ["--epochs", "3", "--report"], figures: ["loss", "accuracy", "chips", "confusion-twin", "confusion-device", "mesh-h-NoisyMesh-phases", "mesh-out-NoisyMesh-phases", "accounting"] },
  { name: "diffractive", example: "diffractive_mnist", train: ["--epochs", "2"], report: [], figures: ["loss", "accuracy", "chips", "confusion-twin", "confusion-device", ...masks, "accounting"] },
  { name: "crossbar", example: "crossbar_mnist", train: ["--epochs", "2"], report: ["--drift", "0,1d,1y", "--chips", "2"], figures: ["loss", "accuracy", "chips", "confusion-twin", "confusion-device", "drift", "matrix-h-crossbar-weight", "matrix-y-crossbar-weight", "accounting"] },
  { name: "resistor", example: "resistor_iris", train: ["--epochs", "2"], report: [], figures: ["loss", "accuracy", "chips", "confusion-twin", "confusion-device", "circuit", "accounting"] },
];

const dirs = new Map<string, string>();

/** Pixels the data marks alone must cover: a 2-point line across a 460-px chart covers ~700. */
const MIN_DATA_INK = 300;
const EMPTY_CHART = renderSvg({ id: "control", title: "", caption: "", width: 460, height: 300, option: { legend: { data: ["train loss"] }, xAxis: { type: "value", min: 1, max: 3 }, yAxis: { type: "value", min: 0, max: 2 }, series: [{ type: "line", name: "train loss", data: [] }] } });

interface Measured { id: string; width: number; height: number; marks: number; dataInk: number; allInk: number }

/**
 * Runs in the page: for every figure, its SVG's size, the number of data marks (elements ECharts'
 * SSR renderer tags ecmeta_ssr_type="chart": series items, not axes or legends), and the pixels
 * inked when the SVG is rasterised with only the series kept (dataInk: those marks and the lines
 * and areas ECharts clips to the plot, in clip-path groups) and whole (allInk).
 */
async function measureFigures(): Promise<Measured[]> {
  const ink = async (svg: SVGSVGElement, w: number, h: number): Promise<number> => {
    const img = new Image();
    img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(new XMLSerializer().serializeToString(svg));
    await img.decode();
    const canvas = document.createElement("canvas");
    canvas.width = w;
    canvas.height = h;
    const ctx = canvas.getContext("2d")!;
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, w, h);
    ctx.drawImage(img, 0, 0);
    const px = ctx.getImageData(0, 0, w, h).data;
    let n = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i] < 235 || px[i + 1] < 235 || px[i + 2] < 235) n++;
    return n;
  };
  const out: Measured[] = [];
  for (const fig of Array.from(document.querySelectorAll("figure"))) {
    const svg = fig.querySelector("svg")!;
    const box = svg.getBoundingClientRect();
    const w = Math.round(box.width);
    const h = Math.round(box.height);
    const dataOnly = svg.cloneNode(true) as SVGSVGElement;
    for (const el of Array.from(dataOnly.querySelectorAll("path, rect, circle, ellipse, line, polyline, polygon, text, image"))) if (el.getAttribute("ecmeta_ssr_type") !== "chart" && !el.closest("defs, clipPath, g[clip-path]")) el.remove();
    out.push({ id: fig.getAttribute("data-figure")!, width: box.width, height: box.height, marks: svg.querySelectorAll('[ecmeta_ssr_type="chart"]').length, dataInk: await ink(dataOnly, w, h), allInk: await ink(svg, w, h) });
  }
  return out;
}

/** `pnn ARGS` as a child process, without blocking (two runs share the machine's two cores). */
function pnnAsync(args: readonly string[]): Promise<{ status: number; stdout: string; all: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(REPO, "bin/pnn.js"), ...args], { cwd: REPO, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, all: stdout + stderr });
    });
  });
}

async function trainAndReport(c: Case): Promise<void> {
  const dir = path.join(tmpDir("pnn-report-"), c.example);
  const t = await pnnAsync(["train", path.join(REPO, "examples", `${c.example}.pnn`), "--out", dir, "--quiet", ...c.train]);
  expect(t.status, t.all).toBe(0);
  if (c.report) {
    const r = await pnnAsync(["report", dir, ...c.report]);
    expect(r.status, r.all).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^wrote ${dir.replace(/[/\\.]/g, "\\$&")}/report.html \\(${c.figures.length} figures, \\d+ KiB\\)`));
  } else expect(t.stdout).toContain(`report: ${dir}/report.html`);
  dirs.set(c.name, dir);
}

beforeAll(async () => {
  ensureBuilt();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await Promise.all([trainAndReport(CASES[0]).then(() => trainAndReport(CASES[1])), trainAndReport(CASES[2]).then(() => trainAndReport(CASES[3]))]);
}, 120_000);

const trace = (c: Confusion) => c.counts.reduce((a, row, i) => a + row[i], 0);

describe("pnn train / pnn report write what a report needs", () => {
  it("records the program and its configuration in the run folder", () => {
    const dir = dirs.get("flagship")!;
    expect(fs.readdirSync(dir).sort()).toEqual(["checkpoint.safetensors", "metrics.jsonl", "report.html", "run.json", "source.pnn", "summary.json"]);
    const run = JSON.parse(fs.readFileSync(path.join(dir, "run.json"), "utf8"));
    expect(run.program).toBe(path.join(REPO, "examples/vowels_mzi.pnn"));
    expect(run.epochs_override).toBe(3);
    expect(run.train).toMatchObject({ network: "VowelOptical", rule: "physics_aware", epochs: 3, batch: 16, seed: 1, chips: 5, optimizer: { name: "adam" } });
    expect(fs.readFileSync(path.join(dir, "source.pnn"), "utf8")).toBe(fs.readFileSync(path.join(REPO, "examples/vowels_mzi.pnn"), "utf8"));
  });

  it("the report's numbers are the run's: confusion diagonals, chips, and the drift sweep at 0 s", async () => {
    const dir = dirs.get("crossbar")!;
    const summary = JSON.parse(fs.readFileSync(path.join(dir, "summary.json"), "utf8"));
    const r = await collectReport(dir, { chips: 2 });
    expect(trace(r.confusion.twin) / r.testSamples).toBe(summary.test_accuracy);
    expect(trace(r.confusion.device!) / r.testSamples).toBe(summary.device_test_accuracy);
    expect(r.chips!.perChip[0]).toBe(summary.device_test_accuracy);
    // drift.json (written by pnn report --drift) is reused; at 0 s the device has not drifted
    expect(r.drift!.map((d) => d.label)).toEqual(["0 s", "1d", "1y"]);
    expect(r.drift![0].perChip).toEqual(r.chips!.perChip);
    expect(r.drift![2].perChip).not.toEqual(r.drift![0].perChip);
    expect(r.notes).toEqual([]);
  });
});

describe("pnn report refuses what it cannot do, with a message and no stack trace", () => {
  it("usage errors (exit 2) and program diagnostics (exit 1)", async () => {
    const flagship = dirs.get("flagship")!;
    const missing = await pnnAsync(["report", path.join(flagship, "nope")]);
    expect([missing.status, missing.all]).toEqual([2, `pnn: ${path.join(flagship, "nope")} is not a run folder (pnn train --out DIR writes one)\n`]);
    const order = await pnnAsync(["report", flagship, "--drift", "1d,1h"]);
    expect([order.status, order.all]).toEqual([2, "pnn: --drift times must increase: '1h' comes after '1d'\n"]);
    // a run folder without run.json (older runs) needs --program
    const old = tmpDir("pnn-report-old-");
    for (const f of ["checkpoint.safetensors", "metrics.jsonl", "summary.json"]) fs.copyFileSync(path.join(flagship, f), path.join(old, f));
    const noRecord = await pnnAsync(["report", old]);
    expect(noRecord.status).toBe(2);
    expect(noRecord.all).toContain("has no run.json");
    const broken = path.join(old, "broken.pnn");
    fs.writeFileSync(broken, "network N {\n  input x: real[4]\n  output y = dense(x, 3) |> nosuch\n}\n");
    const diag = await pnnAsync(["report", old, "--program", broken]);
    expect(diag.status).toBe(1);
    expect(diag.all).toMatch(/broken\.pnn:3:\d+: error PNN2\d{3}/);
    expect(diag.all).not.toMatch(/\n\s+at /);
  }, 60_000);
});

describe.skipIf(!CHROMIUM)("reports in headless chromium", () => {
  type Browser = import("playwright-core").Browser;
  let browser: Browser;
  beforeAll(async () => {
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  for (const c of CASES)
    it(`${c.name}: every figure is present and draws something; nothing is fetched`, async () => {
      const file = path.join(dirs.get(c.name)!, "report.html");
      const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
      const requests: string[] = [];
      const errors: string[] = [];
      page.on("request", (rq) => { if (rq.url() !== `file://${file}`) requests.push(rq.url()); });
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(`file://${file}`);
      // a negative control: a chart with axes and a legend but no data, rendered like the report's
      await page.evaluate((svg) => document.body.insertAdjacentHTML("beforeend", `<figure class="control" data-figure="control">${svg}</figure>`), EMPTY_CHART);
      const measured = await page.evaluate(measureFigures);
      const control = measured.find((f) => f.id === "control")!;
      const figures = measured.filter((f) => f.id !== "control");
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, `${c.name}.png`), fullPage: true });
      const external = await page.evaluate(() => Array.from(document.querySelectorAll("[src], [href], link, script")).map((e) => e.outerHTML.slice(0, 80)));
      await page.close();
      expect(figures.map((f) => f.id)).toEqual(c.figures);
      expect(control).toMatchObject({ marks: 0, dataInk: 0 });
      expect(control.allInk).toBeGreaterThan(500); // the control does draw axes and a legend
      for (const f of figures) {
        expect(f.width, f.id).toBeGreaterThanOrEqual(200);
        expect(f.height, f.id).toBeGreaterThanOrEqual(150);
        expect(f.marks, f.id).toBeGreaterThanOrEqual(2);
        expect(f.dataInk, f.id).toBeGreaterThanOrEqual(MIN_DATA_INK);
      }
      expect(external).toEqual([]);
      expect(requests).toEqual([]);
      expect(errors).toEqual([]);
      expect(fs.statSync(path.join(ARTIFACTS, `${c.name}.png`)).size).toBeGreaterThan(10_000);
    }, 60_000);
});
