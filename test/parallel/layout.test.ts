// The shared-memory layout of data-parallel training (runtime/parallel/shared.ts, resident.ts):
// every slot and every update slice starts at a multiple of SLOT_ALIGN elements, because V8 copies
// between a SharedArrayBuffer and wasm memory word by word only when both ends are equally aligned
// (byte by byte, ten times slower, otherwise); the slices still cover the vector exactly once.
import { describe, expect, it } from "vitest";
import { SLOT_ALIGN, segments, slotsOf } from "../../runtime/parallel/shared.js";
import { updateSlices } from "../../runtime/parallel/resident.js";

describe("data-parallel shared layout", () => {
  it("starts every slot at a multiple of SLOT_ALIGN, the padding only between slots", () => {
    const s = slotsOf([["a", 5], ["b", 3], ["c", 8], ["d", 1]]);
    expect(s.offsets).toEqual([0, 8, 12, 20]);
    expect(s.total % SLOT_ALIGN).toBe(0);
    expect(s.total).toBeGreaterThanOrEqual(21);
    // the parts of [0, total) are exactly the slots' elements
    expect(segments(s, 0, s.total).map((g) => [g.name, g.to - g.from])).toEqual([["a", 5], ["b", 3], ["c", 8], ["d", 1]]);
  });

  it("cuts the update into aligned slices that cover the vector once, the main thread's the smaller", () => {
    for (const total of [101772, 980, 1000, 260, 4096])
      for (const threads of [1, 2, 3, 4]) {
        const cuts = updateSlices(total, threads);
        expect(cuts[0]![0]).toBe(0);
        expect(cuts[cuts.length - 1]![1]).toBe(total);
        cuts.forEach(([lo, hi], t) => {
          expect(lo % SLOT_ALIGN, `${total} on ${threads}`).toBe(0);
          expect(hi).toBeGreaterThan(lo);
          if (t > 0) expect(lo).toBe(cuts[t - 1]![1]);
        });
        if (cuts.length > 1) expect(cuts[0]![1] - cuts[0]![0]).toBeLessThan(cuts[1]![1] - cuts[1]![0]);
      }
  });
});
