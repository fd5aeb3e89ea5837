// Shared helpers for the wasm parity tests: the stated float32 tolerance, and wabt validation.
import { expect } from "vitest";
import type { Tensor } from "../../runtime/backend.js";
import { loadWabt, WASM_FEATURES } from "../../compiler/backends/wasm/assemble.js";

/**
 * The parity tolerance: wasm computes in f32, the interpreter in f64, so each element may differ
 * by |wasm − ref| ≤ RTOL · max(1, max|ref|) (max over the tensor).
 */
export const RTOL = 2e-4;

export function expectClose(got: Tensor, want: Tensor, what: string, rtol = RTOL): void {
  expect(got.shape, `${what} shape`).toEqual(want.shape);
  expect(got.data.length, `${what} length`).toBe(want.data.length);
  let scale = 1;
  for (let i = 0; i < want.data.length; i++) scale = Math.max(scale, Math.abs(want.data[i]!));
  for (let i = 0; i < want.data.length; i++) {
    const a = got.data[i]!, b = want.data[i]!;
    if (Number.isNaN(b) && Number.isNaN(a)) continue;
    if (!(Math.abs(a - b) <= rtol * scale))
      throw new Error(`${what}[${i}]: wasm ${a} vs interpreter ${b} (tolerance ${rtol * scale})`);
  }
}

/** wabt's validator (a second, independent implementation), with the features we emit. */
export async function wabtValidate(bytes: Uint8Array): Promise<void> {
  const w = await loadWabt();
  const m = w.readWasm(bytes, Object.fromEntries(WASM_FEATURES.map((f) => [f, true])));
  try {
    m.validate();
  } finally {
    m.destroy();
  }
}
