/**
 * Shared IR vocabulary: dtypes, shapes, attributes and the promotion / broadcasting rules the op
 * table uses. In: nothing. Out: pure helpers. It does not know about graphs or ops.
 */
import type { DType } from "../../runtime/backend.js";
import { isComplex } from "../../runtime/backend.js";

export type { DType };
export { isComplex };

export const DTYPES: readonly DType[] = ["f32", "f64", "c64", "c128", "i32"];

export type Shape = readonly number[];
export type AttrValue = number | string | boolean | readonly number[];
export type Attrs = Readonly<Record<string, AttrValue>>;

export interface TypeShape {
  readonly dtype: DType;
  readonly shape: Shape;
}

/** Thrown by op inference on misuse; the builder rewraps it as an InternalError with the IR dump. */
export class OpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OpError";
  }
}

export function fail(msg: string): never {
  throw new OpError(msg);
}

export function isDType(s: unknown): s is DType {
  return typeof s === "string" && (DTYPES as readonly string[]).includes(s);
}
export const isFloat = (d: DType): boolean => d !== "i32";
export const isReal = (d: DType): boolean => d === "f32" || d === "f64";
/** c64 -> f32, c128 -> f64, real -> itself. */
export function realOf(d: DType): DType {
  return d === "c64" ? "f32" : d === "c128" ? "f64" : d;
}
/** f32 -> c64, f64 -> c128, complex -> itself. */
export function complexOf(d: DType): DType {
  if (d === "i32") fail("i32 has no complex counterpart");
  return d === "f32" ? "c64" : d === "f64" ? "c128" : d;
}
const wide = (d: DType): boolean => d === "f64" || d === "c128";

/** numpy-like promotion for floats: complex if either is, 64-bit if either is; i32 only with i32. */
export function promote(a: DType, b: DType): DType {
  if (a === "i32" || b === "i32") {
    if (a === b) return a;
    fail(`cannot mix i32 with ${a === "i32" ? b : a} (insert a cast)`);
  }
  const w = wide(a) || wide(b);
  if (isComplex(a) || isComplex(b)) return w ? "c128" : "c64";
  return w ? "f64" : "f32";
}

export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeEq(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** numpy broadcasting of two shapes (right-aligned; a dim of 1 stretches). */
export function broadcastShapes(a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) fail(`shapes [${a}] and [${b}] do not broadcast`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

export function canBroadcastTo(from: Shape, to: Shape): boolean {
  if (from.length > to.length) return false;
  const off = to.length - from.length;
  return from.every((d, i) => d === 1 || d === to[off + i]);
}

export function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) fail(`axis ${axis} out of range for rank ${rank}`);
  return a;
}

export function checkShape(shape: unknown, what = "shape"): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0))
    fail(`${what} must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  return [...(shape as number[])];
}

export function shapeStr(t: TypeShape): string {
  return `${t.dtype}[${t.shape.join(",")}]`;
}

/** Row-major strides. */
export function strides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}
