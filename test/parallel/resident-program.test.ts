// A thread's resident train program (runtime/parallel/resident-program.ts): it offers its
// x input as the place the thread gathers a shard's rows (LiveParams.batchX, the program's own
// storage), and a step that passes that very array as x runs as one given a copy.
import { describe, expect, it } from "vitest";
import { compileToWasm } from "../../compiler/backends/wasm/index.js";
import { GraphBuilder } from "../../compiler/ir/graph.js";
import type { ProgramManifest } from "../../runtime/manifest.js";
import { residentProgram, type LiveParams } from "../../runtime/parallel/resident-program.js";
import { createSharedRun, createSharedState, runViews } from "../../runtime/parallel/shared.js";
import { wasmExecutable } from "../../runtime/wasm/executable.js";

const ROWS = 4, F = 3;

describe("a resident train program", () => {
  it("gives the thread its x input to gather rows into, and runs on it as on a copy", async () => {
    const b = new GraphBuilder();
    const x = b.input("x", "f32", [ROWS, F]), w = b.input("w", "f32", [F, 2]);
    b.output("y", b.matmul(x, w));
    const art = await compileToWasm(b.build());
    const manifest: ProgramManifest = { inputs: [{ name: "x", role: { kind: "x" } }, { name: "w", role: { kind: "param", param: "w" } }], outputs: [] };
    const state = createSharedState(new Map([["w", Float64Array.from({ length: F * 2 }, (_, i) => 0.25 * i - 0.5)]]), undefined);
    const run = createSharedRun(state, { shards: 2, shardRows: ROWS, features: F, sums: new Map() });
    const live: LiveParams = { run, values: new Float32Array(run.params.total), version: 1 };
    live.values.set(runViews(run).params.get("w")!);
    const exe = wasmExecutable(art.bytes, art.layout);
    const prog = residentProgram(exe, manifest, live);
    // the program's own x storage, not a scratch array
    expect(live.batchX).toBeInstanceOf(Float32Array);
    expect(live.batchX!.length).toBe(ROWS * F);
    expect(live.batchX!.buffer).toBe(exe.memory.buffer);
    const rows = Float32Array.from({ length: ROWS * F }, (_, i) => Math.cos(i));
    live.batchX!.set(rows);
    const wShared = { dtype: "f32" as const, shape: [F, 2], data: runViews(run).params.get("w")! };
    const inPlace = Array.from(prog.run({ x: { dtype: "f32", shape: [ROWS, F], data: live.batchX! }, w: wShared }).y!.data);
    const copied = Array.from(wasmExecutable(art.bytes, art.layout).run({ x: { dtype: "f32", shape: [ROWS, F], data: rows }, w: { dtype: "f32", shape: [F, 2], data: live.values.subarray(0, F * 2) } }).y!.data);
    expect(inPlace).toEqual(copied);
    expect(inPlace.some((v) => v !== 0)).toBe(true);
  });
});
