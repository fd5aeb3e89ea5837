/**
 * How the standard library describes itself to the checker: every layer's signature (operand
 * dtype, arguments with kinds, units and legal ranges), its output-type rule, the trainable
 * parameters an instance owns, and its capabilities. The checker is generic over these records;
 * an element's record and its lowering are one definition (stdlib/element.ts `defineLayer`).
 */
import type { Dim } from "../compiler/units.js";
import type { DiagnosticCode } from "../diagnostics/catalog.js";
import type { Span } from "../diagnostics/span.js";

export type Capability =
  | "differentiable" // the twin has a gradient
  | "linear" // output is linear in the input field
  | "reciprocal" // transmission T = Tᵀ reachable by reversing the light / signal path
  | "unitary" // lossless and power-conserving when ideal
  | "physical" // runs on the device (has a device model), as opposed to digital electronics
  | "measurable" // its output can be read out on the device
  | "energy_based"; // relaxes to the minimum of an energy (symmetric couplings)

export type ElementType = "real" | "complex";

export interface TensorType {
  readonly dtype: ElementType;
  readonly shape: readonly number[];
}

/**
 * A compile-time constant value as the checker evaluates it. Quantities are in SI (deg → rad);
 * `unitAt` is where the unit of a quantity was written (`3 mm` → the span of `mm`), carried
 * through arithmetic so that a unit mismatch can point at it.
 */
export type ConstValue =
  | { readonly kind: "num"; readonly value: number; readonly dim: Dim; readonly isInt: boolean; readonly per?: string; readonly unitAt?: Span }
  | { readonly kind: "str"; readonly value: string }
  | { readonly kind: "bool"; readonly value: boolean }
  | { readonly kind: "enum"; readonly value: string }
  | { readonly kind: "range"; readonly lo: number; readonly hi: number; readonly dim: Dim; readonly unitAt?: Span }
  | { readonly kind: "dist"; readonly dist: Distribution; readonly unitAt?: Span };

export type Distribution =
  | { readonly kind: "normal"; readonly mean: number; readonly std: number; readonly dim: Dim }
  | { readonly kind: "uniform"; readonly lo: number; readonly hi: number; readonly dim: Dim }
  | { readonly kind: "constant"; readonly value: number; readonly dim: Dim }
  | { readonly kind: "glorot" }; // uniform ±√(6/(fan_in+fan_out)): the default for weights

/** Another unit a quantity accepts, converted on checking: an angular frequency written in Hz is ×2π rad/s. */
export interface AlsoAccepted {
  readonly dim: Dim;
  /** Multiplies the value (SI in `dim`) into the argument's own unit. */
  readonly scale: number;
}

export type ArgType =
  | { readonly kind: "int"; readonly min?: number; readonly max?: number; readonly choices?: readonly number[] }
  | { readonly kind: "quantity"; readonly dim: Dim; readonly min?: number; readonly max?: number; readonly exclusiveMin?: boolean; readonly per?: string; readonly also?: readonly AlsoAccepted[] }
  | { readonly kind: "enum"; readonly options: readonly string[] }
  | { readonly kind: "bool" }
  | { readonly kind: "string" }
  /** A path (string) relative to the .pnn file's folder and inside it, read at check time; the text is the value. */
  | { readonly kind: "file" }
  /** A data file's path relative to the .pnn file's folder: confined to it (symbolic links resolved), a regular file of at most `maxBytes`; not read at check time, the path is the value. */
  | { readonly kind: "path"; readonly maxBytes: number }
  | { readonly kind: "range"; readonly dim: Dim; readonly min?: number }
  | { readonly kind: "tensor"; readonly dtype: ElementType | "any"; readonly dim?: Dim };

