/**
 * Figures about how training went and how the device compares with its twin: loss and accuracy
 * per epoch, the spread of device accuracy over simulated chips, confusion matrices, accuracy
 * after drift, and the device-query / FLOP accounting. In: parts of a ReportInput. Out: Figures
 * (ECharts options); a builder returns undefined when its data is absent from the run.
 */
import type { EChartsOption } from "echarts";
import type { ChipSpread, Confusion, DriftPoint, EpochPoint } from "../input.js";
import { accuracyAxis, COLORS, pct, SEQUENTIAL, si, type Figure } from "./common.js";

const GRID = { left: 64, right: 24, top: 52, bottom: 48 };
const legend = (names: string[]) => ({ top: 4, right: 8, data: names });

/** Train loss per epoch. */
export function lossFigure(epochs: readonly EpochPoint[]): Figure | undefined {
  const pts = epochs.filter((e) => Number.isFinite(e.loss));
  if (!pts.length) return undefined;
  const option: EChartsOption = {
    grid: GRID,
    legend: legend(["train loss"]),
    xAxis: { type: "value", name: "epoch", nameLocation: "middle", nameGap: 28, min: 1, max: Math.max(2, epochs[epochs.length - 1].epoch), minInterval: 1 },
    yAxis: { type: "value", name: "loss", scale: true },
    series: [{ type: "line", name: "train loss", data: pts.map((e) => [e.epoch, e.loss]), showSymbol: pts.length <= 40, color: COLORS.train }],
  };
  return { id: "loss", title: "Loss per epoch", caption: "Mean training loss over each epoch's batches (as the rule measured it: on the device for device-in-the-loop rules).", option, width: 460, height: 300 };
}

/** Train, twin-test and device-test accuracy per epoch. */
export function accuracyFigure(epochs: readonly EpochPoint[]): Figure | undefined {
  const series: { name: string; key: keyof EpochPoint; color: string }[] = [
    { name: "train", key: "accuracy", color: COLORS.train },
    { name: "twin test", key: "test_accuracy", color: COLORS.twin },
    { name: "chip 0 test", key: "device_test_accuracy", color: COLORS.device },
  ];
  const present = series.filter((s) => epochs.some((e) => typeof e[s.key] === "number"));
  if (!present.length) return undefined;
  const all = present.flatMap((s) => epochs.map((e) => e[s.key] as number).filter((v) => typeof v === "number"));
  const option: EChartsOption = {
    grid: GRID,
    legend: legend(present.map((s) => s.name)),
    xAxis: { type: "value", name: "epoch", nameLocation: "middle", nameGap: 28, min: 1, max: Math.max(2, epochs[epochs.length - 1].epoch), minInterval: 1 },
    yAxis: { type: "value", name: "accuracy", ...accuracyAxis(all), axisLabel: { formatter: (v: number) => pct(v, 0) } },
    series: present.map((s) => ({
      type: "line" as const,
      name: s.name,
      color: s.color,
      showSymbol: epochs.length <= 40,
      lineStyle: s.key === "accuracy" ? { type: "dashed" as const } : {},
      data: epochs.filter((e) => typeof e[s.key] === "number").map((e) => [e.epoch, e[s.key] as number]),
    })),
  };
  return { id: "accuracy", title: "Accuracy per epoch: twin and device", caption: "Training accuracy (dashed), test accuracy of the digital twin, and test accuracy of the simulated chip the rule trained on (chip 0), after every epoch.", option, width: 460, height: 300 };
}

