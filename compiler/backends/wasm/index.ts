/**
 * The wasm backend: IR Graph -> one WebAssembly module (bytes) + its layout (runtime/wasm/
 * layout.ts). Shapes are specialised at compile time, every value lives at a fixed offset of one
 * linear memory (plan.ts), each live node becomes one function of straight loops (elementwise.ts,
 * structural.ts, matmul.ts, fft.ts, nn.ts, pair-mix.ts) and the exported entry calls them in order. Storage and
 * arithmetic are f32 (complex: interleaved f32 pairs); exp/log/trig come from the host's Math in
 * f64. The module text is assembled by assemble.ts (binaryen, optimising, for artifacts; wabt
 * for modules this process runs itself). compileWasm gives a runtime Executable.
 */
import { InternalError } from "../../../diagnostics/internal.js";
import type { Graph, Node } from "../../ir/graph.js";
import { printGraph } from "../../ir/print.js";
import { isComplex, numel } from "../../ir/types.js";
import { verifyGraph } from "../../ir/verify.js";
import type { WasmEntry, WasmImport, WasmLayout, WasmSlot } from "../../../runtime/wasm/layout.js";
import { liveNodes } from "../../ir/liveness.js";
import { WASM_LAYOUT_VERSION } from "../../../runtime/wasm/layout.js";
import { wasmExecutable, type WasmExecutable } from "../../../runtime/wasm/executable.js";
import type { Ctx } from "./ctx.js";
import { ELEMENTWISE_HELPERS, elementwiseKernel, fusedKernel } from "./elementwise.js";
import { isElementwise } from "./fusion.js";
import { fftKernel, type FftMethod } from "./fft.js";
import { matmulKernel } from "./matmul.js";
import { pairMixGradKernel, pairMixKernel } from "./pair-mix.js";
import { NN_HELPERS, nnKernel } from "./nn.js";
import { ALIGN, kindOf, planBuffers, planReads } from "./plan.js";
import { STRUCTURAL_HELPERS, structuralKernel } from "./structural.js";
import { optimizedModule } from "./node-module.js";
import { assemble } from "./assemble.js";
import { Fn } from "./wat.js";
import { scanFunction } from "./loop.js";
import { loopInvariant } from "../../passes/loop-invariant.js";
import { decomposeFfts, needsDecompose } from "../../passes/fft-decompose.js";
import { isMixedLength } from "./fft-mixed.js";

/** The buffer plan needs more memory than a wasm32 module may have (the CLI reports PNN5010). */
export class WasmLimitError extends Error {}
export const MAX_MEMORY_BYTES = 2 ** 31;

/** Bumped whenever generated code changes, so cached modules are rebuilt. */
export const WASM_CODEGEN_VERSION = "pnn-wasm-15";
export const ENTRY = "run";

const NN = new Set(["softmax", "log_softmax", "softmax_cross_entropy", "mse", "random_uniform", "random_normal"]);
const MATH = ["exp", "log", "sin", "cos", "tanh", "atan2", "pow"] as const;

export interface WasmArtifact {
  readonly bytes: Uint8Array;
  readonly layout: WasmLayout;
  /** The module text before optimisation (for debugging and --emit). */
  readonly wat: string;
}

export interface WasmCompileOptions {
  /** binaryen optimize level (default 2); 0 assembles with wabt, unoptimised (assemble.ts). */
  readonly optimize?: 0 | 1 | 2 | 3;
  /** fft/ifft: "auto" (radix-2 for powers of two, mixed radix otherwise; default), "dft" (DFT-matrix products only) or "mixed" (the mixed-radix kernels for every length); the last two for benchmarks. */
  readonly fft?: FftMethod;
  /**
   * Several exported entry functions, each running only what its outputs need (e.g. an edge
   * artifact's one-row and many-row programs sharing the folded weights). Default: one entry
   * `run` computing every output.
   */
  readonly entries?: readonly WasmEntry[];
}

/** Some node of g or of its loop bodies satisfies `test`. */
function hasNode(g: Graph, test: (n: Node) => boolean): boolean {
  return g.nodes.some((n) => test(n) || (n.body !== undefined && hasNode(n.body, test)));
}

function bugOut(g: Graph, name: string): never {
  throw new InternalError(`wasm: an entry names output ${name}, which the graph does not have`, printGraph(g));
}

function bytesOfConst(n: Node): Uint8Array {
  const v = n.attrs.value as readonly number[];
  const len = numel(n.shape) * (isComplex(n.dtype) ? 2 : 1);
  const arr = n.dtype === "i32" ? new Int32Array(len) : new Float32Array(len);
  if (v.length === len) arr.set(v);
  else for (let i = 0; i < len; i += v.length) for (let j = 0; j < v.length; j++) arr[i + j] = v[j]!;
  return new Uint8Array(arr.buffer);
}


/** A program-table entry: a kernel function and its i32 arguments. */
export interface Entry {
  readonly fn: string;
  readonly args: readonly number[];
}

