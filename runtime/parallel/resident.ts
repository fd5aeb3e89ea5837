/**
 * The resident data-parallel step (docs/scaling.md): what a gradient rule's shards run when
 * every program keeps its inputs (wasm: runtime/backend.ts `isResident`) and every parameter is
 * f32. Today's task path (shard-runner.ts) stays for the rest (rules with their own sums, the
 * interpreter, complex parameters).
 *   - The live state is f32 in shared memory: parameters, moments m and v (`live`), laid out by
 *     the run's parameter slots, and one gradient slot per shard (`grads`).
 *   - Each thread's train programs hold the parameters inside the executable (`residentProgram`, resident-program.ts):
 *     a parameter input bound to the run's shared array is copied in from the live vector once
 *     per step (one memcpy), not converted on every run; any other array (a rule's perturbed
 *     copy) is written as given.
 *   - A step: every thread runs its shards (k ≡ thread mod T) and copies each shard's gradients
 *     into its slot; after a barrier every thread runs the update program of its slice of the
 *     flat vector (compiler/driver/parallel/update-program.ts: the shards' gradients summed in
 *     shard order, then the fused optimizer formulas of compiler/lower/optimizer.ts), writing the
 *     new parameters into the live vector and into the run's float64 parameters (which rules and
 *     evaluation read). The update program keeps its slice's moments (and parameters) between
 *     steps; they go to `live` when the loops stop (`flush`), and a thread that takes over a slice
 *     after a restart reads them from there.
 *   - Worker threads run a loop (`residentLoop`) that waits on an Atomics word for each step, so
 *     a step costs no message round trip; the main thread is thread 0. `sync` stops the loops
 *     (evaluation tasks can then run on the workers) and copies the moments into the trainer's.
 * Every element's arithmetic is the same for any thread count: shards are computed by the same
 * code, summed in shard order, and the update is elementwise.
 */
import { isResident, type Executable, type Tensor } from "../backend.js";
import { inputsOf, outputsOf, type ProgramManifest } from "../manifest.js";
import type { LiveParams } from "./resident-program.js";
import { optimizerScalars, type OptimizerConfig } from "../optim.js";
import { tensor } from "../rules/bind.js";
import type { RuleStepper, ShardStepper, StepCost, StepResult } from "../rules/types.js";
import { shardBatch } from "./shard-runner.js";
import { alignSlot, rowsView, runViews, segments, type RunViews, type SharedRows, type SharedRun } from "./shared.js";

/** The cost keys a shard reports, each one float64 per shard in shared memory. */
const COST_KEYS = ["deviceForwards", "relaxations", "measurements", "digitalFlops"] as const satisfies readonly (keyof StepCost)[];
// every key of StepCost travels: this fails to compile when StepCost gains one
const everyCostKey: Exclude<keyof StepCost, (typeof COST_KEYS)[number]> extends never ? true : false = true;
void everyCostKey;

/** Control words (Int32Array over `control`). */
const GO = 0, CMD = 1, STEPS = 2, STEP = 3, N = 4, SHARDS_DONE = 5, UPDATES_DONE = 6, FAILED = 7, CLAIMED = 8, ROUND = 9;
/** 1 when the step's batch is given as rows of the shared training split (`rows`), 0 when as x in the shared run. */
const ROWS = 10;
/** Then one word per slice: the step (STEPS) of its latest update. */
const LAST = 11;
const RUN = 1, STOP = 2;

/** The shared memory of the resident step, besides the run's (plain data: posted to workers). */
export interface ResidentRun {
  readonly threads: number;
  readonly classes: number;
  /** f32 [3 · total]: live parameters, then m, then v, each laid out by the run's parameter slots. */
  readonly live: SharedArrayBuffer;
  /** f32 [shards · total]: shard k's gradients at k · total. */
  readonly grads: SharedArrayBuffer;
  /** f64: loss [shards], cost [shards · COST_KEYS], logits [batch · classes]. */
  readonly results: SharedArrayBuffer;
  readonly control: SharedArrayBuffer;
  /** i32 [batch]: the step's rows in the training split (−1: padding), when the trainer passes rows. */
  readonly rows: SharedArrayBuffer;
}

