/**
 * Lowering of energy-based networks (`std/circuits`, docs/physics-circuits.md): node groups
 * coupled symmetrically, a clamped input, a state s that settles where an energy E(s, θ) is
 * minimal, class scores read from the output nodes at equilibrium.
 *
 * Two families, one per coupling element (a network uses one):
 *   hopfield (`circuits.synapse`, Scellier & Bengio 2017):
 *     E = ½ Σ_g |s_g|² − Σ_couplings ρ(s_a)ᵀ W ρ(s_b) − Σ_g b_gᵀ ρ(s_g),  ρ = clip(·, 0, 1),
 *     relaxation s ← clip(s − ε ∂E/∂s, 0, 1) (synchronous, all groups at once); the input x is
 *     clamped and enters as ρ(x) = x.
 *   resistor (`circuits.resistor`, Stern et al. 2021): node voltages V, conductances k,
 *     E = P = ½ Σ_edges k_ij (V_i − V_j)² (the dissipated power); the free state is the
 *     Kirchhoff solution (zero net current into every free node), reached by block Gauss–Seidel
 *     sweeps V_g ← (Σ k V_neighbour) / (Σ k), exact per group because no group couples to itself.
 * Relaxations are loops (`scan`) over the steps, so the IR does not grow with them.
 * A nudged phase adds β·C, C = ½|y − t|² (t = one-hot target), to the energy; a clamped phase
 * (coupled learning) holds the output nodes at fixed values. ∂E/∂θ at a state is lowered in
 * closed form, summed over the batch with the row weights.
 * Device model: `variation` on a coupling gives every chip its own static relative spread of the
 * weights/conductances, W_dev = W ⊙ (1 + δ), δ ~ N(0, σ²) per element; resistor conductances are
 * then clipped to the physical range [k_min, k_max].
 */
import type { Span } from "../../diagnostics/span.js";
import { InternalError } from "../../diagnostics/internal.js";
import type { ChipVarSpec, ModelSpec, ParamSpec } from "../../runtime/model.js";
import { RESISTOR_ARGS, SYNAPSE_ARGS } from "../../stdlib/circuits.js";
import { GraphBuilder, type Graph, type Node } from "../ir/graph.js";
import { buildScan } from "../ir/loops.js";
import { energyProblems } from "../sema/energy-check.js";
import type { NetworkModel } from "../sema/model.js";
import { KEY, LOGITS, names, X } from "./names.js";

export type EnergyFamily = "hopfield" | "resistor";

export interface EnergyCoupling {
  /** Group indices; −1 is the clamped input, −2 the supply rails. Weight shape [size(a), size(b)]. */
  readonly a: number;
  readonly b: number;
  readonly path: string;
  readonly shape: readonly [number, number];
  readonly range?: { readonly lo: number; readonly hi: number };
  /** Relative per-chip spread of the elements (0: the device equals the twin). */
  readonly variation: number;
}

export interface EnergyGroup {
  readonly name: string;
  readonly size: number;
  readonly isOutput: boolean;
  /** Bias parameter path (hopfield only). */
  readonly bias?: string;
}

export interface EnergyNet {
  readonly family: EnergyFamily;
  readonly inputSize: number;
  readonly groups: readonly EnergyGroup[];
  readonly couplings: readonly EnergyCoupling[];
  /** Index of the output group. */
  readonly output: number;
  readonly params: readonly ParamSpec[];
  readonly chipVars: readonly ChipVarSpec[];
}

/** Voltages of the supply rails (ground, supply) every free node of a resistor network reaches. */
export const RAILS = [0, 1] as const;
export const RAIL_GROUP = -2;

/** Gauss–Seidel sweeps of a resistor network's Kirchhoff solve (each phase). */
export const RESISTOR_SWEEPS = 60;

/** How a free relaxation runs: steps (hopfield: gradient steps of size eps; resistor: sweeps). */
export interface Relaxation {
  readonly steps: number;
  readonly eps: number;
}

