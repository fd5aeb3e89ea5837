/**
 * Optimizers over named Float64Array parameters: sgd, momentum, adam (Kingma & Ba 2015, with
 * bias correction). State is plain arrays so a checkpoint can hold it and a resumed run
 * continues bit-for-bit. Parameters with a physical range are clipped after each step.
 * This file owns what the host computes for each optimizer: the update itself (the reference
 * for the fused update in compiler/lower/optimizer.ts, which emits the same formulas in the same
 * order), the per-step scalars a fused program takes, and which state slots it keeps. Arguments
 * arrive defaulted by the checker (stdlib/training.ts declares them); nothing is re-defaulted.
 * Momentum and moment values below f32's smallest normal become zero (`flushed`): a parameter
 * whose gradient stays zero (a dead ReLU unit, a masked pixel) has its state decay geometrically,
 * 0.9ᵗ, into subnormals within ~800 steps, and subnormal arithmetic made whole training steps
 * 2–3× slower on x86. Such values move no f32 parameter anyway.
 */
import { F32_MIN_NORMAL } from "./backend.js";
import type { StateSlot } from "./manifest.js";

export interface OptimizerConfig {
  readonly name: "sgd" | "momentum" | "adam";
  readonly args: Readonly<Record<string, number>>;
}

export interface OptimizerState {
  step: number;
  /** First moment / velocity, and second moment (adam), per parameter. */
  m: Map<string, Float64Array>;
  v: Map<string, Float64Array>;
}

/** The scalar inputs a fused update takes each step, by optimizer, in the order the compiler declares them. */
export const OPTIMIZER_SCALARS = {
  sgd: ["lr"],
  momentum: ["lr", "beta"],
  adam: ["lr", "b1", "1-b1", "b2", "1-b2", "eps", "c1", "c2"],
} as const satisfies Record<OptimizerConfig["name"], readonly string[]>;

/** State slots each optimizer keeps per parameter. */
export const OPTIMIZER_SLOTS: Readonly<Record<OptimizerConfig["name"], readonly StateSlot[]>> = { sgd: [], momentum: ["m"], adam: ["m", "v"] };

/** x, or 0 when |x| is below f32's smallest normal (NaN is kept): the `flush` IR op. */
export const flushed = (x: number): number => (Math.abs(x) < F32_MIN_NORMAL ? 0 : x);

function arg(cfg: OptimizerConfig, name: string): number {
  const v = cfg.args[name];
  if (v === undefined) throw new Error(`optimizer ${cfg.name}: argument '${name}' was not defaulted by the checker`);
  return v;
}

/** The host scalars of the step about to be taken (`step` = state.step + 1), by scalar name. */
export function optimizerScalars(cfg: OptimizerConfig, step: number): Record<string, number> {
  const lr = arg(cfg, "lr");
  switch (cfg.name) {
    case "sgd": return { lr };
    case "momentum": return { lr, beta: arg(cfg, "beta") };
    case "adam": {
      const b1 = arg(cfg, "beta1"), b2 = arg(cfg, "beta2");
      return { lr, b1, "1-b1": 1 - b1, b2, "1-b2": 1 - b2, eps: arg(cfg, "eps"), c1: 1 - Math.pow(b1, step), c2: 1 - Math.pow(b2, step) };
    }
    default:
      throw new Error(`unknown optimizer '${(cfg as { name: string }).name}' (the checker admits only sgd, momentum and adam)`);
  }
}

export function newOptimizerState(params: ReadonlyMap<string, Float64Array>): OptimizerState {
  const zeros = () => new Map([...params].map(([k, p]) => [k, new Float64Array(p.length)]));
  return { step: 0, m: zeros(), v: zeros() };
}

export function optimizerStep(cfg: OptimizerConfig, state: OptimizerState, params: Map<string, Float64Array>, grads: ReadonlyMap<string, ArrayLike<number>>, ranges: ReadonlyMap<string, { lo: number; hi: number }>): void {
  state.step++;
  const s = optimizerScalars(cfg, state.step);
  for (const [name, p] of params) {
    const g = grads.get(name);
    if (!g) continue;
    const m = state.m.get(name)!;
    const v = state.v.get(name)!;
    if (cfg.name === "sgd") {
      for (let i = 0; i < p.length; i++) p[i] -= s.lr! * g[i];
    } else if (cfg.name === "momentum") {
      for (let i = 0; i < p.length; i++) {
        m[i] = flushed(s.beta! * m[i] + g[i]);
        p[i] -= s.lr! * m[i];
      }
    } else if (cfg.name === "adam") {
      const b1 = s.b1!, b2 = s.b2!, eps = s.eps!, c1 = s.c1!, c2 = s.c2!, lr = s.lr!;
      for (let i = 0; i < p.length; i++) {
        m[i] = flushed(b1 * m[i] + (1 - b1) * g[i]);
        v[i] = flushed(b2 * v[i] + (1 - b2) * g[i] * g[i]);
        p[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
      }
    } else throw new Error(`unknown optimizer '${(cfg as { name: string }).name}' (the checker admits only sgd, momentum and adam)`);
    const r = ranges.get(name);
    if (r) for (let i = 0; i < p.length; i++) p[i] = Math.min(r.hi, Math.max(r.lo, p[i]));
  }
}