export function createResidentRun(run: SharedRun, threads: number, classes: number): ResidentRun {
  const total = run.params.total, S = run.shards;
  return {
    threads,
    classes,
    live: new SharedArrayBuffer(Math.max(1, 3 * total) * 4),
    grads: new SharedArrayBuffer(Math.max(1, S * total) * 4),
    results: new SharedArrayBuffer((S + S * COST_KEYS.length + S * run.shardRows * classes) * 8),
    control: new SharedArrayBuffer((LAST + threads) * 4),
    rows: new SharedArrayBuffer(Math.max(1, S * run.shardRows) * 4),
  };
}

interface Views {
  readonly run: RunViews;
  readonly params: Float32Array;
  readonly m: Float32Array;
  readonly v: Float32Array;
  readonly grads: Float32Array;
  readonly results: Float64Array;
  readonly control: Int32Array;
  readonly rows: Int32Array;
}

function views(run: SharedRun, r: ResidentRun): Views {
  const total = run.params.total;
  return {
    run: runViews(run),
    params: new Float32Array(r.live, 0, total),
    m: new Float32Array(r.live, total * 4, total),
    v: new Float32Array(r.live, 2 * total * 4, total),
    grads: new Float32Array(r.grads, 0, run.shards * total),
    results: new Float64Array(r.results),
    control: new Int32Array(r.control),
    rows: new Int32Array(r.rows),
  };
}

/** An update program (one slice of the flat parameter vector) and its manifest. */
export interface UpdateProgram {
  readonly exe: Executable;
  readonly manifest: ProgramManifest;
}

export interface ResidentThreadOptions {
  readonly run: SharedRun;
  readonly resident: ResidentRun;
  readonly live: LiveParams;
  /** The rule's shard stepper over this thread's `residentProgram`s, bound to the run's shared parameters. */
  readonly stepper: ShardStepper;
  readonly seed: number;
  readonly optimizer: OptimizerConfig;
  /** The update program of slice j (of `threads`; the caller instantiates them before the run), bound to the shared arrays on first use. */
  readonly update: (slice: number) => UpdateProgram;
  /**
   * The training split in shared memory (shared.ts shareRows): with it, the trainer passes the
   * batch's row indices and each thread copies its own shards' rows (readsRows), so no thread
   * copies the whole batch first.
   */
  readonly split?: SharedRows;
}

/** Waits until control word `i` is at least `target` (blocking on a worker thread; the main thread passes an asynchronous wait). */
type Wait = (control: Int32Array, i: number, target: number) => void | Promise<void>;

const ELSEWHERE = "data-parallel: another thread failed during the step";
function failedElsewhere(): Error {
  return new Error(ELSEWHERE);
}

/**
 * How long a thread polls a control word before it sleeps on it. Most waits at a barrier end
 * within microseconds (the threads arrive together), and a poll catches them without a futex
 * wake (tens of microseconds here). A longer wait sleeps, which leaves the core to whatever else
 * must run (V8's compiler and GC threads, the kernel's): a thread that polled through it would
 * leave them only a computing thread to preempt. Measured on 2 cores (MNIST MLP and the
 * diffractive network, batches 64 and 256): 0.05 ms beat both 0 and 2 ms; with V8's optimizing
 * compiles held back (compiler/driver/parallel/tiering.ts), MLP at batch 64: 0.2, 0.3, 0.5 and
 * 1 ms no better (within the runs' noise).
 */
const SPIN_MS = 0.05;