const size = (shape: readonly number[]) => shape.reduce((p, q) => p * q, 1);

class Refused extends Error {
  constructor(readonly refusal: { message: string; span: Span }) {
    super(refusal.message);
  }
}

/**
 * Why this energy-based network cannot be lowered (PNN5070), or [] — `pnn check` and the language
 * server report these, so lowering never meets one. (Structural mistakes are PNN2070 already.)
 */
export function energyRefusals(net: NetworkModel, loss?: string): { message: string; span: Span }[] {
  if (energyProblems(net).length) return [];
  try {
    buildStructure(net);
  } catch (e) {
    if (e instanceof Refused) return [e.refusal];
    throw e;
  }
  return loss !== undefined && loss !== "mse" ? [{ message: `energy-based training nudges the outputs with the squared error; write 'loss = mse' (got ${loss})`, span: net.span }] : [];
}

/** The structure of a network that passed `energyRefusals` (anything else is a compiler bug). */
export function energyStructure(net: NetworkModel): EnergyNet {
  const problem = energyProblems(net)[0];
  if (problem) throw new InternalError(`energy network reached lowering with a checker problem: ${problem.message}`);
  try {
    return buildStructure(net);
  } catch (e) {
    if (e instanceof Refused) throw new InternalError(`energy network reached lowering unchecked: ${e.message}`);
    throw e;
  }
}

function buildStructure(net: NetworkModel): EnergyNet {
  const fail = (message: string, span = net.span): never => {
    throw new Refused({ message, span });
  };
  const input = net.inputs[0]!;
  const groups: EnergyGroup[] = net.stateNodes.map((s) => ({ name: s.name, size: size(s.type.shape), isOutput: s.isOutput }));
  const output = groups.findIndex((g) => g.isOutput);
  if (output < 0) fail(`energy-based network ${net.name} has no output nodes`);
  const kinds = new Set(net.couplings.map((c) => c.via ?? "none"));
  for (const c of net.couplings) if (!c.symmetric) fail(`the coupling ${c.from} -> ${c.to} is directed; an energy-based network needs symmetric couplings (<->)`, c.span);
  if (kinds.size !== 1) fail(`energy-based network ${net.name} has no couplings`);
  const via = [...kinds][0]!;
  const family: EnergyFamily = via === "circuits.resistor" ? "resistor" : via === "circuits.synapse" ? "hopfield" : fail(`coupling element ${via} cannot be lowered`);
  const index = (name: string, span: NetworkModel["span"]): number => {
    if (name === input.name) return -1;
    const i = groups.findIndex((g) => g.name === name);
    return i >= 0 ? i : fail(`'${name}' is not a node group of ${net.name}; couplings join the input and 'nodes' groups`, span);
  };
  const params: ParamSpec[] = [];
  const chipVars: ChipVarSpec[] = [];
  const couplings: EnergyCoupling[] = [];
  const used = new Map<string, number>();
  for (const c of net.couplings) {
    const a = index(c.from, c.span);
    const b = index(c.to, c.span);
    const na = a < 0 ? size(input.type.shape) : groups[a]!.size;
    const nb = b < 0 ? size(input.type.shape) : groups[b]!.size;
    const base = `${c.from}_${c.to}.${family === "resistor" ? "resistor" : "synapse"}`;
    const k = (used.get(base) ?? 0) + 1;
    used.set(base, k);
    const path = `${k === 1 ? base : `${base}_${k}`}.${family === "resistor" ? "conductance" : "weight"}`;
    let range: EnergyCoupling["range"];
    let variation: number;
    if (family === "resistor") {
      const v = RESISTOR_ARGS.read(c.consts);
      variation = v.variation;
      range = v.g!;
      if (!(range.hi > range.lo) || range.lo < 0) fail(`the conductance range of ${c.from} <-> ${c.to} must satisfy 0 ≤ k_min < k_max`, c.span);
      params.push({ path, shape: [na, nb], init: { kind: "uniform", lo: range.lo, hi: range.hi }, range });
    } else {
      const v = SYNAPSE_ARGS.read(c.consts);
      variation = v.variation;
      const limit = v.scale * Math.sqrt(6 / (na + nb));
      params.push({ path, shape: [na, nb], init: { kind: "uniform", lo: -limit, hi: limit } });
    }
    if (variation > 0) chipVars.push({ path: `${path}.variation`, shape: [na, nb], dist: { kind: "normal", mean: 0, std: variation } });
    couplings.push({ a, b, path, shape: [na, nb], ...(range ? { range } : {}), variation });
  }
  if (family === "resistor")
    groups.forEach((g, i) => {
      // every free node also reaches ground and the supply through its own conductances (its bias)
      const range = couplings.find((c) => c.a === i || c.b === i)?.range;
      if (!range) return fail(`node group '${g.name}' of ${net.name} is coupled to nothing`);
      const path = `${g.name}.rails.conductance`;
      params.push({ path, shape: [RAILS.length, g.size], init: { kind: "uniform", lo: range.lo, hi: range.hi }, range });
      couplings.push({ a: RAIL_GROUP, b: i, path, shape: [RAILS.length, g.size], range, variation: 0 });
    });
  if (family === "hopfield")
    groups.forEach((g, i) => {
      const path = `${g.name}.bias`;
      params.push({ path, shape: [g.size], init: { kind: "constant", value: 0 } });
      groups[i] = { ...g, bias: path };
    });
  return { family, inputSize: size(input.type.shape), groups, couplings, output, params, chipVars };
}

