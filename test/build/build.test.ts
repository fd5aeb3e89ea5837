// `pnn build --target wasm` end to end: the flagship (briefly trained) is built, the artifact
// passes two independent validators (V8's and wabt's), fits the size budget (code < 64 KB,
// loader < 10 KB), and the generated model.mjs, imported in Node, gives the predictions of
// `pnn infer`. Input errors are Errors, not traps; a build without weights warns (PNN6020); an
// op the compact executor lacks is PNN5020 with --engine compact (auto falls back to simd); a bad
// target is a usage error.
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, hasStackTrace, pnn, tmpDir, VOWELS } from "../train/helpers.js";

interface Model {
  info: { classes: string[] | null; device: { chipVariables: unknown[] }; inputs: { shape: number[] }[]; outputs: { name: string; shape: number[] }[]; weights: string };
  predict(x: ArrayLike<number>): Float32Array;
  run(x: ArrayLike<number>): Record<string, Float32Array>;
  classify(x: ArrayLike<number>): number[];
}

let dir = "";
let ckpt = "";
let stats = "";

beforeAll(() => {
  ensureBuilt();
  const work = tmpDir("pnn-build-");
  const t = pnn(["train", VOWELS, "--epochs", "3", "--quiet", "--out", path.join(work, "run")]);
  expect(t.status, t.all).toBe(0);
  ckpt = path.join(work, "run", "checkpoint.safetensors");
  dir = path.join(work, "out");
  const r = pnn(["build", VOWELS, "--target", "wasm", "--weights", ckpt, "-o", dir, "--stats"]);
  expect(r.status, r.all).toBe(0);
  stats = r.stdout;
}, 180_000);

const rows = Array.from({ length: 6 }, (_, r) => Array.from({ length: 12 }, (_, i) => Math.fround(Math.sin(0.9 * i + 2.3 * r) * 1.5)));

describe("pnn build --target wasm (flagship)", () => {
  it("writes a valid module within the size budget and reports stats", async () => {
    const bytes = fs.readFileSync(path.join(dir, "model.wasm"));
    expect(WebAssembly.validate(bytes)).toBe(true);
    const wabt = await (createRequire(import.meta.url)("wabt") as () => Promise<{ readWasm(b: Uint8Array, f: object): { validate(): void; destroy(): void } }>)();
    const parsed = wabt.readWasm(bytes, { readDebugNames: false });
    expect(() => parsed.validate()).not.toThrow();
    parsed.destroy();
    const kbOf = (label: string) => Number(new RegExp(`${label}\\s+([\\d.]+) KB`).exec(stats)?.[1]);
    // the budget: code without weights < 64 KB (the compact engine's program table counted as code)
    expect(kbOf("  code"), stats).toBeLessThan(64);
    expect(kbOf("executor") + kbOf("program table"), stats).toBeLessThan(64);
    expect(fs.statSync(path.join(dir, "model.mjs")).size).toBeLessThan(10 * 1024);
    expect(stats).toMatch(/FLOPs per inference \d+/);
    expect(stats).toMatch(/buffer plan/);
    expect(stats).toMatch(/scratch\s+byte/);
    expect(fs.readFileSync(path.join(dir, "model.d.ts"), "utf8")).toContain("export declare function load");
  });

  it("model.mjs predicts what pnn infer predicts", async () => {
    const mod = (await import(pathToFileURL(path.join(dir, "model.mjs")).href)) as { load(src?: unknown): Promise<Model> };
    const m = await mod.load();
    const csv = path.join(path.dirname(dir), "rows.csv");
    fs.writeFileSync(csv, rows.map((r) => r.join(",")).join("\n") + "\n");
    const r = pnn(["infer", VOWELS, "--weights", ckpt, "--input", csv, "--json"]);
    expect(r.status, r.all).toBe(0);
    const want = JSON.parse(r.stdout) as { predictions: number[]; scores: number[][] };
    const got = m.predict(Float64Array.from(rows.flat()));
    expect(got.length).toBe(rows.length * 7);
    want.scores.forEach((row, s) => row.forEach((v, c) => expect(Math.abs(got[s * 7 + c]! - v)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(v)))));
    expect(m.classify(rows.flat())).toEqual(want.predictions);
    // the same bytes handed in directly, and the extra output
    const m2 = await mod.load(fs.readFileSync(path.join(dir, "model.wasm")));
    expect(Array.from(m2.predict(new Float32Array(rows[0]!)))).toEqual(Array.from(got.slice(0, 7)));
    expect(m.run(rows[0]!).detectors!.every((v) => v >= 0)).toBe(true);
    expect(m.info.classes).toEqual(["ae", "ah", "aw", "er", "ih", "iy", "uw"]);
    expect(m.info.device.chipVariables.length).toBe(3); // two meshes' phase errors and the detectors' responsivity
    expect(m.info.weights).toContain("checkpoint");
  });

  it("rejects wrong input lengths and non-finite values with an Error", async () => {
    const mod = (await import(pathToFileURL(path.join(dir, "model.mjs")).href)) as { load(): Promise<Model> };
    const m = await mod.load();
    expect(() => m.predict(new Float32Array(11))).toThrow(RangeError);
    expect(() => m.predict(new Float32Array(0))).toThrow(/12 per sample/);
    expect(() => m.predict([...rows[0]!.slice(0, 11), Infinity])).toThrow(/not a finite number/);
    expect(() => m.predict(null as unknown as number[])).toThrow(TypeError);
  });
});

