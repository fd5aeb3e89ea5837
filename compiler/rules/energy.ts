/**
 * Energy-based rules (docs/rules-energy.md). Each has one program `step` (x, labels, weights →
 * loss, logits, and the rule's update) and its own inference programs: the free relaxation with
 * the rule's settings, which `pnn eval`, `infer` and `build` all use.
 *   equilibrium_propagation (Scellier & Bengio 2017): free relaxation to s⁰, nudged relaxation(s)
 *     from s⁰; gradient (1/β)(∂E/∂θ(s^β) − ∂E/∂θ(s⁰)), or with `symmetric`
 *     (1/2β)(∂E/∂θ(s^β) − ∂E/∂θ(s^−β)) (Laborieux et al. 2021). The optimizer steps against it.
 *     Cost per sample: 2 relaxations (3 with ±β) and as many readouts of the local correlations
 *     ρ(s_i)ρ(s_j); digital FLOPs: forming the contrast, 2 per weight per phase.
 *   coupled_learning (Stern et al. 2021): free state V^F, clamped state with the outputs held at
 *     V^F_y + η(t − V^F_y); delta = Σ_rows w ((ΔV^C)² − (ΔV^F)²) per conductance; the stepper
 *     applies Δk = −(α/η)·delta and clips to [k_min, k_max]. Cost per sample: 2 relaxations and 2
 *     readouts of every edge's voltage drop; the update is local to each edge (Dillavou et al.
 *     2022 do it in analog circuitry), so it counts no digital FLOPs.
 * On a resistor network every relaxation is the direct Kirchhoff solve; the step programs also
 * output the worst Kirchhoff residual (volts), and a step that leaves more than
 * KIRCHHOFF_TOLERANCE stops training (PNN5071).
 * When the network has a device model the rule programs run on the device (chip 0): the
 * relaxations are physical, so learning sees the chip's own conductances.
 * `lowerEnergyBptt` is the reference the theory checks compare against: backpropagation through
 * the unrolled free relaxation (recurrent backprop), gradients of the same loss.
 */
import { outputNamed, outputsOf } from "../../runtime/manifest.js";
import { bindInputs, feedBatch, gradsOf } from "../../runtime/rules/bind.js";
import type { RuleContext, ShardMerger, ShardStepper } from "../../runtime/rules/types.js";
import { flag, int, quantity, real, schema } from "../../stdlib/schema.js";
import { CONDUCTANCE_PER_VOLT2 } from "../units.js";
import { grad } from "../ir/autodiff.js";
import { GraphBuilder, type Graph, type Node } from "../ir/graph.js";
import { diag, UserError } from "../../diagnostics/catalog.js";
import { fileSpan, type Span } from "../../diagnostics/span.js";
import type { ProgramManifest } from "../../runtime/manifest.js";
import { energyLeaves, energyParamGrads, energyStructure, KIRCHHOFF_TOLERANCE, kirchhoffCheck, lowerEnergyInfer, relax, RESISTOR_SOLVE, squaredError, zeroStates, type EnergyLeaves, type Relaxation } from "../lower/energy.js";
import { LABELS, LOGITS, LOSS, names, RESIDUAL, WEIGHTS } from "../lower/names.js";
import type { NetworkModel } from "../sema/model.js";
import { defineRule, needEnergyBased, refuseExternal, type RuleDef } from "./rule.js";

export const STEP = "step";

/** The common head of a step program: leaves, labels, weights, one-hot targets, the free state. */
function stepHead(net: NetworkModel, batch: number, device: boolean, free: Relaxation) {
  const e = energyStructure(net);
  const b = new GraphBuilder();
  const L = energyLeaves(b, e, batch, device);
  const labels = b.input(LABELS, "i32", [batch]);
  const weights = b.input(WEIGHTS, "f32", [batch]);
  const target = b.oneHot(labels, e.groups[e.output]!.size, "f32");
  const state = relax(L, zeroStates(L), { kind: "free" }, free.steps, free.eps);
  const y = state[e.output]!;
  b.output(LOSS, squaredError(b, y, target, weights));
  b.output(LOGITS, y);
  return { e, b, L, weights, target, free: state };
}

