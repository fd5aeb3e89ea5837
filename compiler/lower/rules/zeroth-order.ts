/**
 * Zeroth-order rules (`spsa`, `finite_difference`, `evolution_strategies`), compiler side: they
 * need only a loss query — one forward pass of a batch on the device (on the twin when the network
 * has no device model) and its loss — which the runtime calls at perturbed parameters. No
 * gradient program is built. Emits `query`: x, labels, weights, key → loss, logits.
 */
import { GraphBuilder, type Graph } from "../../ir/graph.js";
import type { NetworkModel, TrainModel } from "../../sema/model.js";
import { lowerInfer } from "../lower.js";
import { inferGraphs } from "./gradient.js";
import type { RuleLowering } from "./index.js";

/** Appends the train block's loss (Σ w·loss per sample) to an infer graph's logits. */
export function lossQuery(infer: Graph, loss: TrainModel["loss"]): Graph {
  const b = GraphBuilder.from(infer);
  const logits = b.node(infer.outputs.find((o) => o.name === "logits")!.id);
  const batch = logits.shape[0];
  const classes = logits.shape[logits.shape.length - 1];
  const labels = b.input("labels", "i32", [batch]);
  const weights = b.input("weights", "f32", [batch]);
  const perSample = loss === "mse" ? b.mse(logits, b.oneHot(labels, classes, "f32")) : b.softmaxCrossEntropy(logits, labels);
  b.output("loss", b.sum(b.mul(perSample, weights)));
  return b.build();
}

const zerothOrder: RuleLowering = (net: NetworkModel, train: TrainModel, batch: number, hasDevice: boolean) => ({
  ...inferGraphs(net, batch, hasDevice),
  query: lossQuery(lowerInfer(net, hasDevice ? "device" : "twin", batch), train.loss),
});

export const ZEROTH_ORDER_RULE_LOWERINGS: Readonly<Record<string, RuleLowering>> = {
  spsa: zerothOrder,
  finite_difference: zerothOrder,
  evolution_strategies: zerothOrder,
};
