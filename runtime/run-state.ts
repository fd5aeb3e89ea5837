/**
 * The whole state of a training run, and its checkpoint file (safetensors, runtime/checkpoint.ts):
 * parameters, optimizer state (moments and step), the epochs done and the planned total, every
 * counter of the run's accounting (device forwards, relaxations, measurements, digital FLOPs,
 * samples and seconds trained), the last epoch's record, the twin's estimates of external
 * devices' variables and the rows each device was sent, and the run's identity — network,
 * rule, a hash of the source and a hash of the resolved configuration. Written atomically after
 * each epoch; a resumed run restores all of it, so it reproduces the uninterrupted run's
 * parameters bit for bit and its summary counters exactly. `pnn eval`, `infer` and `build` read
 * only the parameters (readParams), from this format or the older pnn-checkpoint/1.
 * The checkpoint also records what the data looked like (DataDescription: class names, feature
 * names, the normalisation of raw features), so `pnn infer` can name classes and normalise raw
 * inputs exactly as training did, without reloading the data.
 * Every metadata field is validated on load; a hand-edited or truncated file is PNN6003.
 */
import { diag, UserError } from "../diagnostics/catalog.js";
import { fileSpan, type Span } from "../diagnostics/span.js";
import { loadCheckpoint, saveCheckpoint, type CheckpointTensor } from "./checkpoint.js";
import type { ModelSpec } from "./model.js";
import { newOptimizerState, type OptimizerState } from "./optim.js";
import type { StepCost } from "./rules/types.js";

export const CHECKPOINT_FILE = "checkpoint.safetensors";
/** Tensor names of the twin's estimates of external devices' variables, in checkpoints and calibration files. */
export const TWIN_PREFIX = "twin:";
const FORMAT = "pnn-checkpoint/2";

export type Params = Map<string, Float64Array>;
export type Counters = Required<StepCost>;

export const zeroCounters = (): Counters => ({ deviceForwards: 0, relaxations: 0, measurements: 0, digitalFlops: 0 });

/** Who a run is: a resume must match all of it. */
export interface RunIdentity {
  readonly network: string;
  readonly rule: string;
  readonly sourceHash: string;
  /** Hash of the resolved configuration except `epochs` (which a resume may extend). */
  readonly configHash: string;
  readonly seed: number;
}

export interface RunState {
  params: Params;
  optimizer: OptimizerState;
  /** Epochs completed. */
  epoch: number;
  /** Epochs the run was asked for when this state was saved. */
  epochs: number;
  counters: Counters;
  /** Training samples processed and seconds spent in training steps (for samples/s). */
  samples: number;
  trainSeconds: number;
  /** The last epoch's record (for the summary of a run resumed at its end). */
  last?: Record<string, number>;
  /** The twin's estimates of external devices' variables (calibration refits them); empty without external devices. */
  twin: Params;
  /** Rows sent to each external device over the run, by name (its query budget spans --resume). */
  deviceRows: Record<string, number>;
}

/** What inference needs to know about the training data (recorded in the checkpoint). */
export interface DataDescription {
  readonly name: string;
  readonly classNames: readonly string[];
  readonly featureNames?: readonly string[];
  /** x = (log?(raw) − mean) / std, per feature */
  readonly normalization?: { readonly log: boolean; readonly mean: readonly number[]; readonly std: readonly number[] };
}

export function describeData(d: { name: string; classNames: readonly string[]; featureNames?: readonly string[]; normalization?: DataDescription["normalization"] }): DataDescription {
  return { name: d.name, classNames: d.classNames, ...(d.featureNames ? { featureNames: d.featureNames } : {}), ...(d.normalization ? { normalization: d.normalization } : {}) };
}

export function saveRunState(file: string, spec: ModelSpec, s: RunState, id: RunIdentity, data?: DataDescription): void {
  const tensors = new Map<string, CheckpointTensor>();
  for (const p of spec.params) {
    tensors.set(p.path, { dtype: "F64", shape: [...p.shape], data: s.params.get(p.path)! });
    tensors.set(`optimizer.m:${p.path}`, { dtype: "F64", shape: [...p.shape], data: s.optimizer.m.get(p.path)! });
    tensors.set(`optimizer.v:${p.path}`, { dtype: "F64", shape: [...p.shape], data: s.optimizer.v.get(p.path)! });
  }
  for (const v of spec.twinVars) tensors.set(TWIN_PREFIX + v.path, { dtype: "F64", shape: [...v.shape], data: s.twin.get(v.path)! });
  saveCheckpoint(file, tensors, {
    format: FORMAT,
    network: id.network,
    rule: id.rule,
    source_hash: id.sourceHash,
    config_hash: id.configHash,
    seed: String(id.seed),
    epoch: String(s.epoch),
    epochs: String(s.epochs),
    optimizer_step: String(s.optimizer.step),
    device_forwards: String(s.counters.deviceForwards),
    device_relaxations: String(s.counters.relaxations),
    device_measurements: String(s.counters.measurements),
    digital_flops: String(s.counters.digitalFlops),
    samples: String(s.samples),
    train_seconds: String(s.trainSeconds),
    last_epoch: JSON.stringify(s.last ?? null),
    ...(data ? { data: JSON.stringify(data) } : {}),
    device_rows: JSON.stringify(s.deviceRows),
  });
}

