/**
 * `pnn build FILE --target wasm [--weights CKPT] -o DIR [--batch ROWS] [--stats]`: an edge
 * artifact of a trained network. compiler/build/artifact.ts lowers the twin inference program,
 * folds the weights in and compiles it with the wasm backend (one-row and batched entries); this
 * writes model.wasm, a dependency-free loader model.mjs and its types model.d.ts. Without
 * --weights the parameters are freshly initialised (warning PNN6020).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { lowerInfer, modelSpec } from "../compiler/lower/lower.js";
import { buildArtifact, BuildUnsupported, dataSectionBytes, type BuiltArtifact } from "../compiler/build/artifact.js";
import { loaderText, typesText, type ModelInfo } from "../compiler/build/loader.js";
import type { Graph } from "../compiler/ir/graph.js";
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
  const id = o ? o.id : [...g.nodes].reverse().find((n) => n.op === "abs2")!.id; // "detectors": the last photodetection
  return g.nodes[id]!.shape.slice(1);
}

interface BuildOptions {
  target: string;
  batch: string;
  weights?: string;
  out: string;
  stats?: boolean;
}

async function build(file: string, opts: BuildOptions): Promise<void> {
  if (opts.target !== "wasm") throw new UsageError(`--target must be wasm (the only build target), got '${opts.target}'`);
  const batch = Number(opts.batch);
  if (!Number.isInteger(batch) || batch < 1 || batch > 4096) throw new UsageError(`--batch must be an integer in 1..4096, got '${opts.batch}'`);
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
  const graph = lowerInfer(p.net, "twin", 1);
  let art: BuiltArtifact;
  try {
    art = await buildArtifact((rows) => lowerInfer(p.net, "twin", rows), params, { batch });
  } catch (e) {
    if (!(e instanceof BuildUnsupported)) throw e;
    throw new DiagnosticsError([diag("PNN5020", p.net.span, `${p.net.name} cannot be built for wasm: it cannot run ${e.message}`)], new Map([[file, p.source]]));
  }
  const data = loadDataset({ ...p.train.data, baseDir: path.dirname(path.resolve(file)) });
  const describe = (name: string) => (name === "detectors" ? "photodetector intensities |E|² of the network's last detection" : "class scores (logits)");
  const info: ModelInfo = {
    network: spec.network,
    source: path.basename(file),
    sourceHash: p.hash,
    program: "twin",
    inputs: [{ name: "x", shape: [spec.features] }],
    outputs: art.layout.outputs.map((o) => ({ name: o.name, shape: outputShape(graph, o.name), description: describe(o.name) })),
    classes: data.classNames.length === spec.classes ? data.classNames : null,
    dataset: data.name,
    normalization: data.normalization ?? null,
    device: { hasDevice: spec.hasDevice, chipVariables: spec.chipVars.map((v) => ({ path: v.path, shape: v.shape, distribution: distText(v.dist) })) },
    weights,
    flopsPerInference: art.flops,
    engine: `wasm (f32, SIMD128)${art.layout.batch ? `, ${art.layout.batch.rows} rows per batched call` : ""}`,
  };
  const loader = loaderText(info, art.layout);
  fs.mkdirSync(opts.out, { recursive: true });
  fs.writeFileSync(path.join(opts.out, "model.wasm"), art.bytes);
  fs.writeFileSync(path.join(opts.out, "model.mjs"), loader);
  fs.writeFileSync(path.join(opts.out, "model.d.ts"), typesText(info));
  process.stdout.write(`wrote ${path.join(opts.out, "model.wasm")} (${kb(art.bytes.length)}), model.mjs, model.d.ts\n`);
  if (opts.stats) process.stdout.write(statsText(art, Buffer.byteLength(loader)));
}

export function registerBuildCommand(program: Command, setCode: (c: number) => void): void {
  program
    .command("build")
    .description("compile a trained network to an edge artifact: model.wasm + a dependency-free loader model.mjs + model.d.ts")
    .argument("<file>", ".pnn file")
    .option("--target <target>", "wasm", "wasm")
    .option("--weights <ckpt>", "checkpoint (.safetensors) written by pnn train (default: fresh initialisation, with a warning)")
    .requiredOption("-o, --out <dir>", "output directory")
    .option("--batch <rows>", "rows of the artifact's batched entry (full batches run through it, the rest row by row)", "64")
    .option("--stats", "print sizes, FLOPs per inference, the buffer plan and the passes")
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

