/**
 * The semantic model: what sema hands to lowering and to the language server. Networks are
 * elaborated: every call of a user layer is inlined as a fresh instance with its own
 * parameters and device variables, so a network is a flat DAG of typed nodes. Nothing here
 * refers back to chevrotain; spans point into the source files.
 */
import type { Span } from "../../diagnostics/span.js";
import type { LayerDef } from "../../stdlib/element.js";
import type { ConstValue, Distribution, TensorType } from "../../stdlib/types.js";
import type { Dim } from "../units.js";
import type { RuleDef } from "../rules/rule.js";
import type { OptimizerName } from "../../stdlib/training.js";
import type { DeviceAddress, DeviceOptions } from "../../runtime/device/types.js";

export type SemNode =
  | { readonly op: "input"; readonly name: string; readonly type: TensorType; readonly span: Span }
  | { readonly op: "param"; readonly param: number; readonly type: TensorType; readonly span: Span }
  | { readonly op: "device"; readonly device: number; readonly type: TensorType; readonly span: Span }
  | { readonly op: "const"; readonly value: number; readonly type: TensorType; readonly span: Span }
  | {
      readonly op: "layer";
      /** The element's one definition: signature, schema, lowering, extension points. */
      readonly sig: LayerDef;
      /** `optics.mzi_mesh`, `dense`. */
      readonly qualified: string;
      readonly operand: number;
      readonly tensorArgs: Readonly<Record<string, number>>;
      readonly consts: Readonly<Record<string, ConstValue | null>>;
      /** Parameters the instance owns, by the signature's name (`weight`, `phases`). */
      readonly owned: Readonly<Record<string, number>>;
      /** Device variables the instance owns (stdlib `deviceVars`), by name; lowered like tensor arguments. */
      readonly devices?: Readonly<Record<string, number>>;
      readonly instance: string;
      readonly type: TensorType;
      readonly span: Span;
    }
  | { readonly op: "binary"; readonly fn: "+" | "-" | "*" | "/"; readonly a: number; readonly b: number; readonly type: TensorType; readonly span: Span }
  | { readonly op: "neg"; readonly a: number; readonly type: TensorType; readonly span: Span };

export interface ParamInfo {
  /** Stable, human-readable path used in checkpoints: `h1.PhotonicLayer.phases`, `y.dense.weight`. */
  readonly path: string;
  readonly type: TensorType;
  readonly init: Distribution;
  readonly range?: { readonly lo: number; readonly hi: number };
  readonly span: Span;
}

export interface DeviceVarInfo {
  readonly path: string;
  readonly type: TensorType;
  readonly dist: Distribution;
  readonly perShot: boolean;
  /** Inside an external device, the twin's estimate starts at a draw instead of the mean (a learned twin's weights). */
  readonly twinStart?: "mean" | "draw";
  readonly span: Span;
}

/**
 * An instance of an `external` layer: its device forward is served by another program (a lab
 * instrument, a driver, the user's own simulator) over the device protocol; its `forward`,
 * lowered as usual, is the twin. Its device variables are what the twin does not know: against
 * the device they are estimates (their mean until calibration fits them), not chip samples.
 */
export interface ExternalBlock {
  /** How the device is named (messages, `--device NAME=…`): the layer's name, or the instance path when the layer is used twice. */
  readonly name: string;
  /** The instance path (`out.OpticalChip`): its parameters and device variables live under it. */
  readonly instance: string;
  /** The node whose device value is sent to the device (the layer's operand). */
  readonly operand: number;
  /** The node whose device value the device returns (the forward's result). */
  readonly output: number;
  /** The nodes the instance created, [first, end): lowered on the twin only. */
  readonly first: number;
  readonly end: number;
  /** Parameters sent with every query (indices into `params`), by their protocol name (the path below the instance). */
  readonly params: readonly { readonly param: number; readonly name: string }[];
  /** Device variables of the instance (indices into `deviceVars`): the twin's estimates. */
  readonly deviceVars: readonly number[];
  readonly inputType: TensorType;
  readonly outputType: TensorType;
  readonly address: DeviceAddress;
  readonly options: DeviceOptions;
  /** The `external …` declaration. */
  readonly span: Span;
}