/** Polls word `i` until it is at least `target` or SPIN_MS passed; whether it got there. */
function spun(control: Int32Array, i: number, target: number): boolean {
  if (Atomics.load(control, i) >= target) return true;
  const until = performance.now() + SPIN_MS;
  do {
    for (let k = 0; k < 64; k++) if (Atomics.load(control, i) >= target) return true;
  } while (performance.now() < until);
  return Atomics.load(control, i) >= target;
}

/** A worker thread's blocking wait (it can sleep: nothing else runs on it). */
export function blockingWait(control: Int32Array, i: number, target: number): void {
  if (spun(control, i, target)) return;
  for (let seen = Atomics.load(control, i); seen < target; seen = Atomics.load(control, i)) {
    if (Atomics.load(control, FAILED)) throw failedElsewhere();
    Atomics.wait(control, i, seen, 1000);
  }
}

/** One thread's part of the resident step: its shards, then its slice of the update. The same code on every thread. */
export class ResidentThread {
  readonly views: Views;
  /** The shared training split's features (rowsView of `split`), when the trainer passes rows. */
  private readonly splitX: Float32Array | undefined;
  private readonly cuts: [number, number][];
  private readonly updates = new Map<number, { run(step: number, steps: number): void; flush(): void }>();

  get threads(): number {
    return this.o.resident.threads;
  }

  constructor(private readonly o: ResidentThreadOptions) {
    this.views = views(o.run, o.resident);
    this.splitX = o.split ? rowsView(o.split) : undefined;
    this.cuts = updateSlices(o.run.params.total, o.resident.threads);
  }

  /** Thread `t`'s part of the step the control words describe. */
  async step(t: number, wait: Wait): Promise<void> {
    const { run, resident } = this.o;
    const c = this.views.control;
    const S = run.shards, T = resident.threads;
    const steps = Atomics.load(c, STEPS), step = Atomics.load(c, STEP), n = Atomics.load(c, N);
    this.o.live.version = steps;
    for (let k = t; k < S; k += T) {
      await this.shard(k, step, n);
      Atomics.add(c, SHARDS_DONE, 1);
      Atomics.notify(c, SHARDS_DONE);
    }
    await wait(c, SHARDS_DONE, steps * S);
    // slice 0 is this (main) thread's; the others move on to the next worker thread each time the loops
    // start (ROUND), so taking over a slice — its moments from shared memory — happens in every run
    // with two or more worker threads, not only when their claims reorder
    const slice = t === 0 ? 0 : 1 + ((t - 1 + Atomics.load(c, ROUND)) % (T - 1));
    if (slice < this.cuts.length) this.update(slice, step, steps);
    Atomics.add(c, UPDATES_DONE, 1);
    Atomics.notify(c, UPDATES_DONE);
  }

  /** Whether the trainer may pass rows of the training split instead of x. */
  get readsRows(): boolean {
    return this.splitX !== undefined;
  }

  private rowsScratch: Float32Array | undefined;
  /** Shard k's x, copied from the shared training split by the rows the step's batch holds (zeros for padding), into its program's x when it can. */
  private gather(k: number): Tensor {
    const { run, live } = this.o, split = this.splitX!;
    const s = run.shardRows, F = run.features;
    const x = live.batchX ?? (this.rowsScratch ??= new Float32Array(s * F));
    const rows = this.views.rows;
    for (let r = 0; r < s; r++) {
      const i = rows[k * s + r]!;
      if (i < 0) x.fill(0, r * F, (r + 1) * F);
      else x.set(split.subarray(i * F, (i + 1) * F), r * F);
    }
    return tensor("f32", [s, F], x);
  }

