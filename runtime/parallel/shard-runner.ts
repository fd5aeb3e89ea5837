/**
 * What one thread does for a data-parallel step (docs/scaling.md); the main thread (one worker)
 * and every worker thread run the same code, so the arithmetic cannot depend on which thread, or
 * how many, ran a task:
 *   - shard(step, k, n): runs the rule's ShardStepper (bound to the shared parameters, which a
 *     step only reads: RuleContext.params) on rows [k·s, (k+1)·s) of the shared batch, with the
 *     step's key for shard k, and writes what it returns into shard k's slot;
 *   - update(step, [lo, hi)): for the parameter elements lo..hi−1 (the flat layout of SharedRun),
 *     sums the shards' gradients in shard order — ((g₀ + g₁) + g₂) + … — and applies the
 *     optimizer step of runtime/optim.ts to those elements. Every element's arithmetic is the
 *     same however the range is cut, so any number of update tasks gives the same bits.
 */
import { tensor } from "../rules/bind.js";
import type { BatchInput, ShardStepper, StepCost } from "../rules/types.js";
import { optimizerStep, type OptimizerConfig } from "../optim.js";
import { keys } from "../streams.js";
import { runViews, type RunViews, type SharedRun } from "./shared.js";

export interface ShardTask {
  /** The optimizer step being taken (0-based: the state's step before it). */
  readonly step: number;
  readonly shard: number;
  /** Real rows in the whole batch (the rest are zero-weight padding). */
  readonly n: number;
}

export interface ShardOutcome {
  /** The shard's part of the batch's weighted mean loss. */
  readonly loss: number;
  /** Its rows' logits [shardRows, classes]. */
  readonly logits: Float64Array;
  readonly cost: StepCost;
  /** The sums it wrote into its slot, by name. */
  readonly names: readonly string[];
}

export interface UpdateTask {
  readonly step: number;
  /** Elements lo..hi−1 of the flat parameter vector. */
  readonly lo: number;
  readonly hi: number;
  /** The parameters that received a gradient (the others are left alone, as optimizerStep does). */
  readonly names: readonly string[];
}

export interface ShardRunnerOptions {
  readonly run: SharedRun;
  /** The rule's shard stepper, bound to the shared parameters (runViews(run).params). */
  readonly stepper: ShardStepper;
  readonly seed: number;
  readonly optimizer: OptimizerConfig;
  readonly ranges: ReadonlyMap<string, { lo: number; hi: number }>;
}

/** Shard t.shard's rows of the shared batch, with the step's key for that shard (what every shard step runs on). */
export function shardBatch(run: SharedRun, v: RunViews, seed: number, t: ShardTask): BatchInput {
  const s = run.shardRows, F = run.features, first = t.shard * s;
  return {
    x: tensor("f32", [s, F], v.x.subarray(first * F, (first + s) * F)),
    labels: tensor("i32", [s], v.labels.subarray(first, first + s)),
    weights: tensor("f32", [s], v.weights.subarray(first, first + s)),
    key: tensor("i32", [4], Int32Array.from(keys.trainStep(seed, t.step, t.shard))),
    n: Math.max(0, Math.min(s, t.n - first)),
    step: t.step,
    shard: t.shard,
  };
}

export class ShardRunner {
  private readonly views: RunViews;

  constructor(private readonly o: ShardRunnerOptions) {
    this.views = runViews(o.run);
  }

  async shard(t: ShardTask): Promise<ShardOutcome> {
    const { run, stepper, seed } = this.o;
    const v = this.views;
    const r = await stepper.step(shardBatch(run, v, seed, t));
    const slots = v.shardSums(t.shard);
    for (const [name, values] of r.sums) {
      const slot = slots.get(name);
      if (!slot || slot.length !== values.length) throw new Error(`data-parallel: shard ${t.shard} returned '${name}' of length ${values.length}; the layout has ${slot ? slot.length : "no such sum"}`);
      slot.set(values);
    }
    return { loss: r.loss, logits: Float64Array.from(r.logits), cost: r.cost, names: [...r.sums.keys()] };
  }

  update(t: UpdateTask): void {
    const { run, optimizer, ranges } = this.o;
    const v = this.views;
    const slots = Array.from({ length: run.shards }, (_, k) => v.shardSums(k));
    const p = new Map<string, Float64Array>(), g = new Map<string, Float64Array>(), m = new Map<string, Float64Array>(), vv = new Map<string, Float64Array>();
    run.params.names.forEach((name, i) => {
      if (!t.names.includes(name)) return;
      const off = run.params.offsets[i]!, len = run.params.lengths[i]!;
      const a = Math.max(t.lo, off) - off, b = Math.min(t.hi, off + len) - off;
      if (a >= b) return;
      // shard 0's slot accumulates the sum, in shard order
      const sum = slots[0]!.get(name)!.subarray(a, b);
      for (let k = 1; k < run.shards; k++) {
        const gk = slots[k]!.get(name)!;
        for (let j = 0; j < sum.length; j++) sum[j] += gk[a + j]!;
      }
      g.set(name, sum);
      p.set(name, v.params.get(name)!.subarray(a, b));
      m.set(name, v.m.get(name)!.subarray(a, b));
      vv.set(name, v.v.get(name)!.subarray(a, b));
    });
    optimizerStep(optimizer, { step: t.step, m, v: vv }, p, g, ranges);
  }
}