describe("pnn build --engine simd (the wasm backend on the folded graph)", () => {
  it("builds the flagship and predicts what pnn infer predicts, to float32 tolerance", async () => {
    const out = path.join(path.dirname(dir), "simd");
    const r = pnn(["build", VOWELS, "--weights", ckpt, "-o", out, "--engine", "simd", "--stats"]);
    expect(r.status, r.all).toBe(0);
    const code = Number(/ {2}code\s+([\d.]+) KB/.exec(r.stdout)?.[1]);
    expect(code, r.stdout).toBeLessThan(64);
    const bytes = fs.readFileSync(path.join(out, "model.wasm"));
    expect(WebAssembly.validate(bytes)).toBe(true);
    const wabt = await (createRequire(import.meta.url)("wabt") as () => Promise<{ readWasm(b: Uint8Array, f: object): { validate(): void; destroy(): void } }>)();
    const parsed = wabt.readWasm(bytes, { simd: true, bulk_memory: true, sat_float_to_int: true, sign_extension: true, mutable_globals: true });
    expect(() => parsed.validate()).not.toThrow();
    parsed.destroy();
    const mod = (await import(pathToFileURL(path.join(out, "model.mjs")).href)) as { load(): Promise<Model> };
    const m = await mod.load();
    const csv = path.join(path.dirname(dir), "rows-simd.csv");
    fs.writeFileSync(csv, rows.map((row) => row.join(",")).join("\n") + "\n");
    const want = JSON.parse(pnn(["infer", VOWELS, "--weights", ckpt, "--input", csv, "--json"]).stdout) as { predictions: number[]; scores: number[][] };
    const got = m.predict(rows.flat());
    // float32 storage and arithmetic through two meshes: 1e-4 relative to the largest score
    want.scores.forEach((row, s) => {
      const scale = Math.max(...row.map(Math.abs));
      row.forEach((v, c) => expect(Math.abs(got[s * 7 + c]! - v)).toBeLessThanOrEqual(1e-4 * scale));
    });
    expect(() => m.predict(new Float32Array(5))).toThrow(RangeError);
  }, 120_000);
});

describe("pnn build errors", () => {
  it("warns PNN6020 without weights and still builds", () => {
    const out = tmpDir("pnn-build-");
    const r = pnn(["build", VOWELS, "-o", out]);
    expect(r.status, r.all).toBe(0);
    expect(r.stderr).toContain("PNN6020");
    expect(fs.existsSync(path.join(out, "model.wasm"))).toBe(true);
  }, 60_000);

  it("reports PNN5020 for an op the compact executor cannot run (--engine compact), without a stack trace; auto falls back to simd", () => {
    const work = tmpDir("pnn-build-");
    const file = path.join(work, "soft.pnn");
    fs.writeFileSync(file, `network Soft {\n  input x: real[2]\n  output y = dense(x, 2) |> softmax\n}\n\ntrain Soft on moons(n: 40) {\n  rule = backprop\n  loss = cross_entropy\n  optimizer = adam(lr: 0.01)\n  epochs = 1\n  batch = 4\n  seed = 1\n}\n`);
    const r = pnn(["build", file, "-o", path.join(work, "out"), "--engine", "compact"]);
    expect(r.status, r.all).toBe(1);
    expect(r.stderr).toMatch(/soft\.pnn:1:\d+: error PNN5020/);
    expect(hasStackTrace(r.all), r.all).toBe(false);
    const auto = pnn(["build", file, "-o", path.join(work, "auto")]);
    expect(auto.status, auto.all).toBe(0);
    expect(auto.stdout).toMatch(/engine simd/);
  }, 60_000);

  it("reports PNN6004 for a checkpoint of another network", () => {
    const r = pnn(["build", path.join(path.dirname(VOWELS), "mnist_mlp.pnn"), "--weights", ckpt, "-o", tmpDir("pnn-build-")]);
    expect(r.status, r.all).toBe(1);
    expect(r.stderr).toContain("PNN6004");
    expect(hasStackTrace(r.all), r.all).toBe(false);
  });

  it("refuses an unknown target with a usage error (exit 2)", () => {
    const r = pnn(["build", VOWELS, "--target", "webgpu", "-o", tmpDir("pnn-build-")]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--target must be wasm");
  });
});
