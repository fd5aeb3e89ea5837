// Resident training on WebGPU: a fused train program (forward, backward and the Adam update,
// compiler/lower/optimizer.ts) stepped with WebGpuExecutable.step(), which uploads the parameters
// and optimizer state once and afterwards keeps them on the device (the carried `new:` outputs
// are copied onto their inputs inside the arena). Three steps must give the parameters and state
// the interpreter gives when the host copies new values back after every step — and they must
// not depend on what the host passes for carried inputs after the first step (nothing is
// uploaded again). Also: load() replaces resident values, fetch() reads them without running.
import { describe, expect, it } from "vitest";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import { compileToWgsl } from "../../compiler/backends/wgsl/index.js";
import { manifestOf } from "../../compiler/lower/names.js";
import type { Tensor } from "../../runtime/backend.js";
import { initParams, sampleChip } from "../../runtime/init.js";
import { webgpuExecutable } from "../../runtime/webgpu/executable.js";
import { runSync } from "../helpers/program.js";
import { load } from "../rules/helpers.js";
import { feedsFor } from "../wasm/parity.js";
import { expectClose, testDevice } from "./helpers.js";

const gpu = await testDevice("test/wgsl/resident.test.ts");

const SOURCE = `import optics from "std/optics"

layer Mesh(n: int) {
  param phases: real[n * (n - 1)] init uniform(0, 2 * pi)
  device e: real[n * (n - 1)] ~ normal(0 rad, 0.05 rad)
  forward(x: complex[n]) -> complex[n] = optics.mzi_mesh(x, phases + e, topology: clements)
}

network Hybrid {
  input x: real[4]
  out = x |> dense(4) |> optics.amplitude_encode |> Mesh(n: 4) |> optics.photodetect(noise: 0.01)
  output y = dense(out, 3)
}

train Hybrid on iris() {
  rule = physics_aware
  loss = cross_entropy
  optimizer = adam(lr: 0.05)
  epochs = 1
  batch = 8
  seed = 1
}
`;

describe.skipIf(!gpu)("resident parameters and optimizer state", () => {
  it("three fused Adam steps on the device equal the interpreter's with host copies", async () => {
    const p = load(SOURCE);
    const spec = p.spec(8);
    const g = p.graphs(8).rule.train!;
    const ref = compileInterp(g);
    const exe = await webgpuExecutable(gpu!.device, compileToWgsl(g));
    expect([...exe.carried.keys()].sort()).toEqual(exe.outputs.filter((o) => o.name.startsWith("new:")).map((o) => o.name.slice(4)).sort());
    expect(exe.carried.size).toBeGreaterThan(spec.params.length); // params and Adam's m, v
    const feeds = feedsFor(ref, manifestOf(g), initParams(spec.params, 7), sampleChip(spec.chipVars, 7, 0), spec.classes, 11);
    const state: Record<string, Tensor> = { ...feeds };
    const garbage = (t: Tensor): Tensor => ({ ...t, data: new Float64Array(t.data.length).fill(1e6) });
    for (let step = 1; step <= 3; step++) {
      const c1 = 1 - 0.9 ** step, c2 = 1 - 0.999 ** step;
      const scalars = { "opt:c1": c1, "opt:c2": c2 };
      for (const [k, v] of Object.entries(scalars)) state[k] = { dtype: "f32", shape: [], data: Float64Array.of(v) };
      state.key = { dtype: "i32", shape: [4], data: Int32Array.from([1, 0, step, 0]) };
      const want = runSync(ref, state);
      // after the first step, carried inputs given by the host must be ignored
      const given: Record<string, Tensor> = {};
      for (const [k, v] of Object.entries(state)) given[k] = step > 1 && exe.carried.has(k) ? garbage(v) : v;
      const got = await exe.step(given, ["loss"]);
      expectClose(got.loss!, want.loss!, `step ${step}: loss`);
      for (const [input, output] of exe.carried) state[input] = want[output]!;
    }
    const resident = await exe.fetch([...exe.carried.keys()]);
    for (const name of exe.carried.keys()) expectClose(resident[name]!, state[name]!, `after 3 steps: ${name}`);
    // load() puts host values back; fetch() does not run anything
    const first = [...exe.carried.keys()][0]!;
    await exe.load({ [first]: feeds[first]! });
    expectClose((await exe.fetch([first]))[first]!, feeds[first]!, `${first} after load()`);
    exe.destroy();
  });
});