export interface EquilibriumOptions {
  readonly beta: number;
  readonly symmetric: boolean;
  readonly free_steps: number;
  readonly nudged_steps: number;
  readonly step: number;
}

/** The free relaxation of EP: the rule's steps on a Hopfield network, the direct Kirchhoff solve on a resistor network. */
export function equilibriumRelaxation(net: NetworkModel, o: Pick<EquilibriumOptions, "free_steps" | "step">): Relaxation {
  return energyStructure(net).family === "resistor" ? RESISTOR_SOLVE : { steps: o.free_steps, eps: o.step };
}

/** Equilibrium propagation's step program (the contrastive update as gradients). */
export function lowerEquilibriumStep(net: NetworkModel, batch: number, device: boolean, o: EquilibriumOptions): Graph {
  const free = equilibriumRelaxation(net, o);
  const { e, b, L, weights, target, free: s0 } = stepHead(net, batch, device, free);
  const nudgedSteps = e.family === "resistor" ? RESISTOR_SOLVE.steps : o.nudged_steps;
  const at = (states: ReturnType<typeof relax>) => energyParamGrads(L, states, weights);
  const nudge = (beta: number) => ({ kind: "nudged" as const, beta, target });
  const sPlus = relax(L, s0, nudge(o.beta), nudgedSteps, free.eps);
  const sMinus = o.symmetric ? relax(L, s0, nudge(-o.beta), nudgedSteps, free.eps) : undefined;
  const plus = at(sPlus);
  const [minus, scale] = sMinus ? [at(sMinus), 1 / (2 * o.beta)] : [at(s0), 1 / o.beta];
  e.params.forEach((p, i) => b.output(names.grad(p.path), b.mul(b.scalar(scale, "f32"), b.sub(plus[i]!, minus[i]!))));
  if (e.family === "resistor") b.output(RESIDUAL, worstCheck(b, [kirchhoffCheck(L, s0, { kind: "free" }), kirchhoffCheck(L, sPlus, nudge(o.beta)), ...(sMinus ? [kirchhoffCheck(L, sMinus, nudge(-o.beta))] : [])]));
  return b.build();
}

/** The worst of several phases' Kirchhoff checks [residual V, smallest pivot S]: the largest residual and the smallest pivot. */
function worstCheck(b: GraphBuilder, checks: readonly Node[]): Node {
  const residual = checks.map((c) => b.slice(c, [0], [1])).reduce((p, q) => b.max(p, q));
  const pivot = checks.map((c) => b.slice(c, [1], [2])).reduce((p, q) => b.min(p, q));
  return b.stopGradient(b.concat([residual, pivot], 0));
}

/** Coupled learning's step program (delta per conductance = Σ w((ΔV^C)² − (ΔV^F)²)). */
export function lowerCoupledStep(net: NetworkModel, batch: number, device: boolean, eta: number): Graph {
  const { e, b, L, weights, target, free } = stepHead(net, batch, device, RESISTOR_SOLVE);
  const y = free[e.output]!;
  const clampedY = b.add(y, b.mul(b.scalar(eta, "f32"), b.sub(target, y)));
  const clampedPhase = { kind: "clamped" as const, values: clampedY };
  const clamped = relax(L, free, clampedPhase, RESISTOR_SOLVE.steps, 0);
  const gF = energyParamGrads(L, free, weights);
  const gC = energyParamGrads(L, clamped, weights);
  // ∂P/∂k = ½ΔV², so (ΔV^C)² − (ΔV^F)² = 2(∂P/∂k(C) − ∂P/∂k(F))
  e.params.forEach((p, i) => b.output(names.delta(p.path), b.mul(b.scalar(2, "f32"), b.sub(gC[i]!, gF[i]!))));
  b.output(RESIDUAL, worstCheck(b, [kirchhoffCheck(L, free, { kind: "free" }), kirchhoffCheck(L, clamped, clampedPhase)]));
  return b.build();
}

