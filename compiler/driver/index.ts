/**
 * The compiler driver: the one path from source text to every product. A Session checks a
 * source (check: diagnostics for `pnn check` and the editor) and gives the checked Program of a
 * train block; the products take a Program: train / evaluate / infer (run.ts), build (build.ts),
 * ir (ir.ts), calibrate (calibrate.ts; external devices: devices.ts); formatSource (format.ts)
 * formats. cli/ and lsp/ are thin callers of this folder.
 */
export { Session, RULE_OVERRIDE_ORIGIN, type Checked, type SourceHost } from "./session.js";
export { Program, type DeviceSettings, type ProgramGraphs } from "./program.js";
export { DiagnosticsError, UsageError } from "./errors.js";
export { BACKENDS, DEFAULT_BACKEND, findBackend, type Backend } from "./backends.js";
export { trainProduct, trainConfig, evaluateProduct, inferProduct, openRunDirectory, requireInputFile, type InferResult, type TrainRequest, type TrainResult, type EvalRequest, type EvalResult, type InferRequest } from "./run.js";
export { artifactFiles, buildProduct, BUILD_BATCH, TARGETS, type ArtifactRequest, type ArtifactWeights, type BuildRequest, type BuildResult, type ArtifactFiles } from "./build.js";
export { irProduct, IR_MODES, parsePassList, type IrRequest } from "./ir.js";
export { formatSource } from "./format.js";
export { calibrateProduct, calibrateAtEpochs, type CalibrateRequest, type DeviceCalibration } from "./calibrate.js";
export type { DeviceRequest } from "./devices.js";
