/**
 * `pnn build FILE --target wasm [--weights CKPT] -o DIR [--stats]`: an edge artifact of a
 * trained network. Lowers the twin inference program at batch 1, folds the weights in, and
 * writes model.wasm (executor + program table + constants, compiler/build/), a dependency-free
 * loader model.mjs and its types model.d.ts. Without --weights the parameters are freshly
 * initialised (warning PNN6020); a program the executor cannot run is PNN5020.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { lowerInfer, modelSpec } from "../compiler/lower/lower.js";
import { buildProgram, BuildUnsupported, type BuiltProgram } from "../compiler/build/program.js";
import { dataSectionBytes, emitModule } from "../compiler/build/emit.js";
import { flopsOf, foldGraph } from "../compiler/build/fold.js";
import { loaderText, typesText, type LoaderLayout, type ModelInfo } from "../compiler/build/loader.js";
import { BUILD_BATCH, wgslArtifact, wgslLoaderText, wgslTypesText, type WgslArtifact } from "../compiler/build/wgsl-artifact.js";
import type { Graph } from "../compiler/ir/graph.js";
import { INSTR_WORDS } from "../compiler/build/vm-wat.js";
import { diag } from "../diagnostics/catalog.js";
import { formatDiagnostic } from "../diagnostics/format.js";
import { fileSpan } from "../diagnostics/span.js";
import { loadDataset } from "../runtime/data/index.js";
import { initParams } from "../runtime/init.js";
import type { InitSpec } from "../runtime/model.js";
import { readCheckpoint } from "../runtime/trainer.js";
import { DiagnosticsError, loadProgram } from "./compile.js";
import { printDiagnostics, UsageError } from "./io.js";

const distText = (d: InitSpec): string =>
  d.kind === "normal" ? `normal(${d.mean}, ${d.std})` : d.kind === "uniform" ? `uniform(${d.lo}, ${d.hi})` : d.kind === "constant" ? `constant(${d.value})` : "glorot";

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

interface Artifact {
  readonly bytes: Uint8Array;
  readonly layout: LoaderLayout;
  readonly flops: number;
  readonly foldedNodes: number;
  /** engine-specific lines: what the module holds and its buffer plan */
  readonly plan: readonly string[];
  readonly memoryBytes: number;
}

function statsText(a: Artifact, loaderBytes: number): string {
  const data = dataSectionBytes(a.bytes);
  return [
    `model.wasm          ${kb(a.bytes.length)} (${a.bytes.length} bytes)`,
    `  code              ${kb(a.bytes.length - data)} (everything but the data section)`,
    `  data              ${kb(data)} (folded weights and program tables; see below)`,
    `model.mjs (loader)  ${kb(loaderBytes)}`,
    `FLOPs per inference ${a.flops}`,
    `memory              ${kb(a.memoryBytes)} (${Math.ceil(a.memoryBytes / 65536)} wasm pages, static; nothing is allocated per call)`,
    ...a.plan,
  ].join("\n") + "\n";
}

/** The compact engine (compiler/build): a float64 table executor; code does not grow with the network. */
async function compactArtifact(graph: Graph, params: ReadonlyMap<string, Float64Array>, extra: { name: string; id: number }[]): Promise<Artifact> {
  const p: BuiltProgram = buildProgram(graph, params, "x", extra);
  const mod = await emitModule(p);
  const slot = (o: { name: string; slot: number; shape: readonly number[]; complex: boolean }) => ({ name: o.name, offset: o.slot * 8, length: o.shape.reduce((a, b) => a * b, 1) * (o.complex ? 2 : 1), storage: "f64" as const });
  const constants = p.buffers.find((b) => b.kind === "constant")!;
  return {
    bytes: mod.bytes,
    layout: { input: slot(p.input), outputs: p.outputs.map(slot), imports: mod.imports.map((name) => ({ module: "m", name })), entry: "run" },
    flops: p.flops,
    foldedNodes: p.foldedNodes,
    memoryBytes: p.memoryBytes,
    plan: [
      `engine compact: executor ${kb(mod.codeBytes)}, program table ${kb(p.instructions * INSTR_WORDS * 4)} (${p.instructions} instructions), constants ${kb(constants.slots * 8)} (${constants.slots} float64 from ${p.foldedNodes} folded IR nodes)`,
      `buffer plan (float64 slots; a scratch buffer is reused by nodes whose lifetimes do not overlap):`,
      ...p.buffers.map((b) => `  ${b.kind.padEnd(8)} byte ${String(b.slot * 8).padStart(7)}  ${String(b.slots).padStart(6)} slots  ${b.kind === "constant" ? `${b.nodes.length} folded values` : `${b.nodes.length} IR node${b.nodes.length === 1 ? "" : "s"} (%${b.nodes[0]}${b.nodes.length > 1 ? ` … %${b.nodes[b.nodes.length - 1]}` : ""})`}`),
    ],
  };
}

