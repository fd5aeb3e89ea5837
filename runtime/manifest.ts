/**
 * The typed contract between a compiled program and the runtime that feeds it: what every input
 * and output of an Executable *is* (the batch's x, a parameter, a chip's device variable, an
 * optimizer scalar, a probe of mesh m that belongs to parameter p; the loss, a gradient, a field
 * tap…). The compiler writes a manifest beside each program (compiler/lower/names.ts is the only
 * code that knows how tensors are named); the runtime reads roles from it and never parses a
 * tensor name.
 */
export type StateSlot = "m" | "v";

export type InputRole =
  | { readonly kind: "x" }
  | { readonly kind: "labels" }
  | { readonly kind: "weights" }
  | { readonly kind: "key" }
  | { readonly kind: "param"; readonly param: string }
  /** A device variable sampled once per simulated chip. */
  | { readonly kind: "chip"; readonly variable: string }
  /** A scalar the host computes for each optimizer step (learning rate, bias corrections). */
  | { readonly kind: "optimizer-scalar"; readonly scalar: string }
  | { readonly kind: "optimizer-state"; readonly param: string; readonly slot: StateSlot }
  /** A zero-valued probe added to the field after mesh `mesh`'s phase shifters (in-situ measurement). */
  | { readonly kind: "probe"; readonly mesh: number; readonly param: string }
  /** What external device `device` (index into the model's externals) returned for the batch: its output rows. */
  | { readonly kind: "external"; readonly device: number }
  /** The twin's estimate of a device variable of an external device (its mean until calibration fits it). */
  | { readonly kind: "twin-var"; readonly variable: string }
  /** Calibration: what the device measured for the batch's rows (the twin's prediction is fitted to it). */
  | { readonly kind: "target" }
  /** Data-parallel training: shard `shard`'s gradient of (a segment of) parameter `param`, summed in shard order by the update program. */
  | { readonly kind: "shard-grad"; readonly shard: number; readonly param: string }
  /** A value computed once per evaluation by the program's preparation (compiler/ir/split-invariant.ts). */
  | { readonly kind: "hoisted"; readonly index: number };

export type OutputRole =
  | { readonly kind: "loss" }
  | { readonly kind: "logits" }
  /** The objective a rule differentiates instead of the loss (DFA, local learning). */
  | { readonly kind: "surrogate" }
  /** Local learning: Σ_l (G⁺ − G⁻) per sample. */
  | { readonly kind: "pair" }
  /** readout_only: the readout's operand as measured. */
  | { readonly kind: "features" }
  /** The intensities of the network's last photodetection (edge artifacts). */
  | { readonly kind: "detectors" }
  /** An energy program's worst distance from equilibrium (a resistor network's Kirchhoff residual, volts). */
  | { readonly kind: "residual" }
  | { readonly kind: "grad"; readonly param: string }
  | { readonly kind: "new-param"; readonly param: string }
  | { readonly kind: "new-state"; readonly param: string; readonly slot: StateSlot }
  /** The field after every phase shifter of mesh `mesh` (driven by parameter `param`). */
  | { readonly kind: "field"; readonly mesh: number; readonly param: string }
  /** ∂L/∂(probe of mesh `mesh`): the adjoint field at every shifter. */
  | { readonly kind: "probe-grad"; readonly mesh: number; readonly param: string }
  /** Coupled learning: Σ w((ΔV^C)² − (ΔV^F)²) per conductance of `param`. */
  | { readonly kind: "delta"; readonly param: string }
  /** readout_only: the readout's weight and bias parameters, passed through (which ones to fit). */
  | { readonly kind: "readout-weight"; readonly param: string }
  | { readonly kind: "readout-bias"; readonly param: string }
  /** The rows to send to external device `device`: the device-side value of its layer's operand. */
  | { readonly kind: "external-operand"; readonly device: number }
  /** Calibration: ∂loss/∂(the twin's estimate of `variable`). */
  | { readonly kind: "twin-grad"; readonly variable: string }
  /** A preparation's value for the per-batch program (compiler/ir/split-invariant.ts). */
  | { readonly kind: "hoisted"; readonly index: number };

/** Inputs an evaluation keeps fixed while it walks a data set (its batches change only the others). */
export const FIXED_DURING_EVALUATION: ReadonlySet<InputRole["kind"]> = new Set(["param", "chip", "twin-var"]);

export interface ProgramManifest {
  readonly inputs: readonly { readonly name: string; readonly role: InputRole }[];
  readonly outputs: readonly { readonly name: string; readonly role: OutputRole }[];
}

type KindOf<R> = R extends { kind: infer K } ? K : never;

/** The names of the inputs of one kind (with their roles). */
export function inputsOf<K extends KindOf<InputRole>>(m: ProgramManifest, kind: K): { name: string; role: Extract<InputRole, { kind: K }> }[] {
  return m.inputs.filter((i) => i.role.kind === kind) as { name: string; role: Extract<InputRole, { kind: K }> }[];
}

export function outputsOf<K extends KindOf<OutputRole>>(m: ProgramManifest, kind: K): { name: string; role: Extract<OutputRole, { kind: K }> }[] {
  return m.outputs.filter((o) => o.role.kind === kind) as { name: string; role: Extract<OutputRole, { kind: K }> }[];
}

/** The one input of a kind (x, labels, weights, key); undefined when the program has none. */
export function inputNamed(m: ProgramManifest, kind: "x" | "labels" | "weights" | "key" | "target"): string | undefined {
  return m.inputs.find((i) => i.role.kind === kind)?.name;
}

/** The one output of a kind; throws when the program lacks it (a compiler bug, never a user error). */
export function outputNamed(m: ProgramManifest, kind: "loss" | "logits" | "surrogate" | "pair" | "features" | "detectors"): string {
  const o = m.outputs.find((x) => x.role.kind === kind);
  if (!o) throw new Error(`the program has no ${kind} output (manifest: ${m.outputs.map((x) => x.name).join(", ")})`);
  return o.name;
}

export function hasOutput(m: ProgramManifest, kind: KindOf<OutputRole>): boolean {
  return m.outputs.some((o) => o.role.kind === kind);
}

/**
 * The state a fused train step carries from one step to the next: each `new-param` output with
 * the `param` input it replaces, each `new-state` output with its `optimizer-state` input. A
 * backend that keeps state resident (runtime/backend.ts) copies each output onto its input.
 */
export function stateCarries(m: ProgramManifest): { readonly output: string; readonly input: string }[] {
  return m.outputs.flatMap((o) => {
    const r = o.role;
    const i = r.kind === "new-param" ? m.inputs.find((x) => x.role.kind === "param" && x.role.param === r.param)
      : r.kind === "new-state" ? m.inputs.find((x) => x.role.kind === "optimizer-state" && x.role.param === r.param && x.role.slot === r.slot)
      : undefined;
    return i ? [{ output: o.name, input: i.name }] : [];
  });
}
