/**
 * The .pnn abstract syntax tree. Nodes are readonly, tagged by `kind`, and each has a `span`.
 * The AST holds what the user wrote and nothing inferred (no types, shapes or units: those live
 * in the semantic model). Pipelines stay pipelines (`a |> f(b)`) so the formatter can print them
 * back; sema reads them as `f(a, b)`. Parentheses are not kept: the printer re-derives them.
 */
import type { Span } from "../diagnostics/span.js";

export interface Ident { readonly kind: "Ident"; readonly name: string; readonly span: Span }

export interface Comment { readonly kind: "Comment"; readonly text: string; readonly block: boolean; readonly span: Span }

export interface Program {
  readonly kind: "Program";
  readonly items: readonly TopItem[];
  readonly comments: readonly Comment[];
  readonly span: Span;
  /**
   * Where the parser recovered from a syntax error: the broken statement and what followed it on
   * its lines. Its contents are ErrorExpr; the checker reports nothing inside (grammar/recovery.ts).
   */
  readonly recovered?: readonly Span[];
}

export type TopItem = ImportDecl | ConstDecl | LayerDecl | NetworkDecl | TrainDecl;

export interface ImportDecl { readonly kind: "Import"; readonly name: Ident; readonly from: StrLit; readonly span: Span }
export interface ConstDecl { readonly kind: "Const"; readonly name: Ident; readonly value: Expr; readonly span: Span }

export interface ParamDecl {
  readonly kind: "Param";
  readonly name: Ident;
  readonly type: TypeRef;
  readonly default?: Expr;
  readonly span: Span;
}

export interface LayerDecl {
  readonly kind: "Layer";
  readonly name: Ident;
  readonly params: readonly ParamDecl[];
  readonly members: readonly LayerMember[];
  readonly span: Span;
}

export type LayerMember = TrainableDecl | DeviceDecl | ExternalDecl | LetDecl | ForwardDecl;

/** `param phases: real[n] init uniform(0, 2*pi) range 0 rad .. 2 rad` */
export interface TrainableDecl {
  readonly kind: "Trainable";
  readonly name: Ident;
  readonly type: TypeRef;
  readonly init?: Expr;
  readonly range?: Expr;
  readonly span: Span;
}

/** `device phase_error: real[n] ~ normal(0 rad, 0.02 rad) per shot` */
export interface DeviceDecl {
  readonly kind: "Device";
  readonly name: Ident;
  readonly type: TypeRef;
  readonly dist: Expr;
  readonly perShot: boolean;
  readonly span: Span;
}

/**
 * `external stdio("python3 chip.py", timeout: 5 s)`: the layer's device forward is served by
 * another program over the device protocol (docs/hardware.md); its `forward` is the twin.
 */
export interface ExternalDecl { readonly kind: "External"; readonly transport: Expr; readonly span: Span }

export interface LetDecl { readonly kind: "Let"; readonly name: Ident; readonly value: Expr; readonly span: Span }

export interface ForwardDecl {
  readonly kind: "Forward";
  readonly input: Ident;
  readonly inputType: TypeRef;
  readonly outputType: TypeRef;
  readonly body: Expr;
  readonly span: Span;
}

export interface NetworkDecl {
  readonly kind: "Network";
  readonly name: Ident;
  readonly params: readonly ParamDecl[];
  readonly items: readonly NetworkItem[];
  readonly span: Span;
}

export type NetworkItem = InputDecl | NodesDecl | OutputNodesDecl | BindingDecl | CoupleDecl;

export interface InputDecl { readonly kind: "Input"; readonly name: Ident; readonly type: TypeRef; readonly span: Span }
/** Free nodes of an energy-based network. */
export interface NodesDecl { readonly kind: "Nodes"; readonly name: Ident; readonly type: TypeRef; readonly span: Span }
/** Output nodes of an energy-based network (`output y: real[10]`). */
export interface OutputNodesDecl { readonly kind: "OutputNodes"; readonly name: Ident; readonly type: TypeRef; readonly span: Span }
/** `h = expr` or `output y = expr`. */
export interface BindingDecl {
  readonly kind: "Binding";
  readonly name: Ident;
  readonly value: Expr;
  readonly isOutput: boolean;
  readonly span: Span;
}
/** `couple a -> b` (directed) or `couple a <-> b via resistor(...)` (symmetric). */
export interface CoupleDecl {
  readonly kind: "Couple";
  readonly from: Ident;
  readonly to: Ident;
  readonly symmetric: boolean;
  readonly via?: Expr;
  readonly span: Span;
}

export interface TrainDecl {
  readonly kind: "Train";
  readonly network: Ident;
  readonly data: Expr;
  readonly settings: readonly Setting[];
  readonly span: Span;
}
export interface Setting { readonly kind: "Setting"; readonly key: Ident; readonly value: Expr; readonly span: Span }

export type BaseType = "int" | "real" | "complex";
/** `int`, `real`, `real[n, 4]`, `complex[n]`. `dims` is absent for scalars. */
export interface TypeRef { readonly kind: "Type"; readonly base: BaseType; readonly dims?: readonly Expr[]; readonly span: Span }

export type Expr =
  | NumLit | StrLit | BoolLit | NameRef | MemberExpr | CallExpr | PipeExpr | BinaryExpr | UnaryExpr | RangeExpr | ErrorExpr;

/** A unit as written after a number: `rad`, `dB`, `m/s`; `per` names a rate's denominator (`0.1 dB per mzi`). */
export interface UnitRef { readonly kind: "Unit"; readonly text: string; readonly per?: string; readonly span: Span }

export interface NumLit { readonly kind: "Num"; readonly value: number; readonly raw: string; readonly unit?: UnitRef; readonly span: Span }
export interface StrLit { readonly kind: "Str"; readonly value: string; readonly span: Span }
export interface BoolLit { readonly kind: "Bool"; readonly value: boolean; readonly span: Span }
export interface NameRef { readonly kind: "Name"; readonly name: string; readonly span: Span }
export interface MemberExpr { readonly kind: "Member"; readonly object: Expr; readonly member: Ident; readonly span: Span }
export interface Arg { readonly kind: "Arg"; readonly name?: Ident; readonly value: Expr; readonly span: Span }
export interface CallExpr { readonly kind: "Call"; readonly callee: Expr; readonly args: readonly Arg[]; readonly span: Span }
/** `input |> target`: target is a call (its args follow the piped value) or a bare callee. */
export interface PipeExpr { readonly kind: "Pipe"; readonly input: Expr; readonly target: Expr; readonly span: Span }
export type BinaryOp = "+" | "-" | "*" | "/" | "^";
export interface BinaryExpr { readonly kind: "Binary"; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr; readonly span: Span }
export interface UnaryExpr { readonly kind: "Unary"; readonly op: "-"; readonly operand: Expr; readonly span: Span }
/** `lo .. hi`, e.g. `0.1 S .. 1 S`. */
export interface RangeExpr { readonly kind: "Range"; readonly lo: Expr; readonly hi: Expr; readonly span: Span }
/** Stands in for an expression the parser could not read (the error is already reported). */
export interface ErrorExpr { readonly kind: "Error"; readonly span: Span }

export type AnyNode = Program | TopItem | ParamDecl | LayerMember | NetworkItem | Setting | TypeRef | Expr | Arg | UnitRef | Ident | Comment;
