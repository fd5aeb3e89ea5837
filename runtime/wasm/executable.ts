/**
 * Runs a module emitted by the wasm backend as a runtime Executable (runtime/backend.ts), given
 * its bytes (or a compiled WebAssembly.Module) and its layout (layout.ts). It never imports
 * binaryen or compiler code. Per run: check and copy inputs into linear memory (converting to
 * f32/i32 storage), call the entry, copy outputs out (f32/c64 as Float32Array, f64/c128 as
 * Float64Array, i32 as Int32Array). No allocation inside wasm; one instance per Executable, so an
 * Executable must not run re-entrantly.
 */
import type { ResidentSession, SyncExecutable, Tensor, TensorSpec } from "../backend.js";
import type { WasmLayout, WasmSlot } from "./layout.js";

/** Why the module called pnn.fail(code, a, b): an out-of-range index or label at run time. */
export const FAIL_MESSAGES: Record<number, (a: number, b: number) => string> = {
  1: (a, b) => `gather: index ${a} outside axis of size ${b}`,
  2: (a, b) => `scatter_add: index ${a} outside axis of size ${b}`,
  3: (a, b) => `softmax_cross_entropy: label ${a} outside [0, ${b})`,
  4: (a, b) => `pair_mix: partner ${a} outside axis of size ${b}`,
};

/** The functions an emitted module may import: float64 Math functions and the failure hook. */
export const WASM_IMPORTS = {
  math: {
    exp: Math.exp, log: Math.log, sin: Math.sin, cos: Math.cos, tanh: Math.tanh,
    atan2: Math.atan2, pow: Math.pow,
  },
  pnn: {
    fail(code: number, a: number, b: number): never {
      const f = FAIL_MESSAGES[code];
      throw new RangeError(f ? f(a, b) : `wasm program failed with code ${code}`);
    },
  },
} as const;

export interface WasmExecutable extends SyncExecutable {
  readonly layout: WasmLayout;
  readonly memory: WebAssembly.Memory;
  /** Resident state (runtime/backend.ts ResidentExecutable); a wasm session answers synchronously. */
  resident(feedback: Readonly<Record<string, string>>): WasmResidentSession;
}

export interface WasmResidentSession extends ResidentSession {
  write(inputs: Readonly<Record<string, Tensor>>): void;
  read(names: readonly string[]): Record<string, Tensor>;
  step(inputs: Readonly<Record<string, Tensor>>, outputs: readonly string[]): Record<string, Tensor>;
  views(names: readonly string[]): Record<string, Tensor>;
  inputView(name: string): Float32Array | Int32Array | undefined;
}

function importsFor(layout: WasmLayout): WebAssembly.Imports {
  const out: Record<string, Record<string, unknown>> = {};
  for (const im of layout.imports) {
    const mod = (WASM_IMPORTS as unknown as Record<string, Record<string, unknown>>)[im.module];
    const fn = mod?.[im.name];
    if (typeof fn !== "function") throw new Error(`wasm module imports unknown function ${im.module}.${im.name}`);
    (out[im.module] ??= {})[im.name] = fn;
  }
  return out as WebAssembly.Imports;
}

const isComplexD = (d: string): boolean => d === "c64" || d === "c128";
/** Whether a slot holds its dtype as is (f64 and c128 are stored as f32: reading them converts). */
const storedAsIs = (s: WasmSlot): boolean => s.storage === "i32" || !(s.dtype === "f64" || s.dtype === "c128");

