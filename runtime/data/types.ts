/**
 * The shapes every data set loader produces and consumes. A data set is two dense, row-major
 * splits (x: n × features as float64, y: class indices as int32) plus its class names.
 * Images are flattened: featureShape is always one-dimensional ([784] for 28×28 MNIST).
 */
import type { Span } from "../../diagnostics/span.js";

/** One `on NAME(args…)` clause of a program, as the runtime sees it: arguments checked and defaulted. */
export interface DatasetSpec {
  name: string;
  args: Readonly<Record<string, number | string>>;
  /** Where errors point: the data set call in the .pnn source (or fileSpan for a CLI flag). */
  span: Span;
  /** Relative paths (csv) resolve against this folder and must stay inside it. */
  baseDir: string;
  /**
   * The text of a data file shipped with pnn (`vowels.csv`, `iris.csv`), when the caller holds it
   * in memory (the browser playground has no disk); undefined, or absent, reads pnn's data/ folder.
   */
  readShipped?: (file: string) => string | undefined;
  /** What the network takes, when known: the loaded data must fit it (PNN6002, pointing into the file where it can). */
  fits?: NetworkShape;
}

/** The data shape a network accepts: input features per sample and one output per class. */
export interface NetworkShape {
  readonly network: string;
  readonly features: number;
  readonly classes: number;
}

export interface Split {
  x: Float64Array;
  y: Int32Array;
  n: number;
}

export interface Dataset {
  name: string;
  featureShape: number[];
  classes: number;
  classNames: string[];
  /** The feature columns' names, for tables (a header lets `pnn infer --input` pick them by name). */
  featureNames?: string[];
  train: Split;
  test: Split;
  /**
   * How raw features were mapped to x, so that new inputs can be mapped the same way:
   * x = (log?(raw) − mean) / std, with mean/std computed on the train split. Absent when the
   * features are used as they are (mnist, synthetic sets).
   */
  normalization?: { log: boolean; mean: number[]; std: number[] };
}
