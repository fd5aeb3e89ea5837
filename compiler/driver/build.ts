/**
 * `pnn build`'s product: an edge artifact of a trained network — model.wasm, a dependency-free
 * loader model.mjs and its types model.d.ts (`--target wgsl`: model.wgsl + model.bin for WebGPU,
 * built at BUILD_SAMPLES_WGSL samples per run; compiler/build/wgsl-artifact.ts). The program
 * built is the run's own twin inference program from Program.inferGraph (so a rule with its own
 * inference — local learning's label embedding, an energy rule's relaxation with its step
 * counts — is built exactly as `pnn eval` and `pnn infer` run it), lowered at one row and at
 * `batch` rows, with the weights folded in and the pass pipeline run: the same planned wasm
 * program the training backend runs (compiler/build/artifact.ts), with a one-row entry and a
 * batched one. Without weights the parameters are freshly initialised (warning PNN6020); a
 * program whose folded form still reads another input is PNN5020. `artifactFiles` makes the
 * files' bytes (no file system: the browser playground offers them as downloads);
 * `buildProduct` is `pnn build`: weights from a checkpoint, files written to a folder as a whole
 * (a temporary folder, then renames: runtime/run-dir.ts), so a failed build never leaves a new
 * model.wasm beside an old model.mjs. The wasm loader carries model.wasm's SHA-256 and refuses
 * other bytes.
 */
import { createHash } from "node:crypto";
import * as path from "node:path";
import { diag, type Diagnostic } from "../../diagnostics/catalog.js";
import { fileSpan } from "../../diagnostics/span.js";
import { initParams, initTwin } from "../../runtime/init.js";
import type { InitSpec } from "../../runtime/model.js";
import { outputDirProblem, writeFolderAtomically } from "../../runtime/run-dir.js";
import { readParams, readTwin } from "../../runtime/run-state.js";
import { buildArtifact, BuildUnsupported, dataSectionBytes, type BuiltArtifact } from "../build/artifact.js";
import { loaderText, typesText, type ModelInfo } from "../build/loader.js";
import { BUILD_SAMPLES_WGSL, wgslArtifact, wgslLoaderText, wgslTypesText, type WgslArtifact } from "../build/wgsl-artifact.js";
import type { Graph } from "../ir/graph.js";
import { DETECTORS } from "../lower/names.js";
import { DiagnosticsError, UsageError } from "./errors.js";
import type { Program } from "./program.js";
import { requireInputFile } from "./run.js";

export const TARGETS = ["wasm", "wgsl"] as const;
/** Rows of the wasm artifact's batched entry: the default and the largest accepted. */
export const BUILD_BATCH = { default: 64, max: 4096 } as const;

const distText = (d: InitSpec): string =>
  d.kind === "normal" ? `normal(${d.mean}, ${d.std})` : d.kind === "uniform" ? `uniform(${d.lo}, ${d.hi})` : d.kind === "constant" ? `constant(${d.value})` : "glorot";

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

function statsText(a: BuiltArtifact, loaderBytes: number): string {
  const data = dataSectionBytes(a.bytes);
  return [
    `model.wasm          ${kb(a.bytes.length)} (${a.bytes.length} bytes)`,
    `  code              ${kb(a.bytes.length - data)} (everything but the data section)`,
    `  data              ${kb(data)} (folded weights and kernel tables)`,
    `model.mjs (loader)  ${kb(loaderBytes)}`,
    `FLOPs per inference ${a.flops}`,
    `memory              ${kb(a.memoryBytes)} (${Math.ceil(a.memoryBytes / 65536)} wasm pages, static; nothing is allocated per call)`,
    `program             the wasm backend (f32, SIMD128) on the folded graph: ${a.nodes} IR nodes after the passes, ${a.foldedNodes} folded; entries run (1 row)${a.layout.batch ? ` and run_batch (${a.layout.batch.rows} rows)` : ""}`,
    `buffer plan         ${kb(a.planBytes)} planned (values, constants, kernel tables); input x at byte ${a.layout.input.offset}`,
    `passes (nodes before → after, time):`,
    ...a.passes.map((p) => `  ${p.pass.padEnd(15)} ${String(p.nodesBefore).padStart(6)} → ${String(p.nodesAfter).padStart(6)}  ${p.ms.toFixed(1)} ms`),
  ].join("\n") + "\n";
}

