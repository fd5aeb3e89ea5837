/**
 * Runs a WgslProgram (program.ts) on a WebGPU device: creates the arena, the parameter blocks
 * and one pipeline per kernel, writes the init regions once, and per run uploads the given
 * inputs, encodes every dispatch into one compute pass, copies the requested values and the
 * status block to a mapped buffer and reads them back. Runs are serialised (the arena is one
 * state); a failure recorded by a kernel comes back as `status`.
 *
 * createRunner is written without references to anything outside its own body: the built
 * artifact's loader (compiler/build/wgsl-artifact.ts) embeds its source text (Function.toString),
 * so Node, browsers and the artifact run the same code. Keep it that way: no imports used at run
 * time, no module-level helpers. Buffer usage flags are the WebGPU constants written out
 * (STORAGE 0x80, UNIFORM 0x40, COPY_DST 0x08, COPY_SRC 0x04, MAP_READ 0x01; COMPUTE stage 4).
 */
import type { GpuDevice, GpuPipeline } from "./gpu.js";

export interface RunnerProgram {
  readonly arenaWords: number;
  readonly prelude: string;
  readonly kernels: readonly { readonly code: string }[];
  readonly dispatches: readonly { readonly kernel: number; readonly groups: readonly number[] }[];
  readonly carryDispatches: readonly { readonly kernel: number; readonly groups: readonly number[] }[];
  readonly params: Uint32Array;
  readonly init: readonly { readonly offset: number; readonly data: Uint32Array }[];
  readonly inputs: readonly { readonly name: string; readonly offset: number; readonly length: number }[];
  readonly outputs: readonly { readonly name: string; readonly offset: number; readonly length: number }[];
}

export interface RunResult {
  /** Raw words of each value read (by name). */
  readonly values: Record<string, ArrayBuffer>;
  /** The status block: failure code (0 = none) and its two arguments. */
  readonly status: readonly [number, number, number];
}

export interface Runner {
  /**
   * Uploads `write` (name → 32-bit words), runs the dispatches (`mode` "run"; "carry" also the
   * carries after them; "none" runs nothing), then reads back `read` (output or input names: the
   * value in the arena).
   */
  run(write: Readonly<Record<string, ArrayBufferView>>, read: readonly string[], mode: "none" | "run" | "carry"): Promise<RunResult>;
  readonly dispatchCount: number;
  destroy(): void;
}

export interface RunnerOptions {
  /** Bytes of one parameter block (PARAM_BYTES of program.ts). */
  readonly paramBytes: number;
  /** One module with every kernel as entry point k<i> (the artifact) instead of one module per kernel. */
  readonly combined?: boolean;
  /** Pipelines by module text, shared between runners of one device (module per kernel only). */
  readonly cache?: Map<string, Promise<GpuPipeline>>;
}