export interface ArgSig {
  readonly name: string;
  readonly type: ArgType;
  /** Absent: the argument is required. `null`: optional with no value (feature off). */
  readonly default?: ConstValue | null;
  readonly doc: string;
  /** Changes only the simulated device (DAC/ADC, noise, quantization), never the twin (stdlib/schema.ts). */
  readonly deviceOnly?: boolean;
}

/** Arguments after checking: constants by name, tensor operands by name. */
export interface CheckedArgs {
  readonly consts: Readonly<Record<string, ConstValue | null>>;
  readonly tensors: Readonly<Record<string, TensorType>>;
}

/** An error from `infer`: PNN2003 (shape mismatch) unless `code` names another catalog code. */
export type InferResult = TensorType | { readonly error: string; readonly arg?: string; readonly code?: DiagnosticCode };

export interface OwnedParam {
  readonly name: string;
  readonly type: TensorType;
  readonly init: Distribution;
  /** Physical range the optimizer clips to, if any. */
  readonly range?: { readonly lo: number; readonly hi: number };
}

/** A device variable an instance owns (e.g. a mesh's per-chip coupler errors); path `<instance>.<name>`. */
export interface OwnedDeviceVar {
  readonly name: string;
  readonly type: TensorType;
  readonly dist: Distribution;
  readonly perShot: boolean;
  /**
   * Where the twin's estimate starts inside an external device: the distribution's mean (the
   * default), or a draw from it (a learned twin's weights, which a mean of 0 would leave dead).
   */
  readonly twinStart?: "mean" | "draw";
}

export interface LayerSig {
  readonly kind: "layer";
  /** `core` layers are global (no import); others live in `std/<module>`. */
  readonly module: string;
  readonly name: string;
  /** One paragraph: what it computes, the equation, the source. Shown on hover. */
  readonly doc: string;
  readonly input: ElementType | "any";
  readonly args: readonly ArgSig[];
  readonly capabilities: readonly Capability[];
  /** Converts between the electronic and the physical domain (an encoder or a detector). */
  readonly transducer?: boolean;
  /**
   * A learned twin (its device variables are weights fitted by calibration): it stands for an
   * external device's physics and is meaningful only inside an `external` layer.
   */
  readonly learned?: boolean;
  infer(input: TensorType, args: CheckedArgs): InferResult;
  /** Trainable parameters an instance owns (e.g. dense's weight and bias). */
  params?(input: TensorType, args: CheckedArgs): OwnedParam[];
  /** Device variables an instance owns: the twin sees their mean, the device a sample. */
  deviceVars?(input: TensorType, args: CheckedArgs): OwnedDeviceVar[];
}

/** A coupling element used after `via` in `couple a <-> b via …` (resistor, synapse). */
export interface CouplingSig {
  readonly kind: "coupling";
  readonly module: string;
  readonly name: string;
  readonly doc: string;
  readonly args: readonly ArgSig[];
  readonly capabilities: readonly Capability[];
}

/** A distribution or initializer used after `~` or `init` (normal, uniform, constant). */
export interface DistributionSig {
  readonly kind: "distribution";
  readonly module: "core";
  readonly name: string;
  readonly doc: string;
}

/** A symbol of the standard library: an element definition (stdlib/element.ts) or a coupling. */
export type StdSymbol = import("./element.js").LayerDef | CouplingSig;

export function num(value: number, dim: Dim, per?: string): ConstValue {
  return { kind: "num", value, dim, isInt: Number.isInteger(value), ...(per ? { per } : {}) };
}
export function int(value: number): ConstValue {
  return { kind: "num", value, dim: [0, 0, 0, 0, 0, 0, 0], isInt: true };
}
export function enumValue(value: string): ConstValue {
  return { kind: "enum", value };
}
export function bool(value: boolean): ConstValue {
  return { kind: "bool", value };
}

export function elementCount(t: TensorType): number {
  return t.shape.reduce((a, b) => a * b, 1);
}
export function showType(t: TensorType): string {
  return `${t.dtype}[${t.shape.join(",")}]`;
}
