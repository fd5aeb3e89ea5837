/**
 * A thread's train programs in the resident data-parallel step (resident.ts, docs/scaling.md):
 * each keeps the run's parameters inside its wasm memory, copied in from the live f32 vector once
 * per step rather than converted on every run, and offers its x input as the place the thread
 * gathers a shard's rows (`LiveParams.batchX`).
 */
import { isResident, type Executable, type SyncExecutable, type Tensor } from "../backend.js";
import { inputNamed, inputsOf, outputsOf, type ProgramManifest } from "../manifest.js";
import { tensor } from "../rules/bind.js";
import { runViews, type SharedRun } from "./shared.js";

/** What the train programs of one thread share: the live parameters and the step they are from. */
export interface LiveParams {
  readonly run: SharedRun;
  readonly values: Float32Array;
  /** Bumped at the start of every step: resident copies from an older one are stale. */
  version: number;
  /**
   * Where the thread gathers a shard's rows when the trainer passes rows: the x input inside the
   * first of its programs that takes the batch as f32 [shardRows, features] (residentProgram
   * sets it), so that program does not copy x again; unset, a scratch array.
   */
  batchX?: Float32Array;
}

/**
 * `exe` (resident-capable) as a plain executable whose parameter inputs stay inside it: an input
 * bound to the run's shared parameter array (the same memory) is copied from the live vector when
 * the step changed; another array (a rule's perturbed copy) is written as given. Everything else
 * is written on every run. Returns every output, as `run` does, except that gradient outputs are
 * views of the executable's storage when it offers them (valid until its next run: every rule
 * reads a run's gradients before it runs the program again, and the shard copies them out at once).
 */
export function residentProgram(exe: Executable, m: ProgramManifest, live: LiveParams): SyncExecutable {
  if (!isResident(exe)) throw new Error("data-parallel: the resident step needs programs that keep their inputs (wasm)");
  const session = exe.resident({});
  const shared = runViews(live.run).params;
  const index = new Map(live.run.params.names.map((n, i) => [n, i]));
  const params = new Map(
    inputsOf(m, "param").map(({ name, role }) => {
      const i = index.get(role.param);
      if (i === undefined) throw new Error(`data-parallel: no shared slot for parameter ${role.param}`);
      const at = live.run.params.offsets[i]!, len = live.run.params.lengths[i]!;
      const spec = exe.inputs.find((s) => s.name === name)!;
      return [name, { array: shared.get(role.param)!, fresh: tensor(spec.dtype, spec.shape, live.values.subarray(at, at + len)) }] as const;
    }),
  );
  const x = inputNamed(m, "x"), xSpec = exe.inputs.find((s) => s.name === x);
  const xView = x && xSpec?.dtype === "f32" && xSpec.shape.join() === [live.run.shardRows, live.run.features].join() ? session.inputView?.(x) : undefined;
  if (xView instanceof Float32Array) live.batchX ??= xView;
  const sameMemory = (a: Tensor["data"], b: Float64Array) => a.buffer === b.buffer && a.byteOffset === b.byteOffset && a.length === b.length;
  const heldAt = new Map<string, number>(); // input → the step its resident copy is from
  const grads = new Set(outputsOf(m, "grad").map((o) => o.name));
  const viewed = session.views ? [...grads] : [];
  const copied = exe.outputs.map((s) => s.name).filter((n) => !viewed.includes(n));
  return {
    inputs: exe.inputs,
    outputs: exe.outputs,
    run(inputs) {
      const feed: Record<string, Tensor> = {};
      for (const s of exe.inputs) {
        const t = inputs[s.name];
        if (!t) throw new Error(`wasm: missing input '${s.name}'`);
        const p = params.get(s.name);
        if (p && sameMemory(t.data, p.array)) {
          if (heldAt.get(s.name) !== live.version) {
            feed[s.name] = p.fresh;
            heldAt.set(s.name, live.version);
          }
        } else {
          feed[s.name] = t;
          if (p) heldAt.delete(s.name);
        }
      }
      const out = session.step(feed, copied);
      if (out instanceof Promise) throw new Error("data-parallel: the resident step needs a synchronous executable");
      return viewed.length ? Object.assign(out, session.views!(viewed)) : out;
    },
  };
}