/** The shape of one sample of an output (the batch-1 program's shape without its batch axis). */
function outputShape(g: Graph, name: string): number[] {
  const o = g.outputs.find((x) => x.name === name);
  const id = o ? o.id : [...g.nodes].reverse().find((n) => n.op === "abs2")!.id; // DETECTORS: the last photodetection
  return g.nodes[id]!.shape.slice(1);
}

export interface BuildRequest {
  readonly target: string;
  /** Rows of the batched entry (1: the one-row entry only). */
  readonly batch?: number;
  readonly weights?: string;
  readonly out: string;
}

export interface BuildResult {
  readonly files: readonly string[];
  readonly bytes: number;
  /** What runs the artifact (the wasm backend, and the batched entry's rows). */
  readonly engine: string;
  /** Sizes, FLOPs per inference, the buffer plan and the passes (`--stats`). */
  readonly stats: string;
  /** Warnings to show (PNN6020 when built without trained weights). */
  readonly warnings: readonly Diagnostic[];
}

/** Trained parameters for an artifact, and how model.mjs describes where they came from. */
export interface ArtifactWeights {
  readonly params: ReadonlyMap<string, Float64Array>;
  /** e.g. `checkpoint checkpoint.safetensors` */
  readonly label: string;
  /** The run's estimates of external devices' variables (absent: their means). */
  readonly twin?: ReadonlyMap<string, Float64Array>;
}

export interface ArtifactRequest {
  readonly target: string;
  /** Rows of the wasm artifact's batched entry (default BUILD_BATCH.default). */
  readonly batch?: number;
  /** Absent: freshly initialised parameters (warning PNN6020). */
  readonly weights?: ArtifactWeights;
}

/** An artifact's files as bytes, in memory (the CLI writes them; the browser playground offers them as downloads). */
export interface ArtifactFiles {
  readonly files: readonly { readonly name: string; readonly bytes: Uint8Array }[];
  /** Size of the program's own files (model.wasm; model.wgsl + model.bin). */
  readonly bytes: number;
  readonly engine: string;
  readonly stats: string;
  readonly warnings: readonly Diagnostic[];
}

function checkBuildOptions(r: { readonly target: string; readonly batch?: number }): number {
  if (!(TARGETS as readonly string[]).includes(r.target)) throw new UsageError(`--target must be ${TARGETS.join(" or ")}, got '${r.target}'`);
  const batch = r.batch ?? BUILD_BATCH.default;
  if (!Number.isInteger(batch) || batch < 1 || batch > BUILD_BATCH.max) throw new UsageError(`--batch must be an integer in 1..${BUILD_BATCH.max}, got '${r.batch}'`);
  return batch;
}

