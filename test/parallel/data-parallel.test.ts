// Data-parallel training (docs/scaling.md). The shard layout, not the worker count, fixes the
// arithmetic: runs with 1, 2 and 3 workers must end with bit-identical parameters, optimizer
// state, losses and counters. And each rule's parallel plan must be right: a batch's shards,
// summed, give the batch's gradient (or the rule's own sums) — checked on the float64 interpreter
// against the unsharded step, rule by rule.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { evaluateProduct, trainProduct } from "../../compiler/driver/run.js";
import { dataParallelRun } from "../../compiler/driver/parallel/train.js";
import { defaultWorkers } from "../../compiler/driver/parallel/pool.js";
import { COMPILER_PAUSABLE, optimizingCompilerPaused } from "../../compiler/driver/parallel/tiering.js";
import type { Program } from "../../compiler/driver/program.js";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import { graphFlops } from "../../compiler/ir/flops.js";
import { manifestOf } from "../../compiler/lower/names.js";
import { loadCheckpoint } from "../../runtime/checkpoint.js";
import { initParams, sampleChip } from "../../runtime/init.js";
import { newOptimizerState } from "../../runtime/optim.js";
import { ProgressReporter } from "../../runtime/metrics.js";
import { tensor } from "../../runtime/rules/bind.js";
import type { BatchInput, RuleContext } from "../../runtime/rules/types.js";
import { keys } from "../../runtime/streams.js";
import { loadProgram, loadSource } from "../helpers/program.js";
import { ensureBuilt, REPO, tmpDir, VOWELS } from "../train/helpers.js";

const example = (name: string) => path.join(REPO, "examples", name);

// A small deterministic network (no per-shot noise, so shards and the whole batch draw nothing)
// with a mesh (in_situ_adjoint) and dense maps (the alignment rules, local, readout_only).
const MESH_NET = `import optics from "std/optics"
network M {
  input x: real[12]
  h = x |> dense(6) |> tanh
  f = h |> optics.amplitude_encode |> optics.mzi_mesh(topology: clements) |> optics.photodetect
  output y = dense(f, 7)
}
train M on vowels() {
  rule = backprop
  batch = 8
  shards = 2
}
`;

/** Trains in-process (the CLI's trainProduct) with `workers` threads; returns the summary and the checkpoint. */
async function trainWith(p: Program, workers: number, backend = "wasm", o: { outDir?: string; epochs?: number; resume?: boolean } = {}) {
  const outDir = o.outDir ?? tmpDir("pnn-dp-");
  const progress = new ProgressReporter({ mode: "quiet", out: fs.createWriteStream("/dev/null"), epochs: p.train.epochs });
  const r = await trainProduct(p, { outDir, backend, progress, workers, ...(o.epochs ? { epochs: o.epochs } : {}), ...(o.resume ? { resume: true } : {}) });
  if (r.kind !== "trained") throw new Error("expected a trained run");
  return { summary: r.summary, checkpoint: loadCheckpoint(path.join(outDir, "checkpoint.safetensors")) };
}

/** Every tensor of two checkpoints (parameters and optimizer state) compared bit for bit. */
function expectSameBits(a: ReturnType<typeof loadCheckpoint>, b: ReturnType<typeof loadCheckpoint>): void {
  expect([...b.tensors.keys()]).toEqual([...a.tensors.keys()]);
  for (const [name, t] of a.tensors) {
    const u = b.tensors.get(name)!;
    const bytes = (x: typeof t) => Buffer.from(x.data.buffer, x.data.byteOffset, x.data.byteLength);
    expect(bytes(u).equals(bytes(t)), name).toBe(true);
  }
}

/** The summary without what is timed. */
const untimed = (s: Record<string, unknown>) => Object.fromEntries(Object.entries(s).filter(([k]) => !["wall_s", "samples_per_s", "checkpoint", "workers"].includes(k)));

