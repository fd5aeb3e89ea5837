/**
 * `readout_only(lambda)` at run time: reservoir computing / extreme learning machine. The
 * physical map (every layer before the output dense layer) stays at its initial, random state;
 * the readout y = f Wᵀ + b is fitted in closed form by ridge regression to one-hot targets:
 *   [W b]ᵀ = argmin (1/N) Σ_i |[f_i 1]·θ − onehot(y_i)|² + λ|W|²  ⇒  (FᵀF/N + λ I′) θ = FᵀY/N,
 * (I′ leaves the bias unpenalised), solved by Cholesky. The normal equations accumulate batch by
 * batch over the first pass through the training set and the readout is refitted after every batch
 * of that pass; once every training sample has been seen (RuleContext.trainSamples) the fit is
 * final and later steps change nothing (they still run — and count — a forward pass, because the
 * trainer reports accuracy from each step's logits: `epochs = 1` is the natural setting).
 * Cost: one device forward per sample (the features are measured on the device when the network
 * has a device model); digital FLOPs 2K² + 2KC per sample to accumulate and K³/3 + 2K²C per solve
 * (K = D + 1 features with the bias, C classes).
 */
import { baseInputs, feedBatch } from "./bind.js";
import type { RuleContext, RuleRuntime, RuleStepper } from "./types.js";

const WEIGHT_PREFIX = "weight:";
const BIAS_PREFIX = "bias:";

/** Solves S X = R in place for symmetric positive-definite S [K, K] and R [K, C] (Cholesky); returns X. */
export function choleskySolve(s: Float64Array, r: Float64Array, k: number, c: number): Float64Array {
  const l = new Float64Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j <= i; j++) {
      let sum = s[i * k + j];
      for (let m = 0; m < j; m++) sum -= l[i * k + m] * l[j * k + m];
      if (i === j) {
        if (!(sum > 0)) throw new Error("ridge system is not positive definite (lambda = 0 with collinear features?)");
        l[i * k + i] = Math.sqrt(sum);
      } else l[i * k + j] = sum / l[j * k + j];
    }
  const x = Float64Array.from(r);
  for (let col = 0; col < c; col++) {
    for (let i = 0; i < k; i++) {
      let sum = x[i * c + col];
      for (let m = 0; m < i; m++) sum -= l[i * k + m] * x[m * c + col];
      x[i * c + col] = sum / l[i * k + i];
    }
    for (let i = k - 1; i >= 0; i--) {
      let sum = x[i * c + col];
      for (let m = i + 1; m < k; m++) sum -= l[m * k + i] * x[m * c + col];
      x[i * c + col] = sum / l[i * k + i];
    }
  }
  return x;
}

export const readoutOnly: RuleRuntime = (ctx: RuleContext): RuleStepper => {
  const exe = ctx.programs.features;
  const inputs = baseInputs(exe, ctx.params, ctx.chip);
  const weightPath = exe.outputs.find((o) => o.name.startsWith(WEIGHT_PREFIX))!.name.slice(WEIGHT_PREFIX.length);
  const biasPath = exe.outputs.find((o) => o.name.startsWith(BIAS_PREFIX))?.name.slice(BIAS_PREFIX.length);
  const classes = ctx.spec.classes;
  const d = exe.outputs.find((o) => o.name === "features")!.shape.slice(1).reduce((a, b) => a * b, 1);
  const k = d + (biasPath ? 1 : 0);
  const lambda = typeof ctx.options.lambda === "number" ? ctx.options.lambda : 1e-3;
  const gram = new Float64Array(k * k);
  const rhs = new Float64Array(k * classes);
  const row = new Float64Array(k);
  let seen = 0;
  let final = false;
  const fit = () => {
    const s = new Float64Array(k * k);
    for (let i = 0; i < k * k; i++) s[i] = gram[i] / seen;
    for (let i = 0; i < d; i++) s[i * k + i] += lambda;
    const theta = choleskySolve(s, rhs.map((v) => v / seen), k, classes);
    const w = ctx.params.get(weightPath)!;
    for (let c = 0; c < classes; c++) for (let i = 0; i < d; i++) w[c * d + i] = theta[i * classes + c];
    if (biasPath) {
      const bias = ctx.params.get(biasPath)!;
      for (let c = 0; c < classes; c++) bias[c] = theta[d * classes + c];
    }
  };
  return {
    step(batch) {
      feedBatch(inputs, batch);
      const out = exe.run(inputs);
      const forwards = ctx.spec.hasDevice ? batch.n : 0;
      if (final) return { loss: out.loss.data[0], logits: out.logits.data, cost: { deviceForwards: forwards } };
      const f = out.features.data;
      const labels = batch.labels.data;
      for (let r = 0; r < batch.n; r++) {
        for (let i = 0; i < d; i++) row[i] = f[r * d + i];
        if (biasPath) row[d] = 1;
        for (let i = 0; i < k; i++) {
          for (let j = 0; j < k; j++) gram[i * k + j] += row[i] * row[j];
          rhs[i * classes + labels[r]] += row[i];
        }
      }
      seen += batch.n;
      fit();
      if (ctx.trainSamples !== undefined && seen >= ctx.trainSamples) final = true;
      return {
        loss: out.loss.data[0],
        logits: out.logits.data,
        cost: { deviceForwards: forwards, digitalFlops: batch.n * (2 * k * k + 2 * k) + (k * k * k) / 3 + 2 * k * k * classes },
      };
    },
  };
};

export const READOUT_RULE_RUNTIMES: Readonly<Record<string, RuleRuntime>> = { readout_only: readoutOnly };
