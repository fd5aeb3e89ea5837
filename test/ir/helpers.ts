// Shared helpers for the IR tests: random tensors from a seeded Stream, and running graphs.
import type { Tensor } from "../../runtime/backend.js";
import { Stream } from "../../runtime/rng.js";
import type { DType } from "../../compiler/ir/types.js";
import { isComplex, numel } from "../../compiler/ir/types.js";

export type Domain = "any" | "pos" | { int: number };

export function randTensor(rng: Stream, dtype: DType, shape: readonly number[], domain: Domain = "any"): Tensor {
  const n = numel(shape);
  if (dtype === "i32") {
    const C = typeof domain === "object" ? domain.int : 5;
    return { dtype, shape, data: Int32Array.from({ length: n }, () => rng.int(C)) };
  }
  const w = isComplex(dtype) ? 2 : 1;
  const data = new Float64Array(n * w);
  for (let i = 0; i < n * w; i++) {
    const isRe = w === 1 || i % 2 === 0;
    data[i] = domain === "pos" && isRe ? 0.5 + 1.5 * rng.uniform() : rng.normal();
  }
  return { dtype, shape, data };
}