/** Device accuracy of every simulated chip (a strip plot), with the twin's and the chips' mean. */
export function chipsFigure(chips: ChipSpread): Figure {
  const { mean, std } = chips;
  const gap = chips.twin - mean;
  const option: EChartsOption = {
    grid: GRID,
    legend: legend(["chip", "twin", "mean over chips"]),
    xAxis: { type: "category", name: "simulated chip", nameLocation: "middle", nameGap: 28, data: chips.perChip.map((_, i) => String(i)) },
    yAxis: { type: "value", name: "test accuracy", ...accuracyAxis([...chips.perChip, chips.twin, mean - std, mean + std]), axisLabel: { formatter: (v: number) => pct(v, 0) } },
    series: [
      {
        type: "scatter",
        name: "chip",
        color: COLORS.device,
        symbolSize: 11,
        data: chips.perChip.map((a, i) => [String(i), a]),
        markArea: { silent: true, itemStyle: { color: "rgba(214,39,40,0.10)" }, data: [[{ yAxis: mean - std }, { yAxis: mean + std }]] },
      },
      { type: "line", name: "twin", color: COLORS.twin, data: [], markLine: { symbol: "none", label: { formatter: `twin ${pct(chips.twin)}`, position: "insideEndTop" }, lineStyle: { color: COLORS.twin, type: "solid", width: 2 }, data: [{ yAxis: chips.twin }] } },
      { type: "line", name: "mean over chips", color: COLORS.device, data: [], markLine: { symbol: "none", label: { formatter: `mean ${pct(mean)}`, position: "insideEndBottom" }, lineStyle: { color: COLORS.device, type: "dashed", width: 2 }, data: [{ yAxis: mean }] } },
    ],
  };
  return {
    id: "chips",
    title: `Device accuracy over ${chips.perChip.length} simulated chips`,
    caption: `Each dot is one chip (its own fabrication errors, seeded by chip number); the band is mean ± std (${pct(mean)} ± ${pct(std)}). Twin − device gap: ${(100 * gap).toFixed(1)} points.`,
    option,
    width: 460,
    height: 300,
  };
}

/** A confusion matrix as a heat map: colour = fraction of the true class, label = count. */
export function confusionFigure(id: string, title: string, c: Confusion, classNames: readonly string[]): Figure {
  const k = c.counts.length;
  const names = classNames.length === k ? [...classNames] : c.counts.map((_, i) => String(i));
  const data: [number, number, number, number][] = [];
  let correct = 0;
  let total = 0;
  c.counts.forEach((row, t) => {
    const n = row.reduce((a, b) => a + b, 0);
    total += n;
    correct += row[t] ?? 0;
    row.forEach((count, p) => data.push([p, t, n ? count / n : 0, count]));
  });
  const side = Math.min(520, Math.max(260, 34 * k + 110));
  const option: EChartsOption = {
    grid: { left: 80, right: 70, top: 16, bottom: 56 },
    xAxis: { type: "category", name: "predicted", nameLocation: "middle", nameGap: 32, data: names, splitArea: { show: false } },
    yAxis: { type: "category", name: "true", nameLocation: "middle", nameGap: 56, data: names, inverse: true },
    visualMap: { type: "continuous", min: 0, max: 1, dimension: 2, calculable: false, orient: "vertical", right: 4, top: "middle", itemHeight: side - 140, inRange: { color: SEQUENTIAL }, text: ["100%", "0%"], textStyle: { fontSize: 10 } },
    series: [{ type: "heatmap", data, label: { show: k <= 12, fontSize: 10, formatter: (p) => String((p.value as number[])[3]) }, itemStyle: { borderColor: "#fff", borderWidth: k <= 20 ? 1 : 0 } }],
  };
  return { id, title, caption: `Rows are true classes, columns predictions; colour is the fraction of the row, the number the count. ${correct} of ${total} test samples on the diagonal (${pct(total ? correct / total : 0)}).`, option, width: side + 40, height: side };
}

