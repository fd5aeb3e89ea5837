/**
 * `local(tau)` — physical local learning in the forward-forward style (Hinton 2022; Momeni et al.,
 * Science 2023).
 *
 * Labels are embedded in the input: x ⊕ c = x + onehot(c) on the first C features (as Hinton's
 * first-pixels embedding on MNIST; the stepper embeds them, a physical input encoder would).
 * The network is cut into blocks at every trainable linear map (the `linear` extension point):
 * the operand h of each map but the first is normalised and cut from the backward pass,
 * sg(h / (rms(h) + 1e-6)), so each block learns from its own goodness only and cannot read the
 * previous block's goodness from the length of its input. Goodness taps: those operands h_l and
 * the network output; G_l = Σ h_l² per sample. Training pairs a positive (true label) and a
 * negative (wrong label, drawn uniformly) copy of every sample — the train program runs 2B rows,
 * positives first — and descends Σ_l Σ_b w_b · softplus(−(G_l⁺ − G_l⁻)/τ).
 * Inference by the best label (this rule's own inference program, which `pnn eval`, `infer` and
 * `build` all use): B·C embedded copies, logits[b, c] = Σ_l G_l(x_b ⊕ c).
 * The step's "logits" mark a sample correct when its positive copy is better than its negative
 * (Σ_l G⁺ > Σ_l G⁻): the running training accuracy is that pairwise accuracy. Accounting: 2
 * device forwards per sample (with a device model).
 */
import { outputNamed } from "../../runtime/manifest.js";
import { bindInputs, feedBatch, gradsOf, tensor } from "../../runtime/rules/bind.js";
import { streams } from "../../runtime/streams.js";
import { real, schema } from "../../stdlib/schema.js";
import { GraphBuilder, type Graph, type Node } from "../ir/graph.js";
import type { ElementHooks } from "../lower/context.js";
import { lowerInfer, type LowerMode } from "../lower/lower.js";
import { externalOperandOf, LOGITS, PAIR, X } from "../lower/names.js";
import { defineRule, elementsOf, insideExternal, needFeedforward, type Refusal, type RuleDef } from "./rule.js";
import { TRAIN, trainProgram } from "./train-program.js";

const GOODNESS = "goodness";

/** Goodness taps and block cuts (see the overview); `taps` fills as the network is lowered. */
function blockHooks(mode: LowerMode, taps: Node[]): ElementHooks {
  let maps = 0;
  return {
    linear(ctx, site) {
      const mine = ctx.device === (mode === "device");
      if (!mine || maps++ === 0) return site.apply(site.x);
      taps.push(site.x);
      const { b } = ctx;
      const rms = b.sqrt(b.mean(b.square(site.x), [site.x.shape.length - 1], true));
      return site.apply(b.stopGradient(b.div(site.x, b.add(rms, b.scalar(1e-6, "f32")))));
    },
  };
}

/** Σ_l Σ h_l² per row, [rows]. */
function goodness(b: GraphBuilder, taps: readonly Node[]): Node {
  return taps.map((h) => b.sum(b.square(b.reshape(h, [h.shape[0], h.shape.slice(1).reduce((p, q) => p * q, 1)])), [1])).reduce((s, g) => b.add(s, g));
}

/** softplus(z) = max(z, 0) + ln(1 + e^{−|z|}) (stable). */
function softplus(b: GraphBuilder, z: Node): Node {
  return b.add(b.relu(z), b.log(b.add(b.scalar(1, "f32"), b.exp(b.neg(b.abs(z))))));
}

/** Rebuilds `inner` in `b`, feeding `replace[name]` for the named inputs; returns the new nodes by old id. */
function inline(b: GraphBuilder, inner: Graph, replace: Readonly<Record<string, Node>>): Node[] {
  const map: Node[] = [];
  for (const n of inner.nodes) {
    const name = n.attrs.name as string;
    if (n.op === "input") map.push(replace[name] ?? b.input(name, n.dtype, n.shape));
    else if (n.op === "param") map.push(b.param(name, n.dtype, n.shape));
    else map.push(b.op(n.op, n.inputs.map((i) => map[i]), n.attrs, n.name, n.body));
  }
  return map;
}

const classesOf = (net: import("../sema/model.js").NetworkModel) => (net.output !== undefined ? net.nodes[net.output].type.shape : [1]).reduce((p, q) => p * q, 1);
const featuresOf = (net: import("../sema/model.js").NetworkModel) => net.inputs[0].type.shape.reduce((p, q) => p * q, 1);