  private async shard(k: number, step: number, n: number): Promise<void> {
    const { run, stepper, seed, resident } = this.o;
    const v = this.views;
    const batch = shardBatch(run, v.run, seed, { step, shard: k, n });
    const r = await stepper.step(Atomics.load(v.control, ROWS) ? { ...batch, x: this.gather(k) } : batch);
    const total = run.params.total, S = run.shards;
    if (r.sums.size !== run.params.names.length) throw new Error(`data-parallel: shard ${k} returned ${r.sums.size} gradients; the resident step updates all ${run.params.names.length} parameters`);
    run.params.names.forEach((name, i) => {
      const g = r.sums.get(name);
      const len = run.params.lengths[i]!;
      if (!g || g.length !== len) throw new Error(`data-parallel: shard ${k} returned no gradient of length ${len} for '${name}'`);
      v.grads.set(g, k * total + run.params.offsets[i]!);
    });
    const res = v.results, rows = run.shardRows * resident.classes;
    res[k] = r.loss;
    COST_KEYS.forEach((key, j) => (res[S + k * COST_KEYS.length + j] = r.cost[key] ?? 0));
    res.set(r.logits, S + S * COST_KEYS.length + k * rows);
  }

  /** Slice j's update: the shards' gradients of its elements summed in shard order, one optimizer step. */
  private update(j: number, step: number, steps: number): void {
    let u = this.updates.get(j);
    if (!u) this.updates.set(j, (u = this.prepare(j)));
    u.run(step, steps);
  }

  /** Copies the moments this thread's update programs hold (those of the latest update of their slice) into the live vectors: before the loops stop. */
  flush(): void {
    for (const u of this.updates.values()) u.flush();
  }

  /**
   * Binds slice j's update program to the shared arrays once. The program keeps the slice's
   * parameters and moments (its new values feed back onto its inputs); they are written from the
   * live vectors only when another thread updated the slice last (control word LAST + j says
   * which step did), so a step passes just the gradients and the scalars. The new parameters go
   * to the live vector (every thread's programs read them) at once; the moments only on `flush`.
   */
  private prepare(j: number): { run(step: number, steps: number): void; flush(): void } {
    const { run, optimizer } = this.o;
    const v = this.views, total = run.params.total, c = v.control;
    const { exe, manifest: m } = this.o.update(j);
    if (!isResident(exe)) throw new Error("data-parallel: the resident update needs a program that keeps its inputs (wasm)");
    const [lo, hi] = this.cuts[j]!;
    const parts = new Map(segments(run.params, lo, hi).map((s) => [s.name, s]));
    const segment = (param: string) => {
      const s = parts.get(param);
      if (!s) throw new Error(`data-parallel: the update program of slice ${j} reads '${param}', which is not in it`);
      return s;
    };
    const part = (param: string) => {
      const s = segment(param);
      return [s.at + s.from, s.at + s.to] as const;
    };
    const f32 = (a: Float32Array, [from, to]: readonly [number, number], base = 0) => tensor("f32", [to - from], a.subarray(base + from, base + to));
    const moments = (slot: "m" | "v") => (slot === "m" ? v.m : v.v);
    const state: Record<string, Tensor> = {}, grads: Record<string, Tensor> = {};
    const paramInput = new Map<string, string>(), stateInput = new Map<string, string>();
    for (const { name, role } of inputsOf(m, "param")) {
      state[name] = f32(v.params, part(role.param));
      paramInput.set(role.param, name);
    }
    for (const { name, role } of inputsOf(m, "optimizer-state")) {
      state[name] = f32(moments(role.slot), part(role.param));
      stateInput.set(`${role.slot}:${role.param}`, name);
    }
    for (const { name, role } of inputsOf(m, "shard-grad")) grads[name] = f32(v.grads, part(role.param), role.shard * total);
    const scalars = inputsOf(m, "optimizer-scalar");
    if (Object.keys(state).length + Object.keys(grads).length + scalars.length !== m.inputs.length) throw new Error(`data-parallel: the update program of slice ${j} has inputs the resident step does not feed`);
    const newParams = outputsOf(m, "new-param"), newState = outputsOf(m, "new-state");
    const session = exe.resident(Object.fromEntries([...newParams.map(({ name, role }) => [name, paramInput.get(role.param)!]), ...newState.map(({ name, role }) => [name, stateInput.get(`${role.slot}:${role.param}`)!])]));
    const shared = v.run.params;
    // new parameters go to the live vector and to the run's float64 parameters (what rules read on the host and evaluation reads; see `mirror`), at the part's place in its parameter
    const paramsBack = newParams.map(({ name, role }) => ({ name, at: part(role.param)[0], f64: shared.get(role.param)!, f64At: segment(role.param).from }));
    const stateBack = newState.map(({ name, role }) => ({ name, live: moments(role.slot), at: part(role.param)[0] }));
    const outputs = (names: readonly string[]): Record<string, Tensor> => {
      const out = session.views ? session.views(names) : session.read(names);
      if (out instanceof Promise) throw new Error("data-parallel: the resident update needs a synchronous executable");
      return out;
    };
    // the step's scalars are written into these tensors; both feeds are made once
    const scalarValues = scalars.map(() => new Float64Array(1));
    const scalarInputs = Object.fromEntries(scalars.map(({ name }, i) => [name, tensor("f32", [], scalarValues[i]!)]));
    const feedGrads: Record<string, Tensor> = { ...grads, ...scalarInputs }, feedAll: Record<string, Tensor> = { ...state, ...feedGrads };
    const paramNames = paramsBack.map((b) => b.name);
    // a rule that reads the parameters on the host sees them after every step; otherwise the trainer's sync brings them (residentStepper)
    const mirror = this.o.stepper.readsParams !== false;
    let heldAt = -1; // the step whose update this program holds the result of
    return {
      run(step, steps) {
        const values = optimizerScalars(optimizer, step + 1);
        for (let i = 0; i < scalars.length; i++) {
          const x = values[scalars[i]!.role.scalar];
          if (x === undefined) throw new Error(`data-parallel: the update program was made for another optimizer than ${optimizer.name} (it takes '${scalars[i]!.role.scalar}')`);
          scalarValues[i]![0] = x;
        }
        const current = heldAt >= 0 && heldAt === Atomics.load(c, LAST + j);
        const ran = session.step(current ? feedGrads : feedAll, []);
        if (ran instanceof Promise) throw new Error("data-parallel: the resident update needs a synchronous executable");
        const out = outputs(paramNames);
        for (const b of paramsBack) {
          const data = out[b.name]!.data as Float32Array;
          v.params.set(data, b.at);
          if (mirror) b.f64.set(data, b.f64At);
        }
        heldAt = steps;
        Atomics.store(c, LAST + j, steps);
      },
      flush() {
        if (heldAt < 0 || heldAt !== Atomics.load(c, LAST + j)) return;
        const out = outputs(stateBack.map((b) => b.name));
        for (const b of stateBack) b.live.set(out[b.name]!.data as Float32Array, b.at);
      },
    };
  }
}