export function energyModelSpec(net: NetworkModel, batch: number): ModelSpec {
  const e = energyStructure(net);
  return {
    network: net.name,
    params: e.params,
    chipVars: e.chipVars,
    hasDevice: e.chipVars.length > 0,
    twinVars: [],
    externals: [],
    features: e.inputSize,
    classes: e.groups[e.output]!.size,
    batch,
  };
}

/** The IR leaves of one energy program: input, parameters (as seen by the twin or device). */
export interface EnergyLeaves {
  readonly b: GraphBuilder;
  readonly e: EnergyNet;
  readonly batch: number;
  readonly x: Node;
  /** The rail voltages, [B, 2] (resistor networks). */
  readonly rails: Node;
  /** Effective coupling matrices (device: with the chip's variation and clipping). */
  readonly w: readonly Node[];
  /** Effective couplings transposed, [size(b), size(a)]. */
  readonly wT: readonly Node[];
  readonly bias: readonly (Node | undefined)[];
}

export function energyLeaves(b: GraphBuilder, e: EnergyNet, batch: number, device: boolean): EnergyLeaves {
  const x = b.input(X, "f32", [batch, e.inputSize]);
  const w = e.couplings.map((c) => {
    let k = b.param(c.path, "f32", c.shape);
    if (device && c.variation > 0) {
      const delta = b.input(names.chip(`${c.path}.variation`), "f32", c.shape);
      k = b.mul(k, b.add(b.scalar(1, "f32"), delta));
      if (c.range) k = b.clip(k, c.range.lo, c.range.hi);
    }
    return k;
  });
  const wT = w.map((k) => b.transpose(k, [1, 0]));
  const bias = e.groups.map((g) => (g.bias ? b.param(g.bias, "f32", [g.size]) : undefined));
  const rails = b.broadcastTo(b.const([...RAILS], "f32", [1, RAILS.length]), [batch, RAILS.length]);
  return { b, e, batch, x, rails, w, wT, bias };
}

/** What the relaxation adds to the free energy dynamics. */
export type Phase =
  | { readonly kind: "free" }
  /** F = E + β·½|y − t|² (β may be negative: the symmetric variant). */
  | { readonly kind: "nudged"; readonly beta: number; readonly target: Node }
  /** The output nodes held at `values` (coupled learning's clamped state). */
  | { readonly kind: "clamped"; readonly values: Node };

