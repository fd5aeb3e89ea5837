/**
 * Learning rules, compiler side: each rule names the IR programs it needs. A rule's lowering
 * returns named graphs; `inferTwin` (and `inferDevice` when the network has a device model) are
 * always present, and every other graph is the rule's own (e.g. `train` for gradient rules, a
 * loss-only device query for zeroth-order rules, free/nudged relaxations for energy-based ones).
 * The runtime side of the same rule (runtime/rules/) receives these programs, compiled by
 * whichever backend runs, under the same names.
 *
 * Adding a rule is one file here and one in runtime/rules/, plus `implemented: true` in
 * stdlib/rules.ts.
 */
import type { Graph } from "../../ir/graph.js";
import type { NetworkModel, TrainModel } from "../../sema/model.js";
import type { LowerOptions } from "../lower.js";
import { ENERGY_RULE_LOWERINGS } from "./energy.js";
import { ALIGNMENT_RULE_LOWERINGS } from "./alignment.js";
import { GRADIENT_RULE_LOWERINGS } from "./gradient.js";
import { IN_SITU_RULE_LOWERINGS } from "./in-situ.js";
import { LOCAL_RULE_LOWERINGS } from "./local.js";
import { READOUT_RULE_LOWERINGS } from "./readout.js";
import { ZEROTH_ORDER_RULE_LOWERINGS } from "./zeroth-order.js";

export interface RuleGraphs {
  readonly inferTwin: Graph;
  readonly inferDevice?: Graph;
  readonly [program: string]: Graph | undefined;
}

/** `opts.time`: seconds after programming at which device programs evaluate (infer programs only). */
export type RuleLowering = (net: NetworkModel, train: TrainModel, batch: number, hasDevice: boolean, opts?: LowerOptions) => RuleGraphs;

export const RULE_LOWERINGS: Readonly<Record<string, RuleLowering>> = {
  ...GRADIENT_RULE_LOWERINGS,
  ...ENERGY_RULE_LOWERINGS,
  ...ALIGNMENT_RULE_LOWERINGS,
  ...ZEROTH_ORDER_RULE_LOWERINGS,
  ...IN_SITU_RULE_LOWERINGS,
  ...READOUT_RULE_LOWERINGS,
  ...LOCAL_RULE_LOWERINGS,
};
