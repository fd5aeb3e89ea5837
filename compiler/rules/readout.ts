/**
 * `readout_only(lambda)`: reservoir computing / extreme learning machine. The physical map (every
 * layer before the output) stays at its initial, random state; the readout — the network's output
 * element, which must be a trainable linear map (the `linear` extension point, e.g. dense)
 * y = f Wᵀ + b — is fitted in closed form by ridge regression to one-hot targets:
 *   [W b]ᵀ = argmin (1/N) Σ_i |[f_i 1]·θ − onehot(y_i)|² + λ|W|²  ⇒  (FᵀF/N + λ I′) θ = FᵀY/N,
 * (I′ leaves the bias unpenalised), solved by Cholesky. The program `features` measures f (on the
 * device when the network has one) and passes the readout's parameters through as outputs, so the
 * stepper knows by role which parameters to write. The normal equations accumulate batch by batch
 * over the first pass through the training set and the readout is refitted after every batch of
 * that pass; once every training sample has been seen the fit is final and later steps change
 * nothing (they still run — and count — a forward pass: `epochs = 1` is the natural setting).
 * Cost: one device forward per sample; digital FLOPs 2K² + 2KC per sample to accumulate and
 * K³/3 + 2K²C per solve (K = D + 1 features with the bias, C classes). Data-parallel, each shard
 * forms its rows' FᵀF and FᵀY and the main thread adds them to the running system and refits.
 */
import { outputNamed, outputsOf } from "../../runtime/manifest.js";
import { bindInputs, feedBatch } from "../../runtime/rules/bind.js";
import type { BatchInput, RuleContext, StepCost } from "../../runtime/rules/types.js";
import { real, schema } from "../../stdlib/schema.js";
import { GraphBuilder, type Node } from "../ir/graph.js";
import { lowerInfer } from "../lower/lower.js";
import { FEATURES, names } from "../lower/names.js";
import type { NetworkModel } from "../sema/model.js";
import { defineRule, insideExternal, needFeedforward, type Refusal, type RuleDef } from "./rule.js";
import { lossQuery } from "./zeroth-order.js";

/** The readout's parameter paths, or the refusal (PNN5081). */
function readout(net: NetworkModel): { weight: string; bias?: string } | Refusal {
  const out = net.output !== undefined ? net.nodes[net.output] : undefined;
  const linear = out && out.op === "layer" ? out.sig.extensions.linear : undefined;
  if (!out || out.op !== "layer" || !linear)
    return { code: "PNN5081", span: out?.span ?? net.span, message: "readout_only fits the output layer by ridge regression and needs the network's output to be a trainable linear map such as dense, e.g. `output y = dense(features, classes)`" };
  const path = (id: number | undefined) => (id !== undefined && net.nodes[id].op === "param" ? net.params[(net.nodes[id] as { param: number }).param].path : undefined);
  const device = insideExternal(net, net.output!);
  if (device) return { code: "PNN4004", span: out.span, message: `readout_only fits the output layer from the features it reads, but ${out.sig.name} is inside the external device ${device.name}, which reports only its output: put the readout after the external layer` };
  const weight = path(out.owned[linear.weight]);
  if (!weight) return { code: "PNN5081", span: out.span, message: "readout_only needs the output layer to own its weight" };
  const bias = linear.bias ? path(out.owned[linear.bias]) : undefined;
  return { weight, ...(bias ? { bias } : {}) };
}

/** Solves S X = R for symmetric positive-definite S [K, K] and R [K, C] (Cholesky); returns X. */
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

export const readoutOnly = defineRule({
  name: "readout_only",
  doc: "Reservoir / extreme learning machine: the physical map is fixed; a ridge-regression readout is fitted.",
  options: schema({ lambda: real("ridge λ", { default: 1e-3, min: 0 }) }),
  trains: "feedforward",
  requires: "a feed-forward network whose output is a trainable linear map (dense)",
  plan(net) {
    const base = needFeedforward("readout_only", net);
    if (base.length) return base;
    const r = readout(net);
    return "code" in r ? [r] : [];
  },
  programs(c) {
    const params = readout(c.net) as { weight: string; bias?: string };
    const mode = c.hasDevice ? "device" : "twin";
    let last: Node | undefined;
    const infer = lowerInfer(c.net, mode, c.batch, c.lowering, {
      linear(ctx, site) {
        if (ctx.device === (mode === "device")) last = site.x;
        return site.apply(site.x);
      },
    });
    const b = GraphBuilder.from(infer);
    b.output(FEATURES, b.node(last!.id));
    const leaf = (path: string) => b.node(infer.params.find((p) => p.name === path)!.id);
    b.output(names.readoutWeight(params.weight), leaf(params.weight));
    if (params.bias) b.output(names.readoutBias(params.bias), leaf(params.bias));
    return { [FEATURES]: lossQuery(b.build(), c.loss) };
  },
  stepper(ctx, o) {
    const fit = readoutFit(ctx, o);
    const measure = featureRun(ctx);
    return {
      async step(batch) {
        const out = await measure.run(batch);
        const forwards = ctx.spec.hasDevice ? batch.n : 0;
        if (fit.final) return { loss: out.loss, logits: out.logits, cost: { deviceForwards: forwards } };
        measure.accumulate(out.features, batch, fit.gram, fit.rhs);
        const solve = fit.add(batch.n);
        return { loss: out.loss, logits: out.logits, cost: { deviceForwards: forwards, digitalFlops: measure.accumulateFlops(batch.n) + solve.digitalFlops! } };
      },
    };
  },
  // the normal equations FᵀF and FᵀY are sums over rows: each shard forms its own, the main thread
  // adds them (in shard order) to the running system and refits
  parallel: {
    shard(ctx) {
      const measure = featureRun(ctx);
      return {
        sums: new Map([[GRAM, measure.k * measure.k], [RHS, measure.k * ctx.spec.classes]]),
        async step(batch) {
          const out = await measure.run(batch);
          const gram = new Float64Array(measure.k * measure.k), rhs = new Float64Array(measure.k * ctx.spec.classes);
          measure.accumulate(out.features, batch, gram, rhs);
          return { loss: out.loss, logits: out.logits, sums: new Map([[GRAM, gram], [RHS, rhs]]), cost: { deviceForwards: ctx.spec.hasDevice ? batch.n : 0, digitalFlops: measure.accumulateFlops(batch.n) } };
        },
      };
    },
    merge(ctx, o) {
      const fit = readoutFit(ctx, o);
      return {
        merge(sums, batch) {
          if (fit.final) return;
          const gram = sums.get(GRAM)!, rhs = sums.get(RHS)!;
          for (let i = 0; i < fit.gram.length; i++) fit.gram[i] += gram[i];
          for (let i = 0; i < fit.rhs.length; i++) fit.rhs[i] += rhs[i];
          return fit.add(batch!.n);
        },
      };
    },
  },
});