describe("data-parallel training: any number of workers gives the same bits", () => {
  ensureBuilt();

  it("the flagship (physics_aware, per-shot noise, a device) with shards = 4 on 1, 2 and 3 workers", async () => {
    const p = loadProgram(VOWELS, undefined, ["shards=4", "epochs=2"]);
    expect(p.train.shards).toBe(4);
    const one = await trainWith(p, 1);
    const two = await trainWith(p, 2);
    const three = await trainWith(p, 3);
    expect(one.summary.workers).toBe(1);
    expect(two.summary.workers).toBe(2);
    expect(three.summary.workers).toBe(3);
    expectSameBits(one.checkpoint, two.checkpoint);
    expectSameBits(one.checkpoint, three.checkpoint);
    expect(untimed(two.summary)).toEqual(untimed(one.summary));
    expect(untimed(three.summary)).toEqual(untimed(one.summary));
    // it trained: better than chance (7 classes) on the test split
    expect(one.summary.test_accuracy as number).toBeGreaterThan(0.3);
  });

  it("pnn eval spreads chips over workers and gets the same accuracy for every chip", async () => {
    const p = loadProgram(VOWELS, undefined, ["epochs=2"]);
    const outDir = tmpDir("pnn-dp-eval-");
    await trainWith(p, 1, "wasm", { outDir });
    const weights = path.join(outDir, "checkpoint.safetensors");
    const one = await evaluateProduct(p, { weights, chips: 7, backend: "wasm", workers: 1 });
    const three = await evaluateProduct(p, { weights, chips: 7, backend: "wasm", workers: 3 });
    expect(three).toEqual(one);
    expect(one.per_chip).toHaveLength(7);
    expect(new Set(one.per_chip).size).toBeGreaterThan(1); // the chips differ: it did evaluate each one
  });

  it("a run stopped after 2 of 3 epochs on 2 workers and resumed on 1 ends as the uninterrupted run on 2", async () => {
    const p = loadProgram(VOWELS, undefined, ["shards=4", "epochs=3"]);
    const straight = await trainWith(p, 2);
    const outDir = tmpDir("pnn-dp-resume-");
    await trainWith(p, 2, "wasm", { outDir, epochs: 2 });
    const resumed = await trainWith(p, 1, "wasm", { outDir, resume: true });
    expectSameBits(straight.checkpoint, resumed.checkpoint);
  });

  it("on the reference interpreter too (each worker lowers the programs again and checks they print the same)", async () => {
    const p = loadProgram(VOWELS, undefined, ["shards=4", "epochs=1"]);
    expectSameBits((await trainWith(p, 1, "ref")).checkpoint, (await trainWith(p, 2, "ref")).checkpoint);
  });

  it("rules with their own sums (readout_only's normal equations, coupled learning's delta), a zeroth-order rule, local learning's per-shard negatives", async () => {
    for (const [file, rule, set] of [
      [example("reservoir_iris.pnn"), "readout_only", ["shards=4", "epochs=1"]],
      [example("resistor_iris.pnn"), undefined, ["batch=8", "shards=2", "epochs=1"]],
      [VOWELS, "spsa(c: 0.02)", ["shards=2", "epochs=1"]],
      ["mesh-net", "local", ["epochs=1"]],
    ] as const) {
      const p = file === "mesh-net" ? loadSource(MESH_NET, rule, "mesh.pnn", [...set]) : loadProgram(file, rule, [...set]);
      const one = await trainWith(p, 1);
      const two = await trainWith(p, 2);
      expectSameBits(one.checkpoint, two.checkpoint);
      expect(untimed(two.summary), `${file} ${rule}`).toEqual(untimed(one.summary));
    }
  });
});

