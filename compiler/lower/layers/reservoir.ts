/**
 * Lowering of `std/reservoir`: `scattering(x, out, seed)`, a fixed random scattering medium.
 *
 *   E_out = T E_in,  T ∈ ℂ^{out×n},  Re T_jk, Im T_jk ~ N(0, 1/(2n)) independent  (E|T_jk|² = 1/n)
 *
 * T is drawn at compile time from the seeded Philox stream (runtime/streams.ts: the scattering
 * stream of the layer's seed), baked into the graph as a constant, identical on the twin and the device
 * (a calibrated medium) and never trained. For a fixed input each output field is a sum of many
 * independent terms, so it is circular complex Gaussian and its intensity |E_out|² (detected by
 * optics.photodetect) is fully developed speckle: exponential, contrast 1 (Goodman, Speckle
 * Phenomena in Optics, 2007). Saade et al. 2016; Launay et al. 2020 use such media.
 */
import type { Node } from "../../ir/graph.js";
import { streams } from "../../../runtime/streams.js";
import { numConst, type LayerLowering } from "../context.js";

/** T (row-major [out, n], interleaved re/im) for a medium with `n` input and `out` output modes. */
export function scatteringMatrix(n: number, out: number, seed: number): Float64Array {
  const s = streams.scattering(seed);
  const std = Math.sqrt(1 / (2 * n));
  const t = new Float64Array(2 * n * out);
  for (let i = 0; i < t.length; i++) t[i] = std * s.normal();
  return t;
}

export const RESERVOIR_LOWERING: Record<string, LayerLowering> = {
  scattering: ({ b }, x: Node, a) => {
    const n = x.shape[x.shape.length - 1];
    const out = numConst(a, "out") ?? 1;
    const t = b.const(Array.from(scatteringMatrix(n, out, numConst(a, "seed") ?? 0)), "c64", [out, n]);
    return b.matmul(x, b.transpose(t, [1, 0]));
  },
};
