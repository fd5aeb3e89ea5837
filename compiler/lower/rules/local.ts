/**
 * `local(tau)` — physical local learning in the forward-forward style (Hinton 2022; Momeni et al.,
 * Science 2023), compiler side.
 *
 * Labels are embedded in the input: x ⊕ c = x + onehot(c) on the first C features (as Hinton's
 * first-pixels embedding on MNIST; the runtime embeds them, a physical input encoder would).
 * The network is cut into blocks at every dense layer: the operand h of each dense layer but the
 * first is normalised and cut from the backward pass, sg(h / (rms(h) + 1e-6)), so each block
 * learns from its own goodness only and cannot read the previous block's goodness from the
 * length of its input. Goodness taps: those operands h_l and the network output;
 * G_l = Σ h_l² per sample. Training pairs a positive (true label) and a negative (wrong label)
 * copy of every sample — the train program runs 2B rows, positives first — and descends
 *   Σ_l Σ_b w_b · softplus(−(G_l⁺ − G_l⁻)/τ).
 * Inference by the best label: infer programs take x [B, F], run B·C embedded copies and return
 * logits[b, c] = Σ_l G_l(x_b ⊕ c).
 * Programs: `train` (x, labels, weights over 2B rows → loss (CE of the output, unused), logits,
 * surrogate (the local loss), pair (Σ_l G_l⁺ − G_l⁻, [B]), grad:<param>), inferTwin, inferDevice.
 */
import { diag, UserError } from "../../../diagnostics/catalog.js";
import { GraphBuilder, type Graph, type Node } from "../../ir/graph.js";
import type { NetworkModel, TrainModel } from "../../sema/model.js";
import { lowerInfer, lowerTrainStep, type LowerHooks, type LowerMode } from "../lower.js";
import type { RuleLowering } from "./index.js";

/** Goodness taps and block cuts (see the overview); `taps` fills as the network is lowered. */
function blockHooks(mode: LowerMode, taps: Node[]): LowerHooks {
  let dense = 0;
  return {
    layer: (key, ctx, x, args, lower) => {
      const mine = ctx.device === (mode === "device");
      if (key !== "dense" || !mine || dense++ === 0) return lower(ctx, x, args);
      taps.push(x);
      const { b } = ctx;
      const rms = b.sqrt(b.mean(b.square(x), [x.shape.length - 1], true));
      return lower(ctx, b.stopGradient(b.div(x, b.add(rms, b.scalar(1e-6, "f32")))), args);
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

export function localTrain(net: NetworkModel, train: TrainModel, batch: number, mode: LowerMode, tau: number): Graph {
  const taps: Node[] = [];
  const hooks: LowerHooks = {
    ...blockHooks(mode, taps),
    surrogate: (b, _loss, logits, _labels, weights) => {
      const all = [...taps, logits];
      const half = (g: Node, start: number) => b.slice(g, [start], [start + batch]);
      const w = half(weights, 0);
      let total: Node | undefined;
      let pair: Node | undefined;
      for (const h of all) {
        const g = goodness(b, [h]);
        const diff = b.sub(half(g, 0), half(g, batch));
        const term = b.sum(b.mul(w, softplus(b, b.div(b.neg(diff), b.scalar(tau, "f32")))));
        total = total ? b.add(total, term) : term;
        pair = pair ? b.add(pair, diff) : diff;
      }
      b.output("pair", pair!);
      return total!;
    },
  };
  return lowerTrainStep(net, train, mode, 2 * batch, hooks);
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

/** x [B, F] → logits[b, c] = total goodness of x_b with label c embedded (B·C forward passes). */
export function localInfer(net: NetworkModel, batch: number, mode: LowerMode, classes: number): Graph {
  const taps: Node[] = [];
  const inner = GraphBuilder.from(lowerInfer(net, mode, batch * classes, blockHooks(mode, taps)));
  const innerLogits = inner.node(inner.build().outputs.find((o) => o.name === "logits")!.id);
  inner.output("goodness", goodness(inner, [...taps, innerLogits]));
  const g = inner.build();
  const b = new GraphBuilder();
  const features = net.inputs[0].type.shape.reduce((p, q) => p * q, 1);
  const x = b.input("x", "f32", [batch, features]);
  // rows b·C + c: x_b + onehot(c) on the first C features
  const embed = new Array<number>(classes * features).fill(0);
  for (let c = 0; c < classes && c < features; c++) embed[c * features + c] = 1;
  const copies = b.add(b.reshape(x, [batch, 1, features]), b.const(embed, "f32", [1, classes, features]));
  const map = inline(b, g, { x: b.reshape(copies, [batch * classes, ...net.inputs[0].type.shape]) });
  b.output("logits", b.reshape(map[g.outputs.find((o) => o.name === "goodness")!.id], [batch, classes]));
  return b.build();
}

const tauOf = (train: TrainModel): number => {
  const v = train.rule.options.tau;
  return v && v.kind === "num" ? v.value : 4;
};

export const LOCAL_RULE_LOWERINGS: Readonly<Record<string, RuleLowering>> = {
  local: (net, train, batch, hasDevice) => {
    const out = net.output !== undefined ? net.nodes[net.output].type.shape : [1];
    const classes = out.reduce((p, q) => p * q, 1);
    const features = net.inputs[0].type.shape.reduce((p, q) => p * q, 1);
    if (features < classes)
      throw new UserError(diag("PNN5082", net.inputs[0].span, `local embeds the label as a one-hot over the first ${classes} input features, but ${net.inputs[0].name} has only ${features}`));
    return {
      inferTwin: localInfer(net, batch, "twin", classes),
      ...(hasDevice ? { inferDevice: localInfer(net, batch, "device", classes) } : {}),
      train: localTrain(net, train, batch, hasDevice ? "physics_aware" : "twin", tauOf(train)),
    };
  },
};
