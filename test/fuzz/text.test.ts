// Fuzz (issue 16), part 1: hostile *text*, run in-process through `pnn check`'s own functions
// (harness.ts checkCase). Random token soup, mutated examples, raw bytes, numbers at and past
// float64's range, absurd sizes, long lines and control characters (fast-check, fixed seed).
// Every case must exit 0/1/2 without an exception, print tidy bounded output, and stay within
// its time budget; the file ends by checking this process's peak memory stayed under 1 GB.
// (Files near the size limits run as separate processes in cli.test.ts, each measured alone.)
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { bytes, mutated, numbers, printing, soup } from "./generators.js";
import { announce, checkCase, GB, peakRss, scratch, SEED, tried } from "./harness.js";

announce("text");
const project = scratch("text");
afterAll(() => project.remove());

/** Budget of one small case: ~100× what it takes on a quiet machine. */
const SMALL_MS = 3_000;
const runs = { soup: 600, mutated: 400, bytes: 250, numbers: 300, printing: 200 };

describe("fast-check: pnn check on generated text", () => {
  it(`token soup with control characters and huge numbers (${runs.soup} cases, text and --json)`, () => {
    fc.assert(fc.property(soup, fc.boolean(), (text, json) => void checkCase(project.put(text), SMALL_MS, json)), { seed: SEED, numRuns: runs.soup });
  });

  it(`mutated examples (${runs.mutated} cases)`, () => {
    fc.assert(fc.property(mutated, (text) => void checkCase(project.put(text), SMALL_MS)), { seed: SEED + 1, numRuns: runs.mutated });
  });

  it(`raw bytes and Unicode (${runs.bytes} cases)`, () => {
    fc.assert(fc.property(bytes, (b) => void checkCase(project.put(b), SMALL_MS)), { seed: SEED + 2, numRuns: runs.bytes });
  });

  it(`numbers at and past float64's range, absurd batches and shapes (${runs.numbers} cases)`, () => {
    fc.assert(
      fc.property(numbers, (text) => {
        const { out } = checkCase(project.put(text), SMALL_MS);
        expect(out).not.toMatch(/Infinity|NaN/); // a non-finite value never reaches a message: it is a diagnostic
      }),
      { seed: SEED + 3, numRuns: runs.numbers },
    );
  });

  it(`long lines and control characters in names, strings and comments (${runs.printing} cases)`, () => {
    fc.assert(fc.property(printing, (text) => void checkCase(project.put(text), SMALL_MS)), { seed: SEED + 4, numRuns: runs.printing });
  });
});

describe("the whole run", () => {
  it(`tried ≥ 1,750 inputs and stayed under 1 GB of memory`, () => {
    console.log(`[fuzz text] ${tried.inProcess} in-process runs; peak RSS ${(peakRss() / 2 ** 20).toFixed(0)} MB`);
    expect(tried.inProcess).toBeGreaterThanOrEqual(1_750);
    expect(peakRss()).toBeLessThan(GB);
  });
});
