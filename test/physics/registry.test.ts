// The registries agree: every standard-library layer has a lowering, and every learning rule
// that stdlib declares has a compiler-side lowering and a runtime stepper of the same name.
import { describe, expect, it } from "vitest";
import { LAYER_LOWERINGS } from "../../compiler/lower/layers/index.js";
import { RULE_LOWERINGS } from "../../compiler/lower/rules/index.js";
import { RULE_RUNTIMES } from "../../runtime/rules/index.js";
import { CORE_LAYERS, STD_MODULES } from "../../stdlib/index.js";
import { RULES } from "../../stdlib/rules.js";

describe("registries", () => {
  it("every standard-library layer is lowered", () => {
    const missing: string[] = [];
    for (const [name, s] of CORE_LAYERS) if (s.kind === "layer" && !LAYER_LOWERINGS[name]) missing.push(name);
    for (const [mod, items] of STD_MODULES)
      for (const [name, s] of items) if (s.kind === "layer" && !LAYER_LOWERINGS[`${mod.replace(/^std\//, "")}.${name}`]) missing.push(`${mod}.${name}`);
    expect(missing).toEqual([]);
    expect(Object.keys(LAYER_LOWERINGS).length).toBeGreaterThanOrEqual(26);
  });

  it("every rule is implemented on both sides", () => {
    for (const r of RULES) {
      expect(r.implemented, r.name).toBe(true);
      expect(RULE_LOWERINGS[r.name], r.name).toBeTypeOf("function");
      expect(RULE_RUNTIMES[r.name], r.name).toBeTypeOf("function");
    }
    expect(RULES.length).toBe(13);
  });
});