const isStrings = (v: unknown, n?: number): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string") && (n === undefined || v.length === n);
const isNumbers = (v: unknown, n: number, positive = false): v is number[] => Array.isArray(v) && v.length === n && v.every((x) => typeof x === "number" && Number.isFinite(x) && (!positive || x > 0));

/**
 * The checkpoint's description of its training data, validated against the network (classes =
 * outputs, features = inputs, a finite normalisation with positive std); undefined when the
 * checkpoint has none (written before it was recorded). Anything malformed is PNN6003.
 */
export function readDataDescription(meta: Record<string, string>, spec: ModelSpec, file: string, span?: Span): DataDescription | undefined {
  if (meta.data === undefined) return undefined;
  let d: unknown;
  try {
    d = JSON.parse(meta.data);
  } catch (e) {
    corrupt(file, span, `metadata 'data' is not JSON (${(e as Error).message})`);
  }
  const o = d as Record<string, unknown>;
  const bad = (what: string): never => corrupt(file, span, `metadata 'data' ${what}`);
  if (typeof o !== "object" || o === null || Array.isArray(o)) bad("is not a JSON object");
  if (typeof o.name !== "string") bad("has no data set name");
  if (!isStrings(o.classNames, spec.classes)) bad(`does not list ${spec.classes} class names (the network's outputs)`);
  if (o.featureNames !== undefined && !isStrings(o.featureNames, spec.features)) bad(`does not list ${spec.features} feature names (the network's inputs)`);
  const n = o.normalization as Record<string, unknown> | undefined;
  if (n !== undefined && (typeof n !== "object" || n === null || typeof n.log !== "boolean" || !isNumbers(n.mean, spec.features) || !isNumbers(n.std, spec.features, true)))
    bad(`has a normalisation that is not {log, mean, std} with ${spec.features} finite values each (std > 0)`);
  return o as unknown as DataDescription;
}

function corrupt(file: string, span: Span | undefined, message: string): never {
  throw new UserError(diag("PNN6003", span ?? fileSpan(file), `checkpoint ${file}: ${message}`));
}

/** A non-negative integer (or finite number, `real`) metadata field; anything else is PNN6003. */
function count(meta: Record<string, string>, key: string, file: string, span: Span | undefined, real = false): number {
  const text = meta[key];
  if (text === undefined) corrupt(file, span, `metadata has no '${key}'`);
  const v = Number(text);
  if (text.trim() === "" || !Number.isFinite(v) || v < 0 || (!real && !Number.isSafeInteger(v))) corrupt(file, span, `metadata '${key}' is ${JSON.stringify(text)}, not a ${real ? "non-negative number" : "non-negative whole number"}`);
  return v;
}

/** Parameters only (eval, infer, build): checks they fit the model (PNN6004) and are finite (PNN6003). */
export function readParams(file: string, spec: ModelSpec, span?: Span): { params: Params; metadata: Record<string, string> } {
  const ck = loadCheckpoint(file, span);
  const where = span ?? fileSpan(file);
  const params: Params = new Map();
  for (const p of spec.params) {
    const t = ck.tensors.get(p.path);
    if (!t) throw new UserError(diag("PNN6004", where, `${file} has no tensor '${p.path}' (network ${spec.network}${ck.metadata.network ? `; the checkpoint is for ${ck.metadata.network}` : ""})`));
    if (t.shape.join(",") !== p.shape.join(",")) throw new UserError(diag("PNN6004", where, `${file}: '${p.path}' has shape [${t.shape}] but the network needs [${p.shape}]`));
    const v = Float64Array.from(t.data as ArrayLike<number>);
    if (v.some((x) => !Number.isFinite(x))) throw new UserError(diag("PNN6003", where, `${file}: '${p.path}' holds non-finite values`));
    params.set(p.path, v);
  }
  return { params, metadata: ck.metadata };
}