/** The simd engine: the folded graph through the wasm backend (compiler/backends/wasm), f32 SIMD128. */
async function simdArtifact(graph: Graph, params: ReadonlyMap<string, Float64Array>, extra: { name: string; id: number }[]): Promise<Artifact> {
  const folded = foldGraph(graph, params, "x", extra);
  const { compileToWasm } = await import("../compiler/backends/wasm/index.js");
  const art = await compileToWasm(folded.graph);
  const slot = (s: { name: string; offset: number; length: number }) => ({ name: s.name, offset: s.offset, length: s.length, storage: "f32" as const });
  const input = art.layout.inputs.find((s) => s.name === "x");
  if (!input || art.layout.inputs.length !== 1) throw new BuildUnsupported(`a program whose folded form reads inputs other than x (${art.layout.inputs.map((s) => s.name).join(", ")})`);
  return {
    bytes: art.bytes,
    layout: { input: slot(input), outputs: art.layout.outputs.map(slot), imports: art.layout.imports, entry: art.layout.entry },
    flops: flopsOf(folded.graph),
    foldedNodes: folded.foldedNodes,
    memoryBytes: art.layout.memoryBytes,
    plan: [
      `engine simd: the wasm backend (f32, SIMD128) on the folded graph (${folded.graph.nodes.length} IR nodes; ${folded.foldedNodes} folded)`,
      `buffer plan: ${kb(art.layout.planBytes)} planned in ${kb(art.layout.memoryBytes)} of memory (values, constants, kernel tables); input x at byte ${input.offset}`,
    ],
  };
}

/** The shape of one sample of an output (the batch-1 program's shape without its batch axis). */
function outputShape(g: Graph, name: string, extra: readonly { name: string; id: number }[]): number[] {
  const id = [...g.outputs, ...extra].find((o) => o.name === name)!.id;
  return g.nodes[id]!.shape.slice(1);
}

interface BuildOptions {
  target: string;
  engine: string;
  weights?: string;
  out: string;
  stats?: boolean;
}

