// Every kernel the WGSL backend emits for every example's programs, validated by Dawn's WGSL
// compiler (Tint) and pipeline validation on Dawn's null backend, which needs no GPU and no
// Vulkan driver: shader modules without error messages, every pipeline created. And the error a
// user gets without a driver: WebGpuUnavailableError naming what is missing, never a crash.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { compileToWgsl } from "../../compiler/backends/wgsl/index.js";
import { loadProgram } from "../helpers/program.js";
import { allGraphs } from "./parity.js";
import { kernelModule, PARAM_BYTES } from "../../runtime/webgpu/program.js";
import type { Gpu, GpuDevice } from "../../runtime/webgpu/gpu.js";
import { ensureBuilt, REPO } from "../train/helpers.js";

const EXAMPLES = fs.readdirSync(path.join(REPO, "examples")).filter((f) => f.endsWith(".pnn")).sort();

async function nullDevice(): Promise<GpuDevice | null> {
  try {
    const pkg = "webgpu";
    const { create } = (await import(pkg)) as { create(o: string[]): Gpu };
    const gpu = create(["backend=null"]);
    (globalThis as Record<string, unknown>).__pnnDawnNull = gpu;
    const adapter = await gpu.requestAdapter();
    return adapter ? await adapter.requestDevice() : null;
  } catch (e) {
    console.warn(`test/wgsl/validate.test.ts: SKIPPED — Dawn's null backend is unavailable: ${(e as Error).message}`);
    return null;
  }
}

const device = await nullDevice();

describe.skipIf(!device)("every emitted kernel validates on Dawn's null backend", () => {
  it("all kernels of all examples' programs", async () => {
    const d = device!;
    const layout = d.createBindGroupLayout({
      entries: [
        { binding: 0, visibility: 4, buffer: { type: "storage" } },
        { binding: 1, visibility: 4, buffer: { type: "uniform", hasDynamicOffset: true, minBindingSize: PARAM_BYTES } },
      ],
    });
    const pl = d.createPipelineLayout({ bindGroupLayouts: [layout] });
    const seen = new Set<string>();
    for (const file of EXAMPLES) {
      for (const g of Object.values(allGraphs(loadProgram(path.join(REPO, "examples", file)), 4))) {
        const prog = compileToWgsl(g);
        for (let k = 0; k < prog.kernels.length; k++) {
          const code = kernelModule(prog, k);
          if (seen.has(code)) continue;
          seen.add(code);
          const module = d.createShaderModule({ code });
          const info = await module.getCompilationInfo();
          expect(info.messages.filter((m) => m.type === "error").map((m) => `${m.lineNum}:${m.linePos} ${m.message}`), `${file}: ${prog.kernels[k]!.label}`).toEqual([]);
          d.pushErrorScope("validation");
          await d.createComputePipelineAsync({ layout: pl, compute: { module, entryPoint: "main" } });
          expect(await d.popErrorScope(), `${file}: ${prog.kernels[k]!.label}`).toBeNull();
        }
      }
    }
    console.log(`test/wgsl/validate.test.ts: ${seen.size} distinct kernels validated`);
    expect(seen.size).toBeGreaterThan(30);
    d.destroy();
    delete (globalThis as Record<string, unknown>).__pnnDawnNull;
  }, 120_000);
});

describe("without a GPU driver", () => {
  it("webgpuDevice() rejects with WebGpuUnavailableError naming the missing driver; the process exits cleanly", () => {
    ensureBuilt();
    const script = `import("${path.join(REPO, "dist/runtime/webgpu/device.js")}").then(async (m) => {
      try { await m.webgpuDevice(); console.log("GOT A DEVICE"); }
      catch (e) { console.log(e.name + ": " + e.message); }
      await m.releaseWebGpu();
    });`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", env: { ...process.env, VK_ICD_FILENAMES: "/nonexistent/icd.json" }, timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("WebGpuUnavailableError: no WebGPU adapter: Dawn found no usable GPU driver");
    expect(r.stdout).toContain("VK_ICD_FILENAMES");
  });
});