/** Zero states, one per group. */
export function zeroStates(L: EnergyLeaves): Node[] {
  return L.e.groups.map((g) => L.b.broadcastTo(L.b.scalar(0, "f32"), [L.batch, g.size]));
}

/** The input each group receives through its couplings: Σ s_other Wᵀ (rows: samples). */
function drive(L: EnergyLeaves, states: readonly Node[], g: number, ws: readonly Node[] = L.w, wTs: readonly Node[] = L.wT): Node | undefined {
  const { b } = L;
  const state = (i: number) => (i === RAIL_GROUP ? L.rails : i < 0 ? L.x : states[i]!);
  let acc: Node | undefined;
  L.e.couplings.forEach((c, i) => {
    let term: Node | undefined;
    if (c.a === g) term = b.matmul(state(c.b), wTs[i]!);
    else if (c.b === g) term = b.matmul(state(c.a), ws[i]!);
    if (term) acc = acc ? b.add(acc, term) : term;
  });
  return acc;
}

/**
 * Relaxes from `init` for `steps` steps (hopfield: gradient steps of size ε; resistor: sweeps),
 * as one loop (`scan`) carrying the free groups' states; the leaves (input, rails, couplings,
 * biases, conductance sums, nudge target, clamped values) are its invariants, so the IR does not
 * grow with the step count.
 */
export function relax(L: EnergyLeaves, init: readonly Node[], phase: Phase, steps: number, eps: number): Node[] {
  const { b, e } = L;
  if (steps <= 0) return phase.kind === "clamped" ? init.map((s, g) => (g === e.output ? phase.values : s)) : [...init];
  const clamped = (g: number) => phase.kind === "clamped" && g === e.output;
  // resistor: Σ_j k_ij per node, constant over the sweeps
  const den = e.family === "resistor" ? e.groups.map((_, g) => {
    let acc: Node | undefined;
    e.couplings.forEach((c, i) => {
      const t = c.a === g ? b.sum(L.w[i]!, [1]) : c.b === g ? b.sum(L.w[i]!, [0]) : undefined;
      if (t) acc = acc ? b.add(acc, t) : t;
    });
    return b.max(acc!, b.scalar(1e-12, "f32"));
  }) : [];
  const free = e.groups.map((_, g) => g).filter((g) => !clamped(g));
  if (free.length === 0) return e.groups.map(() => (phase as { values: Node }).values);
  const biases = L.bias.filter((x): x is Node => !!x);
  const extra = phase.kind === "nudged" ? [phase.target] : phase.kind === "clamped" ? [phase.values] : [];
  const invariants = [L.x, L.rails, ...L.w, ...L.wT, ...biases, ...den, ...extra];
  const r = buildScan(b, { length: steps, carries: free.map((g) => init[g]!), invariants }, (bb, v) => {
    // the same leaves, as the body sees them
    const inv = [...v.invariants];
    const take = (k: number) => inv.splice(0, k);
    const [x, rails] = take(2) as [Node, Node];
    const w = take(L.w.length), wT = take(L.wT.length), bs = take(biases.length), dn = take(den.length);
    const [held] = take(extra.length);
    let q = 0;
    const bias = L.bias.map((x0) => (x0 ? bs[q++] : undefined));
    const Lb: EnergyLeaves = { ...L, b: bb, x, rails, w, wT, bias };
    const s: Node[] = e.groups.map((_, g) => (clamped(g) ? held! : v.carries[free.indexOf(g)]!));
    const next = stepOnce(Lb, s, phase.kind === "nudged" ? { kind: "nudged", beta: phase.beta, target: held! } : phase.kind === "clamped" ? { kind: "clamped", values: held! } : phase, eps, dn);
    return { carries: free.map((g) => next[g]!) };
  });
  return e.groups.map((_, g) => (clamped(g) ? (phase as { values: Node }).values : r.carries[free.indexOf(g)]!));
}

