/**
 * Energy-based rules, compiler side (docs/rules-energy.md). Each emits one program `step`
 * (x, labels, weights → loss, logits, and the rule's update) besides the infer programs:
 *   equilibrium_propagation (Scellier & Bengio 2017): free relaxation to s⁰, nudged relaxation(s)
 *     from s⁰; `grad:<θ>` = (1/β)(∂E/∂θ(s^β) − ∂E/∂θ(s⁰)), or with `symmetric`
 *     (1/2β)(∂E/∂θ(s^β) − ∂E/∂θ(s^−β)) (Laborieux et al. 2021). The optimizer steps against it.
 *   coupled_learning (Stern et al. 2021): free state V^F, clamped state with the outputs held at
 *     V^F_y + η(t − V^F_y); `delta:<k>` = Σ_rows w ((ΔV^C)² − (ΔV^F)²) per conductance; the
 *     runtime applies Δk = −(α/η)·delta and clips to [k_min, k_max].
 * When the network has a device model the rule programs run on the device (chip 0): the
 * relaxations are physical, so learning sees the chip's own conductances.
 * `lowerEnergyBptt` is the reference the theory checks compare against: backpropagation
 * through the unrolled free relaxation (recurrent backprop), `grad:<θ>` of the same loss.
 */
import { grad } from "../../ir/autodiff.js";
import { GraphBuilder, type Graph } from "../../ir/graph.js";
import type { NetworkModel, TrainModel } from "../../sema/model.js";
import { energyLeaves, energyParamGrads, energyStructure, freeSteps, lowerEnergyInfer, relax, RESISTOR_SWEEPS, squaredError, stepSize, zeroStates, type EnergyLeaves } from "../energy.js";
import type { RuleGraphs, RuleLowering } from "./index.js";

const num = (train: TrainModel, name: string, dflt: number): number => {
  const v = train.rule.options[name];
  return v && v.kind === "num" ? v.value : dflt;
};
const bool = (train: TrainModel, name: string): boolean => {
  const v = train.rule.options[name];
  return !!v && v.kind === "bool" && v.value;
};

function inferGraphs(net: NetworkModel, train: TrainModel, batch: number, hasDevice: boolean): RuleGraphs {
  return { inferTwin: lowerEnergyInfer(net, false, batch, train), ...(hasDevice ? { inferDevice: lowerEnergyInfer(net, true, batch, train) } : {}) };
}

/** The common head of a step program: leaves, labels, weights, one-hot targets, the free state. */
function stepHead(net: NetworkModel, train: TrainModel, batch: number, device: boolean) {
  const e = energyStructure(net, train);
  const b = new GraphBuilder();
  const L = energyLeaves(b, e, batch, device);
  const labels = b.input("labels", "i32", [batch]);
  const weights = b.input("weights", "f32", [batch]);
  const target = b.oneHot(labels, e.groups[e.output]!.size, "f32");
  const free = relax(L, zeroStates(L), { kind: "free" }, freeSteps(e, train), stepSize(train));
  const y = free[e.output]!;
  b.output("loss", squaredError(b, y, target, weights));
  b.output("logits", y);
  return { e, b, L, weights, target, free };
}

/** Equilibrium propagation's step program (the contrastive update as `grad:<param>`). */
export function lowerEquilibriumStep(net: NetworkModel, train: TrainModel, batch: number, device: boolean): Graph {
  const { e, b, L, weights, target, free } = stepHead(net, train, batch, device);
  const beta = num(train, "beta", 0.5);
  const nudgedSteps = e.family === "resistor" ? RESISTOR_SWEEPS : num(train, "nudged_steps", 4);
  const eps = stepSize(train);
  const at = (states: ReturnType<typeof relax>) => energyParamGrads(L, states, weights);
  const plus = at(relax(L, free, { kind: "nudged", beta, target }, nudgedSteps, eps));
  const [minus, scale] = bool(train, "symmetric") ? [at(relax(L, free, { kind: "nudged", beta: -beta, target }, nudgedSteps, eps)), 1 / (2 * beta)] : [at(free), 1 / beta];
  e.params.forEach((p, i) => b.output(`grad:${p.path}`, b.mul(b.scalar(scale, "f32"), b.sub(plus[i]!, minus[i]!))));
  return b.build();
}

/** Coupled learning's step program (`delta:<conductance>` = Σ w((ΔV^C)² − (ΔV^F)²)). */
export function lowerCoupledStep(net: NetworkModel, train: TrainModel, batch: number, device: boolean): Graph {
  const { e, b, L, weights, target, free } = stepHead(net, train, batch, device);
  const eta = num(train, "eta", 0.5);
  const y = free[e.output]!;
  const clampedY = b.add(y, b.mul(b.scalar(eta, "f32"), b.sub(target, y)));
  const clamped = relax(L, free, { kind: "clamped", values: clampedY }, RESISTOR_SWEEPS, 0);
  const gF = energyParamGrads(L, free, weights);
  const gC = energyParamGrads(L, clamped, weights);
  // ∂P/∂k = ½ΔV², so (ΔV^C)² − (ΔV^F)² = 2(∂P/∂k(C) − ∂P/∂k(F))
  e.params.forEach((p, i) => b.output(`delta:${p.path}`, b.mul(b.scalar(2, "f32"), b.sub(gC[i]!, gF[i]!))));
  return b.build();
}

/** Recurrent backprop through `steps` free relaxation steps: `grad:<θ>` of Σ w ½|y − t|². */
export function lowerEnergyBptt(net: NetworkModel, train: TrainModel, batch: number, steps?: number): Graph {
  const e = energyStructure(net, train);
  const b = new GraphBuilder();
  const L: EnergyLeaves = energyLeaves(b, e, batch, false);
  const labels = b.input("labels", "i32", [batch]);
  const weights = b.input("weights", "f32", [batch]);
  const target = b.oneHot(labels, e.groups[e.output]!.size, "f32");
  const s = relax(L, zeroStates(L), { kind: "free" }, steps ?? freeSteps(e, train), stepSize(train));
  b.output("loss", squaredError(b, s[e.output]!, target, weights));
  b.output("logits", s[e.output]!);
  return grad(b.build(), "loss", e.params.map((p) => p.path));
}

export const ENERGY_RULE_LOWERINGS: Readonly<Record<string, RuleLowering>> = {
  equilibrium_propagation: (net, train, batch, hasDevice) => ({ ...inferGraphs(net, train, batch, hasDevice), step: lowerEquilibriumStep(net, train, batch, hasDevice) }),
  coupled_learning: (net, train, batch, hasDevice) => ({ ...inferGraphs(net, train, batch, hasDevice), step: lowerCoupledStep(net, train, batch, hasDevice) }),
};