/**
 * The twin's estimates of external devices' variables from a checkpoint or calibration file
 * (`twin:<path>` tensors), checked against the model (PNN6004) and finite (PNN6003); undefined
 * when the file holds none (a network without external devices, or an older checkpoint).
 */
export function readTwin(file: string, spec: ModelSpec, span?: Span): Params | undefined {
  if (spec.twinVars.length === 0) return undefined;
  const ck = loadCheckpoint(file, span);
  const where = span ?? fileSpan(file);
  if (!spec.twinVars.some((v) => ck.tensors.has(TWIN_PREFIX + v.path))) return undefined;
  const out: Params = new Map();
  for (const v of spec.twinVars) {
    const t = ck.tensors.get(TWIN_PREFIX + v.path);
    if (!t) throw new UserError(diag("PNN6004", where, `${file} has no twin estimate '${TWIN_PREFIX}${v.path}' (the network's external devices changed?)`));
    if (t.shape.join(",") !== v.shape.join(",")) throw new UserError(diag("PNN6004", where, `${file}: '${TWIN_PREFIX}${v.path}' has shape [${t.shape}] but the network needs [${v.shape}]`));
    const x = Float64Array.from(t.data as ArrayLike<number>);
    if (x.some((a) => !Number.isFinite(a))) throw new UserError(diag("PNN6003", where, `${file}: '${TWIN_PREFIX}${v.path}' holds non-finite values`));
    out.set(v.path, x);
  }
  return out;
}

/** The full run state of a checkpoint written by saveRunState, validated, and its identity. */
export function loadRunState(file: string, spec: ModelSpec, span?: Span): { state: RunState; identity: RunIdentity } {
  const { params, metadata: meta } = readParams(file, spec, span);
  if (meta.format !== FORMAT) corrupt(file, span, `is ${meta.format ? `format ${meta.format}` : "not a pnn training checkpoint"}; --resume needs one written by this version of pnn train (${FORMAT})`);
  const ck = loadCheckpoint(file, span);
  const optimizer = newOptimizerState(params);
  optimizer.step = count(meta, "optimizer_step", file, span);
  for (const p of spec.params)
    for (const slot of ["m", "v"] as const) {
      const t = ck.tensors.get(`optimizer.${slot}:${p.path}`);
      if (!t || t.shape.join(",") !== p.shape.join(",")) corrupt(file, span, `has no optimizer state '${slot}' for '${p.path}'`);
      const v = Float64Array.from(t.data as ArrayLike<number>);
      if (v.some((x) => !Number.isFinite(x))) corrupt(file, span, `optimizer state '${slot}' of '${p.path}' holds non-finite values`);
      (slot === "m" ? optimizer.m : optimizer.v).set(p.path, v);
    }
  let last: Record<string, number> | undefined;
  try {
    const parsed = JSON.parse(meta.last_epoch ?? "null") as unknown;
    if (parsed !== null && (typeof parsed !== "object" || Array.isArray(parsed))) throw new Error("not an object");
    last = (parsed ?? undefined) as Record<string, number> | undefined;
  } catch (e) {
    corrupt(file, span, `metadata 'last_epoch' is not a JSON record (${(e as Error).message})`);
  }
  let deviceRows: Record<string, number> = {};
  try {
    const parsed = JSON.parse(meta.device_rows ?? "{}") as unknown;
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== "number" || !Number.isSafeInteger(v) || v < 0)) throw new Error("not a record of row counts");
    deviceRows = parsed as Record<string, number>;
  } catch (e) {
    corrupt(file, span, `metadata 'device_rows' is not a JSON record of row counts (${(e as Error).message})`);
  }
  const epoch = count(meta, "epoch", file, span);
  const epochs = count(meta, "epochs", file, span);
  if (epoch > epochs) corrupt(file, span, `metadata says epoch ${epoch} of ${epochs}`);
  for (const key of ["network", "rule", "source_hash", "config_hash"]) if (!meta[key]) corrupt(file, span, `metadata has no '${key}'`);
  return {
    state: {
      params,
      optimizer,
      epoch,
      epochs,
      counters: {
        deviceForwards: count(meta, "device_forwards", file, span),
        relaxations: count(meta, "device_relaxations", file, span),
        measurements: count(meta, "device_measurements", file, span),
        digitalFlops: count(meta, "digital_flops", file, span),
      },
      samples: count(meta, "samples", file, span),
      trainSeconds: count(meta, "train_seconds", file, span, true),
      ...(last ? { last } : {}),
      twin: readTwin(file, spec, span) ?? new Map(),
      deviceRows,
    },
    identity: { network: meta.network!, rule: meta.rule!, sourceHash: meta.source_hash!, configHash: meta.config_hash!, seed: count(meta, "seed", file, span) },
  };
}
