/**
 * Data-parallel training of a Program whose train block has shards > 1 (docs/scaling.md): what
 * trainProduct hands the trainer instead of the plain stepper. It compiles, once, the inference
 * pair at the batch and the rule's programs for one shard (no fused update); the trainer's run
 * state moves into shared memory (placeState); then every step runs on `workers` threads: this
 * one and workers − 1 threads of a WorkerPool, all running the same code — the resident step
 * (runtime/parallel/resident.ts, with one update program per thread's slice compiled here,
 * update-program.ts) for a gradient rule whose programs keep their inputs and whose parameters are
 * f32, the task path (runtime/parallel/data-parallel.ts) otherwise. Evaluation is spread the same
 * way. The shard layout fixes the arithmetic: any number of workers gives the same bits.
 */
import { sampleChip } from "../../../runtime/init.js";
import { isResident } from "../../../runtime/backend.js";
import { inputsOf } from "../../../runtime/manifest.js";
import { dataParallelStepper, threadExecutor, type ShardExecutor } from "../../../runtime/parallel/data-parallel.js";
import { createResidentRun, placeLive, residentStepper, ResidentThread, updateSlices, type ResidentRun } from "../../../runtime/parallel/resident.js";
import { residentProgram, type LiveParams } from "../../../runtime/parallel/resident-program.js";
import { ShardRunner } from "../../../runtime/parallel/shard-runner.js";
import { adoptShared, createSharedRun, createSharedState, sharedParams, shareRows, shareSplit, type SharedRun } from "../../../runtime/parallel/shared.js";
import type { Dataset } from "../../../runtime/data/index.js";
import type { ModelSpec } from "../../../runtime/model.js";
import type { OptimizerState } from "../../../runtime/optim.js";
import type { CompiledProgram, Programs } from "../../../runtime/program.js";
import type { RuleContext, RuleStepper, ShardStepper } from "../../../runtime/rules/types.js";
import type { Params } from "../../../runtime/run-state.js";
import { batchCount, correctCount, type Evaluator } from "../../../runtime/trainer.js";
import type { Program } from "../program.js";
import { defaultWorkers, programOrigin, WorkerPool } from "./pool.js";
import { compilePortable, type PortableProgram } from "./portable.js";
import { pauseOptimizingCompiler } from "./tiering.js";
import { updateGraph } from "./update-program.js";

export interface DataParallelRun {
  readonly spec: ModelSpec;
  /** The inference pair at the batch, and the rule's shard programs (their manifests: what the rule's merge reads). */
  readonly programs: Programs;
  /** Moves the run state into shared memory and starts the workers; resolves when every one is ready. */
  readonly placeState: (params: Params, optimizer: OptimizerState) => Promise<void>;
  readonly makeStepper: (ctx: RuleContext) => RuleStepper;
  /** Evaluation spread over the workers (absent with one worker: the trainer evaluates on this thread). */
  readonly evaluator?: Evaluator;
  /** Threads that run shards: this one and threads − 1 pool threads. */
  readonly threads: number;
  /**
   * The step is resident (runtime/parallel/resident.ts): a gradient rule whose programs keep
   * their inputs (wasm) and whose parameters are all f32. Otherwise shard and update tasks with
   * the host optimizer (a rule with its own sums, the interpreter, complex parameters).
   */
  readonly resident: boolean;
  close(): Promise<void>;
}

async function portableSet(backend: string, graphs: Readonly<Record<string, import("../../ir/graph.js").Graph>>, p: Program) {
  const names = Object.keys(graphs);
  const done = await Promise.all(names.map((n) => compilePortable(backend, graphs[n]!, p.train.span)));
  return { compiled: Object.fromEntries(names.map((n, i) => [n, done[i]!.compiled])) as Record<string, CompiledProgram>, portable: Object.fromEntries(names.map((n, i) => [n, done[i]!.portable])) as Record<string, PortableProgram> };
}

