/**
 * The physics of `std/reservoir` `scattering(x, out, seed)` (stdlib/reservoir.ts), a fixed random
 * scattering medium:
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
import { streams } from "../../../runtime/streams.js";

/** T (row-major [out, n], interleaved re/im) for a medium with `n` input and `out` output modes. */
export function scatteringMatrix(n: number, out: number, seed: number): Float64Array {
  const s = streams.scattering(seed);
  const std = Math.sqrt(1 / (2 * n));
  const t = new Float64Array(2 * n * out);
  for (let i = 0; i < t.length; i++) t[i] = std * s.normal();
  return t;
}
