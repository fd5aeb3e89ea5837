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
 *     Kirchhoff solution (zero net current into every free node), solved directly: the free
 *     nodes' conductance matrix A (symmetric positive definite: every node reaches the rails)
 *     and the currents B the clamped nodes drive are assembled from the couplings, and A·V = B is
 *     solved by Gauss–Jordan elimination unrolled in the IR (no pivoting: A is SPD), exact to
 *     rounding. `energyResidual` measures the worst Kirchhoff residual (in volts: net current
 *     into a node over its total conductance), which the rules check against KIRCHHOFF_TOLERANCE.
 * Hopfield relaxations are loops (`scan`) over the steps, so the IR does not grow with them.
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

/** How a free relaxation runs: steps (hopfield: gradient steps of size eps; resistor: ignored, the solve is direct). */
export interface Relaxation {
  readonly steps: number;
  readonly eps: number;
}

/** A resistor network's relaxation: the direct Kirchhoff solve (no steps to choose). */
export const RESISTOR_SOLVE: Relaxation = { steps: 0, eps: 0 };

/**
 * The largest Kirchhoff residual a resistor network's solve may leave, in volts (rails at 0 and
 * 1 V). The direct solve's residual is rounding: below 1e-12 V in float64, about 1e-6 V in f32;
 * a larger one means a singular or indefinite system (a negative nudge β larger than a node's
 * conductance), and training stops (PNN5071).
 */
export const KIRCHHOFF_TOLERANCE = 1e-4;

/** Free nodes a resistor network may have: the direct solve costs O(n³) per relaxation and n IR steps. */
export const MAX_RESISTOR_NODES = 1024;

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
  const free = groups.reduce((n, g) => n + g.size, 0);
  if (family === "resistor" && free > MAX_RESISTOR_NODES)
    fail(`resistor network ${net.name} has ${free} free nodes; the direct Kirchhoff solve is limited to ${MAX_RESISTOR_NODES} (its cost grows as n³)`);
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
 * Relaxes from `init` for `steps` steps (hopfield: gradient steps of size ε) as one loop (`scan`)
 * carrying the free groups' states; the leaves (input, rails, couplings, biases, nudge target,
 * clamped values) are its invariants, so the IR does not grow with the step count. A resistor
 * network is solved directly (`init` and `steps` unused).
 */
export function relax(L: EnergyLeaves, init: readonly Node[], phase: Phase, steps: number, eps: number): Node[] {
  const { b, e } = L;
  if (e.family === "resistor") return solveKirchhoff(L, phase); // this very list: kirchhoffCheck finds the solve's pivot by it
  if (steps <= 0) return phase.kind === "clamped" ? init.map((s, g) => (g === e.output ? phase.values : s)) : [...init];
  const clamped = (g: number) => phase.kind === "clamped" && g === e.output;
  const free = e.groups.map((_, g) => g).filter((g) => !clamped(g));
  if (free.length === 0) return e.groups.map(() => (phase as { values: Node }).values);
  const biases = L.bias.filter((x): x is Node => !!x);
  const extra = phase.kind === "nudged" ? [phase.target] : phase.kind === "clamped" ? [phase.values] : [];
  const invariants = [L.x, L.rails, ...L.w, ...L.wT, ...biases, ...extra];
  const r = buildScan(b, { length: steps, carries: free.map((g) => init[g]!), invariants }, (bb, v) => {
    // the same leaves, as the body sees them
    const inv = [...v.invariants];
    const take = (k: number) => inv.splice(0, k);
    const [x, rails] = take(2) as [Node, Node];
    const w = take(L.w.length), wT = take(L.wT.length), bs = take(biases.length);
    const [held] = take(extra.length);
    let q = 0;
    const bias = L.bias.map((x0) => (x0 ? bs[q++] : undefined));
    const Lb: EnergyLeaves = { ...L, b: bb, x, rails, w, wT, bias };
    const s: Node[] = e.groups.map((_, g) => (clamped(g) ? held! : v.carries[free.indexOf(g)]!));
    const next = hopfieldStep(Lb, s, phase.kind === "nudged" ? { kind: "nudged", beta: phase.beta, target: held! } : phase.kind === "clamped" ? { kind: "clamped", values: held! } : phase, eps);
    return { carries: free.map((g) => next[g]!) };
  });
  return e.groups.map((_, g) => (clamped(g) ? (phase as { values: Node }).values : r.carries[free.indexOf(g)]!));
}