/** Thread 0's share of the update against a worker thread's 1: it also runs the trainer between steps, while the workers finish their slices. */
const MAIN_SHARE = 0.8;

/**
 * The slices of the flat parameter vector the threads update: slice 0 (the main thread's, smaller)
 * and one per worker thread, cut at multiples of SLOT_ALIGN (shared.ts: copies to and from shared
 * memory are fast only when aligned). A vector too small to be worth cutting is one slice. Every
 * element's arithmetic is the same wherever the cuts fall.
 */
export function updateSlices(total: number, threads: number): [number, number][] {
  if (threads === 1 || total < 64 * threads) return [[0, total]];
  const weights = Array.from({ length: threads }, (_, t) => (t === 0 ? MAIN_SHARE : 1));
  const sum = weights.reduce((a, b) => a + b, 0);
  let cumulative = 0;
  const cuts = [0, ...weights.map((w) => Math.min(total, alignSlot(Math.floor((total * (cumulative += w)) / sum))))];
  cuts[threads] = total;
  return weights.map((_, t) => [cuts[t]!, cuts[t + 1]!] as [number, number]);
}

/** Rounds the run's float64 parameters and moments to f32 (what the programs hold) and copies them into the live vectors. */
export function placeLive(run: SharedRun, resident: ResidentRun): void {
  const v = views(run, resident);
  const p = v.run.params, m = v.run.m, vv = v.run.v;
  run.params.names.forEach((name, i) => {
    const at = run.params.offsets[i]!;
    for (const [from, to] of [[p.get(name)!, v.params], [m.get(name)!, v.m], [vv.get(name)!, v.v]] as const) {
      to.set(from, at);
      from.set(to.subarray(at, at + from.length));
    }
  });
}

