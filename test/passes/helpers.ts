// Shared helpers for the pass tests: run a graph on the interpreter with seeded feeds, and
// compare two runs output by output within a relative tolerance.
import { expect } from "vitest";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import type { Graph } from "../../compiler/ir/graph.js";
import type { Tensor } from "../../runtime/backend.js";
import { Stream } from "../../runtime/rng.js";
import { randTensor } from "../ir/helpers.js";

/** The stated tolerance: passes keep every output within 1e-5 of its scale (float64 runs). */
export const PASS_RTOL = 1e-5;

/** Seeded feeds for every input/param of g (i32 inputs in [0, 4); keys fixed). */
export function seededFeeds(g: Graph, seed: number): Record<string, Tensor> {
  const rng = new Stream(seed, 9);
  const feeds: Record<string, Tensor> = {};
  for (const l of [...g.inputs, ...g.params]) {
    const n = g.nodes[l.id]!;
    feeds[l.name] = l.name === "key" ? { dtype: "i32", shape: [4], data: Int32Array.from([seed, 1, 2, 3]) } : randTensor(rng, n.dtype, n.shape, n.dtype === "i32" ? { int: 4 } : "any");
  }
  return feeds;
}

export function runGraph(g: Graph, feeds: Record<string, Tensor>): Record<string, Tensor> {
  return compileInterp(g).run(feeds);
}

/** max|a − b| ≤ rtol · max|want| per output (NaN where the reference is NaN). */
export function expectSameOutputs(got: Record<string, Tensor>, want: Record<string, Tensor>, what: string, rtol = PASS_RTOL): void {
  expect(Object.keys(got).sort(), `${what}: output names`).toEqual(Object.keys(want).sort());
  for (const name of Object.keys(want)) {
    const a = got[name]!.data, b = want[name]!.data;
    expect(got[name]!.shape, `${what}: ${name} shape`).toEqual(want[name]!.shape);
    let scale = 0;
    for (let i = 0; i < b.length; i++) if (Number.isFinite(b[i]!)) scale = Math.max(scale, Math.abs(b[i]!));
    const tol = rtol * scale + 1e-300;
    for (let i = 0; i < b.length; i++) {
      const x = a[i]!, y = b[i]!;
      if (Number.isNaN(y) ? Number.isNaN(x) : x === y || Math.abs(x - y) <= tol) continue;
      throw new Error(`${what}: ${name}[${i}] is ${x}, expected ${y} (tolerance ${tol})`);
    }
  }
}