/** One synchronous gradient step of every free group of a Hopfield network. */
function hopfieldStep(L: EnergyLeaves, s: readonly Node[], phase: Phase, eps: number): Node[] {
  const { b, e } = L;
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

/** Σ_j k_ij per node of group g: its total conductance to everything it is coupled to (rails included). */
function totalConductance(L: EnergyLeaves, g: number): Node {
  const { b, e } = L;
  let acc: Node | undefined;
  e.couplings.forEach((c, i) => {
    const t = c.a === g ? b.sum(L.w[i]!, [1]) : c.b === g ? b.sum(L.w[i]!, [0]) : undefined;
    if (t) acc = acc ? b.add(acc, t) : t;
  });
  return acc!;
}

/**
 * The free nodes' Kirchhoff equations A·V = B (groups in order, concatenated): A[i, i] = Σ_j k_ij
 * (+β on the outputs when nudged), A[i, j] = −k_ij between free nodes; B[r, i] = Σ over clamped
 * nodes c (the input, the rails) of k_ic V_c (+β·t when nudged). A clamped phase replaces the
 * output rows by identity rows with B = the held values.
 */
function kirchhoffSystem(L: EnergyLeaves, phase: Phase): { a: Node; rhs: Node; sizes: number[] } {
  const { b, e } = L;
  const sizes = e.groups.map((g) => g.size);
  const zero = (r: number, c: number) => b.broadcastTo(b.scalar(0, "f32"), [r, c]);
  const eye = (n: number) => b.const(Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0)), "f32", [n, n]);
  const clampedOut = phase.kind === "clamped";
  const rows = e.groups.map((_, g) => {
    const blocks = e.groups.map((__, h) => {
      if (clampedOut && g === e.output) return g === h ? eye(sizes[g]!) : zero(sizes[g]!, sizes[h]!);
      if (g === h) {
        let d = totalConductance(L, g);
        if (phase.kind === "nudged" && g === e.output) d = b.add(d, b.scalar(phase.beta, "f32"));
        return b.mul(b.reshape(d, [1, sizes[g]!]), eye(sizes[g]!));
      }
      let k: Node | undefined;
      e.couplings.forEach((c, i) => {
        const t = c.a === g && c.b === h ? L.w[i]! : c.a === h && c.b === g ? L.wT[i]! : undefined;
        if (t) k = k ? b.add(k, t) : t;
      });
      return k ? b.neg(k) : zero(sizes[g]!, sizes[h]!);
    });
    return blocks.length === 1 ? blocks[0]! : b.concat(blocks, 1);
  });
  const a = rows.length === 1 ? rows[0]! : b.concat(rows, 0);
  const rhsParts = e.groups.map((_, g) => {
    if (clampedOut && g === e.output) return phase.values;
    const state = (i: number) => (i === RAIL_GROUP ? L.rails : L.x);
    let acc: Node | undefined;
    e.couplings.forEach((c, i) => {
      let t: Node | undefined;
      if (c.a === g && c.b < 0) t = b.matmul(state(c.b), L.wT[i]!);
      else if (c.b === g && c.a < 0) t = b.matmul(state(c.a), L.w[i]!);
      if (t) acc = acc ? b.add(acc, t) : t;
    });
    let r = acc ?? zero(L.batch, sizes[g]!);
    if (phase.kind === "nudged" && g === e.output) r = b.add(r, b.mul(b.scalar(phase.beta, "f32"), phase.target));
    return r;
  });
  return { a, rhs: rhsParts.length === 1 ? rhsParts[0]! : b.concat(rhsParts, 1), sizes };
}

/**
 * Solves A·V = B by Gauss–Jordan elimination on [A | Bᵀ], one IR step per unknown k:
 * M ← M − (M[:, k]/M[k, k] − e_k)·M[k, :] zeroes column k off the diagonal and leaves row k as it
 * is; at the end A is diagonal and V = Bᵀ/diag. No pivoting: A is symmetric positive definite
 * (every free node reaches the rails through conductances ≥ k_min > 0), so every pivot is
 * positive and elimination is backward stable. Returns the voltages per group, [batch, size].
 */
/** The smallest pivot of each direct solve, by its result: > 0 exactly when the system is positive definite (the state is an energy minimum). */
const PIVOTS = new WeakMap<readonly Node[], Node>();

