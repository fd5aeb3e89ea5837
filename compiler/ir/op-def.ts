/**
 * The shape of one op-table entry. Each family file (ops-*.ts) exports a list of OpDef; ops.ts
 * joins them into the one table. An entry says: name, operand count, attributes (with kinds and
 * defaults), how result dtype/shape follow from operands, and one line of meaning.
 */
import type { Attrs, AttrValue, TypeShape } from "./types.js";

/** What op inference sees of a region: its leaves' and outputs' types (graph.ts's Graph fits). */
export interface RegionGraph {
  readonly nodes: readonly (TypeShape & { readonly op: string })[];
  readonly inputs: readonly { readonly name: string; readonly id: number }[];
  readonly params: readonly { readonly name: string; readonly id: number }[];
  readonly outputs: readonly { readonly name: string; readonly id: number }[];
}

export type AttrKind = "int" | "float" | "bool" | "string" | "dtype" | "ints" | "floats";

export interface AttrSpec {
  readonly name: string;
  readonly kind: AttrKind;
  /** Filled in by the builder when absent. Absent default = required. */
  readonly default?: AttrValue;
}

/** How autodiff treats the op: "vjp" = has a rule in autodiff.ts; "none" = not differentiable
 * (integer results, random draws) or gradient is identically zero (comparisons, stop_gradient). */
export type GradKind = "vjp" | "none";

export interface Inferred extends TypeShape {
  /** Canonicalised attributes (negative axes resolved, defaults filled); else the input attrs. */
  readonly attrs?: Attrs;
}

export interface OpDef {
  readonly name: string;
  readonly family: "leaf" | "unary" | "binary" | "structural" | "reduce" | "linalg" | "nn" | "random" | "loop";
  /** Number of operands, or "variadic" (>= 1). */
  readonly arity: number | "variadic";
  readonly attrs: readonly AttrSpec[];
  readonly grad: GradKind;
  /** One line: the equation the interpreter implements. */
  readonly meaning: string;
  /**
   * THE cost table: floating-point operations of one run of the op on these operand types (one
   * real add or multiply = 1; see costs.ts for the conventions). Absent = free (leaves and data
   * movement). FLOP reports, an artifact's FLOPs per inference and the passes' cost models all
   * read this.
   */
  readonly flops?: (out: TypeShape, ins: readonly TypeShape[], attrs: Attrs) => number;
  /** True for an op that holds a region (a body graph): `scan`. */
  readonly region?: boolean;
  /** Throws OpError on misuse. `body` is the node's region (ops with `region` only). */
  infer(inputs: readonly TypeShape[], attrs: Attrs, body?: RegionGraph): Inferred;
}

export const a = {
  int: (name: string, def?: number): AttrSpec => ({ name, kind: "int", default: def }),
  float: (name: string, def?: number): AttrSpec => ({ name, kind: "float", default: def }),
  bool: (name: string, def?: boolean): AttrSpec => ({ name, kind: "bool", default: def }),
  string: (name: string): AttrSpec => ({ name, kind: "string" }),
  dtype: (name: string, def?: string): AttrSpec => ({ name, kind: "dtype", default: def }),
  ints: (name: string, def?: readonly number[]): AttrSpec => ({ name, kind: "ints", default: def }),
  floats: (name: string): AttrSpec => ({ name, kind: "floats" }),
};
