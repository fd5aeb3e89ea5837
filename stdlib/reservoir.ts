/**
 * `std/reservoir`: fixed physical transforms. A scattering medium has a fixed complex Gaussian
 * transmission matrix (speckle). (The coupled pendula live in stdlib/mechanics.ts.)
 */
import { DIMENSIONLESS } from "../compiler/units.js";
import { showType, type LayerSig } from "./types.js";

export const scattering: LayerSig = {
  kind: "layer",
  module: "reservoir",
  name: "scattering",
  doc: "A fixed random scattering medium: E_out = T E_in with T complex Gaussian (real and imaginary parts of each entry independent N(0, 1/(2n)), so E|T_jk|² = 1/n), seeded; a reservoir or an optical random projection.",
  input: "complex",
  args: [
    { name: "out", type: { kind: "int", min: 1 }, doc: "output modes" },
    { name: "seed", type: { kind: "int", min: 0 }, default: { kind: "num", value: 0, dim: DIMENSIONLESS, isInt: true }, doc: "medium seed" },
  ],
  capabilities: ["differentiable", "linear", "reciprocal", "physical", "measurable"],
  infer(input, args) {
    if (input.shape.length !== 1) return { error: `scattering expects complex[n], got ${showType(input)}` };
    const out = args.consts.out;
    return { dtype: "complex", shape: [out && out.kind === "num" ? out.value : 1] };
  },
};

export const RESERVOIR = [scattering];