/** Recurrent backprop through `relaxation.steps` free relaxation steps: gradients of Σ w ½|y − t|². */
export function lowerEnergyBptt(net: NetworkModel, batch: number, relaxation: Relaxation): Graph {
  const e = energyStructure(net);
  const b = new GraphBuilder();
  const L: EnergyLeaves = energyLeaves(b, e, batch, false);
  const labels = b.input(LABELS, "i32", [batch]);
  const weights = b.input(WEIGHTS, "f32", [batch]);
  const target = b.oneHot(labels, e.groups[e.output]!.size, "f32");
  const s = relax(L, zeroStates(L), { kind: "free" }, relaxation.steps, relaxation.eps);
  b.output(LOSS, squaredError(b, s[e.output]!, target, weights));
  b.output(LOGITS, s[e.output]!);
  return grad(b.build(), LOSS, e.params.map((p) => p.path));
}

/**
 * The run-time check of a resistor network's step: every phase's Kirchhoff solve must leave a
 * residual ≤ KIRCHHOFF_TOLERANCE and have positive pivots (a positive definite system, so the
 * state is the power's minimum); otherwise training stops with PNN5071. A Hopfield relaxation
 * runs the rule's fixed number of steps (the paper's method) and is not checked.
 */
function residualCheck(network: string, span: Span | undefined, m: ProgramManifest): (out: Readonly<Record<string, { data: ArrayLike<number> }>>, step: number) => void {
  const name = outputsOf(m, "residual")[0]?.name;
  if (!name) return () => {};
  return (out, step) => {
    const [residual, pivot] = [out[name]!.data[0]!, out[name]!.data[1]!];
    const where = `the Kirchhoff solve of ${network} at step ${step}`;
    if (!(pivot > 0))
      throw new UserError(diag("PNN5071", span ?? fileSpan(network), `${where} is not at a minimum of the power: the conductance matrix is not positive definite (smallest pivot ${pivot.toExponential(2)} S) — a negative nudge −β larger than a node's total conductance, or conductances of 0; use a smaller beta (β is a conductance here, in siemens)`));
    if (!(residual <= KIRCHHOFF_TOLERANCE))
      throw new UserError(diag("PNN5071", span ?? fileSpan(network), `${where} leaves a residual of ${residual.toExponential(2)} V (tolerance ${KIRCHHOFF_TOLERANCE} V): the conductance matrix is too ill-conditioned for the backend's precision`));
  };
}

export const equilibriumPropagation = defineRule({
  name: "equilibrium_propagation",
  doc: "Equilibrium propagation (Scellier & Bengio 2017): free and β-nudged relaxations; Δθ = −(1/β)(∂E/∂θ(s^β) − ∂E/∂θ(s⁰)).",
  options: schema({
    beta: real("nudging strength β", { default: 0.5, min: 0, exclusiveMin: true }),
    symmetric: flag("±β nudging (Laborieux 2021)", { default: false }),
    free_steps: int("relaxation steps, free phase", { default: 20, min: 1 }),
    nudged_steps: int("relaxation steps, nudged phase", { default: 4, min: 1 }),
    step: real("relaxation step ε", { default: 0.5, min: 0 }),
  }),
  trains: "energy_based",
  requires: "an energy-based network (nodes and symmetric couplings)",
  plan: (net) => [...refuseExternal("equilibrium_propagation", net, "free and nudged relaxations of an energy-based system"), ...needEnergyBased("equilibrium_propagation", net)],
  programs: (c) => ({ [STEP]: lowerEquilibriumStep(c.net, c.batch, c.hasDevice, c.options) }),
  infer: (c, device) => lowerEnergyInfer(c.net, device, c.batch, equilibriumRelaxation(c.net, c.options)),
  stepper(ctx, o) {
    const exe = ctx.programs[STEP]!;
    const m = ctx.manifests[STEP]!;
    const inputs = bindInputs(exe, m, ctx.params, ctx.chip);
    const phases = o.symmetric ? 3 : 2;
    const elements = ctx.spec.params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
    const loss = outputNamed(m, "loss"), logits = outputNamed(m, "logits");
    const check = residualCheck(ctx.spec.network, ctx.span, m);
    return {
      async step(batch) {
        feedBatch(m, inputs, batch);
        const out = await exe.run(inputs);
        check(out, batch.step);
        return { loss: out[loss]!.data[0]!, logits: out[logits]!.data, grads: gradsOf(m, out), cost: { relaxations: phases * batch.n, measurements: phases * batch.n, digitalFlops: 2 * phases * batch.n * elements } };
      },
    };
  },
  // the contrast Σ_rows w(∂E/∂θ(s^β) − ∂E/∂θ(s⁰)) is a weighted sum over rows
  parallel: "gradient",
});