describe("the resident step (runtime/parallel/resident.ts)", () => {
  ensureBuilt();

  it("is taken for a gradient rule on wasm; the interpreter and rules with their own sums keep the task path", async () => {
    const resident = async (p: Program, backend: string) => {
      const run = await dataParallelRun(p, backend, 2, p.dataset());
      await run.close();
      return run.resident;
    };
    expect(await resident(loadSource(MESH_NET), "wasm")).toBe(true);
    expect(await resident(loadSource(MESH_NET, "spsa(c: 0.01, samples: 2)"), "wasm")).toBe(true);
    expect(await resident(loadSource(MESH_NET), "ref")).toBe(false);
    expect(await resident(loadSource(MESH_NET, "readout_only"), "wasm")).toBe(false);
    expect(await resident(loadProgram(example("resistor_iris.pnn"), undefined, ["batch=8", "shards=2"]), "wasm")).toBe(false);
  });

  /** A batch of `p`'s training rows (7i + 3 mod n), as rows of the split and as x. */
  const batchOf = (p: Program) => {
    const data = p.dataset(), spec = p.spec(), B = p.train.batch, F = spec.features;
    const rows = Int32Array.from({ length: B }, (_, i) => (7 * i + 3) % data.train.n);
    const x = new Float64Array(B * F);
    rows.forEach((r, i) => x.set(data.train.x.subarray(r * F, (r + 1) * F), i * F));
    const labels = Int32Array.from(rows, (r) => data.train.y[r]!);
    return (byRows: boolean, step = 0): BatchInput => ({
      ...(byRows ? { rows } : {}),
      x: tensor("f32", [B, F], x), labels: tensor("i32", [B], labels), weights: tensor("f32", [B], new Float64Array(B).fill(1 / B)),
      key: tensor("i32", [4], Int32Array.from(keys.trainStep(p.train.seed, step))), n: B, step,
    });
  };

  it("a step given its rows of the shared training split (f32) equals the step given x, bit for bit", async () => {
    const p = loadSource(MESH_NET, undefined, "mesh.pnn", ["batch=8", "shards=2"]);
    const data = p.dataset(), spec = p.spec(), batch = batchOf(p);
    const run = async (byRows: boolean) => {
      const dp = await dataParallelRun(p, "wasm", 1, data);
      const params = initParams(spec.params, p.train.seed);
      await dp.placeState(params, newOptimizerState(params));
      const stepper = dp.makeStepper({} as RuleContext);
      expect(stepper.readsRows).toBe(true);
      const out = await stepper.step(batch(byRows));
      await stepper.sync?.();
      await dp.close();
      return { loss: out.loss, logits: Array.from(out.logits), params: [...params].map(([k, v]) => [k, Array.from(v)]) };
    };
    expect(await run(true)).toEqual(await run(false));
  });

  // compiler/driver/parallel/tiering.ts: no optimizing compiles on a computing core, but between epochs
  const cores = defaultWorkers();
  it.runIf(COMPILER_PAUSABLE && cores >= 2 && cores <= 8)("on every core, pauses V8's optimizing compiler while its loops run, and only then", async () => {
    const p = loadSource(MESH_NET, undefined, "mesh.pnn", [`batch=${4 * cores}`, `shards=${cores}`]);
    const spec = p.spec(), batch = batchOf(p);
    const dp = await dataParallelRun(p, "wasm", cores, p.dataset());
    const seen: boolean[] = [];
    try {
      const params = initParams(spec.params, p.train.seed);
      await dp.placeState(params, newOptimizerState(params));
      const stepper = dp.makeStepper({} as RuleContext);
      seen.push(optimizingCompilerPaused());
      await stepper.step(batch(true, 0));
      seen.push(optimizingCompilerPaused());
      await stepper.step(batch(true, 1));
      seen.push(optimizingCompilerPaused());
      await stepper.sync?.(); // the end of an epoch: the loops stop
      seen.push(optimizingCompilerPaused());
      await stepper.step(batch(true, 2));
      seen.push(optimizingCompilerPaused());
    } finally {
      await dp.close();
    }
    seen.push(optimizingCompilerPaused());
    expect(seen).toEqual([false, true, true, false, true, false]);
  });

  // one thread (no pool) everywhere; a pool of cores − 1 threads where there are 3 or more cores
  it.each([1, ...(cores >= 3 && cores <= 8 ? [cores - 1] : [])])("with fewer threads than cores (%i), leaves V8's optimizing compiler alone", async (threads) => {
    const p = loadSource(MESH_NET, undefined, "mesh.pnn", [`batch=${4 * cores}`, `shards=${cores}`]);
    const dp = await dataParallelRun(p, "wasm", threads, p.dataset());
    try {
      expect(dp.threads).toBe(threads);
      const params = initParams(p.spec().params, p.train.seed);
      await dp.placeState(params, newOptimizerState(params));
      await dp.makeStepper({} as RuleContext).step(batchOf(p)(true));
      expect(optimizingCompilerPaused()).toBe(false);
    } finally {
      await dp.close();
    }
  });

  // backprop only binds the parameters (the float64 copy is brought up to date when the trainer syncs);
  // spsa reads them on the host every step (its queries perturb them): both must follow the unsharded run
  it.each([
    ["backprop", undefined],
    ["spsa, which reads the parameters on the host every step", "spsa(c: 0.01, samples: 2)"],
  ])("trains as the unsharded program does, up to the order of the sums: %s", async (_label, rule) => {
    // eps well above the gradients' rounding noise: adam would otherwise take full steps on the noise of a near-zero gradient's sign
    const set = ["epochs=2", "optimizer=adam(lr: 0.01, eps: 0.001)"];
    const sharded = await trainWith(loadSource(MESH_NET, rule, "mesh.pnn", set), 2);
    const whole = await trainWith(loadSource(MESH_NET, rule, "mesh.pnn", [...set, "shards=1"]), 1);
    let worst = 0, scale = 0, moved = 0;
    const first = loadSource(MESH_NET);
    const start = initParams(first.spec().params, first.train.seed);
    for (const [name, t] of whole.checkpoint.tensors) {
      if (!start.has(name)) continue; // optimizer state: compared through the parameters it moved
      const u = sharded.checkpoint.tensors.get(name)!;
      for (let i = 0; i < t.data.length; i++) {
        worst = Math.max(worst, Math.abs(t.data[i]! - u.data[i]!));
        scale = Math.max(scale, Math.abs(t.data[i]! - start.get(name)![i]!));
        moved = Math.max(moved, Math.abs(u.data[i]! - start.get(name)![i]!));
      }
    }
    // both trained (moved well away from the initial parameters), to the same place
    expect(scale).toBeGreaterThan(0.02);
    expect(moved).toBeGreaterThan(0.02);
    expect(worst / scale).toBeLessThan(1e-4);
  });
});

