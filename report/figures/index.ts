/**
 * Which figures a report has, in which section, for a given ReportInput: every builder whose
 * data the run has. In: ReportInput. Out: sections of Figures (nothing rendered yet).
 */
import type { ReportInput } from "../input.js";
import type { Figure } from "./common.js";
import { physicalFigures } from "./physical.js";
import { accountingFigure, accuracyFigure, chipsFigure, confusionFigure, driftFigure, lossFigure } from "./training.js";

export interface Section {
  readonly id: string;
  readonly title: string;
  readonly figures: readonly Figure[];
}

const present = <T>(xs: readonly (T | undefined)[]): T[] => xs.filter((x): x is T => x !== undefined);

export function reportSections(r: ReportInput): Section[] {
  const sections: Section[] = [
    { id: "training", title: "Training", figures: present([lossFigure(r.epochs), accuracyFigure(r.epochs)]) },
    {
      id: "device",
      title: r.confusion.device ? "Twin and device" : "Test predictions",
      figures: present([
        r.chips ? chipsFigure(r.chips) : undefined,
        confusionFigure("confusion-twin", "Confusion matrix: twin", r.confusion.twin, r.classNames),
        r.confusion.device ? confusionFigure("confusion-device", "Confusion matrix: device (chip 0)", r.confusion.device, r.classNames) : undefined,
      ]),
    },
  ];
  if (r.drift?.length) sections.push({ id: "drift", title: "Drift", figures: [driftFigure(r.drift, r.chips?.twin)] });
  if (r.physical.length) sections.push({ id: "physical", title: "Learned physical parameters", figures: physicalFigures(r.physical) });
  sections.push({ id: "cost", title: "Device queries and FLOPs", figures: present([accountingFigure(r.epochs)]) });
  return sections;
}
