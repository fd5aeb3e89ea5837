/**
 * `std/circuits`: energy-based networks of couplings. A `couple a <-> b via resistor(...)` is a
 * trainable conductance between node groups of a resistor network (power P = ½Σ k ΔV² is its
 * energy; coupled learning, Stern et al. PRX 2021); `synapse(...)` is a symmetric Hopfield-like
 * weight (E = ½Σρ(s)² − Σ ρ(s_i) W ρ(s_j), ρ = clip(·, 0, 1); equilibrium propagation).
 */
import { CONDUCTANCE, DIMENSIONLESS } from "../compiler/units.js";
import type { CouplingSig } from "./types.js";

export const resistor: CouplingSig = {
  kind: "coupling",
  module: "circuits",
  name: "resistor",
  doc: "Trainable conductances k between every node of a and every node of b, bounded to the range g; Kirchhoff's laws give the equilibrium that minimises the dissipated power P = ½ Σ k ΔV².",
  args: [{ name: "g", type: { kind: "range", dim: CONDUCTANCE, min: 0 }, default: { kind: "range", lo: 0.01, hi: 1, dim: CONDUCTANCE }, doc: "physical conductance range [k_min, k_max]" }, { name: "variation", type: { kind: "quantity", dim: DIMENSIONLESS, min: 0 }, default: { kind: "num", value: 0, dim: DIMENSIONLESS, isInt: true }, doc: "device model: relative per-chip spread σ of every element, W_dev = W·(1 + N(0, σ²))" }],
  capabilities: ["energy_based", "physical", "reciprocal", "linear"],
};

export const synapse: CouplingSig = {
  kind: "coupling",
  module: "circuits",
  name: "synapse",
  doc: "Symmetric trainable weights W between node groups of a Hopfield-like network, energy term −ρ(a)ᵀ W ρ(b).",
  args: [{ name: "scale", type: { kind: "quantity", dim: DIMENSIONLESS, min: 0 }, default: { kind: "num", value: 1, dim: DIMENSIONLESS, isInt: true }, doc: "init scale multiplier" }, { name: "variation", type: { kind: "quantity", dim: DIMENSIONLESS, min: 0 }, default: { kind: "num", value: 0, dim: DIMENSIONLESS, isInt: true }, doc: "device model: relative per-chip spread σ of every element, W_dev = W·(1 + N(0, σ²))" }],
  capabilities: ["energy_based", "physical", "reciprocal"],
};

export const CIRCUITS = [resistor, synapse];
