/**
 * Data-parallel training's task path, main-thread side (docs/scaling.md; gradient rules on wasm
 * take the resident step instead, resident.ts): a RuleStepper for the trainer that
 * splits every batch into the run's fixed shards, has an executor run them (this thread and worker
 * threads; this thread alone with one worker), and applies ONE update from their sums:
 *   - gradient rules: update tasks sum the shards' gradients in shard order and take the optimizer
 *     step on slices of the parameter vector (in parallel); the trainer only counts the step;
 *   - rules with their own sums (ShardMerger): the sums are added here in shard order and merged.
 * The shard layout fixes every sum, so any number of workers gives the same bits. Loss, logits
 * and cost come back in shard order too. Rules are never named here.
 */
import type { RuleStepper, ShardMerger, ShardStepper, StepCost, StepResult } from "../rules/types.js";
import type { Params } from "../run-state.js";
import type { OptimizerState } from "../optim.js";
import type { ShardOutcome, ShardRunner, ShardTask, UpdateTask } from "./shard-runner.js";
import { runViews, type SharedRun } from "./shared.js";

/** A gradient rule's stepper as a shard stepper: its gradients (by parameter path) are what the shards sum. */
export function gradientShards(stepper: RuleStepper, params: Params): ShardStepper {
  return {
    sums: new Map([...params].map(([k, a]) => [k, a.length])),
    ...(stepper.readsParams !== undefined ? { readsParams: stepper.readsParams } : {}),
    async step(batch) {
      const r = await stepper.step(batch);
      if (!r.grads) throw new Error("data-parallel: the rule's shard step returned no gradients (its program must be lowered for one shard: no fused update)");
      return { loss: r.loss, logits: r.logits, sums: r.grads, cost: r.cost };
    },
  };
}

/** Runs a step's shard tasks, and its update tasks: on this thread and worker threads (compiler/driver/parallel/pool.ts). */
export interface ShardExecutor {
  /** How many tasks run at once (the update is cut into this many slices). */
  readonly threads: number;
  /** Outcomes in the order of `tasks`. */
  shards(tasks: readonly ShardTask[]): Promise<ShardOutcome[]>;
  updates(tasks: readonly UpdateTask[]): Promise<void>;
}

/** Where tasks go besides this thread: worker threads that run the same ShardRunner code. */
export interface RemoteTasks {
  readonly threads: number;
  shard(t: ShardTask): Promise<ShardOutcome>;
  update(t: UpdateTask): Promise<void>;
}

/**
 * This thread is worker 0 and `remote`'s threads are the others: task i goes to worker
 * i mod threads. Remote tasks are posted first, then this thread runs its own, so all work at once.
 * Without `remote`, every task runs here, in order (one worker).
 */
export function threadExecutor(runner: ShardRunner, remote?: RemoteTasks): ShardExecutor {
  const threads = 1 + (remote?.threads ?? 0);
  async function spread<T, R>(tasks: readonly T[], here: (t: T) => Promise<R> | R, there: (t: T) => Promise<R>): Promise<R[]> {
    const out: Promise<R>[] = tasks.map((t, i) => (i % threads === 0 ? (undefined as unknown as Promise<R>) : handled(there(t))));
    for (let i = 0; i < tasks.length; i += threads) out[i] = Promise.resolve(await here(tasks[i]!));
    return Promise.all(out);
  }
  return {
    threads,
    shards: (tasks) => spread(tasks, (t) => runner.shard(t), (t) => remote!.shard(t)),
    updates: async (tasks) => {
      await spread(tasks, (t) => runner.update(t), (t) => remote!.update(t));
    },
  };
}

/** `p`, marked as handled now (Promise.all takes its rejection later, after this thread's own work). */
export function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

/** [lo, hi) slices of n elements, `parts` of them as equal as can be (fewer when n is small). */
export function slices(n: number, parts: number): [number, number][] {
  const k = Math.max(1, Math.min(parts, n));
  return Array.from({ length: k }, (_, i) => [Math.floor((i * n) / k), Math.floor(((i + 1) * n) / k)] as [number, number]);
}

export interface DataParallelOptions {
  readonly run: SharedRun;
  readonly executor: ShardExecutor;
  readonly classes: number;
  /** The trainer's optimizer state (its arrays are the shared ones): the update reads its step. */
  readonly optimizerState: OptimizerState;
  /** A rule with its own sums; absent for gradient rules. */
  readonly merger?: ShardMerger;
}

export function dataParallelStepper(o: DataParallelOptions): RuleStepper {
  const { run, executor, classes } = o;
  const v = runViews(run);
  const S = run.shards, s = run.shardRows;
  const cuts = slices(run.params.total, executor.threads);
  return {
    async step(batch): Promise<StepResult> {
      v.x.set(batch.x.data);
      v.labels.set(batch.labels.data);
      v.weights.set(batch.weights.data);
      const outcomes = await executor.shards(Array.from({ length: S }, (_, k) => ({ step: batch.step, shard: k, n: batch.n })));
      const names = outcomes[0]!.names;
      for (const out of outcomes)
        if (out.names.length !== names.length || out.names.some((n, i) => n !== names[i])) throw new Error(`data-parallel: shards returned different sums (${names.join(", ")} vs ${out.names.join(", ")})`);
      const cost: Record<string, number> = {};
      const addCost = (c: StepCost | void) => {
        for (const [k, x] of Object.entries(c ?? {})) cost[k] = (cost[k] ?? 0) + (x ?? 0);
      };
      let loss = 0;
      const logits = new Float64Array(S * s * classes);
      outcomes.forEach((out, k) => {
        loss += out.loss;
        logits.set(out.logits, k * s * classes);
        addCost(out.cost);
      });
      if (!o.merger) {
        const step = o.optimizerState.step;
        await executor.updates(cuts.map(([lo, hi]) => ({ step, lo, hi, names })));
      } else {
        const sums = new Map<string, Float64Array>();
        for (const name of names) {
          const total = Float64Array.from(v.shardSums(0).get(name)!);
          for (let k = 1; k < S; k++) {
            const g = v.shardSums(k).get(name)!;
            for (let i = 0; i < total.length; i++) total[i] += g[i]!;
          }
          sums.set(name, total);
        }
        addCost(o.merger.merge(sums, { n: batch.n, step: batch.step }));
      }
      // no grads: the update is applied (the trainer counts the step)
      return { loss, logits, cost };
    },
  };
}
