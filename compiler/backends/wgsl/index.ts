/**
 * The WGSL backend: IR Graph -> a WgslProgram (runtime/webgpu/program.ts): WGSL compute kernels
 * plus a host schedule of dispatches over one arena buffer. Shapes are specialised at compile
 * time through each dispatch's parameter block; kernel texts are shape-generic and shared by
 * every node of their kind (fused elementwise groups by structure). Storage and arithmetic are
 * f32 (complex: interleaved pairs); transcendental functions, Philox and the uniform/normal
 * conversions are the prelude's (lib.ts), matching the interpreter to f32 rounding.
 *   plan.ts (fusion + buffers) ─ elementwise / structural / matmul / fft / nn ─► kernels + dispatches
 * The fused optimizer's new parameters and state (manifest roles new-param / new-state) become
 * carries of their inputs: the runner can keep those inputs resident between runs.
 * Loops (`scan`: mesh columns, RK4, relaxations) are unrolled first (compiler/passes/
 * unroll-loops.ts): the schedule is a flat list of dispatches.
 * It never touches a GPU: compileWebGpu (webgpu.ts) hands the program to runtime/webgpu.
 */
import { InternalError } from "../../../diagnostics/internal.js";
import type { Graph, Node } from "../../ir/graph.js";
import { printGraph } from "../../ir/print.js";
import { isComplex, numel } from "../../ir/types.js";
import { verifyGraph } from "../../ir/verify.js";
import { unrollLoops } from "../../passes/unroll-loops.js";
import { expandPairMix } from "../../passes/expand-pair-mix.js";
import { manifestOf } from "../../lower/names.js";
import type { ProgramManifest } from "../../../runtime/manifest.js";
import { PARAM_WORDS, WGSL_PROGRAM_VERSION, type WgslDispatch, type WgslKernel, type WgslProgram, type WgslSlot } from "../../../runtime/webgpu/program.js";
import { checkParams, type Ctx, type Params } from "./ctx.js";
import { elementwiseGroup } from "./elementwise.js";
import { fftKernel, fftScratchWords } from "./fft.js";
import { PRELUDE } from "./lib.js";
import { matmulKernel } from "./matmul.js";
import { nnKernel } from "./nn.js";
import { ALIGN, kindOf, planBuffers } from "./plan.js";
import { move, structuralKernel } from "./structural.js";

/** Bumped whenever generated code or the program format changes. */
export const WGSL_CODEGEN_VERSION = "pnn-wgsl-1";

const NN = new Set(["softmax", "log_softmax", "softmax_cross_entropy", "mse", "random_uniform", "random_normal"]);

/** The arena would exceed what a WebGPU device may bind (the CLI reports PNN5031). */
export class WgslLimitError extends Error {}
/** WebGPU's guaranteed maxStorageBufferBindingSize; larger arenas need an adapter that allows them. */
export const DEFAULT_MAX_ARENA_BYTES = 2 ** 27;

function constWords(n: Node): Uint32Array {
  const v = n.attrs.value as readonly number[];
  const len = numel(n.shape) * (isComplex(n.dtype) ? 2 : 1);
  const arr = n.dtype === "i32" ? new Int32Array(len) : new Float32Array(len);
  if (v.length === len) arr.set(v);
  else for (let i = 0; i < len; i += v.length) for (let j = 0; j < v.length; j++) arr[i + j] = v[j]!;
  return new Uint32Array(arr.buffer);
}

export interface WgslCompileOptions {
  /** Largest arena in bytes (default: WebGPU's guaranteed 128 MiB binding). */
  readonly maxArenaBytes?: number;
  /** The program's manifest (default: compiler/lower/names.ts's manifestOf, when the names are the compiler's). */
  readonly manifest?: ProgramManifest;
}

/**
 * Carried inputs: each output holding the next value of an input (the fused optimizer's new
 * parameters and state, by their manifest roles). A graph whose names are not the compiler's
 * (a test's) has none.
 */
function carriesOf(g: Graph, manifest: ProgramManifest | undefined): { input: string; output: string }[] {
  let m = manifest;
  if (!m) {
    try {
      m = manifestOf(g);
    } catch (e) {
      if (e instanceof InternalError) return [];
      throw e;
    }
  }
  const inputs = m.inputs;
  return m.outputs.flatMap((o) => {
    const r = o.role;
    const i = r.kind === "new-param" ? inputs.find((x) => x.role.kind === "param" && x.role.param === r.param)
      : r.kind === "new-state" ? inputs.find((x) => x.role.kind === "optimizer-state" && x.role.param === r.param && x.role.slot === r.slot)
      : undefined;
    return i ? [{ input: i.name, output: o.name }] : [];
  });
}