export async function dataParallelRun(p: Program, backend: string, workers: number, data: Dataset): Promise<DataParallelRun> {
  const spec = p.spec();
  const infer = await portableSet(backend, { twin: p.inferGraph(false, p.train.batch), ...(spec.hasDevice ? { device: p.inferGraph(true, p.train.batch) } : {}) }, p);
  const shard = await portableSet(backend, p.shardGraphs(), p);
  const threads = Math.max(1, Math.min(workers, p.train.shards));
  const shardSpec = p.spec(p.shardRows);
  /** The rule's shard stepper on this thread (it runs the shards with one worker), bound to the shared parameters. */
  const shardStepper = (params: Map<string, Float64Array>, programs: Record<string, CompiledProgram> = shard.compiled): ShardStepper =>
    p.shardStepper()({
      spec: shardSpec,
      programs: Object.fromEntries(Object.entries(programs).map(([k, c]) => [k, c.exe])),
      manifests: Object.fromEntries(Object.entries(programs).map(([k, c]) => [k, c.manifest])),
      flops: Object.fromEntries(Object.entries(programs).map(([k, c]) => [k, c.flops])),
      params,
      ...(shardSpec.hasDevice ? { chip: sampleChip(shardSpec.chipVars, p.train.seed, 0) } : {}),
      seed: p.train.seed,
      trainSamples: data.train.n,
    });
  const ranges = new Map(spec.params.filter((q) => q.range).map((q) => [q.path, q.range!]));
  const resident = !p.shardMerger() && Object.values(shard.compiled).every((c) => isResident(c.exe) && inputsOf(c.manifest, "param").every(({ name }) => c.exe.inputs.find((s) => s.name === name)?.dtype === "f32"));
  let run: SharedRun | undefined;
  let residentRun: ResidentRun | undefined;
  let residentThread: ResidentThread | undefined;
  let closeStepper: (() => Promise<void>) | undefined;
  let executor: ShardExecutor | undefined;
  let pool: WorkerPool | undefined;
  let evaluator: Evaluator | undefined;
  return {
    spec,
    threads,
    resident,
    programs: { inferTwin: infer.compiled.twin!, ...(infer.compiled.device ? { inferDevice: infer.compiled.device } : {}), rule: shard.compiled },
    async placeState(params, optimizer) {
      const state = createSharedState(params, optimizer);
      adoptShared(state, params, optimizer);
      // the task path's shards write what they sum into slots of the shared run; the resident step's gradients go to its own f32 slots
      const local = resident ? undefined : shardStepper(sharedParams(state));
      run = createSharedRun(state, { shards: p.train.shards, shardRows: p.shardRows, features: spec.features, sums: local?.sums ?? new Map() });
      let updates: PortableProgram[] | undefined;
      // the resident step's threads copy their own shards' rows from a shared copy of the training split
      const trainSplit = resident ? shareRows(data.train, spec.features) : undefined;
      let runner: ShardRunner | undefined;
      if (resident) {
        residentRun = createResidentRun(run, threads, spec.classes);
        placeLive(run, residentRun);
        const layout = run.params;
        const compiled = await Promise.all(updateSlices(layout.total, threads).map(([lo, hi]) => compilePortable(backend, updateGraph(layout, lo, hi, p.train.shards, p.train.optimizer.name, ranges), p.train.span)));
        updates = compiled.map((c) => c.portable);
        const live: LiveParams = { run, values: new Float32Array(residentRun.live, 0, layout.total), version: -1 };
        const programs = Object.fromEntries(Object.entries(shard.compiled).map(([k, c]) => [k, { ...c, exe: residentProgram(c.exe, c.manifest, live) }]));
        residentThread = new ResidentThread({ run, resident: residentRun, live, stepper: shardStepper(sharedParams(state), programs), seed: p.train.seed, optimizer: p.train.optimizer, update: (j) => ({ exe: compiled[j]!.compiled.exe, manifest: compiled[j]!.compiled.manifest }), split: trainSplit! });
      } else {
        runner = new ShardRunner({ run, stepper: local!, seed: p.train.seed, optimizer: p.train.optimizer, ranges });
        executor = threadExecutor(runner);
      }
      if (threads === 1) return;
      pool = new WorkerPool(
        {
          origin: programOrigin(p),
          settings: {},
          infer: { twin: infer.portable.twin!, ...(infer.portable.device ? { device: infer.portable.device } : {}) },
          test: shareSplit(data.test, spec.features),
          params: { slots: run.params, buffer: run.paramBuffer },
          train: { run, shard: shard.portable, trainSamples: data.train.n, ...(residentRun && updates && trainSplit ? { resident: { run: residentRun, updates, split: trainSplit } } : {}) },
        },
        threads - 1,
      );
      if (runner) executor = threadExecutor(runner, pool.remote());
      const shared = sharedParams(state);
      const here = (chip: number | undefined, key: readonly number[], from: number, to: number) => {
        const prog = chip === undefined ? infer.compiled.twin! : infer.compiled.device!;
        return correctCount(spec, prog, data.test, shared, chip === undefined ? undefined : sampleChip(spec.chipVars, p.train.seed, chip), key, from, to);
      };
      evaluator = pool.evaluator(batchCount(spec, data.test), data.test.n, here);
      await pool.ready();
    },
    makeStepper(ctx) {
      if (!run) throw new Error("data-parallel: the run state was not placed in shared memory before the stepper was made");
      if (residentRun && residentThread) {
        // while the loops run every core computes steps: V8 compiles no optimized code then, only between epochs (tiering.ts)
        const whileComputing = pool && threads >= defaultWorkers() ? pauseOptimizingCompiler : undefined;
        const stepper = residentStepper({ run, resident: residentRun, thread: residentThread, ...(pool ? { loops: pool.loops() } : {}), ...(whileComputing ? { whileComputing } : {}) });
        closeStepper = stepper.close;
        return stepper;
      }
      if (!executor) throw new Error("data-parallel: the run state was not placed in shared memory before the stepper was made");
      const merger = p.shardMerger()?.(ctx);
      return dataParallelStepper({ run, executor, classes: spec.classes, optimizerState: ctx.optimizer!.state, ...(merger ? { merger } : {}) });
    },
    ...(threads > 1
      ? {
          evaluator: {
            accuracy: (chip: number | undefined, key: readonly number[]) => {
              if (!evaluator) throw new Error("data-parallel: the pool is made when the run state is placed, before any evaluation");
              return evaluator.accuracy(chip, key);
            },
          },
        }
      : {}),
    async close() {
      await closeStepper?.();
      await pool?.close();
    },
  };
}
