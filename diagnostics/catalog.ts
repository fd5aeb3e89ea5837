/**
 * The one catalog of user-facing diagnostics. Every error pnn reports to a user has a stable
 * code from this table; codes are never reused or renumbered.
 *   PNN1xxx syntax · PNN2xxx names/types/shapes · PNN3xxx units/physics ·
 *   PNN4xxx learning rules · PNN5xxx lowering · PNN6xxx data, checkpoints and run-time input.
 * Internal invariant failures are not here: they are InternalError (see ./internal.ts).
 */
import type { Span } from "./span.js";

export type Severity = "error" | "warning" | "info";

export const CATALOG = {
  // ── syntax ────────────────────────────────────────────────────────────────
  PNN1001: { severity: "error", title: "syntax error" },
  PNN1002: { severity: "error", title: "unterminated string or comment" },
  PNN1003: { severity: "error", title: "unexpected character" },
  PNN1004: { severity: "error", title: "file too large" },
  PNN1005: { severity: "error", title: "nesting too deep" },
  PNN1006: { severity: "error", title: "number too large" },
  PNN1007: { severity: "error", title: "too many syntax errors" },
  // ── names, types, shapes ──────────────────────────────────────────────────
  PNN2001: { severity: "error", title: "unknown name" },
  PNN2002: { severity: "error", title: "duplicate definition" },
  PNN2003: { severity: "error", title: "shape mismatch" },
  PNN2004: { severity: "error", title: "missing argument" },
  PNN2005: { severity: "error", title: "unknown or extra argument" },
  PNN2006: { severity: "error", title: "wrong kind of symbol" },
  PNN2007: { severity: "error", title: "import not found" },
  PNN2008: { severity: "error", title: "import outside the project" },
  PNN2009: { severity: "error", title: "shape too large" },
  PNN2010: { severity: "error", title: "type mismatch" },
  PNN2011: { severity: "error", title: "shape is not a positive integer constant" },
  PNN2012: { severity: "error", title: "unknown member" },
  PNN2013: { severity: "error", title: "network has no output" },
  PNN2014: { severity: "error", title: "unknown train key" },
  PNN2015: { severity: "error", title: "data set does not fit the network" },
  PNN2016: { severity: "error", title: "unknown data set" },
  PNN2017: { severity: "error", title: "cyclic definition" },
  PNN2018: { severity: "error", title: "unknown optimizer or loss" },
  PNN2019: { severity: "error", title: "missing train key" },
  PNN2020: { severity: "error", title: "shards do not divide the batch" },
  PNN2021: { severity: "error", title: "nothing to override by that name" },
  PNN2040: { severity: "error", title: "matrix file not readable" },
  PNN2041: { severity: "error", title: "malformed matrix file" },
  PNN2042: { severity: "error", title: "matrix is not square" },
  PNN2070: { severity: "error", title: "malformed energy-based network" },
  PNN2080: { severity: "error", title: "program too large to check" },
  PNN2081: { severity: "error", title: "training would need too much memory" },
  PNN2090: { severity: "error", title: "invalid external device" },
  PNN2091: { severity: "error", title: "external device does not fit the protocol" },
  // ── units and physics ─────────────────────────────────────────────────────
  PNN3001: { severity: "error", title: "unit mismatch" },
  PNN3002: { severity: "error", title: "unknown unit" },
  PNN3003: { severity: "error", title: "physical parameter out of range" },
  PNN3004: { severity: "error", title: "invalid distribution" },
  PNN3040: { severity: "error", title: "matrix is not unitary" },
  PNN3050: { severity: "error", title: "optical field undersampled" },
  PNN3051: { severity: "error", title: "integration step too coarse" },
  PNN3060: { severity: "error", title: "crossbar tiling too fine" },
  // ── learning rules ────────────────────────────────────────────────────────
  PNN4001: { severity: "error", title: "unknown learning rule" },
  PNN4002: { severity: "error", title: "the physics cannot run this rule" },
  PNN4003: { severity: "error", title: "invalid rule option" },
  PNN4004: { severity: "error", title: "the rule cannot train through an external device" },
  PNN4005: { severity: "error", title: "an external device is one chip" },
  PNN4010: { severity: "error", title: "energy-based training needs the squared-error loss" },
  // ── lowering ──────────────────────────────────────────────────────────────
  PNN5010: { severity: "error", title: "program too large for the wasm backend" },
  PNN5020: { severity: "error", title: "cannot be built for this target" },
  PNN5030: { severity: "error", title: "no WebGPU device" },
  PNN5031: { severity: "error", title: "program too large for the WebGPU device" },
  PNN5070: { severity: "error", title: "energy-based network cannot be lowered" },
  PNN5071: { severity: "error", title: "relaxation did not reach equilibrium" },
  PNN5080: { severity: "error", title: "in-situ adjoint needs the mesh phases to be a parameter" },
  PNN5081: { severity: "error", title: "readout_only needs a dense readout at the output" },
  PNN5082: { severity: "error", title: "local needs at least as many input features as classes" },
  PNN5083: { severity: "error", title: "in_situ_adjoint needs an optics.mzi_mesh to measure" },
  // ── data, checkpoints, run-time input ─────────────────────────────────────
  PNN6001: { severity: "error", title: "data file not found" },
  PNN6002: { severity: "error", title: "malformed data" },
  PNN6003: { severity: "error", title: "checkpoint missing or corrupt" },
  PNN6004: { severity: "error", title: "checkpoint does not match the network" },
  PNN6005: { severity: "error", title: "invalid input" },
  PNN6006: { severity: "error", title: "invalid data set argument" },
  PNN6010: { severity: "error", title: "invalid sweep" },
  PNN6020: { severity: "warning", title: "built without trained weights" },
  PNN6030: { severity: "error", title: "external device failed" },
  PNN6031: { severity: "error", title: "malformed reply from an external device" },
  PNN6032: { severity: "error", title: "device query budget spent" },
  PNN6033: { severity: "error", title: "external device does not match its twin" },
  PNN6034: { severity: "error", title: "replay does not match the recorded session" },
  PNN6035: { severity: "error", title: "device log unusable" },
  PNN6036: { severity: "error", title: "device command not allowed" },
} as const satisfies Record<string, { severity: Severity; title: string }>;

export type DiagnosticCode = keyof typeof CATALOG;

export interface RelatedInfo {
  readonly span: Span;
  readonly message: string;
}

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  readonly span: Span;
  readonly related: readonly RelatedInfo[];
  /** A certain fix, when there is one (e.g. a misspelled name → the closest name). */
  readonly fix?: { readonly span: Span; readonly replacement: string };
}

export function diag(
  code: DiagnosticCode,
  span: Span,
  message: string,
  extra: { related?: RelatedInfo[]; fix?: Diagnostic["fix"] } = {},
): Diagnostic {
  return { code, severity: CATALOG[code].severity, message, span, related: extra.related ?? [], ...(extra.fix ? { fix: extra.fix } : {}) };
}

/**
 * A user-facing failure raised at run time (data loading, checkpoints, inputs). The CLI catches
 * it and prints it like any diagnostic; it is never shown as a stack trace.
 */
export class UserError extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(`${diagnostic.code}: ${diagnostic.message}`);
    this.name = "UserError";
  }
}
