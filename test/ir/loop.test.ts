// The `scan` loop (compiler/ir/ops-loop.ts): its interpreter semantics against closed forms
// (running sums forwards and reversed, a rotation applied T times), the text form round trip
// with nested bodies, and the verifier/builder refusing malformed loops.
import { describe, expect, it } from "vitest";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import { GraphBuilder } from "../../compiler/ir/graph.js";
import { buildScan } from "../../compiler/ir/loops.js";
import { parseGraph } from "../../compiler/ir/parse-text.js";
import { printGraph } from "../../compiler/ir/print.js";
import { verifyGraph } from "../../compiler/ir/verify.js";

function runningSum(reverse: boolean) {
  const b = new GraphBuilder();
  const xs = b.input("xs", "f64", [5, 2]);
  const r = buildScan(b, { length: 5, carries: [b.const([0], "f64", [2])], xs: [xs], reverse }, (bb, v) => {
    const s = bb.add(v.carries[0]!, v.xs[0]!);
    return { carries: [s], ys: [s] };
  });
  b.output("total", r.carries[0]!);
  b.output("partial", r.ys[0]!);
  return b.build();
}

describe("scan", () => {
  const x = Float64Array.from([1, 10, 2, 20, 3, 30, 4, 40, 5, 50]);
  it("runs its body once per step: running sums, stacked per-step outputs", () => {
    const out = compileInterp(runningSum(false)).run({ xs: { dtype: "f64", shape: [5, 2], data: x } });
    expect(Array.from(out.total!.data)).toEqual([15, 150]);
    expect(Array.from(out.partial!.data)).toEqual([1, 10, 3, 30, 6, 60, 10, 100, 15, 150]);
  });
  it("reverse: steps from the last index; Y[idx] belongs to X[idx]", () => {
    const out = compileInterp(runningSum(true)).run({ xs: { dtype: "f64", shape: [5, 2], data: x } });
    expect(Array.from(out.total!.data)).toEqual([15, 150]);
    expect(Array.from(out.partial!.data)).toEqual([15, 150, 14, 140, 12, 120, 9, 90, 5, 50]);
  });
  it("a rotation e^{iθ} applied T times is e^{iTθ} (complex carry, real invariant)", () => {
    const b = new GraphBuilder();
    const th = b.input("theta", "f64", []);
    const r = buildScan(b, { length: 7, carries: [b.scalar([1, 0], "c128")], invariants: [th] }, (bb, v) => ({ carries: [bb.mul(v.carries[0]!, bb.expi(v.invariants[0]!))] }));
    b.output("z", r.carries[0]!);
    const z = compileInterp(b.build()).run({ theta: { dtype: "f64", shape: [], data: Float64Array.of(0.3) } }).z!.data;
    expect(z[0]).toBeCloseTo(Math.cos(2.1), 12);
    expect(z[1]).toBeCloseTo(Math.sin(2.1), 12);
  });
  it("prints and parses back, nested bodies included", () => {
    const b = new GraphBuilder();
    const z0 = b.input("z", "c64", [3]);
    const a = b.input("a", "f32", [3]);
    const r = buildScan(b, { length: 4, carries: [z0], invariants: [a] }, (bb, v) => {
      const inner = buildScan(bb, { length: 2, carries: [v.carries[0]!], invariants: [v.invariants[0]!] }, (ib, w) => ({ carries: [ib.mul(w.carries[0]!, ib.expi(w.invariants[0]!))] }));
      return { carries: inner.carries, ys: [bb.abs2(inner.carries[0]!)] };
    });
    b.output("z", r.carries[0]!);
    b.output("p", r.ys[0]!);
    const g = b.build();
    const text = printGraph(g);
    expect(text).toContain("body {");
    const back = parseGraph(text);
    expect(verifyGraph(back)).toEqual([]);
    expect(printGraph(back)).toBe(text);
  });
  it("refuses malformed loops: carry type changes, wrong sequence length, scan_result out of range", () => {
    const b = new GraphBuilder();
    const x = b.input("x", "f32", [2]);
    const bad = new GraphBuilder();
    const c = bad.input("c", "f32", [2]);
    bad.output("c", bad.cast(c, "f64"));
    expect(() => b.scan({ carries: [x] }, bad.build(), 3)).toThrow(/carry/);
    const seq = b.input("s", "f32", [4, 2]);
    const body = new GraphBuilder();
    const c2 = body.input("c", "f32", [2]);
    const s2 = body.input("s", "f32", [2]);
    body.output("c", body.add(c2, s2));
    expect(() => b.scan({ carries: [x], xs: [seq] }, body.build(), 3)).toThrow(/leading size 4/);
    const [res] = b.scan({ carries: [x], xs: [seq] }, body.build(), 4);
    expect(() => b.op("scan_result", [b.node(res!.inputs[0]!)], { index: 1 })).toThrow(/no result 1/);
  });
});
