/**
 * `std/reservoir` and `std/mechanics`: fixed physical transforms. A scattering medium has a fixed
 * complex Gaussian transmission matrix (speckle); coupled pendula follow
 * θ̈ᵢ = −ω₀² sin θᵢ + k(θᵢ₋₁ − 2θᵢ + θᵢ₊₁) − γθ̇ᵢ + A cos(ω_d t) cos θᵢ, integrated with RK4.
 */
import { DIMENSIONLESS, TIME } from "../compiler/units.js";
import { num, showType, type LayerSig } from "./types.js";

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

export const pendula: LayerSig = {
  kind: "layer",
  module: "mechanics",
  name: "pendula",
  doc: "A chain of coupled driven pendula; inputs are initial angles, outputs the angles after `duration` (RK4 with `steps` steps).",
  input: "real",
  args: [
    { name: "duration", type: { kind: "quantity", dim: TIME, min: 0, exclusiveMin: true }, default: num(1, TIME), doc: "integration time T" },
    { name: "steps", type: { kind: "int", min: 1, max: 100000 }, default: { kind: "num", value: 100, dim: DIMENSIONLESS, isInt: true }, doc: "RK4 steps" },
    { name: "omega0", type: { kind: "quantity", dim: [0, 0, -1, 0, 0, 0, 0], min: 0 }, default: num(1, [0, 0, -1, 0, 0, 0, 0]), doc: "natural frequency ω₀ (rad/s as Hz-dimensioned)" },
    { name: "coupling", type: { kind: "quantity", dim: DIMENSIONLESS, min: 0 }, default: num(0.5, DIMENSIONLESS), doc: "spring coupling k" },
    { name: "damping", type: { kind: "quantity", dim: DIMENSIONLESS, min: 0 }, default: num(0, DIMENSIONLESS), doc: "damping γ" },
    { name: "drive", type: { kind: "quantity", dim: DIMENSIONLESS, min: 0 }, default: num(0, DIMENSIONLESS), doc: "drive amplitude A_d" },
  ],
  capabilities: ["differentiable", "physical", "measurable"],
  infer: (input) => (input.shape.length === 1 ? input : { error: `pendula expects real[n], got ${showType(input)}` }),
};

export const RESERVOIR = [scattering];
export const MECHANICS = [pendula];