export interface CouplingInfo {
  readonly from: string;
  readonly to: string;
  readonly symmetric: boolean;
  /** `circuits.resistor`; absent for a bare `couple a -> b`. */
  readonly via?: string;
  readonly consts: Readonly<Record<string, ConstValue | null>>;
  readonly span: Span;
}

export interface NetworkModel {
  readonly name: string;
  readonly span: Span;
  readonly kind: "feedforward" | "energy_based";
  readonly inputs: readonly { name: string; type: TensorType; span: Span }[];
  readonly nodes: readonly SemNode[];
  readonly params: readonly ParamInfo[];
  readonly deviceVars: readonly DeviceVarInfo[];
  /** Feed-forward: the node of the `output` binding. */
  readonly output?: number;
  /** Named bindings → node id (for inspection, hover, and `pnn ir`). */
  readonly bindings: ReadonlyMap<string, number>;
  /** Energy-based networks: node groups and couplings. */
  readonly stateNodes: readonly { name: string; type: TensorType; isOutput: boolean; span: Span }[];
  readonly couplings: readonly CouplingInfo[];
  /** External layers served by their devices, in node order. */
  readonly externals: readonly ExternalBlock[];
  /**
   * External layers run on their own device model (`--simulate`): sampled per chip on the device
   * side, estimated on the twin side, and physics-aware training sees only their output — as it
   * would the device's.
   */
  readonly simulated: readonly ExternalBlock[];
}

/**
 * A train block resolved into the run's configuration, fully defaulted by the checker: every
 * value here is final (lowering and the runtime never re-default), and the rule's legality has
 * been checked against the network.
 */
export interface TrainModel {
  readonly network: string;
  readonly span: Span;
  /** The data set and its defaulted arguments. */
  readonly data: { readonly name: string; readonly args: Readonly<Record<string, number | string>>; readonly span: Span };
  /** The rule's one definition (compiler/rules/) and its defaulted options. */
  readonly rule: { readonly def: RuleDef; readonly options: Readonly<Record<string, number | boolean | string>>; readonly span: Span };
  readonly loss: "cross_entropy" | "mse";
  readonly optimizer: { readonly name: OptimizerName; readonly args: Readonly<Record<string, number>> };
  readonly epochs: number;
  readonly batch: number;
  readonly seed: number;
  readonly chips: number;
  /** Fixed shards of every batch (data-parallel training, docs/scaling.md); divides batch. */
  readonly shards: number;
}

/** A name's definition and its uses, for go-to-definition, references and rename. */
export interface SymbolInfo {
  readonly name: string;
  readonly kind: "import" | "const" | "layer" | "network" | "param" | "device" | "let" | "binding" | "input" | "nodes" | "layer-param" | "forward-input";
  readonly def: Span;
  readonly refs: Span[];
  /** Hover text: the inferred type/shape, unit or signature. */
  detail: string;
}

export interface SemanticModel {
  readonly file: string;
  readonly networks: ReadonlyMap<string, NetworkModel>;
  readonly trains: readonly TrainModel[];
  readonly consts: ReadonlyMap<string, ConstValue>;
  readonly symbols: readonly SymbolInfo[];
  /** Hover facts about expressions: the span and what it is (`real[64]`, `an angle (rad)`). */
  readonly facts: readonly Fact[];
}

/**
 * What the checker inferred at a span. `binding` facts sit on a binding's or let's name, `stage`
 * facts on one stage of a pipeline (`|> L(n: 4)`), `call` facts on a call: with the value's type
 * and unit (editors show them as inlay hints). A layer used twice gives one fact per use.
 */
export interface Fact {
  readonly span: Span;
  readonly text: string;
  readonly kind?: "binding" | "stage" | "call";
  readonly type?: TensorType;
  readonly dim?: Dim;
}

export type { Dim };
