/**
 * `std/mechanics`: coupled nonlinear oscillators. A chain of n pendula (the mechanical PNN of
 * Wright et al., Nature 601, 549 (2022)) obeys
 *   θ̈ᵢ = −ω₀ᵢ² sin θᵢ + k(θᵢ₋₁ − 2θᵢ + θᵢ₊₁) − γθ̇ᵢ + A cos(ω_d t) cos θᵢ
 * (free ends: a missing neighbour contributes nothing), integrated with classical RK4 in the IR
 * (docs/physics-mechanics.md). Inputs are the initial angles (θ̇ = 0); outputs the angles at T.
 */
import { ANGLE, DIMENSIONLESS, FREQUENCY, TIME } from "../compiler/units.js";
import { num, numArg, showType, type LayerSig } from "./types.js";

export const pendula: LayerSig = {
  kind: "layer",
  module: "mechanics",
  name: "pendula",
  doc: "A chain of coupled driven pendula θ̈ᵢ = −ω₀² sin θᵢ + k(θᵢ₋₁ − 2θᵢ + θᵢ₊₁) − γθ̇ᵢ + A cos(ω_d t) cos θᵢ; inputs are initial angles (at rest), outputs the angles after `duration` (classical RK4 with `steps` steps). Device model: a static per-chip spread of each pendulum's ω₀ (relative std `omega_spread`) and per-shot angle readout noise.",
  input: "real",
  args: [
    { name: "duration", type: { kind: "quantity", dim: TIME, min: 0, exclusiveMin: true }, default: num(1, TIME), doc: "integration time T" },
    { name: "steps", type: { kind: "int", min: 1, max: 100000 }, default: { kind: "num", value: 100, dim: DIMENSIONLESS, isInt: true }, doc: "RK4 steps" },
    { name: "omega0", type: { kind: "quantity", dim: FREQUENCY, min: 0 }, default: num(1, FREQUENCY), doc: "natural angular frequency ω₀ (rad/s, written in Hz)" },
    { name: "coupling", type: { kind: "quantity", dim: DIMENSIONLESS, min: 0 }, default: num(0.5, DIMENSIONLESS), doc: "spring coupling k (s⁻²)" },
    { name: "damping", type: { kind: "quantity", dim: DIMENSIONLESS, min: 0 }, default: num(0, DIMENSIONLESS), doc: "damping γ (s⁻¹)" },
    { name: "drive", type: { kind: "quantity", dim: DIMENSIONLESS, min: 0 }, default: num(0, DIMENSIONLESS), doc: "drive amplitude A (rad/s²)" },
    { name: "drive_frequency", type: { kind: "quantity", dim: FREQUENCY, min: 0 }, default: null, doc: "drive angular frequency ω_d (rad/s); ω₀ when omitted" },
    { name: "omega_spread", type: { kind: "quantity", dim: DIMENSIONLESS, min: 0 }, default: null, doc: "relative std of each pendulum's ω₀ on a chip (static, sampled per chip)" },
    { name: "noise", type: { kind: "quantity", dim: ANGLE, min: 0 }, default: num(0, ANGLE), deviceOnly: true, doc: "std of the angle readout noise per shot" },
  ],
  capabilities: ["differentiable", "physical", "measurable"],
  infer(input, args) {
    if (input.shape.length !== 1) return { error: `pendula expects real[n], got ${showType(input)}` };
    // RK4 on an oscillator of frequency ω is stable for ωh < 2.8 and accurate well below; refuse ωh > 2,
    // ω the chain's fastest small-angle mode √(ω₀² + 4k)
    const steps = numArg(args, "steps") ?? 100, duration = numArg(args, "duration") ?? 1;
    const omega = Math.sqrt((numArg(args, "omega0") ?? 1) ** 2 + 4 * (numArg(args, "coupling") ?? 0));
    const h = duration / steps;
    if (omega * h > 2)
      return { error: `${steps} RK4 steps over ${duration} s are too coarse for the fastest mode (ω = ${omega.toPrecision(3)} rad/s): ωh = ${(omega * h).toPrecision(3)} > 2; use at least ${Math.ceil((omega * duration) / 2)} steps`, arg: "steps", code: "PNN3051" };
    return input;
  },
  deviceVars(input, args) {
    const spread = numArg(args, "omega_spread");
    return spread ? [{ name: "omega_spread", type: { dtype: "real", shape: input.shape }, dist: { kind: "normal", mean: 0, std: spread, dim: DIMENSIONLESS }, perShot: false }] : [];
  },
};

export const MECHANICS = [pendula];