/**
 * The entries that run ctx.g's live nodes in order: shared kernels called with constant
 * arguments, node-specific functions (named with ctx.prefix), and one function per loop
 * (loop.ts, which emits its body's entries the same way).
 */
export function emitEntries(ctx: Ctx, opts: WasmCompileOptions): Entry[] {
  return emitNodeEntries(ctx, opts).flatMap((x) => x.entries);
}

/** emitEntries, grouped by the node they run (a program for some outputs takes the groups it needs). */
function emitNodeEntries(ctx: Ctx, opts: WasmCompileOptions): { id: number; entries: Entry[] }[] {
  const { g: graph, plan } = ctx;
  const groups: { id: number; entries: Entry[] }[] = [];
  let entries: Entry[] = [];
  let cur: Fn | undefined;
  let curId = -1, part = 0;
  const flush = (): void => {
    if (cur && cur.body.length) {
      const name = `${ctx.prefix}n${curId}_${part++}`;
      ctx.funcs.push(cur.take(name));
      entries.push({ fn: name, args: [] });
    }
  };
  (ctx as { call: Ctx["call"] }).call = (name, args) => {
    flush();
    entries.push({ fn: name, args });
  };
  for (const n of graph.nodes) {
    if (!plan.live[n.id] || plan.alias[n.id] || n.op === "input" || n.op === "param") continue;
    if (n.op === "const") {
      if (ctx.prefix) throw new InternalError(`wasm: a loop body holds a constant (%${n.id}); loop-invariant hoisting should have moved it out`, printGraph(graph));
      const b = bytesOfConst(n);
      if (b.length) ctx.data.push({ offset: plan.offset[n.id]!, bytes: b });
      continue;
    }
    entries = [];
    groups.push({ id: n.id, entries });
    if (n.op === "scan") {
      entries.push({ fn: scanFunction(ctx, n, (body) => emitEntries(body, opts)), args: [] });
      continue;
    }
    const fn = new Fn(`${ctx.prefix}n${n.id}`, [], true);
    cur = fn; curId = n.id; part = 0;
    try {
      if (plan.matmul.has(n.id)) ctx.funcs.push(matmulKernel(ctx, fn, n));
      else if (plan.fused.has(n.id)) fusedKernel(ctx, fn, n, plan.fused.get(n.id)!);
      else if (isElementwise(n)) elementwiseKernel(ctx, fn, n);
      else if (n.op === "matmul" || plan.matmul.has(n.id)) ctx.funcs.push(matmulKernel(ctx, fn, n));
      else if (n.op === "pair_mix") pairMixKernel(ctx, fn, n);
      else if (n.op === "pair_mix_grad") pairMixGradKernel(ctx, fn, n);
      else if (n.op === "fft" || n.op === "ifft") ctx.funcs.push(...fftKernel(ctx, fn, n, plan.scratch[n.id]!, opts.fft));
      else if (NN.has(n.op)) nnKernel(ctx, fn, n);
      else structuralKernel(ctx, fn, n);
    } catch (e) {
      throw new InternalError(`wasm: %${n.id} (${n.op}): ${(e as Error).message}`, printGraph(graph));
    }
    flush();
  }
  return groups;
}