/** The artifact's files as bytes (no file system): wasm — model.wasm, model.mjs, model.d.ts; wgsl — model.wgsl, model.bin, model.mjs, model.d.ts. */
export async function artifactFiles(p: Program, r: ArtifactRequest): Promise<ArtifactFiles> {
  const batch = checkBuildOptions(r);
  const spec = p.spec(1);
  const warnings: Diagnostic[] = [];
  let params: ReadonlyMap<string, Float64Array>;
  let weights: string;
  if (r.weights) {
    params = r.weights.params;
    weights = r.weights.label;
  } else {
    params = initParams(spec.params, p.train.seed);
    weights = `freshly initialised (seed ${p.train.seed}); not trained`;
    warnings.push(diag("PNN6020", p.train.span, `no --weights: ${path.basename(p.file)} is built with freshly initialised parameters (seed ${p.train.seed}); pass --weights CKPT from pnn train`));
  }
  // the twin's estimates of external devices' variables (the run's, else their means) are folded in as constants
  const twin = r.weights?.twin ?? initTwin(spec.twinVars, p.train.seed);
  const graph = p.inferGraph(false, 1, { twin });
  let art: BuiltArtifact | undefined, gpu: WgslArtifact | undefined;
  try {
    if (r.target === "wgsl") gpu = wgslArtifact(p.inferGraph(false, BUILD_SAMPLES_WGSL, { twin }), params);
    else art = await buildArtifact((rows) => (rows === 1 ? graph : p.inferGraph(false, rows, { twin })), params, { batch });
  } catch (e) {
    if (!(e instanceof BuildUnsupported)) throw e;
    throw new DiagnosticsError([diag("PNN5020", p.net.span, `${p.net.name} cannot be built for ${r.target}: it cannot run ${e.message}`)], new Map([[p.file, p.source]]));
  }
  const engine = gpu ? "webgpu" : `wasm (f32, SIMD128)${art!.layout.batch ? `, ${art!.layout.batch.rows} rows per batched call` : ""}`;
  const data = p.dataset();
  const describe = (name: string) => (name === DETECTORS ? "photodetector intensities |E|² of the network's last detection" : "class scores (logits)");
  const info: ModelInfo = {
    network: spec.network,
    source: path.basename(p.file),
    sourceHash: p.sourceHash,
    program: "twin",
    inputs: [{ name: "x", shape: [spec.features] }],
    outputs: (gpu?.outputs ?? art!.layout.outputs.map((o) => o.name)).map((name) => ({ name, shape: outputShape(graph, name), description: describe(name) })),
    classes: data.classNames.length === spec.classes ? data.classNames : null,
    dataset: data.name,
    normalization: data.normalization ?? null,
    device: { hasDevice: spec.hasDevice, chipVariables: spec.chipVars.map((v) => ({ path: v.path, shape: v.shape, distribution: distText(v.dist) })) },
    weights,
    flopsPerInference: gpu?.flops ?? art!.flops,
    engine,
    ...(art ? { wasmSha256: createHash("sha256").update(art.bytes).digest("hex") } : {}),
  };
  const utf8 = new TextEncoder();
  if (gpu) {
    // the WebGPU artifact (compiler/build/wgsl-artifact.ts, docs/webgpu.md)
    const wgsl = utf8.encode(gpu.wgsl);
    const files = [
      { name: "model.wgsl", bytes: wgsl },
      { name: "model.bin", bytes: gpu.bin },
      { name: "model.mjs", bytes: utf8.encode(wgslLoaderText(info, gpu.layout)) },
      { name: "model.d.ts", bytes: utf8.encode(wgslTypesText(info)) },
    ];
    return { files, bytes: wgsl.length + gpu.bin.length, engine, stats: gpu.stats.join("\n") + "\n", warnings };
  }
  const wasm = art!;
  const loader = utf8.encode(loaderText(info, wasm.layout));
  const files = [
    { name: "model.wasm", bytes: wasm.bytes },
    { name: "model.mjs", bytes: loader },
    { name: "model.d.ts", bytes: utf8.encode(typesText(info)) },
  ];
  return { files, bytes: wasm.bytes.length, engine, stats: statsText(wasm, loader.length), warnings };
}

/** `pnn build`: the artifact written to `out` (weights from a checkpoint, or freshly initialised). */
export async function buildProduct(p: Program, r: BuildRequest): Promise<BuildResult> {
  checkBuildOptions(r);
  const outProblem = outputDirProblem(r.out, "-o"); // before the work, not after it
  if (outProblem) throw new UsageError(outProblem);
  if (r.weights) requireInputFile(r.weights, "--weights");
  const spec = p.spec(1);
  const twin = r.weights ? readTwin(r.weights, spec, fileSpan(r.weights)) : undefined;
  const weights = r.weights ? { params: readParams(r.weights, spec, fileSpan(r.weights)).params, label: `checkpoint ${path.basename(r.weights)}`, ...(twin ? { twin } : {}) } : undefined;
  const a = await artifactFiles(p, { target: r.target, ...(r.batch !== undefined ? { batch: r.batch } : {}), ...(weights ? { weights } : {}) });
  // model.mjs last: in a folder that holds other files too, the files are renamed one by one.
  const ordered = [...a.files.filter((f) => f.name !== "model.mjs"), ...a.files.filter((f) => f.name === "model.mjs")];
  const written = writeFolderAtomically(r.out, ordered.map((f) => [f.name, f.bytes] as [string, Uint8Array]), "-o");
  if (!written.ok) throw new UsageError(written.problem);
  return { files: a.files.map((f) => path.join(r.out, f.name)), bytes: a.bytes, engine: a.engine, stats: a.stats, warnings: a.warnings };
}
