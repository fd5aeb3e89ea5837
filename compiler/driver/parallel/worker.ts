/**
 * A worker thread of a WorkerPool (pool.ts; docs/scaling.md). On its first task it re-creates
 * the run's Program from the posted source text, the files the main thread's checker read and the
 * same options (Session is pure given those), refuses to run if the configuration hash differs
 * from the main thread's, and builds the posted programs (wasm: the main thread's compiled module;
 * ref: lowered again and compared). Then it answers tasks: shard and update (runtime/parallel/
 * shard-runner.ts, the same code the main thread runs with one worker) and correct (evaluation).
 * Nothing is checked, lowered or compiled per task.
 */
import { workerData } from "piscina";
import { sampleChip } from "../../../runtime/init.js";
import { residentLoop, ResidentThread } from "../../../runtime/parallel/resident.js";
import { residentProgram, type LiveParams } from "../../../runtime/parallel/resident-program.js";
import { ShardRunner } from "../../../runtime/parallel/shard-runner.js";
import { sharedParams, slotViews, splitViews } from "../../../runtime/parallel/shared.js";
import type { CompiledProgram } from "../../../runtime/program.js";
import { correctCount } from "../../../runtime/trainer.js";
import type { Graph } from "../../ir/graph.js";
import { Session } from "../session.js";
import type { PoolInit, PoolTask } from "./pool.js";
import { fromPortable } from "./portable.js";

interface WorkerState {
  readonly correct: (chip: number | null, key: readonly number[], from: number, to: number) => Promise<number>;
  readonly runner?: ShardRunner;
  readonly resident?: ResidentThread;
}

async function init(w: PoolInit): Promise<WorkerState> {
  const { origin } = w;
  const p = new Session(origin.file, origin.source, { readFile: (f) => origin.reads[f] }).program(origin.options);
  if (p.configHash !== origin.configHash) throw new Error(`worker: the program re-created from its source has configuration hash ${p.configHash}, the main thread's is ${origin.configHash}`);
  const spec = p.spec();
  const infer = (device: boolean): CompiledProgram => fromPortable(device ? w.infer.device! : w.infer.twin, () => p.inferGraph(device, p.train.batch, w.settings));
  const twin = infer(false);
  const device = w.infer.device ? infer(true) : undefined;
  const params = slotViews(w.params.slots, w.params.buffer);
  const test = splitViews(w.test);
  const correct = async (chip: number | null, key: readonly number[], from: number, to: number) => {
    const prog = chip === null ? twin : device;
    if (!prog) throw new Error("worker: the network has no device program");
    return correctCount(spec, prog, test, params, chip === null ? undefined : sampleChip(spec.chipVars, p.train.seed, chip), key, from, to);
  };
  if (!w.train) return { correct };
  const { run, shard, trainSamples, resident } = w.train;
  let graphs: Readonly<Record<string, Graph>> | undefined;
  const compiled = Object.fromEntries(Object.entries(shard).map(([name, portable]) => [name, fromPortable(portable, () => (graphs ??= p.shardGraphs())[name]!)]));
  const live: LiveParams | undefined = resident ? { run, values: new Float32Array(resident.run.live, 0, run.params.total), version: -1 } : undefined;
  const programs = live ? Object.fromEntries(Object.entries(compiled).map(([k, c]) => [k, { ...c, exe: residentProgram(c.exe, c.manifest, live) }])) : compiled;
  const shardSpec = p.spec(p.shardRows);
  const stepper = p.shardStepper()({
    spec: shardSpec,
    programs: Object.fromEntries(Object.entries(programs).map(([k, c]) => [k, c.exe])),
    manifests: Object.fromEntries(Object.entries(programs).map(([k, c]) => [k, c.manifest])),
    flops: Object.fromEntries(Object.entries(programs).map(([k, c]) => [k, c.flops])),
    params: sharedParams(run),
    ...(shardSpec.hasDevice ? { chip: sampleChip(shardSpec.chipVars, p.train.seed, 0) } : {}),
    seed: p.train.seed,
    trainSamples,
  });
  const ranges = new Map(shardSpec.params.filter((q) => q.range).map((q) => [q.path, q.range!]));
  if (resident && live) {
    // the update programs of the slices a worker thread can take (all but the main thread's slice 0) are
    // instantiated now, before the run is timed, as the main thread's are
    const updates = resident.updates.map((u, j) => {
      if (j === 0) return undefined;
      const c = fromPortable(u, () => {
        throw new Error("worker: a resident update program is always a wasm module");
      });
      return { exe: c.exe, manifest: c.manifest };
    });
    const update = (j: number) => {
      const u = updates[j];
      if (!u) throw new Error(`worker: slice ${j} is the main thread's; a worker thread never updates it`);
      return u;
    };
    return { correct, resident: new ResidentThread({ run, resident: resident.run, live, stepper, seed: p.train.seed, optimizer: p.train.optimizer, update, split: resident.split }) };
  }
  return { correct, runner: new ShardRunner({ run, stepper, seed: p.train.seed, optimizer: p.train.optimizer, ranges }) };
}

let state: Promise<WorkerState> | undefined;
const READY_TIMEOUT_MS = 300_000;

export default async function task(t: PoolTask): Promise<unknown> {
  const w = await (state ??= init(workerData as PoolInit));
  switch (t.kind) {
    case "ready": {
      // each thread runs one task at a time, so `of` tasks all waiting here are on `of` threads
      Atomics.add(t.counter, 0, 1);
      Atomics.notify(t.counter, 0);
      for (let seen = Atomics.load(t.counter, 0); seen < t.of; seen = Atomics.load(t.counter, 0))
        if (Atomics.wait(t.counter, 0, seen, READY_TIMEOUT_MS) === "timed-out") throw new Error(`worker: only ${Atomics.load(t.counter, 0)} of ${t.of} threads started within ${READY_TIMEOUT_MS / 1000} s`);
      return undefined;
    }
    case "correct":
      return w.correct(t.chip, t.key, t.from, t.to);
    case "shard":
      return w.runner!.shard(t.task);
    case "update":
      w.runner!.update(t.task);
      return undefined;
    case "loop":
      return residentLoop(w.resident!, t.from);
  }
}