const GRAM = "gram", RHS = "rhs";

/** The features program: a batch's (or shard's) loss, logits and measured features, and accumulating them into normal equations. */
function featureRun(ctx: RuleContext) {
  const exe = ctx.programs[FEATURES]!;
  const m = ctx.manifests[FEATURES]!;
  const inputs = bindInputs(exe, m, ctx.params, ctx.chip);
  const biased = outputsOf(m, "readout-bias").length > 0;
  const featuresOut = outputNamed(m, "features"), lossOut = outputNamed(m, "loss"), logitsOut = outputNamed(m, "logits");
  const classes = ctx.spec.classes;
  const d = exe.outputs.find((x) => x.name === featuresOut)!.shape.slice(1).reduce((a, b) => a * b, 1);
  const k = d + (biased ? 1 : 0);
  const row = new Float64Array(k);
  return {
    k,
    async run(batch: BatchInput) {
      feedBatch(m, inputs, batch);
      const out = await exe.run(inputs);
      return { loss: out[lossOut]!.data[0]!, logits: out[logitsOut]!.data, features: out[featuresOut]!.data };
    },
    /** gram += Σ_rows [f 1]ᵀ[f 1], rhs += Σ_rows [f 1]ᵀ onehot(y), over the batch's real rows. */
    accumulate(f: ArrayLike<number>, batch: BatchInput, gram: Float64Array, rhs: Float64Array) {
      const labels = batch.labels.data;
      for (let r = 0; r < batch.n; r++) {
        for (let i = 0; i < d; i++) row[i] = f[r * d + i];
        if (biased) row[d] = 1;
        for (let i = 0; i < k; i++) {
          for (let j = 0; j < k; j++) gram[i * k + j] += row[i] * row[j];
          rhs[i * classes + labels[r]] += row[i];
        }
      }
    },
    accumulateFlops: (n: number) => n * (2 * k * k + 2 * k),
  };
}

/** The running normal equations and the ridge fit of the readout (the main thread's half). */
function readoutFit(ctx: RuleContext, o: { readonly lambda: number }) {
  const m = Object.values(ctx.manifests).find((x) => outputsOf(x, "readout-weight").length)!;
  const weightPath = outputsOf(m, "readout-weight")[0]!.role.param;
  const biasPath = outputsOf(m, "readout-bias")[0]?.role.param;
  const classes = ctx.spec.classes;
  const d = ctx.params.get(weightPath)!.length / classes;
  const k = d + (biasPath ? 1 : 0);
  const state = { gram: new Float64Array(k * k), rhs: new Float64Array(k * classes), seen: 0, final: false };
  const solve = () => {
    const s = new Float64Array(k * k);
    for (let i = 0; i < k * k; i++) s[i] = state.gram[i] / state.seen;
    for (let i = 0; i < d; i++) s[i * k + i] += o.lambda;
    const theta = choleskySolve(s, state.rhs.map((v) => v / state.seen), k, classes);
    const w = ctx.params.get(weightPath)!;
    for (let c = 0; c < classes; c++) for (let i = 0; i < d; i++) w[c * d + i] = theta[i * classes + c];
    if (biasPath) {
      const bias = ctx.params.get(biasPath)!;
      for (let c = 0; c < classes; c++) bias[c] = theta[d * classes + c];
    }
  };
  return {
    get gram() {
      return state.gram;
    },
    get rhs() {
      return state.rhs;
    },
    get final() {
      return state.final;
    },
    /** `n` more rows are in the system: refit; the fit is final once every training row was seen. Returns the solve's cost. */
    add(n: number): StepCost {
      state.seen += n;
      solve();
      if (ctx.trainSamples !== undefined && state.seen >= ctx.trainSamples) state.final = true;
      return { digitalFlops: (k * k * k) / 3 + 2 * k * k * classes };
    },
  };
}

/** This family's rules, in the order the rule table lists them (compiler/rules/index.ts collects the families). */
export const READOUT_RULES: readonly RuleDef[] = [readoutOnly];
