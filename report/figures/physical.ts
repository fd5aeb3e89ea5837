/**
 * Figures of learned physical parameters, drawn as the hardware they program: an MZI mesh's
 * phases at each interferometer's place in the mesh, a diffractive mask as an image of its
 * phases, a crossbar's or coupling's conductances as a map, a resistor network as a circuit graph
 * with edge width ∝ conductance, and a dynamical layer's trajectories. In: PhysicalViews (plain
 * data). Out: Figures (ECharts options). It never decides what a parameter means; collect.ts does.
 */
import type { EChartsOption } from "echarts";
import type { PhysicalView } from "../input.js";
import { COLORS, CYCLIC, DIVERGING, minMax, SEQUENTIAL, TWO_PI, type Figure } from "./common.js";

type View<K extends PhysicalView["kind"]> = Extract<PhysicalView, { kind: K }>;

const slug = (s: string) => s.replace(/[^A-Za-z0-9_-]+/g, "-");
const PHASE_SCALE = { type: "continuous" as const, min: 0, max: TWO_PI, calculable: false, inRange: { color: CYCLIC }, text: ["2π", "0"], textStyle: { fontSize: 10 } };

/** The mesh as laid out on chip: waveguides as horizontal lines, each MZI at its column between its two modes. */
export function meshFigure(v: View<"mesh">): Figure {
  const cols = v.columns.length;
  const waveguides: (number[] | "-")[] = [];
  for (let m = 0; m < v.modes; m++) waveguides.push([-0.7, m], [cols - 0.3, m], "-");
  const theta: number[][] = [];
  const phi: number[][] = [];
  let k = 0;
  v.columns.forEach(([offset, count], c) => {
    for (let m = 0; m < count; m++, k++) {
      const top = offset + 2 * m;
      theta.push([c, top + 0.5, v.theta[k]]);
      phi.push([c - 0.38, top, v.phi[k]]);
    }
  });
  const width = Math.min(1100, Math.max(420, 110 + cols * 40));
  const height = Math.min(900, Math.max(240, 90 + v.modes * 28));
  const option: EChartsOption = {
    grid: { left: 56, right: 90, top: 34, bottom: 40 },
    legend: { top: 4, data: ["θ (MZI, sets the split)", "φ (external phase)"] },
    xAxis: { type: "value", name: "column", nameLocation: "middle", nameGap: 24, min: -1, max: cols, interval: 1, splitLine: { show: false }, axisLine: { onZero: false }, axisLabel: { formatter: (x: number) => (x >= 0 && x < cols ? String(x) : "") } },
    yAxis: { type: "value", name: "mode", nameLocation: "middle", nameGap: 30, inverse: true, min: -1, max: v.modes, interval: 1, splitLine: { show: false }, axisLine: { onZero: false }, axisLabel: { formatter: (y: number) => (y >= 0 && y < v.modes ? String(y) : "") } },
    visualMap: { ...PHASE_SCALE, seriesIndex: [1, 2], dimension: 2, right: 8, top: "middle", itemHeight: Math.max(80, height - 150) },
    series: [
      { type: "line", name: "waveguide", data: waveguides as never, showSymbol: false, color: "#999", lineStyle: { width: 1 }, silent: true, connectNulls: false },
      { type: "scatter", name: "θ (MZI, sets the split)", data: theta, symbol: "roundRect", symbolSize: [22, 26], color: "#999", itemStyle: { borderColor: "#333", borderWidth: 0.6 } },
      { type: "scatter", name: "φ (external phase)", data: phi, symbol: "circle", symbolSize: 9, color: "#999", itemStyle: { borderColor: "#333", borderWidth: 0.6 } },
    ],
  };
  return {
    id: `mesh-${slug(v.path)}`,
    title: `${v.title}: ${v.topology} mesh, ${v.modes} modes, ${v.theta.length} MZIs`,
    caption: `Trained phases of ${v.path} at their place in the mesh: each square is an MZI coupling the two modes it sits between (colour = internal phase θ, which sets the splitting ratio cos²(θ/2)); the dot before it on the upper mode is its external phase φ. Phases wrapped to [0, 2π), cyclic colour scale.`,
    option,
    width,
    height,
  };
}

