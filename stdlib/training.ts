/**
 * What a train block may say besides its rule and data set: the keys, the optimizers with their
 * arguments and the losses. Integer keys and optimizer arguments are schemas (stdlib/schema.ts):
 * the checker validates and defaults them with the same code as layer arguments, and everything
 * downstream (lowering, runtime/optim.ts) reads the defaulted values.
 */
import { int, real, schema, type Schema } from "./schema.js";

/** The integer keys of a train block, with defaults and ranges. */
export const TRAIN_SETTINGS = schema({
  epochs: int("passes over the training set", { default: 10, min: 1, max: 1_000_000 }),
  // its upper limit is a memory budget of the whole step (compiler/sema/budgets.ts, PNN2081)
  batch: int("samples per step", { default: 32, min: 1 }),
  seed: int("seeds initialisation, shuffling and the simulated chips", { default: 1, min: 0, max: 2 ** 31 - 1 }),
  chips: int("simulated chips the device accuracy is averaged over", { default: 5, min: 1, max: 10_000 }),
  // data-parallel training (docs/scaling.md): the shard layout, not the number of workers, fixes the arithmetic
  shards: int("fixed shards each batch is split into for data-parallel training; must divide batch", { default: 1, min: 1, max: 4096 }),
});

export interface TrainKey {
  readonly name: string;
  readonly doc: string;
  /** Shown by the editor. */
  readonly default?: number | string;
}

const intDefault = (name: keyof typeof TRAIN_SETTINGS.specs): number => {
  const d = TRAIN_SETTINGS.specs[name].default;
  return d && d.kind === "num" ? d.value : NaN;
};

/** Every key a train block accepts (the editor lists these). */
export const TRAIN_KEYS: readonly TrainKey[] = [
  { name: "rule", doc: "the learning rule (see docs/rules-feedforward.md and docs/rules-energy.md)" },
  { name: "loss", default: "cross_entropy", doc: "cross_entropy or mse (energy-based networks: mse)" },
  { name: "optimizer", default: "adam", doc: "sgd(lr), momentum(lr, beta), adam(lr, beta1, beta2, eps)" },
  ...TRAIN_SETTINGS.list.map((a) => ({ name: a.name, doc: a.doc, default: intDefault(a.name as keyof typeof TRAIN_SETTINGS.specs) })),
];

export type OptimizerName = "sgd" | "momentum" | "adam";

export interface OptimizerSig {
  readonly name: OptimizerName;
  readonly doc: string;
  readonly schema: Schema;
  /** The checker's view of the arguments (schema.list). */
  readonly args: Schema["list"];
}

const lr = (value: number) => real("learning rate", { default: value, min: 0, exclusiveMin: true });
const frac = (doc: string, value: number) => real(doc, { default: value, min: 0, max: 0.999999999 });

function optimizer(name: OptimizerName, doc: string, s: Schema): OptimizerSig {
  return { name, doc, schema: s, args: s.list };
}

export const OPTIMIZERS: readonly OptimizerSig[] = [
  optimizer("sgd", "θ ← θ − lr·g", schema({ lr: lr(0.01) })),
  optimizer("momentum", "v ← βv + g; θ ← θ − lr·v", schema({ lr: lr(0.01), beta: frac("momentum β", 0.9) })),
  optimizer("adam", "Adam (Kingma & Ba 2015) with bias correction", schema({ lr: lr(1e-3), beta1: frac("β₁", 0.9), beta2: frac("β₂", 0.999), eps: real("ε", { default: 1e-8, min: 0, exclusiveMin: true }) })),
];

/** The optimizer a train block uses when it names none. */
export const DEFAULT_OPTIMIZER: OptimizerName = "adam";

export function findOptimizer(name: string): OptimizerSig | undefined {
  return OPTIMIZERS.find((o) => o.name === name);
}

export const LOSSES = [
  { name: "cross_entropy", doc: "softmax cross-entropy of the output scores against the label" },
  { name: "mse", doc: "mean squared error against the one-hot label" },
] as const;
