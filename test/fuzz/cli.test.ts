// Fuzz (issue 16), part 3: the real `pnn` command as separate processes (harness.ts spawnCase:
// a 1 GB heap limit, a wall-clock budget, peak RSS measured by a preloaded reporter). Runs the
// generated files near the limits (one per budget: floods, random megabytes, half a million
// arguments, long names, …), a seeded sample of every fast-check category through `pnn check`,
// `pnn check --json`, `pnn ast` and `pnn fmt --check`, and the planted-project cases that
// involve FIFOs (a blocking read would be a timeout here, not a hung test worker). Every run:
// exit 0/1/2, no stack trace, tidy output, under its time budget and under 1 GB.
import fc from "fast-check";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "../lsp/client.js";
import { bytes, chain, HEAVY, layers, mutated, numbers, printing, project, soup } from "./generators.js";
import { announce, expectTidy, GB, scratch, SEED, spawnCase, tried } from "./harness.js";
import { expectNoLeak, HAS_FIFO, plantProject } from "./project.js";

announce("cli");
const files = scratch("cli");
let planted: ReturnType<typeof plantProject>;
beforeAll(() => {
  ensureBuilt();
  planted = plantProject();
}, 120_000);
afterAll(() => {
  files.remove();
  planted.remove();
});

let peak = 0;
function run(args: string[], cwd: string, budgetMs: number, json = false) {
  const r = spawnCase(args, cwd, budgetMs);
  peak = Math.max(peak, r.rss);
  if (json) {
    if (r.out) JSON.parse(r.out);
  } else expectTidy(r.out, "stdout");
  expectTidy(r.err, "stderr");
  return r;
}

describe("generated files near the limits, one per budget (pnn check, then --json)", () => {
  for (const [name, make] of HEAVY) {
    it(name, () => {
      const f = files.put(make());
      const text = run(["check", f], files.dir, 30_000);
      expect(text.code).toBe(1);
      run(["check", "--json", f], files.dir, 30_000, true);
    }, 120_000);
  }
});

describe("a seeded sample of every category, through the real command", () => {
  const sample = <T>(arb: fc.Arbitrary<T>, n: number, offset: number) => fc.sample(arb, { seed: SEED + 100 + offset, numRuns: n });

  it("pnn check on soup, mutations, bytes, numbers, printing and layer graphs (28 cases)", () => {
    const inputs: (string | Buffer)[] = [
      ...sample(soup, 6, 0), ...sample(mutated, 6, 1), ...sample(bytes, 4, 2), ...sample(numbers, 4, 3), ...sample(printing, 4, 4), ...sample(layers, 4, 5),
    ];
    for (const text of inputs) run(["check", files.put(text)], files.dir, 20_000);
  }, 300_000);

  it("pnn ast and pnn fmt --check on chains up to 3,000 long (12 cases)", () => {
    for (const text of sample(chain, 6, 6)) {
      const f = files.put(text);
      const ast = run(["ast", f], files.dir, 20_000, true);
      expect([0, 1]).toContain(ast.code);
      run(["fmt", "--check", files.put(text)], files.dir, 30_000);
    }
  }, 300_000);

  it.runIf(HAS_FIFO)("planted-project cases including FIFOs as imports and data (10 cases)", () => {
    const withFifo = sample(project(), 10, 7).map((t, i) => (i % 2 ? t : `import f from "fifo.pnn"\n${t}`.replace(/csv\("[^"]*"/, 'csv("fifo.csv"')));
    for (const text of withFifo) {
      fs.writeFileSync(path.join(planted.proj, "main.pnn"), text);
      const r = run(["check", "main.pnn"], planted.proj, 20_000);
      expectNoLeak(r.out + r.err);
    }
  }, 300_000);
});

describe("the whole run", () => {
  it("ran ≥ 70 processes, each under 1 GB", () => {
    console.log(`[fuzz cli] ${tried.spawned} processes; largest peak RSS ${(peak / 2 ** 20).toFixed(0)} MB`);
    expect(tried.spawned).toBeGreaterThanOrEqual(70);
    expect(peak).toBeLessThan(GB);
  });
});
