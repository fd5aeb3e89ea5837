/**
 * `std/mechanics`: coupled nonlinear oscillators, each element one definition (signature +
 * lowering). A chain of n pendula (the mechanical PNN of Wright et al., Nature 601, 549 (2022))
 * obeys
 *   θ̈ᵢ = −ω₀ᵢ² sin θᵢ + k(θᵢ₋₁ − 2θᵢ + θᵢ₊₁) − γθ̇ᵢ + A cos(ω_d t) cos θᵢ
 * (free ends: a missing neighbour contributes nothing), integrated with classical RK4 in the IR
 * (compiler/lower/layers/mechanics.ts; docs/physics-mechanics.md). Inputs are the initial angles
 * (θ̇ = 0); outputs the angles at T. Device: a per-chip spread of ω₀ and angle readout noise.
 * Every physical argument has a unit the checker enforces: ω₀ and ω_d are angular frequencies
 * (rad/s; a value in Hz is cycles per second and becomes 2π·f rad/s), k is in s⁻² (`Hz/s`),
 * γ in s⁻¹ (`Hz`, no 2π: a rate), A in rad/s² (`rad/s/s`).
 */
import { lowerPendula } from "../compiler/lower/layers/mechanics.js";
import { ANGLE, ANGULAR_ACCELERATION, ANGULAR_FREQUENCY, DIMENSIONLESS, PER_SECOND_SQUARED, RATE, TIME } from "../compiler/units.js";
import { defineLayer, type LayerDef } from "./element.js";
import { HERTZ_AS_ANGULAR, int, optQuantity, optReal, quantity, schema } from "./schema.js";
import { showType } from "./types.js";

export const pendula = defineLayer({
  module: "mechanics",
  name: "pendula",
  doc: "A chain of coupled driven pendula θ̈ᵢ = −ω₀² sin θᵢ + k(θᵢ₋₁ − 2θᵢ + θᵢ₊₁) − γθ̇ᵢ + A cos(ω_d t) cos θᵢ; inputs are initial angles (at rest), outputs the angles after `duration` (classical RK4 with `steps` steps). Device model: a static per-chip spread of each pendulum's ω₀ (relative std `omega_spread`) and per-shot angle readout noise.",
  input: "real",
  args: schema({
    duration: quantity(TIME, "integration time T", { default: 1, min: 0, exclusiveMin: true }),
    steps: int("RK4 steps", { default: 100, min: 1, max: 100000 }),
    omega0: quantity(ANGULAR_FREQUENCY, "natural angular frequency ω₀ (rad/s; `1 Hz` is 2π rad/s)", { default: 2 * Math.PI, min: 0, also: HERTZ_AS_ANGULAR }),
    coupling: quantity(PER_SECOND_SQUARED, "spring coupling k in s⁻² (write `20 Hz/s`)", { default: 0.5, min: 0 }),
    damping: quantity(RATE, "damping rate γ in s⁻¹ (write `0.05 Hz`: a rate, no 2π)", { default: 0, min: 0 }),
    drive: quantity(ANGULAR_ACCELERATION, "drive amplitude A in rad/s² (write `0.1 rad/s/s`)", { default: 0, min: 0 }),
    drive_frequency: optQuantity(ANGULAR_FREQUENCY, "drive angular frequency ω_d (rad/s; `1 Hz` is 2π rad/s); ω₀ when omitted", { min: 0, also: HERTZ_AS_ANGULAR }),
    omega_spread: optReal("relative std of each pendulum's ω₀ on a chip (static, sampled per chip)", { min: 0 }),
    noise: quantity(ANGLE, "std of the angle readout noise per shot", { default: 0, min: 0, device: true }),
  }),
  capabilities: ["differentiable", "physical", "measurable"],
  infer(input, a) {
    if (input.shape.length !== 1) return { error: `pendula expects real[n], got ${showType(input)}` };
    // RK4 on an oscillator of frequency ω is stable for ωh < 2.8 and accurate well below; refuse ωh > 2,
    // ω the chain's fastest small-angle mode √(ω₀² + 4k)
    const omega = Math.sqrt(a.omega0 ** 2 + 4 * a.coupling);
    const h = a.duration / a.steps;
    if (omega * h > 2)
      return { error: `${a.steps} RK4 steps over ${a.duration} s are too coarse for the fastest mode (ω = ${omega.toPrecision(3)} rad/s): ωh = ${(omega * h).toPrecision(3)} > 2; use at least ${Math.ceil((omega * a.duration) / 2)} steps`, arg: "steps", code: "PNN3051" };
    return input;
  },
  deviceVars: (input, a) => (a.omega_spread ? [{ name: "omega_spread", type: { dtype: "real", shape: input.shape }, dist: { kind: "normal", mean: 0, std: a.omega_spread, dim: DIMENSIONLESS }, perShot: false }] : []),
  lower(ctx, x, a) {
    const { b } = ctx;
    const v = a.values;
    const opts = { duration: v.duration, steps: v.steps, omega0: v.omega0, coupling: v.coupling, damping: v.damping, drive: v.drive, ...(v.drive_frequency !== null ? { driveFrequency: v.drive_frequency } : {}) };
    const { theta } = lowerPendula(b, x, null, opts, ctx.device ? a.tensors.omega_spread : undefined);
    if (!ctx.device || v.noise <= 0) return theta;
    return b.add(theta, b.mul(b.scalar(v.noise, "f32"), b.randomNormal(ctx.key, theta.shape, ctx.nextStream())));
  },
});

export const MECHANICS: readonly LayerDef[] = [pendula];
