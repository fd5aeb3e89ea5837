/**
 * `pnn build FILE --target wasm|wgsl [--weights CKPT] -o DIR [--stats] [--engine compact|simd]`:
 * an edge artifact of a trained network (the driver's build product, compiler/driver/build.ts):
 * model.wasm (or model.wgsl + model.bin), a dependency-free loader model.mjs and its types model.d.ts.
 */
import type { Command } from "commander";
import { buildProduct, DiagnosticsError, ENGINES, Session, TARGETS } from "../compiler/driver/index.js";
import { formatDiagnostic } from "../diagnostics/format.js";
import { diskHost, printDiagnostics, readSource } from "./io.js";

interface BuildOptions {
  target: string;
  engine: string;
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
    .option("--engine <engine>", `${ENGINES.join(" | ")}: compact (float64 table executor, smallest code), simd (the wasm backend, f32 SIMD128, fastest, every op) or auto (compact when it can run the program, else simd)`, "auto")
    .option("--stats", "print sizes, FLOPs per inference and the buffer plan")
    .action(async (file: string, opts: BuildOptions) => {
      try {
        const source = readSource(file);
        const p = new Session(file, source, diskHost).program();
        const r = await buildProduct(p, { target: opts.target, engine: opts.engine, out: opts.out, ...(opts.weights ? { weights: opts.weights } : {}) });
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