function heatmapSize(rows: number, cols: number, maxWidth: number): { width: number; height: number; cell: number } {
  const cell = Math.max(2, Math.min(28, Math.floor((maxWidth - 140) / cols), Math.floor(520 / rows)));
  return { width: Math.max(300, cols * cell + 150), height: Math.max(200, rows * cell + 80), cell };
}

/** A phase mask as an image of its pixels' phases. */
export function maskFigure(v: View<"mask">): Figure {
  const data: number[][] = [];
  for (let r = 0; r < v.rows; r++) for (let c = 0; c < v.cols; c++) data.push([c, r, v.values[r * v.cols + c]]);
  const { width, height } = heatmapSize(v.rows, v.cols, 420);
  const axis = (n: number, name: string, inverse = false) => ({ type: "category" as const, name, nameLocation: "middle" as const, nameGap: 22, data: Array.from({ length: n }, (_, i) => String(i)), inverse, axisLabel: { interval: Math.max(0, Math.ceil(n / 8) - 1), fontSize: 10 }, axisTick: { show: false } });
  const option: EChartsOption = {
    grid: { left: 44, right: 76, top: 14, bottom: 40 },
    xAxis: axis(v.cols, "x (pixel)"),
    yAxis: axis(v.rows, "y (pixel)", true),
    visualMap: { ...PHASE_SCALE, dimension: 2, right: 4, top: "middle", itemHeight: Math.max(60, height - 120) },
    series: [{ type: "heatmap", data }],
  };
  return {
    id: `mask-${slug(v.path)}`,
    title: v.title,
    caption: `Trained phase of every pixel of ${v.path} (${v.rows}×${v.cols}${v.pitchMm !== undefined ? `, ${v.pitchMm} mm pitch` : ""}), wrapped to [0, 2π) on a cyclic colour scale.`,
    option,
    width,
    height,
  };
}

/** A conductance or weight matrix as a map. */
export function matrixFigure(v: View<"matrix">): Figure {
  const data: number[][] = [];
  for (let r = 0; r < v.rows; r++) for (let c = 0; c < v.cols; c++) data.push([c, r, v.values[r * v.cols + c]]);
  const { lo, hi } = minMax(v.values);
  const bound = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  const range = v.signed ? { min: -bound, max: bound, inRange: { color: DIVERGING } } : { min: lo, max: hi > lo ? hi : lo + 1, inRange: { color: SEQUENTIAL } };
  const { width, height } = heatmapSize(v.rows, v.cols, 760);
  const axis = (n: number, name: string, inverse = false) => ({ type: "category" as const, name, nameLocation: "middle" as const, nameGap: 24, data: Array.from({ length: n }, (_, i) => String(i)), inverse, axisLabel: { interval: Math.max(0, Math.ceil(n / 10) - 1), fontSize: 10 }, axisTick: { show: false } });
  const fmt = (x: number) => (Math.abs(x) >= 100 || (Math.abs(x) < 0.01 && x !== 0) ? x.toExponential(1) : x.toPrecision(3));
  const option: EChartsOption = {
    grid: { left: 52, right: 84, top: 14, bottom: 44 },
    xAxis: axis(v.cols, v.colLabel),
    yAxis: axis(v.rows, v.rowLabel, true),
    visualMap: { type: "continuous", ...range, dimension: 2, calculable: false, right: 4, top: "middle", itemHeight: Math.max(60, height - 120), text: [fmt(range.max), fmt(range.min)], textStyle: { fontSize: 10 } },
    series: [{ type: "heatmap", data }],
  };
  return { id: `matrix-${slug(v.path)}`, title: v.title, caption: `${v.path}: ${v.quantity}, ${v.rows} ${v.rowLabel} × ${v.cols} ${v.colLabel}.`, option, width, height };
}