export function wasmExecutable(code: Uint8Array | WebAssembly.Module, layout: WasmLayout): WasmExecutable {
  const mod = code instanceof WebAssembly.Module ? code : new WebAssembly.Module(code as Uint8Array<ArrayBuffer>);
  const inst = new WebAssembly.Instance(mod, importsFor(layout));
  const memory = inst.exports.memory as WebAssembly.Memory;
  const entry = inst.exports[layout.entry] as () => void;
  if (!(memory instanceof WebAssembly.Memory) || typeof entry !== "function")
    throw new Error(`wasm module does not export memory and ${layout.entry}`);
  if (memory.buffer.byteLength < layout.memoryBytes)
    throw new Error(`wasm memory is ${memory.buffer.byteLength} bytes; the layout needs ${layout.memoryBytes}`);
  const view = (s: WasmSlot): Float32Array | Int32Array =>
    s.storage === "i32" ? new Int32Array(memory.buffer, s.offset, s.length) : new Float32Array(memory.buffer, s.offset, s.length);
  const inViews = layout.inputs.map(view);
  const outViews = layout.outputs.map(view);
  const inIndex = new Map(layout.inputs.map((s, i) => [s.name, i]));
  const outIndex = new Map(layout.outputs.map((s, i) => [s.name, i]));
  const spec = (s: WasmSlot): TensorSpec => ({ name: s.name, dtype: s.dtype, shape: s.shape });
  return {
    layout,
    memory,
    inputs: layout.inputs.map(spec),
    outputs: layout.outputs.map(spec),
    run(inputs: Readonly<Record<string, Tensor>>): Record<string, Tensor> {
      layout.inputs.forEach((s, i) => write(s, i, inputs[s.name]));
      entry();
      const res: Record<string, Tensor> = {};
      layout.outputs.forEach((s, i) => (res[s.name] = read(s, outViews[i]!)));
      return res;
    },
    resident(feedback: Readonly<Record<string, string>>): WasmResidentSession {
      const slot = (name: string, list: readonly WasmSlot[], what: string) => {
        const i = (list === layout.inputs ? inIndex : outIndex).get(name);
        if (i === undefined) throw new Error(`wasm: no ${what} '${name}'`);
        return i;
      };
      // output → input copies inside linear memory, after every step
      const copies = Object.entries(feedback).map(([out, inp]) => {
        const o = layout.outputs[slot(out, layout.outputs, "output")]!, i = layout.inputs[slot(inp, layout.inputs, "input")]!;
        if (o.storage !== i.storage || o.length !== i.length) throw new Error(`wasm: output '${out}' cannot feed input '${inp}' (${o.storage}[${o.length}] vs ${i.storage}[${i.length}])`);
        return [i.offset, o.offset, o.offset + 4 * o.length] as const;
      });
      const writeAll = (inputs: Readonly<Record<string, Tensor>>) => {
        for (const name of Object.keys(inputs)) {
          const i = slot(name, layout.inputs, "input");
          write(layout.inputs[i]!, i, inputs[name]);
        }
      };
      const readOne = (name: string): Tensor => {
        const i = outIndex.get(name);
        if (i !== undefined) return read(layout.outputs[i]!, outViews[i]!);
        const j = slot(name, layout.inputs, "input or output");
        return read(layout.inputs[j]!, inViews[j]!);
      };
      const readAll = (names: readonly string[]) => {
        const res: Record<string, Tensor> = {};
        for (const name of names) res[name] = readOne(name);
        return res;
      };
      return {
        write: writeAll,
        read: readAll,
        views(names) {
          const res: Record<string, Tensor> = {};
          for (const name of names) {
            const i = slot(name, layout.outputs, "output"), s = layout.outputs[i]!;
            // those stored converted come back converted (a copy), as `read` gives them
            res[name] = storedAsIs(s) ? { dtype: s.dtype, shape: [...s.shape], data: outViews[i]! } : read(s, outViews[i]!);
          }
          return res;
        },
        inputView(name) {
          const i = slot(name, layout.inputs, "input"), s = layout.inputs[i]!;
          return storedAsIs(s) ? inViews[i]! : undefined;
        },
        step(inputs, outputs) {
          writeAll(inputs);
          entry();
          const res = readAll(outputs);
          const mem = new Uint8Array(memory.buffer);
          for (const [to, from, end] of copies) mem.copyWithin(to, from, end);
          return res;
        },
      };
    },
  };
  function write(s: WasmSlot, i: number, t: Tensor | undefined): void {
    if (!t) throw new Error(`wasm: missing input '${s.name}'`);
    if (t.shape.length !== s.shape.length || t.shape.some((d, k) => d !== s.shape[k]) || t.data.length !== s.length)
      throw new Error(`wasm: input '${s.name}' has shape [${t.shape}] (${t.data.length} numbers); expected ${s.dtype}[${s.shape}]`);
    if ((t.dtype === "i32") !== (s.dtype === "i32") || isComplexD(t.dtype) !== isComplexD(s.dtype))
      throw new Error(`wasm: input '${s.name}' is ${t.dtype}; expected ${s.dtype}`);
    // an input filled in place (the session's inputView) is already there
    if (t.data !== inViews[i]) inViews[i]!.set(t.data);
  }
  function read(s: WasmSlot, v: Float32Array | Int32Array): Tensor {
    // typed-array copies (memcpy / one conversion loop), not the iterator protocol
    const data = storedAsIs(s) ? v.slice() : new Float64Array(v);
    return { dtype: s.dtype, shape: [...s.shape], data };
  }
}
