/**
 * `readout_only(lambda)` (reservoir computing / extreme learning machine), compiler side: the
 * physical map is fixed and only the output dense layer y = f Wᵀ + b is fitted, in closed form.
 * Emits `features`: x, labels, weights, key → loss, logits, features (f, the readout's operand,
 * [B, D], as the device measures it), and the readout's parameters as outputs named
 * `weight:<path>` / `bias:<path>` so the runtime knows which parameters to write. PNN5081 when
 * the network's output is not a dense layer.
 */
import { diag, UserError } from "../../../diagnostics/catalog.js";
import { GraphBuilder, type Node } from "../../ir/graph.js";
import type { NetworkModel, TrainModel } from "../../sema/model.js";
import { lowerInfer, type LowerHooks } from "../lower.js";
import { inferGraphs } from "./gradient.js";
import type { RuleLowering } from "./index.js";
import { lossQuery } from "./zeroth-order.js";

export const FEATURES = "features";
export const WEIGHT_PREFIX = "weight:";
export const BIAS_PREFIX = "bias:";

/** The readout's parameter paths; PNN5081 unless the output node is a dense layer. */
function readoutParams(net: NetworkModel): { weight: string; bias?: string } {
  const out = net.output !== undefined ? net.nodes[net.output] : undefined;
  if (!out || out.op !== "layer" || out.qualified !== "dense")
    throw new UserError(diag("PNN5081", out?.span ?? net.span, "readout_only fits the output layer by ridge regression and needs the network's output to be a dense layer, e.g. `output y = dense(features, classes)`"));
  const path = (id: number) => {
    const n = net.nodes[id];
    if (n.op !== "param") throw new UserError(diag("PNN5081", out.span, "readout_only needs the output dense layer to own its weight and bias"));
    return net.params[n.param].path;
  };
  return { weight: path(out.owned.weight), ...(out.owned.bias !== undefined ? { bias: path(out.owned.bias) } : {}) };
}

export function readoutFeatures(net: NetworkModel, train: TrainModel, batch: number, hasDevice: boolean) {
  const params = readoutParams(net);
  const mode = hasDevice ? "device" : "twin";
  let last: { x: Node; weight: Node; bias?: Node } | undefined;
  const hooks: LowerHooks = {
    layer: (key, ctx, x, args, lower) => {
      if (key === "dense" && ctx.device === (mode === "device")) last = { x, weight: args.owned.weight, ...(args.owned.bias ? { bias: args.owned.bias } : {}) };
      return lower(ctx, x, args);
    },
  };
  const infer = lowerInfer(net, mode, batch, hooks);
  const b = GraphBuilder.from(infer);
  b.output(FEATURES, b.node(last!.x.id));
  b.output(WEIGHT_PREFIX + params.weight, b.node(last!.weight.id));
  if (params.bias && last!.bias) b.output(BIAS_PREFIX + params.bias, b.node(last!.bias.id));
  return lossQuery(b.build(), train.loss);
}

export const READOUT_RULE_LOWERINGS: Readonly<Record<string, RuleLowering>> = {
  readout_only: (net, train, batch, hasDevice) => ({ ...inferGraphs(net, batch, hasDevice), features: readoutFeatures(net, train, batch, hasDevice) }),
};