export function compileToWgsl(loopy: Graph, opts: WgslCompileOptions = {}): WgslProgram {
  const graph = expandPairMix.run(unrollLoops.run(loopy));
  const errs = verifyGraph(graph);
  if (errs.length) throw new InternalError(`wgsl: invalid IR:\n  ${errs.join("\n  ")}`, printGraph(graph));
  const plan = planBuffers(graph, fftScratchWords);
  const kernels: WgslKernel[] = [];
  const byCode = new Map<string, number>();
  const dispatches: WgslDispatch[] = [];
  const params: number[] = [];
  const init: { offset: number; data: Uint32Array }[] = [];
  const tables = new Map<string, number>();
  let top = plan.words;
  const ctx: Ctx = {
    g: graph,
    plan,
    kernel(label, code) {
      let k = byCode.get(code);
      if (k === undefined) {
        k = kernels.length;
        kernels.push({ label, code });
        byCode.set(code, k);
      }
      return k;
    },
    dispatch(kernel, groups, p: Params) {
      checkParams(p);
      dispatches.push({ kernel, groups: [groups[0], groups[1], groups[2]] });
      for (let i = 0; i < PARAM_WORDS; i++) params.push(p.words[i] ?? 0);
    },
    table(key, words) {
      const had = tables.get(key);
      if (had !== undefined) return had;
      const at = top;
      top += Math.ceil(words.length / ALIGN) * ALIGN;
      tables.set(key, at);
      init.push({ offset: at, data: new Uint32Array(words.buffer, words.byteOffset, words.length) });
      return at;
    },
  };
  for (const n of graph.nodes) if (n.op === "const" && plan.offset[n.id]! >= 0) init.push({ offset: plan.offset[n.id]!, data: constWords(n) });
  for (const id of plan.kernels) {
    const n = graph.nodes[id]!;
    try {
      if (plan.matmul.has(n.id)) matmulKernel(ctx, n);
      else if (plan.fusion.root[n.id] === n.id && !plan.fusion.alias[n.id]) elementwiseGroup(ctx, n);
      else if (n.op === "fft" || n.op === "ifft") fftKernel(ctx, n);
      else if (NN.has(n.op)) nnKernel(ctx, n);
      else structuralKernel(ctx, n);
    } catch (e) {
      if (e instanceof InternalError) throw e;
      throw new InternalError(`wgsl: %${n.id} (${n.op}): ${(e as Error).message}`, printGraph(graph));
    }
  }
  const arenaWords = Math.max(top, ALIGN);
  const maxBytes = opts.maxArenaBytes ?? DEFAULT_MAX_ARENA_BYTES;
  if (arenaWords * 4 > maxBytes)
    throw new WgslLimitError(`the program needs ${(arenaWords * 4 / 2 ** 20).toFixed(0)} MiB of buffers; this WebGPU device binds at most ${(maxBytes / 2 ** 20).toFixed(0)} MiB (use a smaller batch or another backend)`);
  const slot = (name: string, id: number): WgslSlot => {
    const n = graph.nodes[id]!;
    const k = kindOf(n);
    return { name, dtype: n.dtype, storage: k === "i" ? "i32" : "f32", shape: [...n.shape], offset: plan.offset[id]!, length: numel(n.shape) * (k === "c" ? 2 : 1) };
  };
  const inputs = graph.nodes.filter((n) => n.op === "input" || n.op === "param").map((n) => slot(n.attrs.name as string, n.id));
  const outputs = graph.outputs.map((o) => slot(o.name, o.id));
  const carries = carriesOf(graph, opts.manifest);
  const main = dispatches.length;
  for (const c of carries) {
    const from = outputs.find((o) => o.name === c.output)!, to = inputs.find((s) => s.name === c.input)!;
    move(ctx, [from.length], 1, to.offset, [1], from.offset, [1]);
  }
  const carryDispatches = dispatches.splice(main);
  return {
    version: WGSL_PROGRAM_VERSION,
    arenaWords,
    prelude: PRELUDE,
    kernels,
    dispatches,
    params: Uint32Array.from(params),
    init,
    inputs,
    outputs,
    carries,
    carryDispatches,
  };
}
