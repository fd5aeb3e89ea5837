/**
 * The registry of learning rules: every rule module's definition, in the order the rule table
 * lists them (docs/rules-feedforward.md, docs/rules-energy.md). The checker looks rules up here
 * (signature, options, plan), the driver lowers their programs, and the trainer runs the stepper
 * the driver hands it. Adding a rule: one definition in a family file (or a new file listed here);
 * docs/architecture.md has the recipe.
 */
import { directFeedbackAlignment, feedbackAlignment } from "./alignment.js";
import { coupledLearning, equilibriumPropagation } from "./energy.js";
import { backprop, hardwareAware, physicsAware } from "./gradient.js";
import { inSituAdjoint } from "./in-situ.js";
import { local } from "./local.js";
import { readoutOnly } from "./readout.js";
import type { RuleDef } from "./rule.js";
import { evolutionStrategies, finiteDifference, spsa } from "./zeroth-order.js";

export type { RuleDef } from "./rule.js";

export const RULES: readonly RuleDef[] = [
  backprop,
  hardwareAware,
  physicsAware,
  feedbackAlignment,
  directFeedbackAlignment,
  equilibriumPropagation,
  coupledLearning,
  inSituAdjoint,
  spsa,
  finiteDifference,
  evolutionStrategies,
  local,
  readoutOnly,
];

export function findRule(name: string): RuleDef | undefined {
  return RULES.find((r) => r.name === name);
}