/** Worker-side loop: claims a thread number, then runs its part of every step until told to stop. */
export async function residentLoop(thread: ResidentThread, from: number): Promise<void> {
  const c = thread.views.control;
  const t = Atomics.add(c, CLAIMED, 1) + 1;
  Atomics.notify(c, CLAIMED);
  if (t >= thread.threads) throw new Error(`data-parallel: thread ${t} claimed, but the run has ${thread.threads} threads`);
  for (let seen = from; ; ) {
    spun(c, GO, seen + 1);
    while (Atomics.load(c, GO) === seen) {
      if (Atomics.load(c, FAILED)) throw failedElsewhere();
      Atomics.wait(c, GO, seen, 1000);
    }
    seen = Atomics.load(c, GO);
    if (Atomics.load(c, CMD) === STOP) return thread.flush();
    try {
      await thread.step(t, blockingWait);
    } catch (e) {
      fail(c);
      throw e;
    }
  }
}

function fail(c: Int32Array): void {
  Atomics.store(c, FAILED, 1);
  for (const i of [GO, SHARDS_DONE, UPDATES_DONE, CLAIMED]) Atomics.notify(c, i);
}

/** Worker threads that run `residentLoop` (compiler/driver/parallel/pool.ts). */
export interface RemoteLoops {
  readonly threads: number;
  /** Starts one loop per thread, each waiting for steps after GO = `from`. */
  start(from: number): Promise<void>[];
}

const READY_TIMEOUT_MS = 300_000;

/**
 * The main thread's side: a stepper that writes the batch into shared memory, releases the step,
 * runs thread 0's part, and reads loss, logits and cost back in shard order. It returns once its
 * own update slice is done: the worker threads finish theirs while the trainer takes the step's
 * metrics and fills the next batch, and the next step (or `sync`) waits for them first. The
 * trainer counts the step (no grads are returned). `sync` stops the loops and copies the moments
 * into the trainer's.
 */
