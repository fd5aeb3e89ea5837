// Resident state (runtime/backend.ts ResidentExecutable, runtime/wasm/executable.ts): a train
// step whose new parameters and optimizer state feed back onto its inputs inside linear memory
// gives, step after step, exactly what copying everything in and out with run() gives; state
// can be read and replaced; mismatched feedback pairs are refused.
import { describe, expect, it } from "vitest";
import { compileToWasm } from "../../compiler/backends/wasm/index.js";
import { GraphBuilder } from "../../compiler/ir/graph.js";
import { isResident, type Tensor } from "../../runtime/backend.js";
import { wasmExecutable } from "../../runtime/wasm/executable.js";

/** One SGD-with-momentum step of a linear least-squares model: loss, new:w, new:m. */
function stepGraph() {
  const b = new GraphBuilder();
  const x = b.input("x", "f32", [4, 3]), y = b.input("y", "f32", [4, 2]);
  const w = b.input("w", "f32", [3, 2]), m = b.input("m", "f32", [3, 2]);
  const r = b.sub(b.matmul(x, w), y);
  b.output("loss", b.mean(b.square(r)));
  const g = b.mul(b.matmul(b.transpose(x, [1, 0]), r), b.scalar(0.5, "f32"));
  const m2 = b.add(b.mul(m, b.scalar(0.9, "f32")), g);
  b.output("new:w", b.sub(w, b.mul(m2, b.scalar(0.05, "f32"))));
  b.output("new:m", m2);
  return b.build();
}

const t = (shape: number[], f: (i: number) => number): Tensor => ({ dtype: "f32", shape, data: Float32Array.from({ length: shape.reduce((a, c) => a * c, 1) }, (_, i) => f(i)) });

describe("resident state in wasm memory", () => {
  it("feeds new parameters and state back inside memory, equal to copying them through run()", async () => {
    const art = await compileToWasm(stepGraph());
    const copying = wasmExecutable(art.bytes, art.layout);
    const resident = wasmExecutable(art.bytes, art.layout);
    expect(isResident(resident)).toBe(true);
    const s = resident.resident({ "new:w": "w", "new:m": "m" });
    let w = t([3, 2], (i) => 0.1 * i), m = t([3, 2], () => 0);
    s.write({ w, m });
    for (let k = 0; k < 5; k++) {
      const x = t([4, 3], (i) => Math.sin(i + k)), y = t([4, 2], (i) => Math.cos(i * k));
      const a = copying.run({ x, y, w, m });
      w = a["new:w"]!;
      m = a["new:m"]!;
      const r = s.step({ x, y }, ["loss"]);
      expect(Array.from(r.loss!.data)).toEqual(Array.from(a.loss!.data));
      expect(Array.from(s.read(["w"]).w!.data)).toEqual(Array.from(w.data));
      expect(Array.from(s.read(["m"]).m!.data)).toEqual(Array.from(m.data));
    }
    // replacing state (e.g. from a checkpoint) takes effect on the next step
    s.write({ w: t([3, 2], () => 0) });
    expect(Array.from(s.read(["w"]).w!.data)).toEqual([0, 0, 0, 0, 0, 0]);
  });
  it("gives an output as a view of its memory (what a copy would hold, changed by the next step), and refuses an unknown name", async () => {
    const art = await compileToWasm(stepGraph());
    const s = wasmExecutable(art.bytes, art.layout).resident({});
    s.write({ w: t([3, 2], (i) => 0.1 * i), m: t([3, 2], () => 0) });
    const run = (k: number) => ({ x: t([4, 3], (i) => Math.sin(i + k)), y: t([4, 2], (i) => Math.cos(i * k)) });
    const copied = s.step(run(1), ["new:m"])["new:m"]!.data.slice();
    const view = s.views(["new:m"])["new:m"]!;
    expect(Array.from(view.data)).toEqual(Array.from(copied));
    s.step(run(2), []);
    expect(Array.from(view.data)).toEqual(Array.from(s.read(["new:m"])["new:m"]!.data));
    expect(Array.from(view.data)).not.toEqual(Array.from(copied));
    expect(() => s.views(["new:q"])).toThrow(/no output 'new:q'/);
  });
  it("lets an input be filled in place: its view is the input's storage (a step reads it without being given x), and passed as x it runs as a copy would", async () => {
    const art = await compileToWasm(stepGraph());
    const copying = wasmExecutable(art.bytes, art.layout);
    const s = wasmExecutable(art.bytes, art.layout).resident({});
    const w = t([3, 2], (i) => 0.1 * i), m = t([3, 2], () => 0), y = t([4, 2], (i) => Math.cos(i));
    s.write({ w, m, y });
    const xView = s.inputView("x")!;
    expect(xView).toBeInstanceOf(Float32Array);
    expect(xView.length).toBe(12);
    for (const k of [1, 2]) {
      const x = t([4, 3], (i) => Math.sin(i + k));
      xView.set(x.data);
      const copied = copying.run({ x, y, w, m });
      // filled, x is in place: a step given no x reads it (a second fill, k = 2, changes the result)
      const given = s.step({}, ["loss", "new:w"]);
      expect(Array.from(given.loss!.data)).toEqual(Array.from(copied.loss!.data));
      expect(Array.from(given["new:w"]!.data)).toEqual(Array.from(copied["new:w"]!.data));
      const inPlace = s.step({ x: { dtype: "f32", shape: [4, 3], data: xView } }, ["loss"]);
      expect(Array.from(inPlace.loss!.data)).toEqual(Array.from(copied.loss!.data));
    }
    expect(() => s.inputView("q")).toThrow(/no input 'q'/);
  });
  it("refuses feedback between tensors of different sizes, and unknown names", async () => {
    const art = await compileToWasm(stepGraph());
    const exe = wasmExecutable(art.bytes, art.layout);
    expect(() => exe.resident({ loss: "w" })).toThrow(/cannot feed/);
    expect(() => exe.resident({ "new:q": "w" })).toThrow(/no output 'new:q'/);
  });
});
