/**
 * The execution backends a session can compile programs with, by name: `ref`, the float64
 * reference interpreter (the definition of every op), `wasm`, the WebAssembly backend (f32,
 * SIMD128, cached by content under .pnn-cache/), and `webgpu`, the WGSL backend on the process's
 * WebGPU device (asynchronous executables; docs/webgpu.md). Each turns an IR graph into a runtime
 * Executable; a program too large for a backend is a user diagnostic (PNN5010, PNN5031) at the
 * train block, and no WebGPU device is PNN5030.
 */
import { diag, UserError } from "../../diagnostics/catalog.js";
import type { Span } from "../../diagnostics/span.js";
import type { Executable } from "../../runtime/backend.js";
import { compileInterp } from "../backends/interp/index.js";
import type { Graph } from "../ir/graph.js";
import { UsageError } from "./errors.js";

export interface Backend {
  readonly name: string;
  readonly doc: string;
  /** Its programs' inputs and outputs live in host memory, so an inference program may run as a preparation and a per-batch part (runtime/prepared.ts). */
  readonly hostMemory?: boolean;
  compile(g: Graph): Promise<Executable>;
}

const wasm: Backend = {
  name: "wasm",
  doc: "WebAssembly (f32, SIMD128), compiled and cached under .pnn-cache/",
  hostMemory: true,
  async compile(g) {
    const { compileWasmCached } = await import("../backends/wasm/cache.js");
    return compileWasmCached(g);
  },
};

const ref: Backend = { name: "ref", doc: "the float64 reference interpreter", hostMemory: true, compile: async (g) => compileInterp(g) };

const webgpu: Backend = {
  name: "webgpu",
  doc: "WebGPU (WGSL, f32): a GPU through the 'webgpu' package (Dawn) in Node",
  async compile(g) {
    const { compileWebGpu } = await import("../backends/wgsl/webgpu.js");
    return compileWebGpu(g);
  },
};

export const BACKENDS: readonly Backend[] = [wasm, ref, webgpu];
export const DEFAULT_BACKEND = "wasm";

export function findBackend(name: string): Backend {
  const b = BACKENDS.find((x) => x.name === name);
  if (!b) throw new UsageError(`unknown backend '${name}' (available: ${BACKENDS.map((x) => x.name).join(", ")})`);
  return b;
}

/** Compiles with `backend`, turning a backend's size limit into PNN5010 at `span`. */
export async function compileWith(backend: Backend, g: Graph, span: Span): Promise<Executable> {
  try {
    return await backend.compile(g);
  } catch (e) {
    const { WasmLimitError } = await import("../backends/wasm/index.js");
    if (e instanceof WasmLimitError) throw new UserError(diag("PNN5010", span, e.message));
    if (backend.name === "webgpu") {
      const { WgslLimitError } = await import("../backends/wgsl/index.js");
      const { WebGpuUnavailableError } = await import("../../runtime/webgpu/device.js");
      if (e instanceof WebGpuUnavailableError) throw new UserError(diag("PNN5030", span, `--backend webgpu: ${e.message}`));
      if (e instanceof WgslLimitError) throw new UserError(diag("PNN5031", span, e.message));
    }
    throw e;
  }
}
