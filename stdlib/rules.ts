/**
 * The learning rules a train block can name, their options, and what each needs from the
 * physics. `check` looks only at a summary of the network (its kind and its layers'
 * capabilities), so the checker stays generic: a rule that the physics cannot run is a PNN4002
 * diagnostic that names the layer and the missing capability.
 */
import { DIMENSIONLESS } from "../compiler/units.js";
import type { ArgSig, Capability } from "./types.js";

export interface LayerUse {
  readonly name: string; // e.g. "optics.mzi_mesh"
  readonly binding: string; // where it is used, e.g. "h1"
  readonly capabilities: readonly Capability[];
  readonly trainable: boolean;
  readonly transducer: boolean; // an encoder or detector between the electronic and physical domains
  readonly span: import("../diagnostics/span.js").Span;
}

export interface NetworkSummary {
  readonly kind: "feedforward" | "energy_based";
  readonly layers: readonly LayerUse[];
  /** Directed couplings in a network that also has symmetric ones (breaks energy-based rules). */
  readonly directedCouplings: readonly { from: string; to: string; span: import("../diagnostics/span.js").Span }[];
  readonly couplingKinds: readonly string[];
}

export interface RuleProblem {
  readonly message: string;
  readonly span?: import("../diagnostics/span.js").Span;
}

export interface RuleSig {
  readonly name: string;
  readonly doc: string;
  readonly options: readonly ArgSig[];
  /** Implemented by the compiler and runtime (compiler/lower/rules, runtime/rules); all are, and a test keeps it so. */
  readonly implemented: boolean;
  check(net: NetworkSummary): RuleProblem[];
}

const q = (value: number) => ({ kind: "num" as const, value, dim: DIMENSIONLESS, isInt: Number.isInteger(value) });
const real = (name: string, value: number, doc: string, min = 0): ArgSig => ({ name, type: { kind: "quantity", dim: DIMENSIONLESS, min }, default: q(value), doc });
const intOpt = (name: string, value: number, doc: string): ArgSig => ({ name, type: { kind: "int", min: 1 }, default: q(value), doc });

function needFeedforward(rule: string, net: NetworkSummary): RuleProblem[] {
  return net.kind === "feedforward" ? [] : [{ message: `${rule} trains feed-forward networks; this network is energy-based (nodes and symmetric couplings): use equilibrium_propagation or coupled_learning` }];
}

function needCapability(rule: string, cap: Capability, net: NetworkSummary, filter: (l: LayerUse) => boolean = () => true): RuleProblem[] {
  return net.layers
    .filter((l) => filter(l) && !l.capabilities.includes(cap))
    .map((l) => ({ message: `${rule} needs every layer to be ${cap}; ${l.name} (in '${l.binding}') is not`, span: l.span }));
}

function needEnergyBased(rule: string, net: NetworkSummary): RuleProblem[] {
  if (net.kind === "energy_based" && net.directedCouplings.length === 0) return [];
  const out: RuleProblem[] = net.directedCouplings.map((c) => ({
    message: `${rule} needs an energy-based network: the coupling ${c.from} -> ${c.to} is directed (feed-forward) and has no energy; write 'couple ${c.from} <-> ${c.to} via …'`,
    span: c.span,
  }));
  for (const l of net.layers)
    if (!l.capabilities.includes("energy_based"))
      out.push({ message: `${rule} needs an energy-based network; layer ${l.name} (in '${l.binding}') is feed-forward and lacks the energy_based capability`, span: l.span });
  if (out.length === 0) out.push({ message: `${rule} needs an energy-based network (nodes with symmetric 'couple a <-> b via …' couplings)` });
  return out;
}

const feedforward = (name: string, doc: string, options: ArgSig[], implemented: boolean, extra?: (net: NetworkSummary) => RuleProblem[]): RuleSig => ({
  name,
  doc,
  options,
  implemented,
  check: (net) => {
    const base = needFeedforward(name, net);
    return base.length ? base : [...needCapability(name, "differentiable", net), ...(extra ? extra(net) : [])];
  },
});