/** One relaxation step of every free group (hopfield: synchronous gradient step; resistor: a Gauss–Seidel sweep). */
function stepOnce(L: EnergyLeaves, s0: readonly Node[], phase: Phase, eps: number, den: readonly Node[]): Node[] {
  const { b, e } = L;
  const s = [...s0];
  if (e.family === "hopfield") {
    const epsN = b.scalar(eps, "f32");
    return s.map((sg, g) => {
      if (phase.kind === "clamped" && g === e.output) return sg;
      let r = drive(L, s, g)!;
      if (L.bias[g]) r = b.add(r, L.bias[g]!);
      let dE = b.sub(sg, r); // ∂E/∂s_g with ρ'(s) = 1 on [0, 1]
      if (phase.kind === "nudged" && g === e.output) dE = b.add(dE, b.mul(b.scalar(phase.beta, "f32"), b.sub(sg, phase.target)));
      return b.clip(b.sub(sg, b.mul(epsN, dE)), 0, 1);
    });
  }
  for (let g = 0; g < e.groups.length; g++) {
    if (phase.kind === "clamped" && g === e.output) continue;
    let num = drive(L, s, g)!;
    let d = den[g]!;
    if (phase.kind === "nudged" && g === e.output) {
      const beta = b.scalar(phase.beta, "f32");
      num = b.add(num, b.mul(beta, phase.target));
      d = b.add(d, beta);
    }
    s[g] = b.div(num, d);
  }
  return s;
}

/** Σ_rows w_r ∂E/∂θ at `states`, one node per parameter (same order as e.params). */
export function energyParamGrads(L: EnergyLeaves, states: readonly Node[], weights: Node): Node[] {
  const { b, e } = L;
  const state = (i: number) => (i === RAIL_GROUP ? L.rails : i < 0 ? L.x : states[i]!);
  const wCol = b.reshape(weights, [L.batch, 1]);
  const out: Node[] = e.couplings.map((c) => {
    const sa = state(c.a);
    const sb = state(c.b);
    const cross = b.matmul(b.transpose(b.mul(sa, wCol), [1, 0]), sb); // Σ_r w_r s_a,i s_b,j
    if (e.family === "hopfield") return b.neg(cross); // ∂E/∂W = −ρ(s_a)ρ(s_b)ᵀ
    // ∂P/∂k_ij = ½(V_i − V_j)²
    const a2 = b.reshape(b.sum(b.mul(b.square(sa), wCol), [0]), [c.shape[0], 1]);
    const b2 = b.reshape(b.sum(b.mul(b.square(sb), wCol), [0]), [1, c.shape[1]]);
    return b.mul(b.scalar(0.5, "f32"), b.sub(b.add(a2, b2), b.mul(b.scalar(2, "f32"), cross)));
  });
  if (e.family === "hopfield") e.groups.forEach((g, i) => out.push(b.neg(b.sum(b.mul(states[i]!, wCol), [0])))); // ∂E/∂b = −ρ(s)
  return out;
}

/** ½|y − t|² per row → weighted sum (the loss every energy rule reports and nudges with). */
export function squaredError(b: GraphBuilder, y: Node, target: Node, weights: Node): Node {
  const perRow = b.mul(b.scalar(0.5, "f32"), b.sum(b.square(b.sub(y, target)), [1]));
  return b.sum(b.mul(perRow, weights));
}

/** x → class scores: the output nodes at the free equilibrium. */
export function lowerEnergyInfer(net: NetworkModel, device: boolean, batch: number, relaxation: Relaxation): Graph {
  const e = energyStructure(net);
  const b = new GraphBuilder();
  const L = energyLeaves(b, e, batch, device);
  b.input(KEY, "i32", [4]);
  const s = relax(L, zeroStates(L), { kind: "free" }, relaxation.steps, relaxation.eps);
  b.output(LOGITS, s[e.output]!);
  return b.build();
}
