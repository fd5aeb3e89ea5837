/**
 * Values the checker computes while it walks a file, the scopes that bind names to them, and
 * "did you mean" suggestions. A tensor value is a node of the network being elaborated;
 * everything else is a compile-time constant or a callable.
 */
import { MAX_SUGGESTION_CANDIDATES, MAX_SUGGESTION_NAME_LENGTH } from "../../diagnostics/limits.js";
import type { Span } from "../../diagnostics/span.js";
import type * as A from "../../grammar/ast.js";
import type { ConstValue, StdSymbol, TensorType } from "../../stdlib/types.js";
import type { Dim } from "../units.js";
import type { SymbolInfo } from "./model.js";

export type Callable =
  | { readonly kind: "std"; readonly sig: StdSymbol; readonly qualified: string }
  | { readonly kind: "user"; readonly decl: A.LayerDecl; readonly file: FileScope }
  | { readonly kind: "dist"; readonly name: "normal" | "uniform" | "constant" | "glorot" };

export type Value =
  | ConstValue
  | { readonly kind: "tensor"; readonly node: number; readonly type: TensorType; readonly dim?: Dim; readonly origin?: Span }
  | { readonly kind: "callable"; readonly callable: Callable }
  | { readonly kind: "module"; readonly path: string; readonly members: ReadonlyMap<string, Value> }
  | { readonly kind: "network"; readonly decl: A.NetworkDecl }
  | { readonly kind: "error" };

export const ERROR: Value = { kind: "error" };

export interface Binding {
  readonly value: Value;
  readonly symbol?: SymbolInfo;
}

/** A lexical scope: names → bindings, with a parent. */
export class Env {
  private readonly names = new Map<string, Binding>();
  constructor(readonly parent?: Env) {}
  get(name: string): Binding | undefined {
    return this.names.get(name) ?? this.parent?.get(name);
  }
  hasOwn(name: string): boolean {
    return this.names.has(name);
  }
  set(name: string, b: Binding): void {
    this.names.set(name, b);
  }
  /** Every visible name, innermost scope first (lazily: "did you mean" reads only so many). */
  *allNames(): Generator<string> {
    for (let e: Env | undefined = this; e; e = e.parent) yield* e.names.keys();
  }
}

/** One checked file: its top-level scope (imports, consts, layers, networks). */
export interface FileScope {
  readonly file: string;
  readonly env: Env;
}

export function describeValue(v: Value): string {
  switch (v.kind) {
    case "num": return v.isInt && v.dim.every((x) => x === 0) ? "an integer" : "a number";
    case "str": return "a string";
    case "bool": return "a boolean";
    case "enum": return `'${v.value}'`;
    case "range": return "a range";
    case "dist": return "a distribution";
    case "tensor": return `a tensor ${v.type.dtype}[${v.type.shape.join(",")}]`;
    case "callable": return v.callable.kind === "dist" ? `the distribution ${v.callable.name}` : "a layer";
    case "module": return `the module ${v.path}`;
    case "network": return "a network";
    case "error": return "an invalid value";
  }
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/**
 * The closest candidate within a sensible distance, or undefined. Bounded work whatever the
 * input: names longer than MAX_SUGGESTION_NAME_LENGTH get no suggestion, only the first
 * MAX_SUGGESTION_CANDIDATES candidates are compared, and a candidate whose length alone puts it
 * out of reach is skipped without computing its distance.
 */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  if (name.length > MAX_SUGGESTION_NAME_LENGTH) return undefined;
  const reach = Math.max(1, Math.floor(name.length / 3));
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  let seen = 0;
  for (const c of candidates) {
    if (++seen > MAX_SUGGESTION_CANDIDATES) break;
    if (Math.abs(c.length - name.length) > reach) continue;
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= reach ? best : undefined;
}

export function didYouMean(name: string, candidates: Iterable<string>): string {
  const c = closest(name, candidates);
  return c ? `; did you mean '${c}'?` : "";
}
