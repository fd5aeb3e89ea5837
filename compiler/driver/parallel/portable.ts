/**
 * Compiled programs in a form that can be posted to a worker thread, so workers run the very
 * program the main thread compiled (compiled once; docs/scaling.md):
 *   - wasm: the WebAssembly.Module (V8 shares its compiled code between threads) and its layout —
 *     the worker instantiates it (runtime/wasm/executable.ts), nothing is lowered or compiled again;
 *   - ref: the interpreter's closures cannot travel, so the worker lowers the same graph from the
 *     same Program and checks that it prints to the same text (hash) as the main thread's.
 * Both carry the manifest and FLOPs (plain data).
 */
import { createHash } from "node:crypto";
import { diag, UserError } from "../../../diagnostics/catalog.js";
import type { Span } from "../../../diagnostics/span.js";
import type { ProgramManifest } from "../../../runtime/manifest.js";
import type { CompiledProgram } from "../../../runtime/program.js";
import type { WasmLayout } from "../../../runtime/wasm/layout.js";
import { wasmExecutable } from "../../../runtime/wasm/executable.js";
import { compileInterp } from "../../backends/interp/index.js";
import { graphFlops } from "../../ir/flops.js";
import type { Graph } from "../../ir/graph.js";
import { printGraph } from "../../ir/print.js";
import { manifestOf } from "../../lower/names.js";
import { findBackend } from "../backends.js";

export type PortableProgram =
  | { readonly kind: "wasm"; readonly module: WebAssembly.Module; readonly layout: WasmLayout; readonly manifest: ProgramManifest; readonly flops: number }
  | { readonly kind: "ref"; readonly graphHash: string; readonly manifest: ProgramManifest; readonly flops: number };

export const graphHash = (g: Graph): string => createHash("sha256").update(printGraph(g)).digest("hex").slice(0, 32);

/** Compiles `g` on `backend` for this thread and for posting to workers. */
export async function compilePortable(backend: string, g: Graph, span: Span): Promise<{ compiled: CompiledProgram; portable: PortableProgram }> {
  findBackend(backend); // an unknown name is a usage error, as everywhere
  const manifest = manifestOf(g), flops = graphFlops(g);
  if (backend === "ref") return { compiled: { exe: compileInterp(g), manifest, flops }, portable: { kind: "ref", graphHash: graphHash(g), manifest, flops } };
  const { compileWasmModuleCached } = await import("../../backends/wasm/cache.js");
  const { optimizedModule } = await import("../../backends/wasm/node-module.js");
  const { WasmLimitError } = await import("../../backends/wasm/index.js");
  let m;
  try {
    m = await compileWasmModuleCached(g);
  } catch (e) {
    if (e instanceof WasmLimitError) throw new UserError(diag("PNN5010", span, e.message));
    throw e;
  }
  const module = optimizedModule(m.bytes);
  return { compiled: { exe: wasmExecutable(module, m.layout), manifest, flops }, portable: { kind: "wasm", module, layout: m.layout, manifest, flops } };
}

/** A posted program, runnable on this thread; `lower` gives the graph again (ref only). */
export function fromPortable(p: PortableProgram, lower: () => Graph): CompiledProgram {
  if (p.kind === "wasm") return { exe: wasmExecutable(p.module, p.layout), manifest: p.manifest, flops: p.flops };
  const g = lower();
  if (graphHash(g) !== p.graphHash) throw new Error("data-parallel: a worker lowered a different program than the main thread (the program or the compiler differs between them)");
  return { exe: compileInterp(g), manifest: p.manifest, flops: p.flops };
}