export async function createRunner(device: GpuDevice, prog: RunnerProgram, opts: RunnerOptions): Promise<Runner> {
  const STORAGE = 0x80, UNIFORM = 0x40, COPY_DST = 0x08, COPY_SRC = 0x04, MAP_READ = 0x01, COMPUTE = 4;
  const PB = opts.paramBytes;
  const all = [...prog.dispatches, ...prog.carryDispatches];
  const arena = device.createBuffer({ size: Math.max(16, prog.arenaWords * 4), usage: STORAGE | COPY_DST | COPY_SRC });
  const paramBuf = device.createBuffer({ size: Math.max(1, all.length) * PB, usage: UNIFORM | COPY_DST });
  if (prog.params.length) device.queue.writeBuffer(paramBuf, 0, prog.params);
  for (const r of prog.init) device.queue.writeBuffer(arena, r.offset * 4, r.data);
  const layout = device.createBindGroupLayout({
    entries: [
      { binding: 0, visibility: COMPUTE, buffer: { type: "storage" } },
      { binding: 1, visibility: COMPUTE, buffer: { type: "uniform", hasDynamicOffset: true, minBindingSize: PB } },
    ],
  });
  const pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [layout] });
  const bindGroup = device.createBindGroup({ layout, entries: [{ binding: 0, resource: { buffer: arena } }, { binding: 1, resource: { buffer: paramBuf, size: PB } }] });
  const compile = async (code: string, entry: string): Promise<GpuPipeline> => {
    const module = device.createShaderModule({ code });
    try {
      return await device.createComputePipelineAsync({ layout: pipelineLayout, compute: { module, entryPoint: entry } });
    } catch (e) {
      const info = await module.getCompilationInfo();
      const msgs = info.messages.map((m) => `${m.type} at ${m.lineNum}:${m.linePos}: ${m.message}`).join("\n");
      throw new Error(`WebGPU rejected a kernel (${(e as Error).message})${msgs ? ":\n" + msgs : ""}\n--- kernel (after the prelude) ---\n${code.slice(prog.prelude.length)}`);
    }
  };
  let pipelines: GpuPipeline[];
  if (opts.combined) {
    const code = prog.prelude + "\n" + prog.kernels.map((k, i) => k.code.split("$K").join("k" + i)).join("\n");
    const module = device.createShaderModule({ code });
    pipelines = await Promise.all(prog.kernels.map((_, i) => device.createComputePipelineAsync({ layout: pipelineLayout, compute: { module, entryPoint: "k" + i } })));
  } else {
    pipelines = await Promise.all(prog.kernels.map((k) => {
      const code = prog.prelude + "\n" + k.code.split("$K").join("main");
      let p = opts.cache?.get(code);
      if (!p) {
        p = compile(code, "main");
        opts.cache?.set(code, p);
      }
      return p;
    }));
  }
  const slots = new Map<string, { offset: number; length: number }>();
  for (const s of prog.inputs) slots.set(s.name, s);
  for (const s of prog.outputs) slots.set(s.name, s);
  let readBuf: { buffer: ReturnType<GpuDevice["createBuffer"]>; bytes: number } | null = null;
  let queue: Promise<unknown> = Promise.resolve();

  const encode = (pass: ReturnType<ReturnType<GpuDevice["createCommandEncoder"]>["beginComputePass"]>, list: RunnerProgram["dispatches"], first: number): void => {
    let current = -1;
    for (let i = 0; i < list.length; i++) {
      const d = list[i]!;
      if (d.kernel !== current) { pass.setPipeline(pipelines[d.kernel]!); current = d.kernel; }
      pass.setBindGroup(0, bindGroup, [(first + i) * PB]);
      pass.dispatchWorkgroups(d.groups[0]!, d.groups[1]!, d.groups[2]!);
    }
  };

  const runOnce = async (write: Readonly<Record<string, ArrayBufferView>>, read: readonly string[], mode: "none" | "run" | "carry"): Promise<RunResult> => {
    for (const name of Object.keys(write)) {
      const s = slots.get(name);
      if (!s) throw new Error(`webgpu: the program has no input '${name}'`);
      const v = write[name]!;
      if (v.byteLength !== s.length * 4) throw new Error(`webgpu: input '${name}' has ${v.byteLength / 4} words; expected ${s.length}`);
      if (s.length) device.queue.writeBuffer(arena, s.offset * 4, v);
    }
    if (mode !== "none") device.queue.writeBuffer(arena, 0, new Uint32Array(4));
    const wanted = read.map((name) => {
      const s = slots.get(name);
      if (!s) throw new Error(`webgpu: the program has no value '${name}'`);
      return s;
    });
    let bytes = 16;
    const at = wanted.map((s) => { const a = bytes; bytes += s.length * 4; return a; });
    if (!readBuf || readBuf.bytes < bytes) {
      readBuf?.buffer.destroy();
      readBuf = { buffer: device.createBuffer({ size: bytes, usage: MAP_READ | COPY_DST }), bytes };
    }
    const rb = readBuf.buffer;
    device.pushErrorScope("validation");
    const enc = device.createCommandEncoder();
    if (mode !== "none") {
      const pass = enc.beginComputePass();
      encode(pass, prog.dispatches, 0);
      if (mode === "carry") encode(pass, prog.carryDispatches, prog.dispatches.length);
      pass.end();
    }
    enc.copyBufferToBuffer(arena, 0, rb, 0, 16);
    wanted.forEach((s, i) => { if (s.length) enc.copyBufferToBuffer(arena, s.offset * 4, rb, at[i]!, s.length * 4); });
    device.queue.submit([enc.finish()]);
    const err = await device.popErrorScope();
    if (err) throw new Error(`webgpu: the device rejected the run: ${err.message}`);
    await rb.mapAsync(MAP_READ, 0, bytes);
    const mapped = rb.getMappedRange(0, bytes);
    const st = new Int32Array(mapped, 0, 4);
    const status: [number, number, number] = [st[0]!, st[1]!, st[2]!];
    const values: Record<string, ArrayBuffer> = {};
    wanted.forEach((s, i) => { values[read[i]!] = mapped.slice(at[i]!, at[i]! + s.length * 4); });
    rb.unmap();
    return { values, status };
  };

  return {
    dispatchCount: prog.dispatches.length,
    run(write, read, mode) {
      const p = queue.then(() => runOnce(write, read, mode));
      queue = p.catch(() => undefined);
      return p;
    },
    destroy() {
      arena.destroy();
      paramBuf.destroy();
      readBuf?.buffer.destroy();
    },
  };
}
