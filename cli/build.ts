/**
 * `pnn build FILE --target wasm|wgsl [--weights CKPT] -o DIR [--batch ROWS] [--stats]`: an edge
 * artifact of a trained network (the driver's build product, compiler/driver/build.ts):
 * model.wasm (or model.wgsl + model.bin), a dependency-free loader model.mjs and its types model.d.ts.
 */
import type { Command } from "commander";
import { BUILD_BATCH, buildProduct, DiagnosticsError, Session, TARGETS } from "../compiler/driver/index.js";
import { formatDiagnostic } from "../diagnostics/format.js";
import { diskHost, printDiagnostics, readSource, UsageError } from "./io.js";

interface BuildOptions {
  target: string;
  batch: string;
  weights?: string;
  out: string;
  stats?: boolean;
}

export function registerBuildCommand(program: Command, setCode: (c: number) => void): void {
  program
    .command("build")
    .description("compile a trained network to an edge artifact: model.wasm + a dependency-free loader model.mjs + model.d.ts")
    .argument("<file>", ".pnn file")
    .option("--target <target>", TARGETS.join(" | "), "wasm")
    .option("--weights <ckpt>", "checkpoint (.safetensors) written by pnn train (default: fresh initialisation, with a warning)")
    .requiredOption("-o, --out <dir>", "output directory")
    .option("--batch <rows>", `rows of the wasm artifact's batched entry, 1..${BUILD_BATCH.max} (full batches run through it, the rest row by row)`, String(BUILD_BATCH.default))
    .option("--stats", "print sizes, FLOPs per inference, the buffer plan and the passes")
    .action(async (file: string, opts: BuildOptions) => {
      try {
        const source = readSource(file);
        const p = new Session(file, source, diskHost).program();
        if (!/^\d+$/.test(opts.batch.trim())) throw new UsageError(`--batch must be an integer in 1..${BUILD_BATCH.max}, got '${opts.batch}'`);
        const batch = Number(opts.batch);
        const r = await buildProduct(p, { target: opts.target, batch, out: opts.out, ...(opts.weights ? { weights: opts.weights } : {}) });
        for (const w of r.warnings) process.stderr.write(formatDiagnostic(w, new Map([[file, source]])) + "\n");
        process.stdout.write(`wrote ${r.files[0]} (${(r.bytes / 1024).toFixed(1)} KB, engine ${r.engine}), ${r.files.slice(1).map((f) => f.split(/[\\/]/).pop()).join(", ")}\n`);
        if (opts.stats) process.stdout.write(r.stats);
      } catch (e) {
        if (!(e instanceof DiagnosticsError)) throw e;
        printDiagnostics(e.diagnostics, e.sources, false, process.stderr);
        setCode(1);
      }
    });
}
