// Shared helpers for the WGSL/WebGPU tests: one WebGPU device on a software Vulkan driver when the
// machine has no GPU (lavapipe when mesa's ICD is installed, else chromium's SwiftShader), the
// stated float32 tolerance and the comparison that applies it.
import * as fs from "node:fs";
import { afterAll, expect } from "vitest";
import type { Tensor } from "../../runtime/backend.js";
import { adapterName, releaseWebGpu, SOFTWARE_VULKAN_ICDS, webgpuContext } from "../../runtime/webgpu/device.js";

/** The parity tolerance for f32 backends: |gpu − ref| ≤ RTOL · max(1, max|ref|) per tensor. */
export const RTOL = 1e-4;

/**
 * The device for the tests, or null (with a loud warning naming what is missing). The Vulkan
 * loader's own choice first (a GPU, or lavapipe when mesa's ICD is installed); when that gives no
 * adapter and VK_ICD_FILENAMES is unset, chromium's SwiftShader.
 */
export async function testDevice(file: string): Promise<Awaited<ReturnType<typeof webgpuContext>> | null> {
  let first: Error | undefined;
  try {
    const ctx = await webgpuContext();
    afterAll(() => releaseWebGpu());
    return ctx;
  } catch (e) {
    first = e as Error;
  }
  const swiftshader = SOFTWARE_VULKAN_ICDS.find((d) => d.name.startsWith("SwiftShader"))!;
  if (!process.env.VK_ICD_FILENAMES && fs.existsSync(swiftshader.icd)) {
    await releaseWebGpu();
    process.env.VK_ICD_FILENAMES = swiftshader.icd;
    try {
      const ctx = await webgpuContext();
      afterAll(() => releaseWebGpu());
      return ctx;
    } catch (e) {
      first = e as Error;
    }
  }
  console.warn(`${file}: SKIPPED — no WebGPU device: ${first.message}`);
  return null;
}

export const describeAdapter = (ctx: NonNullable<Awaited<ReturnType<typeof testDevice>>>): string => `${adapterName(ctx.adapter)} via ${ctx.where}`;

/** |got − want| ≤ rtol · max(1, max|want|) elementwise (NaN matches NaN). */
export function expectClose(got: Tensor, want: Tensor, what: string, rtol = RTOL): void {
  expect(got.shape, `${what} shape`).toEqual(want.shape);
  expect(got.data.length, `${what} length`).toBe(want.data.length);
  let scale = 1;
  for (let i = 0; i < want.data.length; i++) scale = Math.max(scale, Math.abs(want.data[i]!));
  for (let i = 0; i < want.data.length; i++) {
    const a = got.data[i]!, b = want.data[i]!;
    if (Number.isNaN(b) && Number.isNaN(a)) continue;
    if (!(Math.abs(a - b) <= rtol * scale)) throw new Error(`${what}[${i}]: webgpu ${a} vs interpreter ${b} (tolerance ${rtol * scale})`);
  }
}
