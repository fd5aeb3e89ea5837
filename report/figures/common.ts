/**
 * What every figure builder returns, and the shared look: colour scales and number formats.
 * A Figure is an ECharts option (plain data) plus a title, a caption and a size; rendering it to
 * SVG is report/render.ts's job. Nothing here draws.
 */
import type { EChartsOption } from "echarts";

export interface Figure {
  /** Stable id, used as the HTML element id (`fig-<id>`) and by the tests. */
  readonly id: string;
  readonly title: string;
  /** One or two sentences saying what is drawn and how to read it. */
  readonly caption: string;
  readonly option: EChartsOption;
  readonly width: number;
  readonly height: number;
}

/** Cyclic colour scale for phases in [0, 2π) (after matplotlib's "twilight": the ends meet). */
export const CYCLIC = ["#e2d9e2", "#9ab3c8", "#5e7fbd", "#5a4a9e", "#2f1436", "#6b2147", "#ad4e46", "#d69b83", "#e2d9e2"];
/** Diverging scale for signed values (blue negative, red positive, white 0). */
export const DIVERGING = ["#2166ac", "#67a9cf", "#d1e5f0", "#f7f7f7", "#fddbc7", "#ef8a62", "#b2182b"];
/** Sequential scale for non-negative values. */
export const SEQUENTIAL = ["#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b"];
/** Series colours: twin, device, train, and more. */
export const COLORS = { twin: "#1f77b4", device: "#d62728", train: "#7f7f7f", extra: ["#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22"] };

export const TWO_PI = 2 * Math.PI;

export function pct(v: number, digits = 1): string {
  return Number.isFinite(v) ? `${(100 * v).toFixed(digits)}%` : String(v);
}

/** 1234567 → "1.23 M"; small integers stay as they are. */
export function si(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  const units: [number, string][] = [[1e15, "P"], [1e12, "T"], [1e9, "G"], [1e6, "M"], [1e3, "k"]];
  for (const [scale, unit] of units) if (a >= scale) return `${(v / scale).toPrecision(3)} ${unit}`;
  return Number.isInteger(v) ? String(v) : v.toPrecision(3);
}

export function minMax(xs: readonly number[]): { lo: number; hi: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of xs) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return lo <= hi ? { lo, hi } : { lo: 0, hi: 1 };
}

/** Axis bounds for accuracies: a little room around the data, within [0, 1]. */
export function accuracyAxis(values: readonly number[]): { min: number; max: number } {
  const { lo, hi } = minMax(values.filter(Number.isFinite));
  const pad = Math.max(0.02, (hi - lo) * 0.15);
  return { min: Math.max(0, Math.floor((lo - pad) * 50) / 50), max: Math.min(1, Math.ceil((hi + pad) * 50) / 50) };
}

export const TEXT = { fontSize: 12, color: "#333" };
