/**
 * `pnn build`'s product: an edge artifact of a trained network — model.wasm, a dependency-free
 * loader model.mjs and its types model.d.ts. The program built is the run's own twin inference
 * program from Program.inferGraph (so a rule with its own inference — local learning's label
 * embedding, an energy rule's relaxation with its step counts — is built exactly as `pnn eval`
 * and `pnn infer` run it), at batch 1, with the weights folded in. Two engines (compiler/build/):
 * `compact` (a float64 table executor; code does not grow with the network) and `simd` (the
 * wasm backend on the folded graph). Without weights the parameters are freshly initialised
 * (warning PNN6020); a program the engine cannot run is PNN5020.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { diag, type Diagnostic } from "../../diagnostics/catalog.js";
import { fileSpan } from "../../diagnostics/span.js";
import { initParams, initTwin } from "../../runtime/init.js";
import type { InitSpec } from "../../runtime/model.js";
import { readParams, readTwin } from "../../runtime/run-state.js";
import { dataSectionBytes, emitModule } from "../build/emit.js";
import { flopsOf, foldGraph } from "../build/fold.js";
import { loaderText, typesText, type LoaderLayout, type ModelInfo } from "../build/loader.js";
import { buildProgram, BuildUnsupported, type BuiltProgram } from "../build/program.js";
import { INSTR_WORDS } from "../build/vm-wat.js";
import type { Graph } from "../ir/graph.js";
import { DETECTORS } from "../lower/names.js";
import { DiagnosticsError, UsageError } from "./errors.js";
import type { Program } from "./program.js";

export const TARGETS = ["wasm"] as const;
/** `auto`: compact when its executor can run every op of the program, else simd (e.g. FFTs). */
export const ENGINES = ["auto", "compact", "simd"] as const;

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
  const { compileToWasm } = await import("../backends/wasm/index.js");
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

export interface BuildRequest {
  readonly target: string;
  readonly engine: string;
  readonly weights?: string;
  readonly out: string;
}

export interface BuildResult {
  readonly files: readonly string[];
  readonly bytes: number;
  /** The engine used (auto picks one). */
  readonly engine: string;
  /** Sizes, FLOPs per inference and the buffer plan (`--stats`). */
  readonly stats: string;
  /** Warnings to show (PNN6020 when built without trained weights). */
  readonly warnings: readonly Diagnostic[];
}

export async function buildProduct(p: Program, r: BuildRequest): Promise<BuildResult> {
  if (!(TARGETS as readonly string[]).includes(r.target)) throw new UsageError(`--target must be ${TARGETS.join(" or ")}, got '${r.target}'`);
  if (!(ENGINES as readonly string[]).includes(r.engine)) throw new UsageError(`--engine must be ${ENGINES.join(" or ")}, got '${r.engine}'`);
  const spec = p.spec(1);
  const warnings: Diagnostic[] = [];
  let params: ReadonlyMap<string, Float64Array>;
  let weights: string;
  if (r.weights) {
    params = readParams(r.weights, spec, fileSpan(r.weights)).params;
    weights = `checkpoint ${path.basename(r.weights)}`;
  } else {
    params = initParams(spec.params, p.train.seed);
    weights = `freshly initialised (seed ${p.train.seed}); not trained`;
    warnings.push(diag("PNN6020", p.train.span, `no --weights: ${path.basename(p.file)} is built with freshly initialised parameters (seed ${p.train.seed}); pass --weights CKPT from pnn train`));
  }
  // the twin's estimates of external devices' variables (the run's, else their means) are folded in as constants
  const twin = (r.weights ? readTwin(r.weights, spec, fileSpan(r.weights)) : undefined) ?? initTwin(spec.twinVars, p.train.seed);
  const graph = p.inferGraph(false, 1, { twin });
  const detector = [...graph.nodes].reverse().find((n) => n.op === "abs2");
  const extra = detector && !graph.outputs.some((o) => o.id === detector.id) ? [{ name: DETECTORS, id: detector.id }] : [];
  let art: Artifact;
  let engine = r.engine === "auto" ? "compact" : r.engine;
  try {
    try {
      art = engine === "simd" ? await simdArtifact(graph, params, extra) : await compactArtifact(graph, params, extra);
    } catch (e) {
      if (!(e instanceof BuildUnsupported) || r.engine !== "auto") throw e;
      engine = "simd";
      art = await simdArtifact(graph, params, extra);
    }
  } catch (e) {
    if (!(e instanceof BuildUnsupported)) throw e;
    throw new DiagnosticsError([diag("PNN5020", p.net.span, `${p.net.name} cannot be built for wasm (engine ${engine}): it cannot run ${e.message}`)], new Map([[p.file, p.source]]));
  }
  const data = p.dataset();
  const describe = (name: string) => (name === DETECTORS ? "photodetector intensities |E|² of the network's last detection" : "class scores (logits)");
  const info: ModelInfo = {
    network: spec.network,
    source: path.basename(p.file),
    sourceHash: p.sourceHash,
    program: "twin",
    inputs: [{ name: "x", shape: [spec.features] }],
    outputs: art.layout.outputs.map((o) => ({ name: o.name, shape: outputShape(graph, o.name, extra), description: describe(o.name) })),
    classes: data.classNames.length === spec.classes ? data.classNames : null,
    dataset: data.name,
    normalization: data.normalization ?? null,
    device: { hasDevice: spec.hasDevice, chipVariables: spec.chipVars.map((v) => ({ path: v.path, shape: v.shape, distribution: distText(v.dist) })) },
    weights,
    flopsPerInference: art.flops,
    engine,
  };
  const loader = loaderText(info, art.layout);
  fs.mkdirSync(r.out, { recursive: true });
  const files = [path.join(r.out, "model.wasm"), path.join(r.out, "model.mjs"), path.join(r.out, "model.d.ts")];
  fs.writeFileSync(files[0]!, art.bytes);
  fs.writeFileSync(files[1]!, loader);
  fs.writeFileSync(files[2]!, typesText(info));
  const data2 = dataSectionBytes(art.bytes);
  const stats = [
    `model.wasm          ${kb(art.bytes.length)} (${art.bytes.length} bytes)`,
    `  code              ${kb(art.bytes.length - data2)} (everything but the data section)`,
    `  data              ${kb(data2)} (folded weights and program tables; see below)`,
    `model.mjs (loader)  ${kb(Buffer.byteLength(loader))}`,
    `FLOPs per inference ${art.flops}`,
    `memory              ${kb(art.memoryBytes)} (${Math.ceil(art.memoryBytes / 65536)} wasm pages, static; nothing is allocated per call)`,
    ...art.plan,
  ].join("\n") + "\n";
  return { files, bytes: art.bytes.length, engine, stats, warnings };
}