export function residentStepper(o: {
  run: SharedRun;
  resident: ResidentRun;
  thread: ResidentThread;
  loops?: RemoteLoops;
  /** Called when the worker threads' loops start (every core computes steps from then on); the function it returns, when they stop. */
  whileComputing?: () => () => void;
}): RuleStepper & { close(): Promise<void> } {
  const { run, resident, thread, loops } = o;
  const v = thread.views, c = v.control;
  const S = run.shards, T = resident.threads, rows = run.shardRows * resident.classes;
  let running: Promise<void>[] | undefined;
  let endComputing: (() => void) | undefined;
  let updated = 0; // UPDATES_DONE once the last released step's updates are all done
  let startedAt = 0;
  let failure: unknown;
  /** Waits on the main thread: polls the word for SPIN_MS, then sleeps on it (woken by its change; a longer poll would starve the other thread on a loaded machine), yielding to the event loop every 50 ms so a worker's failure is seen. */
  const wait: Wait = async (control, i, target) => {
    if (spun(control, i, target)) return;
    let slept = 0;
    for (let seen = Atomics.load(control, i); seen < target; seen = Atomics.load(control, i)) {
      if (Atomics.load(control, FAILED) || failure !== undefined) throw await workerError();
      if (slept < 50) {
        Atomics.wait(control, i, seen, 1);
        slept++;
      } else {
        await new Promise((r) => setImmediate(r));
        slept = 0;
        // a loop that never started (piscina put two on one thread) would leave this waiting forever
        if (loops && Atomics.load(control, CLAIMED) < loops.threads && performance.now() - startedAt > READY_TIMEOUT_MS)
          throw new Error(`data-parallel: only ${Atomics.load(control, CLAIMED)} of ${loops.threads} worker loops started within ${READY_TIMEOUT_MS / 1000} s`);
      }
    }
  };
  /** The error of the thread that failed first (the others only saw that one had). */
  const workerError = async (): Promise<unknown> => {
    const settled = running ? await Promise.allSettled(running) : [];
    const reasons = settled.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    return reasons.find((e) => !(e instanceof Error && e.message === ELSEWHERE)) ?? failure ?? failedElsewhere();
  };
  /** Waits until every thread has updated its slice for the last released step. */
  const finished = async () => {
    try {
      await wait(c, UPDATES_DONE, updated);
    } catch (e) {
      fail(c);
      throw e;
    }
  };
  /** Posts the loops; each takes the steps released after this GO value, so the first step need not wait for them to start. */
  const start = () => {
    if (running || !loops) return;
    Atomics.store(c, CLAIMED, 0);
    Atomics.add(c, ROUND, 1);
    running = loops.start(Atomics.load(c, GO));
    endComputing = o.whileComputing?.();
    startedAt = performance.now();
    for (const p of running) p.catch((e) => (failure ??= e));
  };
  /** Stops the loops; `settle`: whatever they did (closing after a failure, whose error is already on its way). */
  const stop = async (settle = false) => {
    if (!running) return;
    Atomics.store(c, CMD, STOP);
    Atomics.add(c, GO, 1);
    Atomics.notify(c, GO);
    const done = running, end = endComputing;
    running = endComputing = undefined;
    try {
      if (settle) await Promise.allSettled(done);
      else await Promise.all(done);
    } finally {
      end?.();
    }
  };
  return {
    readsRows: thread.readsRows,
    async step(batch): Promise<StepResult> {
      await finished();
      start();
      if (batch.rows && thread.readsRows) {
        v.rows.fill(-1);
        v.rows.set(batch.rows);
        Atomics.store(c, ROWS, 1);
      } else {
        v.run.x.set(batch.x.data);
        Atomics.store(c, ROWS, 0);
      }
      v.run.labels.set(batch.labels.data);
      v.run.weights.set(batch.weights.data);
      const steps = Atomics.add(c, STEPS, 1) + 1;
      Atomics.store(c, STEP, batch.step);
      Atomics.store(c, N, batch.n);
      Atomics.store(c, CMD, RUN);
      Atomics.add(c, GO, 1);
      Atomics.notify(c, GO);
      try {
        await thread.step(0, wait);
        updated = steps * T;
      } catch (e) {
        fail(c);
        throw e;
      }
      const res = v.results;
      let loss = 0;
      const cost: Record<string, number> = {};
      for (let k = 0; k < S; k++) {
        loss += res[k]!;
        COST_KEYS.forEach((key, j) => (cost[key] = (cost[key] ?? 0) + res[S + k * COST_KEYS.length + j]!));
      }
      const logits = res.slice(S + S * COST_KEYS.length, S + S * COST_KEYS.length + S * rows);
      return { loss, logits, cost };
    },
    async sync() {
      await finished();
      await stop(); // the worker threads flush their slices' moments as they stop
      thread.flush();
      // parameters (which the update leaves behind when the rule does not read them on the host) and moments
      for (const [f64, live] of [[v.run.params, v.params], [v.run.m, v.m], [v.run.v, v.v]] as const)
        for (const [name, a] of f64) a.set(live.subarray(offsetOf(run, name), offsetOf(run, name) + a.length));
    },
    async close() {
      await finished().catch(() => undefined); // after a failure: its error is already on its way
      await stop(true);
    },
  };
}

const offsetOf = (run: SharedRun, name: string): number => run.params.offsets[run.params.names.indexOf(name)]!;
