// The registries hold one definition per thing: every standard-library element carries its own
// schema and lowering; every rule module its signature, plan, programs and stepper; every data set
// declared for the checker has a loader; random streams of different purposes never coincide.
import { describe, expect, it } from "vitest";
import { RULES } from "../../compiler/rules/index.js";
import { LOADED_DATASETS } from "../../runtime/data/index.js";
import { keys, streams } from "../../runtime/streams.js";
import { DATASETS } from "../../stdlib/datasets.js";
import { CORE_LAYERS, STD_MODULES } from "../../stdlib/index.js";

describe("registries", () => {
  it("every standard-library element is one definition with its schema and lowering", () => {
    const layers = [...CORE_LAYERS.values(), ...[...STD_MODULES.values()].flatMap((m) => [...m.values()])].filter((s) => s.kind === "layer");
    expect(layers.length).toBeGreaterThanOrEqual(26);
    for (const s of layers) {
      if (s.kind !== "layer") continue;
      expect(typeof s.lower, s.name).toBe("function");
      expect(s.schema.list.map((a) => a.name), s.name).toEqual(s.args.map((a) => a.name));
    }
  });

  it("all 13 rules, each with signature, plan, programs and stepper", () => {
    expect(RULES.length).toBe(13);
    expect(new Set(RULES.map((r) => r.name)).size).toBe(13);
    for (const r of RULES) {
      for (const f of [r.plan, r.programs, r.stepper]) expect(typeof f, r.name).toBe("function");
      expect(r.requires.length, r.name).toBeGreaterThan(10);
    }
  });

  it("every declared data set has a loader and no loader lacks a declaration", () => {
    expect([...LOADED_DATASETS].sort()).toEqual(DATASETS.map((d) => d.name).sort());
  });

  it("random streams: one registry, no two purposes share draws", () => {
    const first = (s: { uniform(): number }) => [s.uniform(), s.uniform()].join();
    const draws = [
      first(streams.shuffle(1, 1)),
      first(streams.shuffle(1, 2000)),
      first(streams.paramInit(1, 0)),
      first(streams.chipVariable(1, 0, 0)),
      first(streams.feedback(1, 0)),
      first(streams.opticalMedium(1)),
      first(streams.scattering(1)),
      first(streams.inSituNoise(1, 0)),
      first(streams.localNegatives(1, 0)),
      first(streams.zerothOrder(1, 0)),
      first(streams.twinInit(1, 0)),
      first(streams.calibration(1, 0)),
    ];
    expect(new Set(draws).size).toBe(draws.length);
    // the classic ids that recorded runs depend on are unchanged
    expect(streams.paramInit(1, 3).stream).toBe(1003);
    expect(streams.chipVariable(1, 2, 1).stream).toBe(1_000_000 + 2001);
    expect(() => streams.paramInit(1, 999_000)).toThrow(RangeError);
    // evaluation keys never meet a training step's
    expect(keys.evalTwin(1)[2]).toBeGreaterThan(keys.trainStep(1, 1_000_000)[2]!);
  });
});
