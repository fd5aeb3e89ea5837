/**
 * Figure → SVG text with ECharts' server-side SVG renderer (no browser, no DOM): the one place
 * that calls echarts. Animation is off so the SVG is the final frame.
 */
import * as echarts from "echarts";
import type { Figure } from "./figures/common.js";

export const ECHARTS_VERSION: string = echarts.version;

export function renderSvg(figure: Figure): string {
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width: figure.width, height: figure.height });
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: "Helvetica, Arial, sans-serif" }, ...figure.option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}
