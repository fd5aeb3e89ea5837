// Sweep definitions (sweep/spec.ts): the file format, command-line axes, the expansion into runs
// (list × grid, `set` first, the last axis fastest) and run ids that depend on the program's
// content and the run's values only — the basis of "a finished run is never run twice"; and the
// results table (sweep/results.ts).
import { describe, expect, it } from "vitest";
import { UserError } from "../../diagnostics/catalog.js";
import { UsageError } from "../../compiler/driver/errors.js";
import type { SweepRow } from "../../sweep/job.js";
import { formatTable, resultsTable, toCsv } from "../../sweep/results.js";
import { expandSweep, parseGridAxis, parseSweepFile, programHash, splitValues } from "../../sweep/spec.js";

const resolve = (p: string) => `/abs/${p}`;
const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof UserError) return e.diagnostic.code;
    if (e instanceof UsageError) return "usage";
    throw e;
  }
  return "none";
};

describe("sweep definitions", () => {
  it("splits values at top-level commas only", () => {
    expect(splitValues("backprop, spsa(c: 0.02, samples: 2),physics_aware")).toEqual(["backprop", "spsa(c: 0.02, samples: 2)", "physics_aware"]);
    expect(parseGridAxis("seed=3..6")).toEqual({ name: "seed", values: ["3", "4", "5", "6"] });
    expect(parseGridAxis("NoisyMesh.sigma=0 rad,0.05 rad")).toEqual({ name: "NoisyMesh.sigma", values: ["0 rad", "0.05 rad"] });
    expect(code(() => parseGridAxis("seed"))).toBe("usage");
  });

  it("reads a sweep file: program, set, runs and grid (numbers, booleans, pnn text, a..b)", () => {
    const d = parseSweepFile("s.json", JSON.stringify({ program: "v.pnn", set: { epochs: 2 }, runs: [{ rule: "spsa(c: 0.02)" }, { rule: "backprop" }], grid: { seed: "1..2", "NoisyMesh.sigma": ["0.02 rad", 0.05] } }), resolve);
    expect(d.program).toBe("/abs/v.pnn");
    expect(d.set).toEqual([{ name: "epochs", value: "2" }]);
    expect(d.runs).toEqual([[{ name: "rule", value: "spsa(c: 0.02)" }], [{ name: "rule", value: "backprop" }]]);
    expect(d.grid).toEqual([{ name: "seed", values: ["1", "2"] }, { name: "NoisyMesh.sigma", values: ["0.02 rad", "0.05"] }]);
  });

  it("refuses malformed sweep files with PNN6010", () => {
    for (const bad of ["{", "[]", `{"grid": {}}`, `{"program": "v.pnn", "gird": {}}`, `{"program": "v.pnn", "grid": {"seed": []}}`, `{"program": "v.pnn", "set": {"seed": null}}`, `{"program": "v.pnn", "runs": {}}`])
      expect(code(() => parseSweepFile("s.json", bad, resolve)), bad).toBe("PNN6010");
  });

  it("expands list × grid in order, the last axis fastest, with `set` first in every run", () => {
    const d = parseSweepFile("s.json", JSON.stringify({ program: "v.pnn", set: { epochs: 2 }, runs: [{ rule: "backprop" }, { rule: "physics_aware" }], grid: { seed: "1..3" } }), resolve);
    const s = expandSweep(d, "h1", "s.json");
    expect(s.axes).toEqual(["rule", "seed"]);
    expect(s.runs.map((r) => `${r.axes.rule}/${r.axes.seed}`)).toEqual(["backprop/1", "backprop/2", "backprop/3", "physics_aware/1", "physics_aware/2", "physics_aware/3"]);
    expect(s.runs[4]!.set.map((a) => a.name)).toEqual(["epochs", "rule", "seed"]);
    expect(s.runs.map((r) => r.index)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("names runs by the program's content and the run's values only", () => {
    const d = parseSweepFile("s.json", JSON.stringify({ program: "v.pnn", grid: { seed: "1..3" } }), resolve);
    const a = expandSweep(d, "h1", "s.json"), b = expandSweep(d, "h1", "s.json"), other = expandSweep(d, "h2", "s.json");
    expect(b.runs.map((r) => r.id)).toEqual(a.runs.map((r) => r.id));
    expect(a.runs[0]!.id).toMatch(/^seed-1-[0-9a-f]{10}$/);
    expect(new Set(a.runs.map((r) => r.id)).size).toBe(3);
    // another program (or another import) makes every run new
    expect(other.runs.some((r, i) => r.id === a.runs[i]!.id)).toBe(false);
    // the same run in a bigger sweep keeps its id (a grown sweep reuses what is done)
    const grown = expandSweep(parseSweepFile("s.json", JSON.stringify({ program: "v.pnn", grid: { seed: "1..5" } }), resolve), "h1", "s.json");
    expect(grown.runs.slice(0, 3).map((r) => r.id)).toEqual(a.runs.map((r) => r.id));
    expect(programHash("/p/a.pnn", "x", new Map([["/p/b.pnn", "y"]]))).not.toBe(programHash("/p/a.pnn", "x", new Map([["/p/b.pnn", "z"]])));
  });

  it("refuses a name given twice in one run, and two equal runs", () => {
    const twice = parseSweepFile("s.json", JSON.stringify({ program: "v.pnn", set: { seed: 1 }, grid: { seed: "1..2" } }), resolve);
    expect(code(() => expandSweep(twice, "h", "s.json"))).toBe("PNN6010");
    const equal = parseSweepFile("s.json", JSON.stringify({ program: "v.pnn", runs: [{ seed: 1 }, { seed: 1 }] }), resolve);
    expect(code(() => expandSweep(equal, "h", "s.json"))).toBe("PNN6010");
  });
});

describe("the results table", () => {
  const row = (index: number, axes: Record<string, string>, results: Record<string, number | null>, extra: Partial<SweepRow> = {}): SweepRow => ({ run: `r${index}`, index, axes, status: "done", results, ...extra });

  it("orders rows by the sweep's order, axes before results, timings last; CSV quotes what needs it", () => {
    const t = resultsTable(["rule"], [row(2, { rule: "spsa(c: 0.02, samples: 2)" }, { test_accuracy: 0.5, wall_s: 1.5 }), row(1, { rule: "backprop" }, { test_accuracy: 0.75, wall_s: 2 })]);
    expect(t.columns).toEqual(["index", "run", "status", "rule", "test_accuracy", "wall_s"]);
    expect(t.rows.map((r) => r.index)).toEqual([1, 2]);
    expect(toCsv(t).split("\n")).toEqual(["index,run,status,rule,test_accuracy,wall_s", "1,r1,done,backprop,0.75,2", '2,r2,done,"spsa(c: 0.02, samples: 2)",0.5,1.5', ""]);
  });

  it("adds an error column only when a run failed", () => {
    const t = resultsTable([], [row(1, {}, { test_accuracy: 0.5 }), row(2, {}, {}, { status: "failed", error: 'x.pnn:1:1: error PNN6005: training diverged, "nan"' })]);
    expect(t.columns).toContain("error");
    expect(toCsv(t)).toContain('"x.pnn:1:1: error PNN6005: training diverged, ""nan"""');
    expect(formatTable(t, [])).toMatch(/failed\s+–\s+x\.pnn:1:1: error PNN6005/);
  });
});