/** Builds the module text and layout for a graph (no binaryen needed). */
export function emitWat(graph: Graph, opts: WasmCompileOptions = {}): { wat: string; data: { offset: number; bytes: Uint8Array }[]; pages: number; layout: Omit<WasmLayout, "imports"> } {
  const errs = verifyGraph(graph);
  if (errs.length) throw new InternalError(`wasm: invalid IR:\n  ${errs.join("\n  ")}`, printGraph(graph));
  // loop bodies run in a scratch region that holds no data: move their constants (and any
  // other invariant work) before the loop
  if (graph.nodes.some((n) => n.op === "scan")) graph = loopInvariant.run(graph);
  // FFTs of lengths neither kernel transforms (a prime factor above MAX_RADIX): mixed-radix steps
  // at the IR level (unless DFT products are asked for)
  const native = (len: number): boolean => (len & (len - 1)) === 0 || isMixedLength(len);
  if (opts.fft !== "dft" && hasNode(graph, (n) => needsDecompose(n, native))) graph = loopInvariant.run(decomposeFfts(graph, native));
  const plan = planBuffers(graph);
  const tables = new Map<string, number>();
  let tableTop = plan.bytes;
  const ctx: Ctx = {
    g: graph, plan, imports: new Map(), funcs: [], data: [], h: { texts: new Map() }, call: () => {}, prefix: "",
    table(key, values) {
      const had = tables.get(key);
      if (had !== undefined) return had;
      const off = tableTop;
      tableTop += Math.ceil(values.byteLength / ALIGN) * ALIGN;
      tables.set(key, off);
      ctx.data.push({ offset: off, bytes: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) });
      return off;
    },
    uses() {},
  };
  const groups = emitNodeEntries(ctx, opts);
  // one program per entry function: the groups of the nodes its outputs need, in order
  const entrySpecs = opts.entries ?? [{ name: ENTRY, outputs: graph.outputs.map((o) => o.name) }];
  const programs = entrySpecs.map((spec) => {
    const roots = spec.outputs.map((name) => (graph.outputs.find((o) => o.name === name) ?? bugOut(graph, name)).id);
    const live = liveNodes(graph, { roots, reads: (n) => planReads(plan, n) });
    return groups.filter((gr) => live[gr.id]).flatMap((gr) => gr.entries);
  });
  const fnNames = [...new Set(programs.flat().map((e) => e.fn))];
  const fnIndex = new Map(fnNames.map((f, i) => [f, i]));
  // program bytes go after the tables
  const ranges = programs.map((program) => {
    const words: number[] = [];
    for (const e of program) words.push(fnIndex.get(e.fn)!, e.args.length, ...e.args);
    const start = tableTop;
    const bytes = new Uint8Array(Int32Array.from(words).buffer);
    if (bytes.length) ctx.data.push({ offset: start, bytes });
    tableTop += Math.ceil(bytes.length / ALIGN) * ALIGN;
    return [start, start + bytes.length] as const;
  });
  const memoryBytes = Math.max(65536, Math.ceil(tableTop / 65536) * 65536);
  if (memoryBytes > MAX_MEMORY_BYTES)
    throw new WasmLimitError(`the program needs ${(tableTop / 2 ** 20).toFixed(0)} MiB of buffers; the wasm backend allows at most ${MAX_MEMORY_BYTES / 2 ** 20} MiB (use a smaller batch or --backend ref)`);
  const pages = memoryBytes / 65536;
  const slot = (name: string, id: number): WasmSlot => {
    const n = graph.nodes[id]!;
    const k = kindOf(n);
    return { name, dtype: n.dtype, storage: k === "i" ? "i32" : "f32", shape: [...n.shape], offset: plan.offset[id]!, length: numel(n.shape) * (k === "c" ? 2 : 1) };
  };
  const feeds = graph.nodes.filter((n) => n.op === "input" || n.op === "param").map((n) => slot(n.attrs.name as string, n.id));
  const outs = graph.outputs.map((o) => slot(o.name, o.id));
  const wat = [
    "(module",
    ...MATH.map((m) => `(import "math" "${m}" (func $math_${m} (param${" f64".repeat(m === "atan2" || m === "pow" ? 2 : 1)}) (result f64)))`),
    `(import "pnn" "fail" (func $pnn_fail (param i32 i32 i32)))`,
    `(memory $0 ${pages} ${pages})`,
    ELEMENTWISE_HELPERS, STRUCTURAL_HELPERS, NN_HELPERS,
    ...ctx.h.texts.values(),
    ...ctx.funcs,
    `(type $entry (func (param i32)))`,
    `(table ${Math.max(1, fnNames.length)} funcref)`,
    fnNames.length ? `(elem (i32.const 0) ${fnNames.map((f) => `$${f}`).join(" ")})` : "",
    ...entrySpecs.map((spec, k) => `(func $entry_${k} (export "${spec.name}") (local $p i32)
  (local.set $p (i32.const ${ranges[k]![0]}))
  (block $done (loop $next
    (br_if $done (i32.ge_u (local.get $p) (i32.const ${ranges[k]![1]})))
    (call_indirect (type $entry) (i32.add (local.get $p) (i32.const 8)) (i32.load (local.get $p)))
    (local.set $p (i32.add (i32.add (local.get $p) (i32.const 8)) (i32.shl (i32.load offset=4 (local.get $p)) (i32.const 2))))
    (br $next))))`),
    ")",
  ].join("\n");
  const layout = { version: WASM_LAYOUT_VERSION, memoryBytes, entry: entrySpecs[0]!.name, inputs: feeds, outputs: outs, planBytes: tableTop };
  return { wat, data: ctx.data, pages, layout: opts.entries ? { ...layout, entries: entrySpecs } : layout };
}

export async function compileToWasm(graph: Graph, opts: WasmCompileOptions = {}): Promise<WasmArtifact> {
  const { wat, data, pages, layout } = emitWat(graph, opts);
  const bytes = await assemble(wat, data, pages, opts.optimize ?? 2);
  const imports: WasmImport[] = WebAssembly.Module.imports(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>)).map((i) => ({ module: i.module, name: i.name }));
  return { bytes, layout: { ...layout, imports }, wat };
}

/** Compiles a graph to a runnable Executable (bytes compiled with new WebAssembly.Module). */
export async function compileWasm(graph: Graph, opts: WasmCompileOptions = {}): Promise<WasmExecutable> {
  const art = await compileToWasm(graph, opts);
  return wasmExecutable(optimizedModule(art.bytes), art.layout);
}
