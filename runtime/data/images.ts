/**
 * Image helpers shared by the image data set loaders: average pooling of square images stored
 * row-major one after another. In: n images of side×side; out: n images of size×size (size
 * divides side), each output pixel the mean of a k×k block (k = side/size).
 */
import { InternalError } from "../../diagnostics/internal.js";

/** Average-pools n square side×side images to size×size; pixels rounded to 1e-9 so pooled values are clean decimals. */
export function avgPool(src: ArrayLike<number>, n: number, side: number, size: number): Float64Array {
  if (side % size !== 0) throw new InternalError(`avgPool: ${size} does not divide ${side}`);
  const k = side / size;
  const inv = 1 / (k * k);
  const out = new Float64Array(n * size * size);
  for (let i = 0; i < n; i++) {
    const offset = i * side * side, at = i * size * size;
    for (let r = 0; r < size; r++)
      for (let c = 0; c < size; c++) {
        let s = 0;
        for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) s += src[offset + (r * k + a) * side + c * k + b]!;
        out[at + r * size + c] = Math.round(s * inv * 1e9) / 1e9;
      }
  }
  return out;
}
