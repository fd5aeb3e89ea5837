// The wasm runtime contract: the layout is plain JSON (a module runs from bytes + parsed JSON),
// random draws are the interpreter's (uniforms: the same doubles rounded to f32), run-time index
// errors are RangeErrors with the interpreter's message (never a trap), wrong inputs are clear
// errors, and the content-hash cache returns the same module without recompiling.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import { compileWasmModuleCached, graphKey } from "../../compiler/backends/wasm/cache.js";
import { compileToWasm, emitWat } from "../../compiler/backends/wasm/index.js";
import { GraphBuilder } from "../../compiler/ir/graph.js";
import { isWasmLayout } from "../../runtime/wasm/layout.js";
import { wasmExecutable } from "../../runtime/wasm/executable.js";

const i32 = (shape: number[], data: number[]) => ({ dtype: "i32" as const, shape, data: Int32Array.from(data) });

describe("wasm runtime", () => {
  it("runs from bytes and a JSON round-tripped layout", async () => {
    const b = new GraphBuilder();
    const x = b.input("x", "f32", [2, 3]);
    b.output("y", b.mul(x, b.scalar(2, "f32")));
    const art = await compileToWasm(b.build());
    const layout = JSON.parse(JSON.stringify(art.layout)) as unknown;
    expect(isWasmLayout(layout)).toBe(true);
    const exe = wasmExecutable(art.bytes, layout as never);
    const out = exe.run({ x: { dtype: "f32", shape: [2, 3], data: Float64Array.from([1, 2, 3, 4, 5, 6]) } });
    expect(Array.from(out.y!.data)).toEqual([2, 4, 6, 8, 10, 12]);
    expect(out.y!.data).toBeInstanceOf(Float32Array);
    expect(art.layout.memoryBytes % 65536).toBe(0);
    for (const s of [...art.layout.inputs, ...art.layout.outputs]) expect(s.offset % 16).toBe(0);
  });

  it("draws the interpreter's Philox numbers for every key word and stream", async () => {
    const b = new GraphBuilder();
    const k = b.input("key", "i32", [4]);
    b.output("u", b.randomUniform(k, [37], 0xfffffff0));
    b.output("n", b.randomNormal(k, [21], 3));
    const g = b.build();
    const exe = wasmExecutable((await compileToWasm(g)).bytes, (await compileToWasm(g)).layout);
    const ref = compileInterp(g);
    for (const key of [[1, 2, 3, 4], [-1, 0x7fffffff, -5, 9], [0, 0, 0, 0]]) {
      const feeds = { key: i32([4], key) };
      const got = exe.run(feeds), want = ref.run(feeds);
      expect(Array.from(got.u!.data)).toEqual(Array.from(want.u!.data, (v) => Math.fround(v)));
      const n = got.n!.data, m = want.n!.data;
      for (let i = 0; i < m.length; i++) expect(Math.abs(n[i]! - Math.fround(m[i]!))).toBeLessThanOrEqual(2 ** -20 * Math.max(1, Math.abs(m[i]!)));
    }
  });

  it("reports an out-of-range gather index or label as a RangeError", async () => {
    const b = new GraphBuilder();
    const x = b.input("x", "f32", [4, 3]);
    const i = b.input("i", "i32", [2]);
    b.output("g", b.gather(x, i, 0));
    const gexe = await compileToWasm(b.build()).then((a) => wasmExecutable(a.bytes, a.layout));
    const xs = { dtype: "f32" as const, shape: [4, 3], data: new Float64Array(12) };
    expect(() => gexe.run({ x: xs, i: i32([2], [1, 4]) })).toThrow(/gather: index 4 outside axis of size 4/);
    expect(() => gexe.run({ x: xs, i: i32([2], [-1, 0]) })).toThrow(RangeError);
    expect(gexe.run({ x: xs, i: i32([2], [3, 0]) }).g!.data.length).toBe(6);
    const c = new GraphBuilder();
    const lg = c.input("l", "f32", [2, 3]);
    const lb = c.input("y", "i32", [2]);
    c.output("loss", c.softmaxCrossEntropy(lg, lb));
    const cexe = await compileToWasm(c.build()).then((a) => wasmExecutable(a.bytes, a.layout));
    expect(() => cexe.run({ l: { dtype: "f32", shape: [2, 3], data: new Float64Array(6) }, y: i32([2], [0, 3]) })).toThrow(/label 3 outside \[0, 3\)/);
  });

  it("rejects inputs of the wrong shape or kind, and missing inputs", async () => {
    const b = new GraphBuilder();
    const x = b.input("x", "c64", [3]);
    b.output("y", b.abs(x));
    const art = await compileToWasm(b.build());
    const exe = wasmExecutable(art.bytes, art.layout);
    expect(() => exe.run({})).toThrow(/missing input 'x'/);
    expect(() => exe.run({ x: { dtype: "c64", shape: [4], data: new Float64Array(8) } })).toThrow(/shape/);
    expect(() => exe.run({ x: { dtype: "f32", shape: [3], data: new Float64Array(6) } })).toThrow(/expected c64/);
  });

  it("caches compiled modules by content: a second build is a hit with the same bytes", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-wasm-cache-"));
    const b = new GraphBuilder();
    const x = b.input("x", "f32", [8]);
    b.output("y", b.tanh(x));
    const g = b.build();
    const first = await compileWasmModuleCached(g, dir);
    const second = await compileWasmModuleCached(g, dir);
    expect(first.hit).toBe(false);
    expect(second.hit).toBe(true);
    expect(Buffer.from(second.bytes).equals(Buffer.from(first.bytes))).toBe(true);
    expect(fs.existsSync(path.join(dir, `${graphKey(g)}.wasm`))).toBe(true);
    // a different graph is a different key
    const c = new GraphBuilder();
    c.output("y", c.sigmoid(c.input("x", "f32", [8])));
    expect(graphKey(c.build())).not.toBe(graphKey(g));
    // a corrupt cache entry is rebuilt, not trusted
    fs.writeFileSync(path.join(dir, `${graphKey(g)}.wasm`), "garbage");
    expect((await compileWasmModuleCached(g, dir)).hit).toBe(false);
  });

  it("keeps a mesh of thousands of tiny ops small: one program entry per node, shared kernels", () => {
    const b = new GraphBuilder();
    let v = b.input("x", "c64", [16, 6]);
    for (let i = 0; i < 500; i++) v = b.mul(v, b.expi(b.slice(b.input(`p${i}`, "f32", [6]), [0], [6])));
    b.output("y", v);
    const { wat } = emitWat(b.build());
    // the chain is fused (groups of up to 24 ops); equal groups share one helper, so the text
    // stays small and the functions few (one per node would be ~1 MB; the two fused helpers,
    // each with a two-lanes-per-v128 body and a scalar remainder, are ~95 KB together)
    expect(wat.length).toBeLessThan(150_000);
    expect([...wat.matchAll(/\(func \$(ew_|n\d)/g)].length).toBeLessThan(10);
  });
});
