// Program-by-program parity of a loaded .pnn program on WebGPU: every program its rule lowers to
// (the infer pair and the rule's own) compiled to WGSL and run on the test device, and on the
// float64 interpreter, fed identical inputs (test/wasm/parity.ts feedsFor: initial params, one
// sampled chip, random x/labels, equal weights, one key, optimizer state), compared output by
// output within RTOL (helpers.ts), with the same own-scale check for small outputs as the wasm
// sweep. Compiled kernels are shared by every program of the file (one pipeline cache per device).
import { expect } from "vitest";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import { compileToWgsl } from "../../compiler/backends/wgsl/index.js";
import { modelSpec } from "../../compiler/lower/lower.js";
import { RULE_LOWERINGS } from "../../compiler/lower/rules/index.js";
import type { LoadedProgram } from "../../cli/compile.js";
import { initParams, sampleChip } from "../../runtime/init.js";
import type { GpuDevice } from "../../runtime/webgpu/gpu.js";
import { webgpuExecutable } from "../../runtime/webgpu/executable.js";
import { feedsFor, relativeError, type ParityReport } from "../wasm/parity.js";
import { expectClose, RTOL } from "./helpers.js";

export async function gpuProgramParity(device: GpuDevice, p: LoadedProgram, batch: number, what: string, time = 0, seed = 11): Promise<ParityReport & { dispatches: Record<string, number> }> {
  const spec = modelSpec(p.net, batch);
  const graphs = RULE_LOWERINGS[p.train.rule.sig.name]!(p.net, p.train, batch, spec.hasDevice, { time });
  const params = initParams(spec.params, 7);
  const chip = sampleChip(spec.chipVars, 7, 0);
  const relErr: Record<string, Record<string, number>> = {};
  const scale: Record<string, Record<string, number>> = {};
  const dispatches: Record<string, number> = {};
  for (const [name, g] of Object.entries(graphs)) {
    if (!g) continue;
    const ref = compileInterp(g);
    const exe = await webgpuExecutable(device, compileToWgsl(g));
    try {
      expect(exe.inputs.map((s) => s.name), `${what} ${name}: inputs`).toEqual(ref.inputs.map((s) => s.name));
      const feeds = feedsFor(ref, params, chip, spec.classes, seed);
      const want = ref.run(feeds);
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
        if (s < 1) expect(e * s, `${what} ${name}: ${out}: error relative to its own scale ${s.toExponential(2)}`).toBeLessThanOrEqual(RTOL * Math.max(s, 1e-3));
      }
    } finally {
      exe.destroy();
    }
  }
  return { relErr, scale, dispatches };
}
