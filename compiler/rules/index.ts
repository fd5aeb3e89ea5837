/**
 * The registry of learning rules: every family module's rules, in the order of the rule table
 * (docs/rules-feedforward.md, docs/rules-energy.md). The checker looks rules up here (signature,
 * options, plan), the driver lowers their programs, and the trainer runs the stepper the driver
 * hands it. Adding a rule to a family is one definition in that family's file, appended to its
 * list; a new family file adds one line here. docs/architecture.md has the recipe.
 */
import { ALIGNMENT_RULES } from "./alignment.js";
import { ENERGY_RULES } from "./energy.js";
import { GRADIENT_RULES } from "./gradient.js";
import { IN_SITU_RULES } from "./in-situ.js";
import { LOCAL_RULES } from "./local.js";
import { READOUT_RULES } from "./readout.js";
import type { RuleDef } from "./rule.js";
import { ZEROTH_ORDER_RULES } from "./zeroth-order.js";

export type { RuleDef } from "./rule.js";

export const RULES: readonly RuleDef[] = [...GRADIENT_RULES, ...ALIGNMENT_RULES, ...ENERGY_RULES, ...IN_SITU_RULES, ...ZEROTH_ORDER_RULES, ...LOCAL_RULES, ...READOUT_RULES];

export function findRule(name: string): RuleDef | undefined {
  return RULES.find((r) => r.name === name);
}
