/**
 * Getting a WebGPU device: `navigator.gpu` in a browser; in Node the `webgpu` npm package (Dawn),
 * loaded lazily so nothing else in the runtime needs it. One device per process, shared by every
 * executable; `releaseWebGpu()` destroys it and drops Dawn so the process can exit.
 *
 * Dawn's object from `create()` must stay referenced while any device lives (if it is garbage
 * collected the process crashes), so it is kept on globalThis until released. When WebGPU is not
 * there, the error says which piece is missing (the package, a driver, an adapter), never a
 * crash: WebGpuUnavailableError, which the CLI reports as PNN5030.
 */
import type { Gpu, GpuAdapter, GpuDevice } from "./gpu.js";

export class WebGpuUnavailableError extends Error {
  override readonly name = "WebGpuUnavailableError";
}

/** The software Vulkan drivers the project knows (docs/webgpu.md): where their ICD files live. */
export const SOFTWARE_VULKAN_ICDS: readonly { readonly name: string; readonly icd: string }[] = [
  { name: "lavapipe (mesa)", icd: "/usr/share/vulkan/icd.d/lvp_icd.json" },
  { name: "SwiftShader (chromium)", icd: "/usr/lib/chromium/vk_swiftshader_icd.json" },
];

const KEEP = "__pnnDawn";
let device: Promise<{ device: GpuDevice; adapter: GpuAdapter; where: string }> | undefined;

export interface WebGpuOptions {
  /** Node only: options for Dawn's create() (e.g. "backend=null" to validate without running). */
  readonly dawn?: readonly string[];
}

const NO_ADAPTER_NODE =
  "no WebGPU adapter: Dawn found no usable GPU driver. Install the GPU's Vulkan driver and libvulkan1, or a software driver: " +
  "Debian's mesa-vulkan-drivers from bookworm-backports (lavapipe, mesa ≥ 25) or chromium's SwiftShader " +
  "(VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json); see docs/webgpu.md";

async function acquire(opts: WebGpuOptions): Promise<{ device: GpuDevice; adapter: GpuAdapter; where: string }> {
  const nav = (globalThis as { navigator?: { gpu?: Gpu } }).navigator;
  let gpu: Gpu;
  let where: string;
  const isNode = typeof process !== "undefined" && !!process.versions?.node;
  if (nav?.gpu && !isNode) {
    gpu = nav.gpu;
    where = "navigator.gpu";
  } else if (isNode) {
    const pkg = "webgpu";
    let mod: { create(options: string[]): Gpu };
    try {
      mod = (await import(pkg)) as typeof mod;
    } catch (e) {
      throw new WebGpuUnavailableError(`the 'webgpu' npm package (Dawn for Node) could not be loaded (${(e as Error).message.split("\n")[0]}); install it with npm install --save-exact webgpu@0.6.2`);
    }
    gpu = mod.create([...(opts.dawn ?? [])]);
    (globalThis as Record<string, unknown>)[KEEP] = gpu;
    where = `Dawn (webgpu npm package)${process.env.VK_ICD_FILENAMES ? `, VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES}` : ""}`;
  } else {
    throw new WebGpuUnavailableError("this JavaScript environment has no WebGPU: navigator.gpu is undefined (use a browser with WebGPU enabled, or Node with the 'webgpu' package)");
  }
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) throw new WebGpuUnavailableError(isNode ? NO_ADAPTER_NODE : "navigator.gpu.requestAdapter() found no adapter (WebGPU is disabled or the GPU is blocklisted)");
  const l = adapter.limits;
  const dev = await adapter.requestDevice({
    requiredLimits: { maxStorageBufferBindingSize: l.maxStorageBufferBindingSize, maxBufferSize: l.maxBufferSize },
  });
  return { device: dev, adapter, where };
}

/** The process's WebGPU device (created on first use). Throws WebGpuUnavailableError when there is none. */
export async function webgpuDevice(opts: WebGpuOptions = {}): Promise<GpuDevice> {
  return (await webgpuContext(opts)).device;
}

/** The device with its adapter and a line saying where it came from (for reports and benchmarks). */
export function webgpuContext(opts: WebGpuOptions = {}): Promise<{ device: GpuDevice; adapter: GpuAdapter; where: string }> {
  if (!device) {
    device = acquire(opts);
    device.catch(() => { device = undefined; });
  }
  return device;
}

/** One line naming the adapter (vendor, architecture, description), e.g. for benchmark records. */
export function adapterName(a: GpuAdapter): string {
  const i = a.info ?? {};
  return [i.vendor, i.architecture, i.description].filter((s) => s).join(" / ") || "unknown adapter";
}

/** Destroys the device and drops Dawn, so Node can exit; the next webgpuDevice() starts afresh. */
export async function releaseWebGpu(): Promise<void> {
  const d = device;
  device = undefined;
  if (d) {
    try {
      (await d).device.destroy();
    } catch {
      /* never acquired */
    }
  }
  delete (globalThis as Record<string, unknown>)[KEEP];
}