export const local = defineRule({
  name: "local",
  doc: "Physical local learning (Momeni et al., Science 2023): per-layer goodness on label-embedded positive/negative samples.",
  options: schema({ tau: real("temperature τ", { default: 4, min: 0, exclusiveMin: true }) }),
  trains: "feedforward",
  requires: "a feed-forward network with at least as many input features as classes (the label is embedded in the input)",
  plan(net) {
    const base = needFeedforward("local", net);
    if (base.length) return base;
    const classes = classesOf(net), features = featuresOf(net);
    // goodness is measured at the operand of every trainable linear map: not inside an external device
    const hidden: Refusal[] = elementsOf(net).flatMap((e) => {
      const id = net.nodes.indexOf(e.node);
      const device = e.node.sig.extensions.linear ? insideExternal(net, id) : undefined;
      return device ? [{ code: "PNN4004" as const, span: e.span, message: `local measures the goodness at the input of every trainable linear map, but ${e.name} is inside the external device ${device.name}, which reports only its output: move the linear map out of the external layer, or train with physics_aware` }] : [];
    });
    return [...hidden, ...(features < classes ? [{ code: "PNN5082" as const, span: net.inputs[0].span, message: `local embeds the label as a one-hot over the first ${classes} input features, but ${net.inputs[0].name} has only ${features}` }] : [])];
  },
  programs(c) {
    const mode = c.hasDevice ? "physics_aware" : "twin";
    const taps: Node[] = [];
    const batch = c.batch;
    const tau = c.options.tau;
    return {
      [TRAIN]: trainProgram({ ...c, batch: 2 * batch }, mode, {
        elements: blockHooks(mode, taps),
        surrogate: (b, _loss, logits, _labels, weights) => {
          const half = (g: Node, start: number) => b.slice(g, [start], [start + batch]);
          const w = half(weights, 0);
          let total: Node | undefined;
          let pair: Node | undefined;
          for (const h of [...taps, logits]) {
            const g = goodness(b, [h]);
            const diff = b.sub(half(g, 0), half(g, batch));
            const term = b.sum(b.mul(w, softplus(b, b.div(b.neg(diff), b.scalar(tau, "f32")))));
            total = total ? b.add(total, term) : term;
            pair = pair ? b.add(pair, diff) : diff;
          }
          b.output(PAIR, pair!);
          return total!;
        },
      }),
    };
  },
  infer(c, device) {
    const mode: LowerMode = device ? "device" : "twin";
    const classes = classesOf(c.net), features = featuresOf(c.net);
    const taps: Node[] = [];
    const inner = GraphBuilder.from(lowerInfer(c.net, mode, c.batch * classes, c.lowering, blockHooks(mode, taps)));
    const innerLogits = inner.node(inner.build().outputs.find((o) => o.name === LOGITS)!.id);
    inner.output(GOODNESS, goodness(inner, [...taps, innerLogits]));
    const g = inner.build();
    const b = new GraphBuilder();
    const x = b.input(X, "f32", [c.batch, features]);
    // rows b·C + c: x_b + onehot(c) on the first C features
    const embed = new Array<number>(classes * features).fill(0);
    for (let k = 0; k < classes && k < features; k++) embed[k * features + k] = 1;
    const copies = b.add(b.reshape(x, [c.batch, 1, features]), b.const(embed, "f32", [1, classes, features]));
    const map = inline(b, g, { [X]: b.reshape(copies, [c.batch * classes, ...c.net.inputs[0].type.shape]) });
    b.output(LOGITS, b.reshape(map[g.outputs.find((o) => o.name === GOODNESS)!.id], [c.batch, classes]));
    // an external device's rows to send (its probe is this program, pruned: compiler/lower/external.ts)
    for (const o of g.outputs) if (externalOperandOf(o.name) !== undefined) b.output(o.name, map[o.id]);
    return b.build();
  },
  stepper(ctx) {
    const exe = ctx.programs[TRAIN]!;
    const m = ctx.manifests[TRAIN]!;
    const inputs = bindInputs(exe, m, ctx.params, ctx.chip);
    const B = ctx.spec.batch, F = ctx.spec.features, C = ctx.spec.classes;
    const x2 = new Float64Array(2 * B * F);
    const labels2 = new Int32Array(2 * B);
    const weights2 = new Float64Array(2 * B);
    const flops = ctx.flops[TRAIN] ?? 0;
    const pairOut = outputNamed(m, "pair"), surrogate = outputNamed(m, "surrogate");
    return {
      async step(batch) {
        const x = batch.x.data, y = batch.labels.data, w = batch.weights.data;
        const rng = streams.localNegatives(ctx.seed, batch.step, batch.shard ?? 0);
        const wrong = new Int32Array(B);
        for (let r = 0; r < B; r++) {
          wrong[r] = (y[r] + 1 + rng.int(C - 1)) % C;
          for (let half = 0; half < 2; half++) {
            const row = half * B + r;
            const label = half === 0 ? y[r] : wrong[r];
            for (let f = 0; f < F; f++) x2[row * F + f] = x[r * F + f] + (f === label ? 1 : 0);
            labels2[row] = label;
            weights2[row] = w[r];
          }
        }
        feedBatch(m, inputs, { x: tensor("f32", [2 * B, F], x2), labels: tensor("i32", [2 * B], labels2), weights: tensor("f32", [2 * B], weights2), key: batch.key });
        const out = await exe.run(inputs);
        const pair = out[pairOut]!.data;
        const logits = new Float64Array(B * C);
        for (let r = 0; r < B; r++) logits[r * C + (pair[r] > 0 ? y[r] : wrong[r])] = 1;
        return { loss: out[surrogate]!.data[0]!, logits, grads: gradsOf(m, out), cost: { deviceForwards: ctx.spec.hasDevice ? 2 * batch.n : 0, digitalFlops: flops } };
      },
    };
  },
  // Σ_b w_b·softplus(…) is a weighted sum over rows; each shard draws its own negatives
  parallel: "gradient",
});

/** This family's rules, in the order the rule table lists them (compiler/rules/index.ts collects the families). */
export const LOCAL_RULES: readonly RuleDef[] = [local];
