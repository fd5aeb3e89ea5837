/**
 * Helpers shared by interpreter kernels: index maps computed once at compile time, so kernels are
 * plain loops over typed arrays at run time.
 */
import { strides, type Shape } from "../../ir/types.js";

/** A kernel reads operand buffers and writes its output buffer. Complex = interleaved re, im. */
export type Kernel = (ins: readonly Float64Array[], out: Float64Array) => void;

/**
 * For each element of outShape, the flat offset Σ_k o_k·coef[k] + base. Used for transpose,
 * slice and broadcasting (coef 0 on stretched axes).
 */
export function affineMap(outShape: Shape, coef: readonly number[], base = 0): Int32Array {
  const r = outShape.length;
  let n = 1;
  for (const d of outShape) n *= d;
  const map = new Int32Array(n);
  if (n === 0) return map;
  const idx = new Array<number>(r).fill(0);
  let off = base;
  for (let j = 0; j < n; j++) {
    map[j] = off;
    for (let k = r - 1; k >= 0; k--) {
      idx[k]!++;
      off += coef[k]!;
      if (idx[k]! < outShape[k]!) break;
      off -= coef[k]! * outShape[k]!;
      idx[k] = 0;
    }
  }
  return map;
}

/** Offsets into a tensor of inShape for each element of outShape under numpy broadcasting. */
export function broadcastMap(inShape: Shape, outShape: Shape): Int32Array {
  const st = strides(inShape);
  const off = outShape.length - inShape.length;
  const coef = outShape.map((_, k) => (k < off || inShape[k - off] === 1 ? 0 : st[k - off]!));
  return affineMap(outShape, coef);
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** dst[j] = src[map[j]] for real (w = 1) or complex (w = 2) elements. */
export function gatherInto(src: Float64Array, map: Int32Array, dst: Float64Array, w: number): void {
  if (w === 1) for (let j = 0; j < map.length; j++) dst[j] = src[map[j]!]!;
  else
    for (let j = 0; j < map.length; j++) {
      const s = 2 * map[j]!;
      dst[2 * j] = src[s]!;
      dst[2 * j + 1] = src[s + 1]!;
    }
}

/** Real -> interleaved complex with zero imaginary part. */
export function toComplexInto(src: Float64Array, dst: Float64Array): void {
  for (let j = 0; j < src.length; j++) {
    dst[2 * j] = src[j]!;
    dst[2 * j + 1] = 0;
  }
}
