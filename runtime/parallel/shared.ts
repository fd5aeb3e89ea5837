/**
 * The shared memory of a data-parallel run (docs/scaling.md): SharedArrayBuffers that the main
 * thread and the worker threads all see, so nothing large is copied per step.
 *   - parameters and the optimizer state (m, v), each one flat float64 vector laid out by
 *     parameter path (`Slots`): the run state's arrays become views of them (shareParams);
 *   - the step's batch (x, labels, weights) as the trainer filled it; shard k reads its rows;
 *   - one slot per shard for what the shards sum (gradients, or a rule's own sums), shard-major;
 *   - the test split, for evaluation tasks.
 * `SharedRun` is plain data (buffers and offsets) that travels to a worker in its workerData;
 * `views` turns it back into typed arrays on either side. Nothing here computes.
 */
import type { Params } from "../run-state.js";
import type { OptimizerState } from "../optim.js";

/**
 * Slots start at multiples of this many elements (16 bytes of f32, 32 of f64). V8 copies between a
 * SharedArrayBuffer and other memory word by word only when both ends are equally aligned, and
 * byte by byte otherwise, which measured ten times slower (a resident update slice that started at
 * an odd element took 60 µs to read its gradients instead of 6); wasm buffers are 16-byte aligned.
 */
export const SLOT_ALIGN = 4;

/** Rounds an element count or offset up to a multiple of SLOT_ALIGN. */
export const alignSlot = (n: number): number => Math.ceil(n / SLOT_ALIGN) * SLOT_ALIGN;

/** Named vectors laid out one after another in one float64 buffer (element offsets, each a multiple of SLOT_ALIGN; gaps between them are padding). */
export interface Slots {
  readonly names: readonly string[];
  readonly offsets: readonly number[];
  readonly lengths: readonly number[];
  /** Elements in all, padding included (a multiple of SLOT_ALIGN). */
  readonly total: number;
}

export function slotsOf(sizes: ReadonlyMap<string, number> | Iterable<readonly [string, number]>): Slots {
  const names: string[] = [], offsets: number[] = [], lengths: number[] = [];
  let total = 0;
  for (const [name, length] of sizes) {
    names.push(name);
    offsets.push(total);
    lengths.push(length);
    total = alignSlot(total + length);
  }
  return { names, offsets, lengths, total };
}

/** One float64 vector per slot name, viewing `buffer` from element `base` on. */
export function slotViews(slots: Slots, buffer: SharedArrayBuffer, base = 0): Map<string, Float64Array> {
  return new Map(slots.names.map((n, i) => [n, new Float64Array(buffer, (base + slots.offsets[i]!) * 8, slots.lengths[i]!)]));
}

const f64 = (n: number) => new SharedArrayBuffer(Math.max(1, n) * 8);

/** The run state in shared memory: parameters and optimizer moments, each a flat float64 vector laid out by `params`. */
export interface SharedState {
  readonly params: Slots;
  readonly paramBuffer: SharedArrayBuffer;
  /** Optimizer moments, laid out like the parameters. */
  readonly mBuffer: SharedArrayBuffer;
  readonly vBuffer: SharedArrayBuffer;
}

/** Everything a worker thread needs to see of a data-parallel run (plain data: posted as workerData). */
export interface SharedRun extends SharedState {
  readonly shards: number;
  readonly shardRows: number;
  readonly features: number;
  /** What each shard returns to be summed, and the slots: shard k's at element k·sums.total. */
  readonly sums: Slots;
  readonly sumBuffer: SharedArrayBuffer;
  /** The step's batch as the trainer filled it: x [batch, features] f64, labels i32, weights f64. */
  readonly batch: { readonly x: SharedArrayBuffer; readonly labels: SharedArrayBuffer; readonly weights: SharedArrayBuffer };
}

/** Shared copies of `params` and the optimizer moments (their current values). */
export function createSharedState(params: Params, state: OptimizerState | undefined): SharedState {
  const layout = slotsOf([...params].map(([k, v]) => [k, v.length] as const));
  const shared: SharedState = { params: layout, paramBuffer: f64(layout.total), mBuffer: f64(layout.total), vBuffer: f64(layout.total) };
  const p = slotViews(layout, shared.paramBuffer), m = slotViews(layout, shared.mBuffer), v = slotViews(layout, shared.vBuffer);
  for (const [k, a] of params) p.get(k)!.set(a);
  if (state) {
    for (const [k, a] of state.m) m.get(k)?.set(a);
    for (const [k, a] of state.v) v.get(k)?.set(a);
  }
  return shared;
}

/** The shared parameters as a Params map of views (what steppers are bound to). */
export const sharedParams = (s: SharedState): Map<string, Float64Array> => slotViews(s.params, s.paramBuffer);

