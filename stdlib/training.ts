/**
 * The keys a train block accepts, the optimizers and the losses. Values are checked by the same
 * generic argument checker as layer arguments.
 */
import { DIMENSIONLESS } from "../compiler/units.js";
import type { ArgSig } from "./types.js";

const n = (value: number) => ({ kind: "num" as const, value, dim: DIMENSIONLESS, isInt: Number.isInteger(value) });

export interface TrainKey {
  readonly name: string;
  readonly doc: string;
  readonly kind: "rule" | "loss" | "optimizer" | "int" | "real";
  readonly default?: number | string;
  readonly min?: number;
}

export const TRAIN_KEYS: readonly TrainKey[] = [
  { name: "rule", kind: "rule", doc: "the learning rule (see docs/rules.md)" },
  { name: "loss", kind: "loss", default: "cross_entropy", doc: "cross_entropy or mse" },
  { name: "optimizer", kind: "optimizer", default: "adam", doc: "sgd(lr), momentum(lr, beta), adam(lr, beta1, beta2, eps)" },
  { name: "epochs", kind: "int", default: 10, min: 1, doc: "passes over the training set" },
  { name: "batch", kind: "int", default: 32, min: 1, doc: "samples per step" },
  { name: "seed", kind: "int", default: 1, min: 0, doc: "seeds initialisation, shuffling and the simulated chips" },
  { name: "chips", kind: "int", default: 5, min: 1, doc: "simulated chips the device accuracy is averaged over" },
];

export interface OptimizerSig {
  readonly name: string;
  readonly doc: string;
  readonly args: readonly ArgSig[];
}

const pos = (name: string, value: number, doc: string): ArgSig => ({ name, type: { kind: "quantity", dim: DIMENSIONLESS, min: 0, exclusiveMin: true }, default: n(value), doc });
const frac = (name: string, value: number, doc: string): ArgSig => ({ name, type: { kind: "quantity", dim: DIMENSIONLESS, min: 0, max: 0.999999999 }, default: n(value), doc });

export const OPTIMIZERS: readonly OptimizerSig[] = [
  { name: "sgd", doc: "θ ← θ − lr·g", args: [pos("lr", 0.01, "learning rate")] },
  { name: "momentum", doc: "v ← βv + g; θ ← θ − lr·v", args: [pos("lr", 0.01, "learning rate"), frac("beta", 0.9, "momentum β")] },
  { name: "adam", doc: "Adam (Kingma & Ba 2015) with bias correction", args: [pos("lr", 1e-3, "learning rate"), frac("beta1", 0.9, "β₁"), frac("beta2", 0.999, "β₂"), pos("eps", 1e-8, "ε")] },
];

export const LOSSES = [
  { name: "cross_entropy", doc: "softmax cross-entropy of the output scores against the label" },
  { name: "mse", doc: "mean squared error against the one-hot label" },
] as const;
