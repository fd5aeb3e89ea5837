/**
 * The registry of learning rules at run time, keyed like stdlib/rules.ts. Each entry pairs with
 * the compiler-side lowering of the same name in compiler/lower/rules/.
 */
import { ENERGY_RULE_RUNTIMES } from "./energy.js";
import { ALIGNMENT_RULE_RUNTIMES } from "./alignment.js";
import { GRADIENT_RULE_RUNTIMES } from "./gradient.js";
import { IN_SITU_RULE_RUNTIMES } from "./in-situ.js";
import { LOCAL_RULE_RUNTIMES } from "./local.js";
import { READOUT_RULE_RUNTIMES } from "./readout.js";
import { ZEROTH_ORDER_RULE_RUNTIMES } from "./zeroth-order.js";
import type { RuleRuntime } from "./types.js";

export type { BatchInput, RuleContext, RuleRuntime, RuleStepper, StepCost, StepResult } from "./types.js";

export const RULE_RUNTIMES: Readonly<Record<string, RuleRuntime>> = {
  ...GRADIENT_RULE_RUNTIMES,
  ...ENERGY_RULE_RUNTIMES,
  ...ALIGNMENT_RULE_RUNTIMES,
  ...ZEROTH_ORDER_RULE_RUNTIMES,
  ...IN_SITU_RULE_RUNTIMES,
  ...READOUT_RULE_RUNTIMES,
  ...LOCAL_RULE_RUNTIMES,
};
