/**
 * The playground's live figures: the training report's own figure builders (report/figures/:
 * loss per epoch, twin and device accuracy per epoch, device accuracy over simulated chips),
 * drawn by ECharts in the page (SVG renderer) and redrawn as epochs arrive. In: epoch records and
 * the run's summary. Out: charts in the given containers. No drawing code of its own.
 */
import { LineChart, ScatterChart } from "echarts/charts";
import { GridComponent, LegendComponent, MarkAreaComponent, MarkLineComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { SVGRenderer } from "echarts/renderers";
import type { Figure } from "../report/figures/common.js";
import { accuracyFigure, chipsFigure, lossFigure } from "../report/figures/training.js";
import type { EpochPoint } from "../report/input.js";

echarts.use([LineChart, ScatterChart, GridComponent, LegendComponent, MarkAreaComponent, MarkLineComponent, SVGRenderer]);

/** The figures the page shows, by report figure id. */
export const FIGURE_IDS = ["loss", "accuracy", "chips"] as const;
export type FigureId = (typeof FIGURE_IDS)[number];

export class Charts {
  private readonly charts = new Map<FigureId, echarts.EChartsType>();

  constructor(private readonly containers: Readonly<Record<FigureId, HTMLElement>>) {}

  private draw(id: FigureId, figure: Figure | undefined): void {
    const el = this.containers[id];
    const box = el.closest("figure");
    if (!figure) {
      this.charts.get(id)?.clear();
      box?.classList.add("empty");
      return;
    }
    box?.classList.remove("empty");
    const caption = box?.querySelector("figcaption");
    if (caption) caption.textContent = figure.title;
    let chart = this.charts.get(id);
    if (!chart) {
      el.style.width = `${figure.width}px`;
      el.style.height = `${figure.height}px`;
      chart = echarts.init(el, null, { renderer: "svg", width: figure.width, height: figure.height });
      this.charts.set(id, chart);
    }
    chart.setOption({ animation: false, textStyle: { fontFamily: "Helvetica, Arial, sans-serif" }, ...figure.option }, { notMerge: true });
  }

  /** Loss and accuracy per epoch so far. */
  epochs(points: readonly EpochPoint[]): void {
    this.draw("loss", lossFigure(points));
    this.draw("accuracy", accuracyFigure(points));
  }

  /** Device accuracy per simulated chip, from a finished run's summary (absent without a device model). */
  chips(summary: Readonly<Record<string, unknown>> | undefined): void {
    const perChip = summary?.device_per_chip;
    if (!summary || !Array.isArray(perChip)) return this.draw("chips", undefined);
    this.draw("chips", chipsFigure({ twin: summary.test_accuracy as number, perChip: perChip as number[], mean: summary.device_test_accuracy_mean as number, std: summary.device_test_accuracy_std as number }));
  }

  clear(): void {
    for (const id of FIGURE_IDS) this.draw(id, undefined);
  }
}
