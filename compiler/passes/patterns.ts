/**
 * Small matchers the rewrite rules share: constant values (uniform constants as one number),
 * zero/one tests, and making a value fit a node's dtype and shape (cast, broadcast) when a rule
 * replaces an op by one of its operands. In: nodes of the graph being built. Out: facts or new
 * nodes. No rule lives here.
 */
import type { GraphBuilder, Node } from "../ir/graph.js";
import { canBroadcastTo, isComplex, shapeEq } from "../ir/types.js";

/** The value of a constant whose elements are all equal, as (re, im); undefined otherwise. */
export function uniformConst(x: Node): { re: number; im: number } | undefined {
  if (x.op !== "const") return undefined;
  const v = x.attrs.value as readonly number[];
  const w = isComplex(x.dtype) ? 2 : 1;
  const re = v[0]!, im = w === 2 ? v[1]! : 0;
  for (let i = 0; i < v.length; i += w) if (!Object.is(v[i], re) || (w === 2 && !Object.is(v[i + 1], im))) return undefined;
  return { re, im };
}

/** The constant is exactly `value` (real) everywhere (−0 counts as 0). */
export function isConstEqual(x: Node, value: number): boolean {
  const c = uniformConst(x);
  return !!c && c.re === value && c.im === 0;
}

/**
 * `x` as a value of `like`'s dtype and shape: x itself when it already is; otherwise a cast
 * (real → complex gives zero imaginary part; precision widens) and/or a broadcast. Undefined when
 * that is not a value-preserving conversion (narrowing, complex → real, i32 ↔ float).
 */
export function fitTo(b: GraphBuilder, x: Node, like: Node): Node | undefined {
  let y = x;
  if (y.dtype !== like.dtype) {
    if (!widens(y.dtype, like.dtype)) return undefined;
    y = b.cast(y, like.dtype);
  }
  if (!shapeEq(y.shape, like.shape)) {
    if (!canBroadcastTo(y.shape, like.shape)) return undefined;
    y = b.broadcastTo(y, like.shape);
  }
  return y;
}

const WIDER: Readonly<Record<string, readonly string[]>> = {
  f32: ["f64", "c64", "c128"],
  f64: ["c128"],
  c64: ["c128"],
};

function widens(from: string, to: string): boolean {
  return WIDER[from]?.includes(to) ?? false;
}

/** Identity permutation test. */
export function isIdentityPerm(perm: readonly number[]): boolean {
  return perm.every((p, i) => p === i);
}
