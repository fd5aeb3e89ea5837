/**
 * A WgslProgram on a WebGPU device behind the runtime's Executable contract, with `run`
 * returning a Promise (WebGPU reads back asynchronously). It never imports compiler code.
 *   run(inputs)          every input uploaded, every output read back (the plain contract);
 *   step(inputs, read)   resident stepping: uploads only the inputs given, runs, copies each
 *                        carried output (`new:<x>`) onto its input `<x>` inside the arena, reads
 *                        back only `read` — parameters and optimizer state stay on the device;
 *   fetch(names)         current arena values of inputs or outputs (resident parameters for an
 *                        evaluation or a checkpoint), without running anything;
 *   load(inputs)         uploads inputs without running (e.g. parameters restored from a
 *                        checkpoint into a resident program).
 * Tensors: inputs are converted to f32/i32 storage and checked against the program's shapes and
 * dtypes; outputs come back as Float32Array (f32, c64), Float64Array (f64, c128), Int32Array
 * (i32), as from the wasm backend. An index out of range recorded by a kernel is a RangeError
 * with the interpreter's message.
 */
import type { Tensor, TensorSpec } from "../backend.js";
import type { GpuDevice, GpuPipeline } from "./gpu.js";
import { FAILURES, PARAM_BYTES, type WgslProgram, type WgslSlot } from "./program.js";
import { createRunner, type Runner } from "./runner.js";

export interface WebGpuExecutable {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  readonly program: WgslProgram;
  /** Carried inputs: input name → the output holding its next value. */
  readonly carried: ReadonlyMap<string, string>;
  /** Dispatches per run (a measure of per-run overhead). */
  readonly dispatchCount: number;
  run(inputs: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>>;
  step(inputs: Readonly<Record<string, Tensor>>, read: readonly string[]): Promise<Record<string, Tensor>>;
  fetch(names: readonly string[]): Promise<Record<string, Tensor>>;
  load(inputs: Readonly<Record<string, Tensor>>): Promise<void>;
  destroy(): void;
}

const isComplexD = (d: string): boolean => d === "c64" || d === "c128";
const pipelineCaches = new WeakMap<GpuDevice, Map<string, Promise<GpuPipeline>>>();

function words(s: WgslSlot, t: Tensor): Float32Array | Int32Array {
  if (t.shape.length !== s.shape.length || t.shape.some((d, k) => d !== s.shape[k]) || t.data.length !== s.length)
    throw new Error(`webgpu: input '${s.name}' has shape [${t.shape}] (${t.data.length} numbers); expected ${s.dtype}[${s.shape}]`);
  if ((t.dtype === "i32") !== (s.dtype === "i32") || isComplexD(t.dtype) !== isComplexD(s.dtype))
    throw new Error(`webgpu: input '${s.name}' is ${t.dtype}; expected ${s.dtype}`);
  if (s.storage === "i32") return t.data instanceof Int32Array ? t.data : Int32Array.from(t.data);
  return t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
}

function tensorOf(s: WgslSlot, raw: ArrayBuffer): Tensor {
  const data = s.storage === "i32" ? new Int32Array(raw) : s.dtype === "f64" || s.dtype === "c128" ? Float64Array.from(new Float32Array(raw)) : new Float32Array(raw);
  return { dtype: s.dtype, shape: [...s.shape], data };
}

export async function webgpuExecutable(device: GpuDevice, program: WgslProgram): Promise<WebGpuExecutable> {
  let cache = pipelineCaches.get(device);
  if (!cache) pipelineCaches.set(device, (cache = new Map()));
  const runner: Runner = await createRunner(device, program, { paramBytes: PARAM_BYTES, cache });
  const slot = new Map<string, WgslSlot>();
  for (const s of program.inputs) slot.set(s.name, s);
  for (const s of program.outputs) slot.set(s.name, s);
  const spec = (s: WgslSlot): TensorSpec => ({ name: s.name, dtype: s.dtype, shape: s.shape });
  const carried = new Map(program.carries.map((c) => [c.input, c.output]));
  const uploaded = new Set<string>();
  const execute = async (write: Record<string, Float32Array | Int32Array>, read: readonly string[], mode: "none" | "run" | "carry"): Promise<Record<string, Tensor>> => {
    const r = await runner.run(write, read, mode);
    const [code, a, b] = r.status;
    if (code !== 0) {
      const f = FAILURES[code];
      throw new RangeError(f ? f(a, b) : `webgpu program failed with code ${code}`);
    }
    const res: Record<string, Tensor> = {};
    for (const name of read) res[name] = tensorOf(slot.get(name)!, r.values[name]!);
    return res;
  };
  return {
    program,
    carried,
    dispatchCount: runner.dispatchCount,
    inputs: program.inputs.map(spec),
    outputs: program.outputs.map(spec),
    run(inputs) {
      const write: Record<string, Float32Array | Int32Array> = {};
      for (const s of program.inputs) {
        const t = inputs[s.name];
        if (!t) return Promise.reject(new Error(`webgpu: missing input '${s.name}'`));
        write[s.name] = words(s, t);
      }
      for (const s of program.inputs) uploaded.add(s.name);
      return execute(write, program.outputs.map((o) => o.name), "run");
    },
    step(inputs, read) {
      const write: Record<string, Float32Array | Int32Array> = {};
      for (const s of program.inputs) {
        const t = inputs[s.name];
        if (t && !(carried.has(s.name) && uploaded.has(s.name))) write[s.name] = words(s, t);
        else if (!t && !uploaded.has(s.name)) return Promise.reject(new Error(`webgpu: input '${s.name}' was never given`));
      }
      for (const name of Object.keys(write)) uploaded.add(name);
      for (const name of read) if (!slot.has(name)) return Promise.reject(new Error(`webgpu: the program has no value '${name}'`));
      return execute(write, read, "carry");
    },
    fetch(names) {
      for (const name of names) if (!slot.has(name)) return Promise.reject(new Error(`webgpu: the program has no value '${name}'`));
      return execute({}, names, "none");
    },
    async load(inputs) {
      const write: Record<string, Float32Array | Int32Array> = {};
      for (const [name, t] of Object.entries(inputs)) {
        const s = program.inputs.find((x) => x.name === name);
        if (!s) throw new Error(`webgpu: the program has no input '${name}'`);
        write[name] = words(s, t);
        uploaded.add(name);
      }
      await runner.run(write, [], "none");
    },
    destroy() {
      runner.destroy();
    },
  };
}
