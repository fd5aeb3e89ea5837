/**
 * `std/reservoir`: fixed physical transforms, each element one definition (signature +
 * lowering). A scattering medium has a fixed complex Gaussian transmission matrix (speckle),
 * drawn at compile time by compiler/lower/layers/reservoir.ts and baked into the graph, the same
 * on the twin and the device. (The coupled pendula live in stdlib/mechanics.ts.)
 */
import { scatteringMatrix } from "../compiler/lower/layers/reservoir.js";
import { defineLayer, type LayerDef } from "./element.js";
import { int, schema } from "./schema.js";
import { showType } from "./types.js";

export const scattering = defineLayer({
  module: "reservoir",
  name: "scattering",
  doc: "A fixed random scattering medium: E_out = T E_in with T complex Gaussian (real and imaginary parts of each entry independent N(0, 1/(2n)), so E|T_jk|² = 1/n), seeded; a reservoir or an optical random projection.",
  input: "complex",
  args: schema({ out: int("output modes", { min: 1 }), seed: int("medium seed", { min: 0, default: 0 }) }),
  capabilities: ["differentiable", "linear", "reciprocal", "physical", "measurable"],
  infer: (input, a) => (input.shape.length === 1 ? { dtype: "complex", shape: [a.out] } : { error: `scattering expects complex[n], got ${showType(input)}` }),
  lower({ b }, x, a) {
    const n = x.shape[x.shape.length - 1];
    const { out, seed } = a.values;
    const t = b.const(Array.from(scatteringMatrix(n, out, seed)), "c64", [out, n]);
    return b.matmul(x, b.transpose(t, [1, 0]));
  },
});

export const RESERVOIR: readonly LayerDef[] = [scattering];
