/**
 * The messages between the playground's page (page.ts) and its compiler worker (worker.ts).
 * Plain data only (structured clone); numbers at full precision, so the page (and the browser
 * test) see exactly what the trainer measured. The page runs two workers from the same script:
 * one checks the program as it is typed, the other trains and builds (stopped by terminating it).
 */
import type { EpochPoint } from "../report/input.js";
import type { SourceFiles } from "./host.js";

export type Backend = "wasm" | "ref";

/** A diagnostic as the page shows it: the CLI's text, and where it points in the edited program. */
export interface ShownDiagnostic {
  readonly code: string;
  readonly severity: "error" | "warning" | "info";
  readonly message: string;
  /** `file:line:col: error PNNxxxx: …` with the source line and a caret, as `pnn check` prints it. */
  readonly text: string;
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** Character offsets [start, end) in `file`. */
  readonly start: number;
  readonly end: number;
}

/** What the page says about each train block of a checked program. */
export interface TrainInfo {
  readonly network: string;
  readonly data: string;
  readonly rule: string;
  readonly epochs: number;
  readonly batch: number;
  readonly seed: number;
  /** Whether the playground has this data set (playground/host.ts PLAYGROUND_DATASETS). */
  readonly available: boolean;
}

export interface SummaryRow {
  readonly label: string;
  readonly value: string;
}

export interface ArtifactFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export type ToWorker =
  | { readonly type: "check"; readonly id: number; readonly program: SourceFiles }
  | { readonly type: "train"; readonly program: SourceFiles; readonly backend: Backend }
  | { readonly type: "build" };

export type FromWorker =
  | { readonly type: "checked"; readonly id: number; readonly diagnostics: readonly ShownDiagnostic[]; readonly trains: readonly TrainInfo[]; readonly ms: number }
  | { readonly type: "status"; readonly text: string }
  | { readonly type: "compiled"; readonly backend: Backend; readonly programs: readonly string[]; readonly seconds: number; readonly epochs: number; readonly batches: number }
  | { readonly type: "progress"; readonly epoch: number; readonly batch: number; readonly batches: number; readonly loss: number; readonly accuracy: number }
  | { readonly type: "epoch"; readonly record: EpochPoint }
  | { readonly type: "trained"; readonly summary: Readonly<Record<string, unknown>>; readonly rows: readonly SummaryRow[] }
  | { readonly type: "built"; readonly files: readonly ArtifactFile[]; readonly engine: string; readonly stats: string; readonly warnings: readonly ShownDiagnostic[] }
  | { readonly type: "failed"; readonly stage: "check" | "train" | "build"; readonly message: string; readonly diagnostics: readonly ShownDiagnostic[] };

export type Phase = "idle" | "compiling" | "training" | "trained" | "building" | "built" | "stopped" | "failed";

/** The page's state, as tests read it (window.pnnPlayground): numbers at full precision. */
export interface PlaygroundState {
  ready: boolean;
  phase: Phase;
  /** Checks answered so far; `checking` while one is due or running for the current text. */
  checks: number;
  checking: boolean;
  /** The last check's results (for the text as it is). */
  diagnostics: ShownDiagnostic[];
  trains: TrainInfo[];
  compiled?: { backend: Backend; programs: readonly string[]; seconds: number };
  epochs: EpochPoint[];
  summary?: Readonly<Record<string, unknown>>;
  built?: { engine: string; files: { name: string; bytes: number }[] };
  error?: { message: string; diagnostics: readonly ShownDiagnostic[] };
}
