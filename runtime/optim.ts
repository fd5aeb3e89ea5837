/**
 * Optimizers over named Float64Array parameters: sgd, momentum, adam (Kingma & Ba 2015, with
 * bias correction). State is plain arrays so a checkpoint can hold it and a resumed run
 * continues bit-for-bit. Parameters with a physical range are clipped after each step.
 */
export interface OptimizerConfig {
  readonly name: string;
  readonly args: Readonly<Record<string, number>>;
}

export interface OptimizerState {
  step: number;
  /** First moment / velocity, and second moment (adam), per parameter. */
  m: Map<string, Float64Array>;
  v: Map<string, Float64Array>;
}

export function newOptimizerState(params: ReadonlyMap<string, Float64Array>): OptimizerState {
  const zeros = () => new Map([...params].map(([k, p]) => [k, new Float64Array(p.length)]));
  return { step: 0, m: zeros(), v: zeros() };
}

export function optimizerStep(cfg: OptimizerConfig, state: OptimizerState, params: Map<string, Float64Array>, grads: ReadonlyMap<string, ArrayLike<number>>, ranges: ReadonlyMap<string, { lo: number; hi: number }>): void {
  state.step++;
  const lr = cfg.args.lr ?? 1e-3;
  for (const [name, p] of params) {
    const g = grads.get(name);
    if (!g) continue;
    const m = state.m.get(name)!;
    const v = state.v.get(name)!;
    if (cfg.name === "sgd") {
      for (let i = 0; i < p.length; i++) p[i] -= lr * g[i];
    } else if (cfg.name === "momentum") {
      const beta = cfg.args.beta ?? 0.9;
      for (let i = 0; i < p.length; i++) {
        m[i] = beta * m[i] + g[i];
        p[i] -= lr * m[i];
      }
    } else {
      const b1 = cfg.args.beta1 ?? 0.9, b2 = cfg.args.beta2 ?? 0.999, eps = cfg.args.eps ?? 1e-8;
      const c1 = 1 - Math.pow(b1, state.step), c2 = 1 - Math.pow(b2, state.step);
      for (let i = 0; i < p.length; i++) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        p[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
      }
    }
    const r = ranges.get(name);
    if (r) for (let i = 0; i < p.length; i++) p[i] = Math.min(r.hi, Math.max(r.lo, p[i]));
  }
}
