// Fuzz (issue 16), part 2: hostile *structure*, in-process through `pnn check`'s own functions
// (harness.ts checkCase), the formatter (`pnn fmt --check`'s runFmt) and the language server's
// analysis (lsp/analysis.ts, the same checker). Operator, pipe, call and member chains up to
// 3,000 long in constants, networks, shapes and layers; user layers calling user layers up to
// 3 times, 30 deep; and imports, csv paths and matrix files picked from a planted folder of
// links, devices, directories and import chains (project.ts; FIFOs run in cli.test.ts, as a
// separate process, so a regression that blocks shows as a timeout). Same universal checks as
// text.test.ts, plus: nothing from outside the folder is ever printed.
import fc from "fast-check";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyze } from "../../lsp/analysis.js";
import { diskHost } from "../../cli/io.js";
import { chain, layers, project, PROJECT_SPECS } from "./generators.js";
import { announce, checkCase, fmtCase, GB, peakRss, scratch, SEED, tried } from "./harness.js";
import { expectNoLeak, plantProject } from "./project.js";

announce("structure");
const files = scratch("structure");
let planted: ReturnType<typeof plantProject>;
beforeAll(() => {
  planted = plantProject();
});
afterAll(() => {
  files.remove();
  planted.remove();
});

const runs = { chain: 160, layers: 40, project: 160 };

describe("fast-check: chains, layer graphs, projects", () => {
  it(`chains up to 3,000 long in four places (${runs.chain} cases; every 4th also formatted and analysed)`, async () => {
    await fc.assert(
      fc.asyncProperty(chain, fc.nat(3), async (text, k) => {
        const f = files.put(text);
        const { code, out } = checkCase(f, 8_000);
        if (k !== 0) return;
        if (code === 0) await fmtCase(f, 15_000);
        tried.inProcess++;
        const a = analyze(text, f, diskHost);
        // The language server's analysis: the same diagnostics as pnn check, and its index of names.
        expect(a.diagnostics.map((d) => d.code).slice(0, 50)).toEqual([...out.matchAll(/error (PNN\d+)/g)].map((m) => m[1]).slice(0, 50));
        expect(Array.isArray(a.occurrences)).toBe(true);
      }),
      { seed: SEED + 10, numRuns: runs.chain },
    );
  }, 300_000);

  it(`user layers calling user layers 1–3 times, up to 30 deep (${runs.layers} cases)`, () => {
    fc.assert(
      fc.property(layers, (text) => {
        const { out } = checkCase(files.put(text), 8_000);
        const budget = out.includes("PNN2080");
        // Past the budget the check stops with PNN2080 alone: no echo diagnostics of the cut-off.
        if (budget) expect(out.match(/error PNN\d+/g)).toEqual(["error PNN2080"]);
      }),
      { seed: SEED + 11, numRuns: runs.layers },
    );
  }, 300_000);

  it(`imports, csv paths and matrix files from a folder of links, devices and chains (${runs.project} cases)`, () => {
    const specs = PROJECT_SPECS.filter((s) => !s.startsWith("fifo"));
    fc.assert(
      fc.property(project(specs), (text) => {
        const f = path.join(planted.proj, "main.pnn");
        fs.writeFileSync(f, text);
        const { out } = checkCase(f, 5_000);
        expectNoLeak(out);
      }),
      { seed: SEED + 12, numRuns: runs.project },
    );
  }, 300_000);
});

describe("the whole run", () => {
  it("tried ≥ 360 inputs and stayed under 1 GB of memory", () => {
    console.log(`[fuzz structure] ${tried.inProcess} in-process runs; peak RSS ${(peakRss() / 2 ** 20).toFixed(0)} MB`);
    expect(tried.inProcess).toBeGreaterThanOrEqual(360);
    expect(peakRss()).toBeLessThan(GB);
  });
});
