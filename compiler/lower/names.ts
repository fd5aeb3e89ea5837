/**
 * How the compiler names the inputs and outputs of the programs it builds, and the one place
 * that turns those names into typed roles (runtime/manifest.ts) for the runtime. Builders call
 * the constructors here; `manifestOf(graph)` classifies every input and output of a finished
 * program. A name this file does not know is a compiler bug (InternalError), so a new kind of
 * tensor must be registered here — and the runtime keeps reading roles, never names.
 */
import { InternalError } from "../../diagnostics/internal.js";
import type { InputRole, OutputRole, ProgramManifest, StateSlot } from "../../runtime/manifest.js";
import { GRAD_OUTPUT_PREFIX } from "../ir/autodiff.js";
import type { Graph } from "../ir/graph.js";

const CHIP = "chip:";
const OPT = "opt:";
const OPT_STATE: Readonly<Record<StateSlot, string>> = { m: "opt:m:", v: "opt:v:" };
const NEW = "new:";
const PROBE = "probe:";
const FIELD = "field:";
const DELTA = "delta:";
const READOUT_WEIGHT = "readout-weight:";
const READOUT_BIAS = "readout-bias:";
const EXTERNAL = "external:";
const EXTERNAL_OPERAND = "external-operand:";
const TWIN = "twin:";
const SHARD_GRAD = "shard-grad:";
const HOISTED = "hoisted:";

/** Fixed names of the batch and of single outputs. */
export const X = "x";
export const LABELS = "labels";
export const WEIGHTS = "weights";
export const KEY = "key";
export const LOSS = "loss";
export const LOGITS = "logits";
export const SURROGATE = "surrogate";
export const PAIR = "pair";
export const FEATURES = "features";
export const DETECTORS = "detectors";
export const TARGET = "target";
/** An energy program's worst distance from equilibrium (a resistor network's Kirchhoff residual, volts). */
export const RESIDUAL = "residual";

export const names = {
  chip: (variable: string) => CHIP + variable,
  grad: (wrt: string) => GRAD_OUTPUT_PREFIX + wrt,
  optimizerScalar: (scalar: string) => OPT + scalar,
  optimizerState: (slot: StateSlot, param: string) => OPT_STATE[slot] + param,
  newParam: (param: string) => NEW + param,
  newState: (slot: StateSlot, param: string) => NEW + OPT_STATE[slot] + param,
  probe: (mesh: number, param: string) => `${PROBE}${mesh}:${param}`,
  field: (mesh: number, param: string) => `${FIELD}${mesh}:${param}`,
  delta: (param: string) => DELTA + param,
  readoutWeight: (param: string) => READOUT_WEIGHT + param,
  readoutBias: (param: string) => READOUT_BIAS + param,
  /** External device k's output rows (an input) and the rows sent to it (an output). */
  external: (device: number) => EXTERNAL + device,
  externalOperand: (device: number) => EXTERNAL_OPERAND + device,
  twinVar: (variable: string) => TWIN + variable,
  /** Shard k's gradient of a segment of a parameter (the resident data-parallel update, compiler/driver/parallel/update-program.ts). */
  shardGrad: (shard: number, param: string) => `${SHARD_GRAD}${shard}:${param}`,
  /** The k-th value a preparation computes once per evaluation (an output of it, an input of the per-batch program). */
  hoisted: (k: number) => HOISTED + k,
};

function indexedName(rest: string, name: string): number {
  const k = Number(rest);
  if (!/^\d+$/.test(rest) || !Number.isSafeInteger(k)) throw new InternalError(`malformed indexed tensor name '${name}'`);
  return k;
}

/** `m:<param>` after a probe/field prefix. */
function meshAndParam(rest: string, name: string): { mesh: number; param: string } {
  const colon = rest.indexOf(":");
  const mesh = Number(rest.slice(0, colon));
  if (colon < 0 || !Number.isInteger(mesh)) throw new InternalError(`malformed mesh tensor name '${name}'`);
  return { mesh, param: rest.slice(colon + 1) };
}

function stateOf(name: string): { slot: StateSlot; param: string } | undefined {
  for (const slot of ["m", "v"] as const) if (name.startsWith(OPT_STATE[slot])) return { slot, param: name.slice(OPT_STATE[slot].length) };
  return undefined;
}