/** Device accuracy against time after programming (drift), with the twin's for reference. */
export function driftFigure(drift: readonly DriftPoint[], twin: number | undefined): Figure {
  const labels = drift.map((d) => d.label);
  const all = drift.flatMap((d) => [...d.perChip, d.mean - d.std, d.mean + d.std]);
  if (twin !== undefined) all.push(twin);
  const option: EChartsOption = {
    grid: GRID,
    legend: legend(["chip", "mean over chips", "mean ± std", ...(twin !== undefined ? ["twin"] : [])]),
    xAxis: { type: "category", name: "time after programming", nameLocation: "middle", nameGap: 28, data: labels, boundaryGap: false },
    yAxis: { type: "value", name: "test accuracy", ...accuracyAxis(all), axisLabel: { formatter: (v: number) => pct(v, 0) } },
    series: [
      // the ± std band: an invisible lower line, then the band's height stacked on it
      { type: "line", name: "band-low", stack: "band", data: drift.map((d) => d.mean - d.std), lineStyle: { opacity: 0 }, showSymbol: false, silent: true },
      { type: "line", name: "mean ± std", stack: "band", color: "rgba(214,39,40,0.35)", data: drift.map((d) => 2 * d.std), lineStyle: { opacity: 0 }, areaStyle: { color: "rgba(214,39,40,0.15)" }, showSymbol: false, silent: true },
      { type: "line", name: "mean over chips", color: COLORS.device, data: drift.map((d) => d.mean), symbolSize: 7 },
      { type: "scatter", name: "chip", color: "rgba(214,39,40,0.55)", symbolSize: 6, data: drift.flatMap((d) => d.perChip.map((a) => [d.label, a])) },
      ...(twin !== undefined ? [{ type: "line" as const, name: "twin", color: COLORS.twin, lineStyle: { type: "dashed" as const }, showSymbol: false, data: drift.map(() => twin) }] : []),
    ],
  };
  const first = drift[0];
  const last = drift[drift.length - 1];
  return {
    id: "drift",
    title: "Accuracy after programming (drift)",
    caption: `Device test accuracy of each simulated chip evaluated ${labels.join(", ")} after its parameters were programmed (the device model drifts; the twin does not). Mean ${pct(first.mean)} at ${first.label}, ${pct(last.mean)} at ${last.label}.`,
    option,
    width: 560,
    height: 320,
  };
}

/** Running totals of device queries and digital FLOPs over the epochs. */
export function accountingFigure(epochs: readonly EpochPoint[]): Figure | undefined {
  const counters: { key: keyof EpochPoint; name: string; color: string }[] = [
    { key: "device_forwards", name: "device forward passes", color: COLORS.device },
    { key: "device_relaxations", name: "device relaxations", color: COLORS.extra[1] },
    { key: "device_measurements", name: "extra measurements", color: COLORS.extra[2] },
  ];
  const used = counters.filter((c) => epochs.some((e) => ((e[c.key] as number | undefined) ?? 0) > 0));
  const flops = epochs.some((e) => (e.digital_flops ?? 0) > 0);
  if (!used.length && !flops) return undefined;
  const option: EChartsOption = {
    grid: { ...GRID, right: 72, top: 64 },
    legend: legend([...used.map((c) => c.name), ...(flops ? ["digital FLOPs"] : [])]),
    xAxis: { type: "value", name: "epoch", nameLocation: "middle", nameGap: 28, min: 0, max: Math.max(1, epochs[epochs.length - 1]?.epoch ?? 1), minInterval: 1 },
    yAxis: [
      { type: "value", name: "device queries", axisLabel: { formatter: (v: number) => si(v) }, show: used.length > 0 },
      { type: "value", name: "FLOPs", axisLabel: { formatter: (v: number) => si(v) }, splitLine: { show: false }, show: flops },
    ],
    series: [
      ...used.map((c) => ({ type: "line" as const, name: c.name, color: c.color, yAxisIndex: 0, data: [[0, 0], ...epochs.map((e) => [e.epoch, (e[c.key] as number | undefined) ?? 0])] })),
      ...(flops ? [{ type: "line" as const, name: "digital FLOPs", color: COLORS.twin, yAxisIndex: 1, lineStyle: { type: "dashed" as const }, data: [[0, 0], ...epochs.map((e) => [e.epoch, e.digital_flops ?? 0])] }] : []),
    ],
  };
  return { id: "accounting", title: "Device queries and digital FLOPs", caption: "Running totals while training: what the rule asked of the (simulated) hardware — forward passes, relaxations to equilibrium, extra measurements — and the FLOPs computed digitally.", option, width: 560, height: 300 };
}