async function build(file: string, opts: BuildOptions): Promise<void> {
  if (opts.target !== "wasm" && opts.target !== "wgsl") throw new UsageError(`--target must be wasm or wgsl, got '${opts.target}'`);
  if (opts.engine !== "compact" && opts.engine !== "simd") throw new UsageError(`--engine must be compact or simd, got '${opts.engine}'`);
  const p = loadProgram(file);
  const spec = modelSpec(p.net, 1);
  let params: ReadonlyMap<string, Float64Array>;
  let weights: string;
  if (opts.weights) {
    params = readCheckpoint(opts.weights, spec, fileSpan(opts.weights)).params;
    weights = `checkpoint ${path.basename(opts.weights)}`;
  } else {
    params = initParams(spec.params, p.train.seed);
    weights = `freshly initialised (seed ${p.train.seed}); not trained`;
    const w = diag("PNN6020", p.train.span, `no --weights: ${path.basename(file)} is built with freshly initialised parameters (seed ${p.train.seed}); pass --weights CKPT from pnn train`);
    process.stderr.write(formatDiagnostic(w, new Map([[file, p.source]])) + "\n");
  }
  const graph = lowerInfer(p.net, "twin", opts.target === "wgsl" ? BUILD_BATCH : 1);
  const detector = [...graph.nodes].reverse().find((n) => n.op === "abs2");
  const extra = detector && !graph.outputs.some((o) => o.id === detector.id) ? [{ name: "detectors", id: detector.id }] : [];
  let art: Artifact | undefined, gpu: WgslArtifact | undefined;
  try {
    if (opts.target === "wgsl") gpu = wgslArtifact(graph, params, extra);
    else art = opts.engine === "simd" ? await simdArtifact(graph, params, extra) : await compactArtifact(graph, params, extra);
  } catch (e) {
    if (!(e instanceof BuildUnsupported)) throw e;
    throw new DiagnosticsError([diag("PNN5020", p.net.span, `${p.net.name} cannot be built for ${opts.target === "wgsl" ? "wgsl" : `wasm (engine ${opts.engine})`}: it cannot run ${e.message}`)], new Map([[file, p.source]]));
  }
  const data = loadDataset({ ...p.train.data, baseDir: path.dirname(path.resolve(file)) });
  const describe = (name: string) => (name === "detectors" ? "photodetector intensities |E|² of the network's last detection" : "class scores (logits)");
  const info: ModelInfo = {
    network: spec.network,
    source: path.basename(file),
    sourceHash: p.hash,
    program: "twin",
    inputs: [{ name: "x", shape: [spec.features] }],
    outputs: (gpu?.outputs ?? art!.layout.outputs.map((o) => o.name)).map((name) => ({ name, shape: outputShape(graph, name, extra), description: describe(name) })),
    classes: data.classNames.length === spec.classes ? data.classNames : null,
    dataset: data.name,
    normalization: data.normalization ?? null,
    device: { hasDevice: spec.hasDevice, chipVariables: spec.chipVars.map((v) => ({ path: v.path, shape: v.shape, distribution: distText(v.dist) })) },
    weights,
    flopsPerInference: gpu?.flops ?? art!.flops,
    engine: gpu ? "webgpu" : opts.engine,
  };
  if (gpu) {
    fs.mkdirSync(opts.out, { recursive: true });
    const files: [string, string | Uint8Array][] = [["model.wgsl", gpu.wgsl], ["model.bin", gpu.bin], ["model.mjs", wgslLoaderText(info, gpu.layout)], ["model.d.ts", wgslTypesText(info)]];
    for (const [name, data] of files) fs.writeFileSync(path.join(opts.out, name), data);
    process.stdout.write(`wrote ${files.map(([name]) => path.join(opts.out, name)).join(", ")} (engine webgpu)\n` + (opts.stats ? gpu.stats.join("\n") + "\n" : ""));
    return;
  }
  const wasm = art!;
  const loader = loaderText(info, wasm.layout);
  fs.mkdirSync(opts.out, { recursive: true });
  fs.writeFileSync(path.join(opts.out, "model.wasm"), wasm.bytes);
  fs.writeFileSync(path.join(opts.out, "model.mjs"), loader);
  fs.writeFileSync(path.join(opts.out, "model.d.ts"), typesText(info));
  process.stdout.write(`wrote ${path.join(opts.out, "model.wasm")} (${kb(wasm.bytes.length)}, engine ${opts.engine}), model.mjs, model.d.ts\n`);
  if (opts.stats) process.stdout.write(statsText(wasm, Buffer.byteLength(loader)));
}

export function registerBuildCommand(program: Command, setCode: (c: number) => void): void {
  program
    .command("build")
    .description("compile a trained network to an edge artifact: model.wasm + a dependency-free loader model.mjs + model.d.ts")
    .argument("<file>", ".pnn file")
    .option("--target <target>", "wasm | wgsl (WebGPU: model.wgsl + model.bin + loader)", "wasm")
    .option("--weights <ckpt>", "checkpoint (.safetensors) written by pnn train (default: fresh initialisation, with a warning)")
    .requiredOption("-o, --out <dir>", "output directory")
    .option("--engine <engine>", "compact (float64 table executor, smallest code) | simd (the wasm backend, f32 SIMD128, fastest)", "compact")
    .option("--stats", "print sizes, FLOPs per inference and the buffer plan")
    .action(async (file: string, opts: BuildOptions) => {
      try {
        await build(file, opts);
      } catch (e) {
        if (!(e instanceof DiagnosticsError)) throw e;
        printDiagnostics(e.diagnostics, e.sources, false, process.stderr);
        setCode(1);
      }
    });
}

