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
import { emitModule } from "../compiler/build/emit.js";
import { loaderText, typesText, type ModelInfo } from "../compiler/build/loader.js";
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

function statsText(p: BuiltProgram, wasmBytes: number, codeBytes: number, loaderBytes: number, info: ModelInfo): string {
  const table = p.instructions * INSTR_WORDS * 4;
  const constants = p.buffers.find((b) => b.kind === "constant")!;
  const lines = [
    `model.wasm          ${kb(wasmBytes)} (${wasmBytes} bytes)`,
    `  executor code     ${kb(codeBytes)}`,
    `  program table     ${kb(table)} (${p.instructions} instructions)`,
    `  constants         ${kb(constants.slots * 8)} (${constants.slots} float64: weights and ${p.foldedNodes} folded IR nodes)`,
    `model.mjs (loader)  ${kb(loaderBytes)}`,
    `FLOPs per inference ${info.flopsPerInference}`,
    `memory              ${kb(p.memoryBytes)} (${Math.ceil(p.memoryBytes / 65536)} wasm pages, static; nothing is allocated per call)`,
    `buffer plan (float64 slots; a scratch buffer is reused by nodes whose lifetimes do not overlap):`,
    ...p.buffers.map((b) => `  ${b.kind.padEnd(8)} byte ${String(b.slot * 8).padStart(7)}  ${String(b.slots).padStart(6)} slots  ${b.kind === "constant" ? `${b.nodes.length} folded values` : `${b.nodes.length} IR node${b.nodes.length === 1 ? "" : "s"} (%${b.nodes[0]}${b.nodes.length > 1 ? ` … %${b.nodes[b.nodes.length - 1]}` : ""})`}`),
    `outputs: ${p.outputs.map((o) => `${o.name} at byte ${o.slot * 8}`).join(", ")}`,
  ];
  return lines.join("\n") + "\n";
}

async function build(file: string, opts: { target: string; weights?: string; out: string; stats?: boolean }): Promise<void> {
  if (opts.target !== "wasm") throw new UsageError(`--target must be wasm (the only build target), got '${opts.target}'`);
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
  const detector = [...graph.nodes].reverse().find((n) => n.op === "abs2");
  const extra = detector && !graph.outputs.some((o) => o.id === detector.id) ? [{ name: "detectors", id: detector.id }] : [];
  let program: BuiltProgram;
  try {
    program = buildProgram(graph, params, "x", extra);
  } catch (e) {
    if (!(e instanceof BuildUnsupported)) throw e;
    throw new DiagnosticsError([diag("PNN5020", p.net.span, `${p.net.name} cannot be built for wasm: the executor cannot run ${e.message}`)], new Map([[file, p.source]]));
  }
  const data = loadDataset({ ...p.train.data, baseDir: path.dirname(path.resolve(file)) });
  const describe = (name: string) => (name === "detectors" ? "photodetector intensities |E|² of the network's last detection" : "class scores (logits)");
  const info: ModelInfo = {
    network: spec.network,
    source: path.basename(file),
    sourceHash: p.hash,
    program: "twin",
    inputs: [{ name: "x", shape: [spec.features] }],
    outputs: program.outputs.map((o) => ({ name: o.name, shape: [...o.shape.slice(1)], description: describe(o.name) })),
    classes: data.classNames.length === spec.classes ? data.classNames : null,
    dataset: data.name,
    normalization: data.normalization ?? null,
    device: { hasDevice: spec.hasDevice, chipVariables: spec.chipVars.map((v) => ({ path: v.path, shape: v.shape, distribution: distText(v.dist) })) },
    weights,
    flopsPerInference: program.flops,
  };
  const mod = await emitModule(program);
  const loader = loaderText(info, {
    input: { slot: program.input.slot, length: spec.features },
    outputs: program.outputs.map((o) => ({ name: o.name, slot: o.slot, length: o.shape.reduce((a, b) => a * b, 1) * (o.complex ? 2 : 1) })),
    imports: mod.imports,
  });
  fs.mkdirSync(opts.out, { recursive: true });
  fs.writeFileSync(path.join(opts.out, "model.wasm"), mod.bytes);
  fs.writeFileSync(path.join(opts.out, "model.mjs"), loader);
  fs.writeFileSync(path.join(opts.out, "model.d.ts"), typesText(info));
  process.stdout.write(`wrote ${path.join(opts.out, "model.wasm")} (${kb(mod.bytes.length)}), model.mjs, model.d.ts\n`);
  if (opts.stats) process.stdout.write(statsText(program, mod.bytes.length, mod.codeBytes, Buffer.byteLength(loader), info));
}

export function registerBuildCommand(program: Command, setCode: (c: number) => void): void {
  program
    .command("build")
    .description("compile a trained network to an edge artifact: model.wasm + a dependency-free loader model.mjs + model.d.ts")
    .argument("<file>", ".pnn file")
    .option("--target <target>", "wasm", "wasm")
    .option("--weights <ckpt>", "checkpoint (.safetensors) written by pnn train (default: fresh initialisation, with a warning)")
    .requiredOption("-o, --out <dir>", "output directory")
    .option("--stats", "print sizes, FLOPs per inference and the buffer plan")
    .action(async (file: string, opts: { target: string; weights?: string; out: string; stats?: boolean }) => {
      try {
        await build(file, opts);
      } catch (e) {
        if (!(e instanceof DiagnosticsError)) throw e;
        printDiagnostics(e.diagnostics, e.sources, false, process.stderr);
        setCode(1);
      }
    });
}

