/**
 * The compiler driver: the one path from source text to every product. A Session checks a
 * source (check: diagnostics for `pnn check` and the editor) and gives the checked Program of a
 * train block; the products take a Program: train / evaluate / infer (run.ts), build (build.ts),
 * ir (ir.ts), calibrate (calibrate.ts; external devices: devices.ts); formatSource (format.ts)
 * formats. cli/ and lsp/ are thin callers of this folder.
 */
export { Session, RULE_OVERRIDE_ORIGIN, type Checked } from "./session.js";
export { Program, type DeviceSettings, type ProgramGraphs } from "./program.js";
export { DiagnosticsError, UsageError } from "./errors.js";
export { BACKENDS, DEFAULT_BACKEND, findBackend } from "./backends.js";
export { trainProduct, evaluateProduct, inferProduct, type TrainRequest, type TrainResult, type EvalRequest, type EvalResult, type InferRequest } from "./run.js";
export { buildProduct, ENGINES, TARGETS, type BuildRequest, type BuildResult } from "./build.js";
export { irProduct, IR_MODES } from "./ir.js";
export { formatSource } from "./format.js";
export { calibrateProduct, calibrateAtEpochs, type CalibrateRequest, type DeviceCalibration } from "./calibrate.js";
export type { DeviceRequest } from "./devices.js";
