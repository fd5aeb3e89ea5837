// Lowering one standard-library element by hand in a test, fed the way the compiler feeds it:
// constants read through the element's schema (absent ones take their declared defaults).
import type { Node } from "../../compiler/ir/graph.js";
import type { LowerCtx } from "../../compiler/lower/context.js";
import { stdSymbol } from "../../stdlib/index.js";
import type { ConstValue } from "../../stdlib/types.js";

export interface ElementInputs {
  readonly consts?: Readonly<Record<string, ConstValue | null>>;
  readonly tensors?: Readonly<Record<string, Node>>;
  readonly owned?: Readonly<Record<string, Node>>;
}

/** `qualified`: `dense`, `analog.crossbar`, `reservoir.scattering`… */
export function lowerElement(qualified: string, ctx: LowerCtx, x: Node, a: ElementInputs = {}): Node {
  const def = stdSymbol(qualified);
  if (!def || def.kind !== "layer") throw new Error(`no standard-library layer ${qualified}`);
  return def.lower(ctx, x, { values: def.schema.read(a.consts ?? {}), tensors: a.tensors ?? {}, owned: a.owned ?? {} });
}