export const coupledLearning = defineRule({
  name: "coupled_learning",
  doc: "Coupled learning (Stern et al. PRX 2021): free and clamped states; Δk = −(α/η)((ΔV^C)² − (ΔV^F)²), clipped to [k_min, k_max].",
  options: schema({
    eta: real("clamping η", { default: 0.5, min: 0, exclusiveMin: true }),
    // Δk = −(α/η)·ΔV²: α is a conductance per squared volt (5 µS/V² moves a default 1–100 µS edge by ~5% of its range per volt² of contrast)
    alpha: quantity(CONDUCTANCE_PER_VOLT2, "learning rate α in S/V² (write `5 uS/V/V`)", { default: 5e-6, min: 0 }),
  }),
  trains: "energy_based",
  requires: "a resistor network (every coupling 'via circuits.resistor(…)')",
  plan(net) {
    const p = [...refuseExternal("coupled_learning", net, "free and clamped states of a resistor network"), ...needEnergyBased("coupled_learning", net)];
    if (p.length) return p;
    return net.couplings.every((c) => c.via === "circuits.resistor") ? [] : [{ code: "PNN4002", message: "coupled_learning needs a resistor network: every coupling must be 'via circuits.resistor(…)'" }];
  },
  programs: (c) => ({ [STEP]: lowerCoupledStep(c.net, c.batch, c.hasDevice, c.options.eta) }),
  infer: (c, device) => lowerEnergyInfer(c.net, device, c.batch, RESISTOR_SOLVE),
  stepper(ctx, o) {
    const shard = coupledShard(ctx);
    const merge = coupledMerge(ctx, o);
    return {
      async step(batch) {
        const r = await shard.step(batch);
        merge.merge(r.sums);
        return { loss: r.loss, logits: r.logits, cost: r.cost };
      },
    };
  },
  // delta is Σ_rows w(…): the shards' deltas are summed, then one update k ← clip(k − (α/η)·delta)
  parallel: { shard: (ctx) => coupledShard(ctx), merge: coupledMerge },
});

/** Coupled learning's measurement: the free and clamped states of a batch (or shard) and their delta per conductance. */
function coupledShard(ctx: RuleContext): ShardStepper {
  const exe = ctx.programs[STEP]!;
  const m = ctx.manifests[STEP]!;
  const inputs = bindInputs(exe, m, ctx.params, ctx.chip);
  const deltas = outputsOf(m, "delta");
  const loss = outputNamed(m, "loss"), logits = outputNamed(m, "logits");
  const check = residualCheck(ctx.spec.network, ctx.span, m);
  return {
    sums: new Map(deltas.map(({ role }) => [role.param, ctx.params.get(role.param)!.length])),
    async step(batch) {
      feedBatch(m, inputs, batch);
      const out = await exe.run(inputs);
      check(out, batch.step);
      return {
        loss: out[loss]!.data[0]!,
        logits: out[logits]!.data,
        sums: new Map(deltas.map(({ name, role }) => [role.param, out[name]!.data])),
        cost: { relaxations: 2 * batch.n, measurements: 2 * batch.n, digitalFlops: 0 },
      };
    },
  };
}

/** Coupled learning's update from a (summed) delta: k ← clip(k − (α/η)·delta) to the conductance's range. */
function coupledMerge(ctx: RuleContext, o: { readonly eta: number; readonly alpha: number }): ShardMerger {
  const rate = o.alpha / o.eta;
  const ranges = new Map(ctx.spec.params.map((p) => [p.path, p.range]));
  return {
    merge(sums) {
      for (const [param, delta] of sums) {
        const k = ctx.params.get(param)!;
        const r = ranges.get(param);
        const lo = r?.lo ?? -Infinity, hi = r?.hi ?? Infinity;
        for (let i = 0; i < k.length; i++) k[i] = Math.min(hi, Math.max(lo, k[i] - rate * delta[i]));
      }
    },
  };
}

/** This family's rules, in the order the rule table lists them (compiler/rules/index.ts collects the families). */
export const ENERGY_RULES: readonly RuleDef[] = [equilibriumPropagation, coupledLearning];
