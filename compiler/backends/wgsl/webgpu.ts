/**
 * compileWebGpu(graph) → a runnable WebGpuExecutable: the graph compiled to a WgslProgram
 * (index.ts) for the process's WebGPU device (runtime/webgpu/device.ts; its binding limit bounds
 * the arena) and loaded by the runtime. Throws WebGpuUnavailableError when there is no device and
 * WgslLimitError when the program does not fit it; the CLI turns those into PNN5030 / PNN5031.
 */
import type { Graph } from "../../ir/graph.js";
import { webgpuDevice, type WebGpuOptions } from "../../../runtime/webgpu/device.js";
import { webgpuExecutable, type WebGpuExecutable } from "../../../runtime/webgpu/executable.js";
import { compileToWgsl } from "./index.js";

export async function compileWebGpu(graph: Graph, opts: WebGpuOptions = {}): Promise<WebGpuExecutable> {
  const device = await webgpuDevice(opts);
  const program = compileToWgsl(graph, { maxArenaBytes: Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize) });
  return webgpuExecutable(device, program);
}