function inputRole(name: string, isParam: boolean): InputRole {
  if (isParam) return { kind: "param", param: name };
  if (name === X) return { kind: "x" };
  if (name === LABELS) return { kind: "labels" };
  if (name === WEIGHTS) return { kind: "weights" };
  if (name === KEY) return { kind: "key" };
  if (name === TARGET) return { kind: "target" };
  if (name.startsWith(CHIP)) return { kind: "chip", variable: name.slice(CHIP.length) };
  if (name.startsWith(PROBE)) return { kind: "probe", ...meshAndParam(name.slice(PROBE.length), name) };
  if (name.startsWith(EXTERNAL)) return { kind: "external", device: indexedName(name.slice(EXTERNAL.length), name) };
  if (name.startsWith(TWIN)) return { kind: "twin-var", variable: name.slice(TWIN.length) };
  if (name.startsWith(SHARD_GRAD)) {
    const { mesh: shard, param } = meshAndParam(name.slice(SHARD_GRAD.length), name);
    return { kind: "shard-grad", shard, param };
  }
  if (name.startsWith(HOISTED)) return { kind: "hoisted", index: indexedName(name.slice(HOISTED.length), name) };
  const state = stateOf(name);
  if (state) return { kind: "optimizer-state", ...state };
  if (name.startsWith(OPT)) return { kind: "optimizer-scalar", scalar: name.slice(OPT.length) };
  throw new InternalError(`program input '${name}' has no role (compiler/lower/names.ts)`);
}

function outputRole(name: string): OutputRole {
  switch (name) {
    case LOSS: return { kind: "loss" };
    case LOGITS: return { kind: "logits" };
    case SURROGATE: return { kind: "surrogate" };
    case PAIR: return { kind: "pair" };
    case FEATURES: return { kind: "features" };
    case DETECTORS: return { kind: "detectors" };
    case RESIDUAL: return { kind: "residual" };
  }
  if (name.startsWith(GRAD_OUTPUT_PREFIX + TWIN)) return { kind: "twin-grad", variable: name.slice(GRAD_OUTPUT_PREFIX.length + TWIN.length) };
  if (name.startsWith(GRAD_OUTPUT_PREFIX + PROBE)) return { kind: "probe-grad", ...meshAndParam(name.slice(GRAD_OUTPUT_PREFIX.length + PROBE.length), name) };
  if (name.startsWith(GRAD_OUTPUT_PREFIX)) return { kind: "grad", param: name.slice(GRAD_OUTPUT_PREFIX.length) };
  if (name.startsWith(NEW)) {
    const state = stateOf(name.slice(NEW.length));
    return state ? { kind: "new-state", ...state } : { kind: "new-param", param: name.slice(NEW.length) };
  }
  if (name.startsWith(FIELD)) return { kind: "field", ...meshAndParam(name.slice(FIELD.length), name) };
  if (name.startsWith(DELTA)) return { kind: "delta", param: name.slice(DELTA.length) };
  if (name.startsWith(READOUT_WEIGHT)) return { kind: "readout-weight", param: name.slice(READOUT_WEIGHT.length) };
  if (name.startsWith(READOUT_BIAS)) return { kind: "readout-bias", param: name.slice(READOUT_BIAS.length) };
  if (name.startsWith(EXTERNAL_OPERAND)) return { kind: "external-operand", device: indexedName(name.slice(EXTERNAL_OPERAND.length), name) };
  if (name.startsWith(HOISTED)) return { kind: "hoisted", index: indexedName(name.slice(HOISTED.length), name) };
  throw new InternalError(`program output '${name}' has no role (compiler/lower/names.ts)`);
}

/** The external device whose rows to send an output name carries, if it is one (builders that copy outputs between graphs keep these). */
export function externalOperandOf(name: string): number | undefined {
  return name.startsWith(EXTERNAL_OPERAND) ? indexedName(name.slice(EXTERNAL_OPERAND.length), name) : undefined;
}

/** The roles of every input, parameter and output of a finished program. */
export function manifestOf(g: Graph): ProgramManifest {
  return {
    inputs: [...g.inputs.map((i) => ({ name: i.name, role: inputRole(i.name, false) })), ...g.params.map((p) => ({ name: p.name, role: inputRole(p.name, true) }))],
    outputs: g.outputs.map((o) => ({ name: o.name, role: outputRole(o.name) })),
  };
}