function solveKirchhoff(L: EnergyLeaves, phase: Phase): Node[] {
  const { b } = L;
  const { a, rhs, sizes } = kirchhoffSystem(L, phase);
  const n = sizes.reduce((p, q) => p + q, 0);
  const m = n + L.batch;
  let aug = b.concat([a, b.transpose(rhs, [1, 0])], 1); // [n, n + batch]
  for (let k = 0; k < n; k++) {
    const row = b.slice(aug, [k, 0], [k + 1, m]);
    const col = b.slice(aug, [0, k], [n, k + 1]);
    const pivot = b.slice(aug, [k, k], [k + 1, k + 1]);
    const unit = b.const(Array.from({ length: n }, (_, i) => (i === k ? 1 : 0)), "f32", [n, 1]);
    aug = b.sub(aug, b.matmul(b.sub(b.div(col, pivot), unit), row));
  }
  const diag = b.reshape(b.sum(b.mul(b.slice(aug, [0, 0], [n, n]), b.const(Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0)), "f32", [n, n])), [1]), [n, 1]);
  const v = b.transpose(b.div(b.slice(aug, [0, n], [n, m]), diag), [1, 0]); // [batch, n]
  const out: Node[] = [];
  let at = 0;
  for (const size of sizes) {
    out.push(sizes.length === 1 ? v : b.slice(v, [0, at], [L.batch, at + size]));
    at += size;
  }
  // after Gauss–Jordan the diagonal holds the pivots (row k keeps M[k, k] once column k is cleared)
  PIVOTS.set(out, b.neg(b.reduceMax(b.neg(diag))));
  return out;
}

/**
 * A resistor network's check of one solved phase, [2]: the worst Kirchhoff residual (volts,
 * energyResidual) and the smallest elimination pivot (siemens), which is positive exactly when
 * the phase's conductance matrix is positive definite, i.e. the solution is the minimum of the
 * (nudged) power rather than a saddle (a negative nudge β can make it indefinite). `states` must
 * be what relax() returned for `phase`.
 */
export function kirchhoffCheck(L: EnergyLeaves, states: readonly Node[], phase: Phase): Node {
  const { b } = L;
  const pivot = PIVOTS.get(states);
  if (!pivot) throw new InternalError("kirchhoffCheck needs the states a resistor network's relax() returned");
  return b.concat([b.reshape(energyResidual(L, states, phase, 0), [1]), b.reshape(pivot, [1])], 0);
}

/**
 * How far `states` are from the equilibrium of `phase`, the worst over the batch and the free
 * nodes: for a resistor network the Kirchhoff residual in volts, |Σ_j k_ij(V_j − V_i) (+β(t − V_i))|
 * / (Σ_j k_ij (+β)) (the correction one more Gauss–Seidel update would make); for a Hopfield
 * network the size of one more relaxation step, max |s − clip(s − ε∂E/∂s, 0, 1)|.
 */
export function energyResidual(L: EnergyLeaves, states: readonly Node[], phase: Phase, eps: number): Node {
  const { b, e } = L;
  let worst: Node | undefined;
  e.groups.forEach((_, g) => {
    if (phase.kind === "clamped" && g === e.output) return;
    const s = states[g]!;
    let r: Node;
    if (e.family === "resistor") {
      let num = drive(L, states, g)!;
      let den = totalConductance(L, g);
      if (phase.kind === "nudged" && g === e.output) {
        num = b.add(num, b.mul(b.scalar(phase.beta, "f32"), phase.target));
        den = b.add(den, b.scalar(phase.beta, "f32"));
      }
      r = b.sub(b.div(num, den), s);
    } else {
      let grad = b.sub(s, L.bias[g] ? b.add(drive(L, states, g)!, L.bias[g]!) : drive(L, states, g)!);
      if (phase.kind === "nudged" && g === e.output) grad = b.add(grad, b.mul(b.scalar(phase.beta, "f32"), b.sub(s, phase.target)));
      r = b.sub(s, b.clip(b.sub(s, b.mul(b.scalar(eps, "f32"), grad)), 0, 1));
    }
    const m = b.reduceMax(b.abs(r));
    worst = worst ? b.max(worst, m) : m;
  });
  return worst ?? b.scalar(0, "f32");
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
