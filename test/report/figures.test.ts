// The figure and page builders on a hand-made ReportInput (no compiler, no run): which figures a
// report has depends on what the run has; the mesh figure puts every MZI where the topology says;
// the confusion and drift figures carry the numbers they are given; every figure renders to an
// SVG whose data marks match its data; the page is self-contained (no script, no external
// reference) and escapes the program's source.
import { describe, expect, it } from "vitest";
import { meshColumns, mziPairs, type Topology } from "../../compiler/optics/topology.js";
import type { Figure } from "../../report/figures/common.js";
import { reportSections } from "../../report/figures/index.js";
import { maskFigure, meshFigure } from "../../report/figures/physical.js";
import { confusionFigure, driftFigure } from "../../report/figures/training.js";
import { figureCount, renderHtml } from "../../report/html.js";
import type { PhysicalView, ReportInput } from "../../report/input.js";
import { renderSvg } from "../../report/render.js";

const epochs = [1, 2, 3].map((epoch) => ({ epoch, loss: 1 / epoch, accuracy: 0.5 + epoch / 10, test_accuracy: 0.55 + epoch / 10, device_test_accuracy: 0.5 + epoch / 10, device_forwards: 100 * epoch, device_relaxations: 0, device_measurements: 0, digital_flops: 1e6 * epoch }));
const mesh = (topology: Topology, n: number): PhysicalView => {
  const k = (n * (n - 1)) / 2;
  return { kind: "mesh", title: "Mesh m", path: "m.phases", topology, modes: n, columns: meshColumns(topology, n), theta: Array.from({ length: k }, (_, i) => (i * 0.7) % 6), phi: Array.from({ length: k }, (_, i) => (i * 1.3) % 6) };
};

const FULL: ReportInput = {
  network: "Net",
  rule: "physics_aware",
  dataset: "toy",
  trainSamples: 30,
  testSamples: 12,
  classNames: ["a", "b", "c"],
  generatedAt: "2026-01-01T00:00:00.000Z",
  epochs,
  summary: { type: "summary", network: "Net", rule: "physics_aware", epochs: 3, test_accuracy: 0.75, device_test_accuracy: 0.5, device_chips: 3, device_test_accuracy_mean: 0.6, device_test_accuracy_std: 0.05, twin_device_gap: 0.15, device_forwards: 300, digital_flops: 3e6, wall_s: 1.5 },
  confusion: { twin: { counts: [[4, 0, 0], [1, 3, 0], [0, 2, 2]] }, device: { counts: [[3, 1, 0], [2, 2, 0], [0, 3, 1]] } },
  chips: { twin: 0.75, perChip: [0.5, 0.6, 0.7], mean: 0.6, std: 0.0816 },
  drift: [{ timeS: 0, label: "0 s", perChip: [0.5, 0.6, 0.7], mean: 0.6, std: 0.0816 }, { timeS: 86400, label: "1d", perChip: [0.4, 0.5, 0.6], mean: 0.5, std: 0.0816 }],
  physical: [mesh("clements", 4), { kind: "mask", title: "Mask", path: "k.phases", rows: 3, cols: 4, values: Array.from({ length: 12 }, (_, i) => i / 2) }],
  programFlops: { train: 12345 },
  source: { file: "net.pnn", text: 'network Net {\n  // a < b && "c"\n}\n', hash: "0123456789abcdef" },
  config: { program: "net.pnn", epochs: 3 },
  versions: { pnn: "0.1.0" },
  notes: ["a note <here>"],
};

const ids = (r: ReportInput) => reportSections(r).flatMap((s) => s.figures.map((f) => f.id));
/** Elements ECharts' SSR renderer tags as series marks (not axes, not legends). */
const marks = (f: Figure) => (renderSvg(f).match(/ecmeta_ssr_type="chart"/g) ?? []).length;

