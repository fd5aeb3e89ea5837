/**
 * ReportInput: everything a training report shows, as plain data (numbers, strings, arrays).
 * In: produced by report/collect.ts from a run folder and its .pnn program (or by any other
 * producer: a test, a future compiler driver, a browser page). Out: read by report/figures/* and
 * report/html.ts, which import nothing from the compiler, the runtime or the CLI.
 * Optional parts are absent when they do not apply to the run (no device model, no drift sweep,
 * no physical parameters of a kind the report knows how to draw).
 */

/** One row of metrics.jsonl: `epoch` is 1-based; counters are running totals since the start of training. */
export interface EpochPoint {
  readonly epoch: number;
  readonly loss: number;
  readonly accuracy?: number;
  readonly test_accuracy?: number;
  readonly device_test_accuracy?: number;
  readonly device_forwards?: number;
  readonly device_relaxations?: number;
  readonly device_measurements?: number;
  readonly digital_flops?: number;
}

/** A confusion matrix: counts[true class][predicted class]. */
export interface Confusion {
  readonly counts: readonly (readonly number[])[];
}

/** Device accuracy of each simulated chip (chip 0 is the chip a device-in-the-loop rule trained on). */
export interface ChipSpread {
  readonly twin: number;
  readonly perChip: readonly number[];
  /** Mean and (population) standard deviation over the chips, as `pnn train` reports them. */
  readonly mean: number;
  readonly std: number;
}

/** One evaluation time of a drift sweep (`pnn report --drift`). */
export interface DriftPoint {
  /** Seconds after programming. */
  readonly timeS: number;
  /** As the user wrote it (`1d`), for axis labels. */
  readonly label: string;
  readonly perChip: readonly number[];
  readonly mean: number;
  readonly std: number;
}

/** Learned physical parameters, drawn as what they are. */
export type PhysicalView =
  | {
      /** An MZI mesh: (θ, φ) per MZI on the mesh's column layout (compiler/optics/topology.ts). */
      readonly kind: "mesh";
      readonly title: string;
      readonly path: string;
      readonly topology: string;
      readonly modes: number;
      /** Per column: [first mode of the first pair, number of MZIs]; MZI m of a column couples modes offset + 2m and offset + 2m + 1. */
      readonly columns: readonly (readonly [number, number])[];
      /** Internal phase θ of every MZI in phase order (column by column), wrapped to [0, 2π). */
      readonly theta: readonly number[];
      /** External phase φ of every MZI, wrapped to [0, 2π). */
      readonly phi: readonly number[];
    }
  | {
      /** A phase-only diffractive mask, rows × cols, phases wrapped to [0, 2π). */
      readonly kind: "mask";
      readonly title: string;
      readonly path: string;
      readonly rows: number;
      readonly cols: number;
      readonly values: readonly number[];
      /** Physical pixel pitch in mm, when known. */
      readonly pitchMm?: number;
    }
  | {
      /** A matrix of conductances or weights (crossbar, synapses), rows × cols, row-major. */
      readonly kind: "matrix";
      readonly title: string;
      readonly path: string;
      readonly rows: number;
      readonly cols: number;
      readonly values: readonly number[];
      /** What a value is, with its unit (`g⁺ − g⁻ (µS)`). */
      readonly quantity: string;
      readonly rowLabel: string;
      readonly colLabel: string;
      /** Signed values get a diverging colour scale centred on 0. */
      readonly signed: boolean;
    }
  | {
      /** A resistor network: nodes and the conductance of every edge. */
      readonly kind: "circuit";
      readonly title: string;
      readonly groups: readonly { readonly name: string; readonly size: number; readonly role: "input" | "hidden" | "output" | "rail" }[];
      /** Edge between node `a[1]` of group `a[0]` and node `b[1]` of group `b[0]`. */
      readonly edges: readonly { readonly a: readonly [number, number]; readonly b: readonly [number, number]; readonly value: number }[];
      readonly quantity: string;
    }
  | {
      /** Time traces of a dynamical layer (pendula, oscillators) for one input sample. */
      readonly kind: "trajectory";
      readonly title: string;
      readonly path: string;
      readonly timesS: readonly number[];
      /** One trace per degree of freedom. */
      readonly traces: readonly { readonly name: string; readonly values: readonly number[] }[];
      readonly quantity: string;
    };

export interface ReportInput {
  readonly network: string;
  readonly rule: string;
  readonly dataset: string;
  readonly trainSamples: number;
  readonly testSamples: number;
  readonly classNames: readonly string[];
  /** ISO time the report was made. */
  readonly generatedAt: string;
  readonly epochs: readonly EpochPoint[];
  /** summary.json as written by `pnn train` (shown as a table). */
  readonly summary: Readonly<Record<string, unknown>>;
  readonly confusion: { readonly twin: Confusion; readonly device?: Confusion };
  readonly chips?: ChipSpread;
  readonly drift?: readonly DriftPoint[];
  readonly physical: readonly PhysicalView[];
  /** Digital FLOPs of one run of each of the rule's compiled programs, by program name. */
  readonly programFlops: Readonly<Record<string, number>>;
  readonly source: { readonly file: string; readonly text: string; readonly hash: string };
  /** The resolved run configuration (train block, overrides, backend). */
  readonly config: Readonly<Record<string, unknown>>;
  readonly versions: Readonly<Record<string, string>>;
  /** Things the report could not show and why (shown in the page, never silently dropped). */
  readonly notes: readonly string[];
}