export const RULES: readonly RuleSig[] = [
  feedforward("backprop", "In-silico backpropagation through the ideal digital twin; the device is only used for evaluation.", [], true),
  feedforward("hardware_aware", "Backpropagation through the twin with the device's noise and quantization sampled on every step.", [], true),
  feedforward("physics_aware", "Physics-aware training (Wright et al., Nature 2022): forward pass on the device, backward pass through the twin evaluated at the device's activations.", [], true),
  feedforward("feedback_alignment", "Feedback alignment (Lillicrap 2016): errors sent back through fixed random matrices B instead of Wᵀ.", [], true),
  feedforward("direct_feedback_alignment", "Direct feedback alignment (Nøkland 2016): the output error is projected to every layer by fixed random B.", [{ name: "projection", type: { kind: "enum", options: ["digital", "optical"] }, default: { kind: "enum", value: "digital" }, doc: "compute B·e digitally or with a simulated optical random projection" }], true),
  {
    name: "equilibrium_propagation",
    doc: "Equilibrium propagation (Scellier & Bengio 2017): free and β-nudged relaxations; Δθ = −(1/β)(∂E/∂θ(s^β) − ∂E/∂θ(s⁰)).",
    options: [real("beta", 0.5, "nudging strength β"), { name: "symmetric", type: { kind: "bool" }, default: { kind: "bool", value: false }, doc: "±β nudging (Laborieux 2021)" }, intOpt("free_steps", 20, "relaxation steps, free phase"), intOpt("nudged_steps", 4, "relaxation steps, nudged phase"), real("step", 0.5, "relaxation step ε")],
    implemented: true,
    check: (net) => needEnergyBased("equilibrium_propagation", net),
  },
  {
    name: "coupled_learning",
    doc: "Coupled learning (Stern et al. PRX 2021): free and clamped states; Δk = −(α/η)((ΔV^C)² − (ΔV^F)²), clipped to [k_min, k_max].",
    options: [real("eta", 0.5, "clamping η"), real("alpha", 0.05, "learning rate α")],
    implemented: true,
    check: (net) => {
      const p = needEnergyBased("coupled_learning", net);
      if (p.length) return p;
      return net.couplingKinds.every((k) => k === "circuits.resistor") ? [] : [{ message: "coupled_learning needs a resistor network: every coupling must be 'via circuits.resistor(…)'" }];
    },
  },
  feedforward("in_situ_adjoint", "In-situ adjoint gradients (Hughes et al., Optica 2018): ∂L/∂φ = −Im(A_φ·A_φ^adj) from forward, adjoint and interference intensity measurements.", [real("noise", 0, "relative measurement noise")], true, (net) => [
    ...needCapability("in_situ_adjoint", "linear", net, (l) => l.capabilities.includes("physical") && !l.transducer),
    ...needCapability("in_situ_adjoint", "reciprocal", net, (l) => l.capabilities.includes("physical") && !l.transducer),
  ]),
  { ...feedforward("spsa", "Simultaneous-perturbation stochastic approximation (Spall 1992): ĝ = (L(θ+cΔ) − L(θ−cΔ))/(2c)·Δ, Δ Rademacher.", [real("c", 0.01, "perturbation size"), intOpt("samples", 1, "perturbations per step")], true), check: (net) => needFeedforward("spsa", net) },
  { ...feedforward("finite_difference", "Central finite differences, 2P loss queries per step.", [real("eps", 1e-3, "step")], true), check: (net) => needFeedforward("finite_difference", net) },
  { ...feedforward("evolution_strategies", "Evolution strategies: ĝ = (1/Nσ) Σ L(θ+σεᵢ) εᵢ.", [real("sigma", 0.02, "perturbation std"), intOpt("population", 20, "N")], true), check: (net) => needFeedforward("evolution_strategies", net) },
  { ...feedforward("local", "Physical local learning (Momeni et al., Science 2023): per-layer goodness on label-embedded positive/negative samples.", [real("tau", 4, "temperature τ")], true), check: (net) => needFeedforward("local", net) },
  { ...feedforward("readout_only", "Reservoir / extreme learning machine: the physical map is fixed; a ridge-regression readout is fitted.", [real("lambda", 1e-3, "ridge λ")], true), check: (net) => needFeedforward("readout_only", net) },
];

export function findRule(name: string): RuleSig | undefined {
  return RULES.find((r) => r.name === name);
}