describe("report figures", () => {
  it("has the figures the run has data for", () => {
    expect(ids(FULL)).toEqual(["loss", "accuracy", "chips", "confusion-twin", "confusion-device", "drift", "mesh-m-phases", "mask-k-phases", "accounting"]);
    expect(figureCount(FULL)).toBe(9);
    const twinOnly: ReportInput = { ...FULL, epochs: epochs.map(({ device_test_accuracy: _d, device_forwards: _f, ...e }) => e), confusion: { twin: FULL.confusion.twin }, chips: undefined, drift: undefined, physical: [] };
    expect(ids(twinOnly)).toEqual(["loss", "accuracy", "confusion-twin", "accounting"]);
    expect(reportSections(twinOnly)[1].title).toBe("Test predictions");
    const nothingCounted = { ...twinOnly, epochs: epochs.map((e) => ({ epoch: e.epoch, loss: e.loss })) };
    expect(ids(nothingCounted)).toEqual(["loss", "confusion-twin"]);
  });

  for (const [topology, n] of [["clements", 5], ["reck", 5], ["clements", 6]] as const)
    it(`puts every MZI of a ${n}-mode ${topology} mesh between the modes it couples, in its column`, () => {
      const f = meshFigure(mesh(topology, n) as Extract<PhysicalView, { kind: "mesh" }>);
      const series = f.option.series as { name: string; data: number[][] }[];
      const theta = series.find((s) => s.name.startsWith("θ"))!.data;
      const pairs = mziPairs(topology, n);
      expect(theta.map(([, y]) => y - 0.5)).toEqual(pairs);
      const columnOf = meshColumns(topology, n).flatMap(([, count], c) => Array.from({ length: count }, () => c));
      expect(theta.map(([x]) => x)).toEqual(columnOf);
      expect(marks(f)).toBe(2 * pairs.length); // a θ square and a φ dot per MZI
    });

  it("draws a mask as one cell per pixel, and a confusion matrix's fractions and counts", () => {
    expect(marks(maskFigure(FULL.physical[1] as Extract<PhysicalView, { kind: "mask" }>))).toBeGreaterThanOrEqual(12);
    const c = confusionFigure("c", "C", FULL.confusion.twin, FULL.classNames);
    const data = (c.option.series as { data: number[][] }[])[0].data;
    expect(data).toContainEqual([0, 1, 0.25, 1]); // true b, predicted a: 1 of 4
    expect(data).toContainEqual([2, 2, 0.5, 2]);
    expect(c.caption).toContain("9 of 12 test samples on the diagonal (75.0%)");
  });

  it("draws drift as the mean with a ± std band and every chip", () => {
    const f = driftFigure(FULL.drift!, 0.75);
    const series = f.option.series as { name: string; data: unknown[] }[];
    expect(series.find((s) => s.name === "band-low")!.data).toEqual([0.6 - 0.0816, 0.5 - 0.0816]);
    expect(series.find((s) => s.name === "mean ± std")!.data).toEqual([2 * 0.0816, 2 * 0.0816]);
    expect(series.find((s) => s.name === "chip")!.data).toHaveLength(6);
    expect(series.find((s) => s.name === "twin")!.data).toEqual([0.75, 0.75]);
  });

  it("writes a self-contained page that escapes the source", () => {
    const html = renderHtml(FULL);
    expect(html.match(/<figure class="pnn-figure"/g)).toHaveLength(9);
    expect(html.match(/<svg /g)).toHaveLength(9);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\ssrc=|\shref=|@import|url\((?!#)/i);
    // the only absolute URLs are SVG namespace names, which nothing fetches
    expect(new Set(html.match(/https?:\/\/[^"'\s)]+/g))).toEqual(new Set(["http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"]));
    expect(html).toContain("// a &lt; b &amp;&amp; &quot;c&quot;");
    expect(html).toContain("a note &lt;here&gt;");
    expect(html).toContain("<code>pnn train net.pnn</code>");
  });
});