// ── each rule's parallel plan: Σ shards = the batch ─────────────────────────────

interface Sums {
  readonly loss: number;
  readonly sums: Map<string, Float64Array>;
}

/** The rule's programs at `batch` rows, on the interpreter, lowered for data-parallel shards (no fused update). */
function contextFor(p: Program, batch: number, params: Map<string, Float64Array>): RuleContext {
  const graphs = p.rule.programs(p.ruleLowering(batch, {}, true));
  const spec = p.spec(batch);
  return {
    spec,
    programs: Object.fromEntries(Object.entries(graphs).map(([k, g]) => [k, compileInterp(g)])),
    manifests: Object.fromEntries(Object.entries(graphs).map(([k, g]) => [k, manifestOf(g)])),
    flops: Object.fromEntries(Object.entries(graphs).map(([k, g]) => [k, graphFlops(g)])),
    params,
    ...(spec.hasDevice ? { chip: sampleChip(spec.chipVars, p.train.seed, 0) } : {}),
    seed: p.train.seed,
    trainSamples: 1e9,
  };
}

/** One step's sums: on the whole batch (rows 0..B−1, shard 0) or on rows [from, from + rows) as shard `shard`. */
async function stepSums(p: Program, rows: number, from: number, shard: number, B: number): Promise<Sums> {
  const data = p.dataset().train;
  const F = p.spec().features;
  const params = initParams(p.spec().params, p.train.seed);
  const x = new Float64Array(rows * F), labels = new Int32Array(rows), weights = new Float64Array(rows).fill(1 / B);
  for (let r = 0; r < rows; r++) {
    x.set(data.x.subarray((from + r) * F, (from + r + 1) * F), r * F);
    labels[r] = data.y[from + r]!;
  }
  const batch: BatchInput = { x: tensor("f32", [rows, F], x), labels: tensor("i32", [rows], labels), weights: tensor("f32", [rows], weights), key: tensor("i32", [4], Int32Array.from(keys.trainStep(p.train.seed, 0, shard))), n: rows, step: 0, shard };
  const out = await p.shardStepper()(contextFor(p, rows, params)).step(batch);
  return { loss: out.loss, sums: new Map([...out.sums].map(([k, v]) => [k, Float64Array.from(v)])) };
}

function expectClose(a: Float64Array, b: Float64Array, what: string): void {
  const scale = Math.max(1e-12, ...Array.from(a, Math.abs));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  expect(worst / scale, what).toBeLessThan(1e-9);
}

describe("each rule's parallel plan: the shards' sums add up to the batch's", () => {
  const cases: [string, () => Program][] = [
    ["backprop", () => loadSource(MESH_NET)],
    ["physics_aware (no device model: the twin)", () => loadSource(MESH_NET, "physics_aware")],
    ["hardware_aware", () => loadSource(MESH_NET, "hardware_aware")],
    ["feedback_alignment", () => loadSource(MESH_NET, "feedback_alignment")],
    ["direct_feedback_alignment", () => loadSource(MESH_NET, "direct_feedback_alignment")],
    ["direct_feedback_alignment(projection: optical)", () => loadSource(MESH_NET, "direct_feedback_alignment(projection: optical)")],
    ["in_situ_adjoint", () => loadSource(MESH_NET, "in_situ_adjoint")],
    ["spsa", () => loadSource(MESH_NET, "spsa(c: 0.01, samples: 2)")],
    ["evolution_strategies", () => loadSource(MESH_NET, "evolution_strategies(population: 3)")],
    ["readout_only", () => loadSource(MESH_NET, "readout_only")],
    ["equilibrium_propagation", () => loadProgram(example("hopfield_xor.pnn"), undefined, ["batch=4", "shards=2"])],
    ["coupled_learning", () => loadProgram(example("resistor_xor.pnn"), undefined, ["batch=4", "shards=2"])],
  ];
  for (const [name, load] of cases)
    it(name, async () => {
      const p = load();
      const B = p.train.batch, s = p.shardRows;
      const whole = await stepSums(p, B, 0, 0, B);
      const parts = await Promise.all(Array.from({ length: p.train.shards }, (_, k) => stepSums(p, s, k * s, k, B)));
      expect(parts.reduce((a, q) => a + q.loss, 0)).toBeCloseTo(whole.loss, 10);
      for (const [k, total] of whole.sums) {
        const summed = new Float64Array(total.length);
        for (const part of parts) part.sums.get(k)!.forEach((v, i) => (summed[i] += v));
        expectClose(total, summed, `${name}: ${k}`);
      }
    });
});
