/**
 * A physical (or digital) element of the standard library is ONE definition: its signature
 * (arguments as a typed, defaulted schema with device-only flags; capabilities; output-type
 * rule), the parameters and device variables an instance owns, its lowering to IR, and the
 * extension points learning rules may use instead of re-implementing the element:
 *   - `linear`: the element is a trainable linear map y = x·Wᵀ (+ b) and lowers it through
 *     `ctx.hooks.linear` (feedback alignment substitutes its backward pass, DFA and local learning
 *     cut the gradient at its operand, readout_only fits it in closed form);
 *   - `phaseShifters`: the element is a mesh of phase shifters that an in-situ measurement can
 *     probe, through `ctx.hooks.mesh` (the in-situ adjoint rule).
 * The checker sees a plain `LayerSig` (stdlib/types.ts); lowering calls `lower` with the checked
 * values, never re-defaulting them. Adding an element is one `defineLayer` in its family's file
 * (docs/architecture.md has the recipe).
 */
import type { Node } from "../compiler/ir/graph.js";
import type { LowerCtx } from "../compiler/lower/context.js";
import type { Schema, SpecRecord, Values } from "./schema.js";
import type { Capability, CheckedArgs, ElementType, InferResult, LayerSig, OwnedDeviceVar, OwnedParam, TensorType } from "./types.js";

/** What an element's lowering receives besides its operand. */
export interface ElementArgs<S extends SpecRecord> {
  /** Checked constant arguments, defaulted by the checker. */
  readonly values: Values<S>;
  /** Tensor arguments as IR nodes, and the instance's own device variables (twin: their mean; device: a sample). */
  readonly tensors: Readonly<Record<string, Node>>;
  /** Parameters the instance owns, by name. */
  readonly owned: Readonly<Record<string, Node>>;
}

/** Extension points an element offers to learning rules (see the file comment). */
export interface Extensions {
  /** A trainable linear map: the names of its weight and (optional) bias parameters. */
  readonly linear?: { readonly weight: string; readonly bias?: string };
  /** A mesh of phase shifters; `phases` names the tensor argument (or owned parameter) that sets them. */
  readonly phaseShifters?: { readonly phases: string };
}

export interface LayerDef<S extends SpecRecord = SpecRecord> extends LayerSig {
  readonly schema: Schema<S>;
  readonly extensions: Extensions;
  lower(ctx: LowerCtx, x: Node, a: ElementArgs<S>): Node;
}

export interface LayerDefinition<S extends SpecRecord> {
  readonly module: string;
  readonly name: string;
  readonly doc: string;
  readonly input: ElementType | "any";
  readonly args: Schema<S>;
  readonly capabilities: readonly Capability[];
  readonly transducer?: boolean;
  readonly learned?: boolean;
  readonly extensions?: Extensions;
  infer(input: TensorType, a: Values<S>, tensors: Readonly<Record<string, TensorType>>): InferResult;
  params?(input: TensorType, a: Values<S>, tensors: Readonly<Record<string, TensorType>>): OwnedParam[];
  deviceVars?(input: TensorType, a: Values<S>, tensors: Readonly<Record<string, TensorType>>): OwnedDeviceVar[];
  lower(ctx: LowerCtx, x: Node, a: ElementArgs<S>): Node;
}

export function defineLayer<S extends SpecRecord>(d: LayerDefinition<S>): LayerDef<S> {
  const read = (c: CheckedArgs) => d.args.read(c.consts);
  const params = d.params;
  const deviceVars = d.deviceVars;
  return {
    kind: "layer",
    module: d.module,
    name: d.name,
    doc: d.doc,
    input: d.input,
    args: d.args.list,
    capabilities: d.capabilities,
    ...(d.transducer ? { transducer: true } : {}),
    ...(d.learned ? { learned: true } : {}),
    schema: d.args,
    extensions: d.extensions ?? {},
    infer: (input, c) => d.infer(input, read(c), c.tensors),
    ...(params ? { params: (input: TensorType, c: CheckedArgs) => params(input, read(c), c.tensors) } : {}),
    ...(deviceVars ? { deviceVars: (input: TensorType, c: CheckedArgs) => deviceVars(input, read(c), c.tensors) } : {}),
    lower: d.lower,
  };
}

/** The qualified name of an element as the registries key it: `dense`, `optics.mzi_mesh`. */
export function elementKey(sig: Pick<LayerSig, "module" | "name">): string {
  return sig.module === "core" ? sig.name : `${sig.module}.${sig.name}`;
}