/** A resistor network as a circuit: node groups in columns, one edge per conductance, width ∝ conductance. */
export function circuitFigure(v: View<"circuit">): Figure {
  const columnOf: Record<string, number> = { input: 0, hidden: 1, output: 2, rail: 1 };
  const hiddenGroups = v.groups.filter((g) => g.role === "hidden");
  const maxSize = Math.max(...v.groups.filter((g) => g.role !== "rail").map((g) => g.size), 1);
  const nodes: { name: string; x: number; y: number; symbolSize: number; itemStyle: { color: string }; label: { show: boolean; position: "left" | "right" | "top" | "bottom" } }[] = [];
  const nodeIndex = new Map<string, number>();
  const color = { input: COLORS.twin, hidden: COLORS.train, output: COLORS.device, rail: "#000" };
  v.groups.forEach((g, gi) => {
    let x = columnOf[g.role] * 300;
    if (g.role === "hidden" && hiddenGroups.length > 1) x = 300 * (1 + (hiddenGroups.indexOf(g) - (hiddenGroups.length - 1) / 2) * 0.4);
    for (let i = 0; i < g.size; i++) {
      const railPos = i === 0 ? maxSize * 40 + 60 : -60; // ground below the network, supply above it
      const y = g.role === "rail" ? railPos : (i + 0.5 + (maxSize - g.size) / 2) * 40;
      nodeIndex.set(`${gi}:${i}`, nodes.length);
      const name = g.role === "rail" ? (i === 0 ? "ground (0 V)" : "supply (1 V)") : `${g.name}${i}`;
      nodes.push({ name, x: g.role === "rail" ? 150 + 300 * i : x, y, symbolSize: g.role === "rail" ? 16 : 12, itemStyle: { color: color[g.role] }, label: { show: true, position: g.role === "input" ? "left" : g.role === "output" ? "right" : g.role === "rail" ? (i === 0 ? "bottom" : "top") : "top" } });
    }
  });
  const { lo, hi } = minMax(v.edges.map((e) => e.value));
  const scale = (g: number) => (hi > lo ? (g - lo) / (hi - lo) : 1);
  const links = v.edges.map((e) => ({
    source: nodeIndex.get(`${e.a[0]}:${e.a[1]}`)!,
    target: nodeIndex.get(`${e.b[0]}:${e.b[1]}`)!,
    value: e.value,
    lineStyle: { width: 0.4 + 5 * scale(e.value), opacity: 0.25 + 0.6 * scale(e.value), color: "#555", curveness: 0.08 },
  }));
  const option: EChartsOption = {
    series: [{ type: "graph", layout: "none", roam: false, left: 90, right: 110, top: 40, bottom: 40, data: nodes, links, label: { fontSize: 10 }, edgeSymbol: ["none", "none"] }],
  };
  return {
    id: "circuit",
    title: v.title,
    caption: `Every edge is one trained element; its width and darkness grow with its ${v.quantity} (from ${lo.toPrecision(3)} to ${hi.toPrecision(3)}). Inputs on the left are clamped voltages, outputs on the right are read; every free node also reaches ground and the supply through its own element.`,
    option,
    width: 720,
    height: Math.min(760, maxSize * 40 + 220),
  };
}

/** Time traces of a dynamical layer for one input. */
export function trajectoryFigure(v: View<"trajectory">, index: number): Figure {
  const palette = [COLORS.twin, COLORS.device, ...COLORS.extra, COLORS.train];
  const option: EChartsOption = {
    grid: { left: 64, right: 24, top: 56, bottom: 44 },
    legend: { top: 4, type: "plain", itemWidth: 14, textStyle: { fontSize: 10 }, data: v.traces.map((t) => t.name) },
    xAxis: { type: "value", name: "time (s)", nameLocation: "middle", nameGap: 26, min: 0, max: v.timesS[v.timesS.length - 1] },
    yAxis: { type: "value", name: v.quantity, scale: true },
    series: v.traces.map((t, i) => ({ type: "line" as const, name: t.name, color: palette[i % palette.length], showSymbol: false, data: t.values.map((y, k) => [v.timesS[k], y]) })),
  };
  return { id: `trajectory-${slug(v.path)}-${index}`, title: v.title, caption: `${v.path}: ${v.quantity} of every degree of freedom over time on the twin with the trained parameters; the values at the last time are what the next layer reads.`, option, width: 560, height: 320 };
}

export function physicalFigures(views: readonly PhysicalView[]): Figure[] {
  let trajectories = 0;
  return views.map((v) => {
    switch (v.kind) {
      case "mesh": return meshFigure(v);
      case "mask": return maskFigure(v);
      case "matrix": return matrixFigure(v);
      case "circuit": return circuitFigure(v);
      case "trajectory": return trajectoryFigure(v, trajectories++);
    }
  });
}
