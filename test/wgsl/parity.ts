// Program-by-program parity of a loaded .pnn program on WebGPU: every program its rule lowers to
// (the infer pair and the rule's own, from the driver's Program.graphs) compiled to WGSL and run on
// the test device, and on the float64 interpreter, fed identical inputs by their manifest roles
// (test/wasm/parity.ts feedsFor: initial params, one sampled chip, random x/labels, equal
// weights, one key, optimizer state), compared output by output within RTOL (helpers.ts), with
// the same own-scale check for small outputs as the wasm sweep. Compiled kernels are shared by
// every program of the file (one pipeline cache per device).
import { expect } from "vitest";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import { compileToWgsl } from "../../compiler/backends/wgsl/index.js";
import type { Program } from "../../compiler/driver/program.js";
import type { Graph } from "../../compiler/ir/graph.js";
import { manifestOf } from "../../compiler/lower/names.js";
import { initParams, sampleChip } from "../../runtime/init.js";
import type { GpuDevice } from "../../runtime/webgpu/gpu.js";
import { webgpuExecutable } from "../../runtime/webgpu/executable.js";
import { runSync } from "../helpers/program.js";
import { feedsFor, relativeError, type ParityReport } from "../wasm/parity.js";
import { expectClose, RTOL } from "./helpers.js";

/** Every graph of a program by name: inferTwin, inferDevice, then the rule's. */
export function allGraphs(p: Program, batch: number, time = 0): Record<string, Graph> {
  const g = p.graphs(batch, { time });
  return { inferTwin: g.inferTwin, ...(g.inferDevice ? { inferDevice: g.inferDevice } : {}), ...g.rule };
}

export async function gpuProgramParity(device: GpuDevice, p: Program, batch: number, what: string, time = 0, seed = 11): Promise<ParityReport & { dispatches: Record<string, number> }> {
  const spec = p.spec(batch);
  const params = initParams(spec.params, 7);
  const chip = sampleChip(spec.chipVars, 7, 0);
  const relErr: Record<string, Record<string, number>> = {};
  const scale: Record<string, Record<string, number>> = {};
  const dispatches: Record<string, number> = {};
  for (const [name, g] of Object.entries(allGraphs(p, batch, time))) {
    const ref = compileInterp(g);
    const manifest = manifestOf(g);
    const exe = await webgpuExecutable(device, compileToWgsl(g, { manifest }));
    try {
      expect(exe.inputs.map((s) => s.name), `${what} ${name}: inputs`).toEqual(ref.inputs.map((s) => s.name));
      const feeds = feedsFor(ref, manifest, params, chip, spec.classes, seed);
      const want = runSync(ref, feeds);
      const got = await exe.run(feeds);
      dispatches[name] = exe.dispatchCount;
      relErr[name] = {};
      scale[name] = {};
      for (const out of Object.keys(want)) {
        expect(want[out]!.data.every((v) => Number.isFinite(v)), `${what} ${name}: ${out} is finite on the interpreter`).toBe(true);
        expectClose(got[out]!, want[out]!, `${what} ${name}: ${out}`);
        const e = relativeError(got[out]!.data, want[out]!.data);
        let s = 0;
        for (const v of want[out]!.data) s = Math.max(s, Math.abs(v));
        relErr[name]![out] = e;
        scale[name]![out] = s;
        // a Kirchhoff residual is the f32 solve's own rounding (≈ 1e-7 V): backends differ at that
        // level by construction, so it gets expectClose's bound above, not the own-scale one
        const isResidual = manifest.outputs.find((o) => o.name === out)?.role.kind === "residual";
        if (s < 1 && !isResidual) expect(e * s, `${what} ${name}: ${out}: error relative to its own scale ${s.toExponential(2)}`).toBeLessThanOrEqual(RTOL * Math.max(s, 1e-3));
      }
    } finally {
      exe.destroy();
    }
  }
  return { relErr, scale, dispatches };
}
