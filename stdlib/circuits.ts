/**
 * `std/circuits`: energy-based networks of couplings. A `couple a <-> b via resistor(...)` is a
 * trainable conductance between node groups of a resistor network (power P = ½Σ k ΔV² is its
 * energy; coupled learning, Stern et al. PRX 2021); `synapse(...)` is a symmetric Hopfield-like
 * weight (E = ½Σρ(s)² − Σ ρ(s_i) W ρ(s_j), ρ = clip(·, 0, 1); equilibrium propagation). The
 * energies, relaxations and device model are lowered in compiler/lower/energy.ts, which reads
 * these schemas' defaulted values. A symmetric coupling written without `via` is a synapse with
 * its default arguments (DEFAULT_COUPLING).
 */
import { CONDUCTANCE } from "../compiler/units.js";
import { range, real, schema } from "./schema.js";
import type { CouplingSig } from "./types.js";

const variation = () => real("device model: relative per-chip spread σ of every element, W_dev = W·(1 + N(0, σ²))", { default: 0, min: 0 });

/** 1 µS .. 100 µS (10 kΩ .. 1 MΩ): memristive and PCM devices (aihwkit's g_max is 25 µS); at 1 V an edge carries at most 100 µA. */
export const DEFAULT_CONDUCTANCE = { lo: 1e-6, hi: 1e-4 } as const;

export const RESISTOR_ARGS = schema({ g: { ...range(CONDUCTANCE, "physical conductance range [k_min, k_max] (default 1 uS .. 100 uS)", { min: 0 }), default: { kind: "range", ...DEFAULT_CONDUCTANCE, dim: CONDUCTANCE } }, variation: variation() });
export const SYNAPSE_ARGS = schema({ scale: real("init scale multiplier", { default: 1, min: 0 }), variation: variation() });

export const resistor: CouplingSig = {
  kind: "coupling",
  module: "circuits",
  name: "resistor",
  doc: "Trainable conductances k between every node of a and every node of b, bounded to the range g; Kirchhoff's laws give the equilibrium that minimises the dissipated power P = ½ Σ k ΔV².",
  args: RESISTOR_ARGS.list,
  capabilities: ["energy_based", "physical", "reciprocal", "linear"],
};

export const synapse: CouplingSig = {
  kind: "coupling",
  module: "circuits",
  name: "synapse",
  doc: "Symmetric trainable weights W between node groups of a Hopfield-like network, energy term −ρ(a)ᵀ W ρ(b).",
  args: SYNAPSE_ARGS.list,
  capabilities: ["energy_based", "physical", "reciprocal"],
};

/** What `couple a <-> b` without `via` means: a trainable symmetric weight, `circuits.synapse` with its default arguments. */
export const DEFAULT_COUPLING: CouplingSig = synapse;

export const CIRCUITS = [resistor, synapse];