/** A shared run: the shared state, plus the batch and one slot per shard for shards that return `sums`. */
export function createSharedRun(state: SharedState, o: { shards: number; shardRows: number; features: number; sums: ReadonlyMap<string, number> }): SharedRun {
  const sums = slotsOf(o.sums);
  const batch = o.shards * o.shardRows;
  return {
    ...state,
    shards: o.shards,
    shardRows: o.shardRows,
    features: o.features,
    sums,
    sumBuffer: f64(o.shards * sums.total),
    batch: { x: f64(batch * o.features), labels: new SharedArrayBuffer(batch * 4), weights: f64(batch) },
  };
}

export interface RunViews {
  readonly params: Map<string, Float64Array>;
  readonly m: Map<string, Float64Array>;
  readonly v: Map<string, Float64Array>;
  /** Shard k's sums by name. */
  shardSums(k: number): Map<string, Float64Array>;
  readonly x: Float64Array;
  readonly labels: Int32Array;
  readonly weights: Float64Array;
}

export function runViews(run: SharedRun): RunViews {
  return {
    params: sharedParams(run),
    m: slotViews(run.params, run.mBuffer),
    v: slotViews(run.params, run.vBuffer),
    shardSums: (k) => slotViews(run.sums, run.sumBuffer, k * run.sums.total),
    x: new Float64Array(run.batch.x),
    labels: new Int32Array(run.batch.labels),
    weights: new Float64Array(run.batch.weights),
  };
}

/**
 * Points the run state at the shared arrays: every parameter and moment array in `params` and
 * `state` is replaced (in its map) by its shared view, which holds the same values.
 */
export function adoptShared(shared: SharedState, params: Params, state: OptimizerState | undefined): void {
  const p = sharedParams(shared), m = slotViews(shared.params, shared.mBuffer), v = slotViews(shared.params, shared.vBuffer);
  for (const k of [...params.keys()]) params.set(k, p.get(k)!);
  if (state) {
    for (const k of [...state.m.keys()]) state.m.set(k, m.get(k)!);
    for (const k of [...state.v.keys()]) state.v.set(k, v.get(k)!);
  }
}

/** A shared copy of parameters (evaluation: the weights the workers read). */
export function shareParams(params: Params): { slots: Slots; buffer: SharedArrayBuffer } {
  const slots = slotsOf([...params].map(([k, v]) => [k, v.length] as const));
  const buffer = f64(slots.total);
  const views = slotViews(slots, buffer);
  for (const [k, a] of params) views.get(k)!.set(a);
  return { slots, buffer };
}

/** A shared copy of a split's rows (x f64, y i32) for evaluation tasks. */
export interface SharedSplit {
  readonly x: SharedArrayBuffer;
  readonly y: SharedArrayBuffer;
  readonly n: number;
  readonly features: number;
}

export function shareSplit(split: { readonly x: Float64Array; readonly y: Int32Array; readonly n: number }, features: number): SharedSplit {
  const x = f64(split.n * features), y = new SharedArrayBuffer(Math.max(1, split.n) * 4);
  new Float64Array(x, 0, split.n * features).set(split.x.subarray(0, split.n * features));
  new Int32Array(y, 0, split.n).set(split.y.subarray(0, split.n));
  return { x, y, n: split.n, features };
}

export function splitViews(s: SharedSplit): { x: Float64Array; y: Int32Array; n: number } {
  return { x: new Float64Array(s.x, 0, s.n * s.features), y: new Int32Array(s.y, 0, s.n), n: s.n };
}

/**
 * The training split's features as f32, for the resident step's threads to copy their shards'
 * rows from (resident.ts): f32 is what the wasm programs store, so a thread's rows go into its
 * program as they are (a memcpy) instead of being converted from float64 on every step; the
 * rounding is the one the program's input would apply.
 */
export interface SharedRows {
  readonly x: SharedArrayBuffer;
  readonly n: number;
  readonly features: number;
}

export function shareRows(split: { readonly x: Float64Array; readonly n: number }, features: number): SharedRows {
  const x = new SharedArrayBuffer(Math.max(1, split.n * features) * 4);
  new Float32Array(x, 0, split.n * features).set(split.x.subarray(0, split.n * features));
  return { x, n: split.n, features };
}

export function rowsView(s: SharedRows): Float32Array {
  return new Float32Array(s.x, 0, s.n * s.features);
}

/** A part of one parameter inside a range of the flat vector: its elements from..to−1, at flat element `at` + from. */
export interface Segment {
  readonly name: string;
  /** The parameter's first element in the flat vector. */
  readonly at: number;
  readonly from: number;
  readonly to: number;
}

/** The parameters' parts that the flat elements [lo, hi) hold, in layout order. */
export function segments(slots: Slots, lo: number, hi: number): Segment[] {
  const out: Segment[] = [];
  slots.names.forEach((name, i) => {
    const at = slots.offsets[i]!, len = slots.lengths[i]!;
    const from = Math.max(lo, at) - at, to = Math.min(hi, at + len) - at;
    if (from < to) out.push({ name, at, from, to });
  });
  return out;
}
