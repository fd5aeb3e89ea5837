// Every example's programs and every learning rule's programs on WebGPU vs the float64
// interpreter, output by output within RTOL = 1e-4 (parity.ts): infer twin and device (same chip
// and key), train steps with the fused optimizer update, relaxations, queries, features. Small
// batches keep the software driver fast. Skips loudly when there is no adapter.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { loadProgram } from "../helpers/program.js";
import { load } from "../rules/helpers.js";
import { REPO } from "../train/helpers.js";
import { summarize } from "../wasm/parity.js";
import { testDevice } from "./helpers.js";
import { gpuProgramParity } from "./parity.js";

const gpu = await testDevice("test/wgsl/programs.test.ts");
// a software driver compiles each new kernel on first use (lavapipe: 0.1–1 s, more on a busy
// machine; mesa caches them on disk for later runs): generous per-program limits
const LIMIT = 240_000;
const EXAMPLES = fs.readdirSync(path.join(REPO, "examples")).filter((f) => f.endsWith(".pnn")).sort();

describe.skipIf(!gpu)("every example: every program on webgpu matches the interpreter", () => {
  it("finds the examples", () => expect(EXAMPLES.length).toBeGreaterThanOrEqual(13));
  for (const file of EXAMPLES)
    it(file, async () => {
      const r = await gpuProgramParity(gpu!.device, loadProgram(path.join(REPO, "examples", file)), 2, file);
      console.log(summarize(file, r), "\n  dispatches per run:", JSON.stringify(r.dispatches));
    }, LIMIT);
  it("crossbar_mnist a day after programming (drift)", async () => {
    const r = await gpuProgramParity(gpu!.device, loadProgram(path.join(REPO, "examples", "crossbar_mnist.pnn")), 2, "crossbar_mnist@1d", 86400);
    console.log(summarize("crossbar_mnist@1d", r));
  }, LIMIT);
});

const hybrid = (rule: string, mesh = "phases + e, topology: clements, loss: 0.2 dB") => `import optics from "std/optics"

layer Mesh(n: int) {
  param phases: real[n * (n - 1)] init uniform(0, 2 * pi)
  device e: real[n * (n - 1)] ~ normal(0 rad, 0.05 rad)
  forward(x: complex[n]) -> complex[n] = optics.mzi_mesh(x, ${mesh})
}

network Hybrid {
  input x: real[4]
  out = x |> dense(4) |> optics.amplitude_encode |> Mesh(n: 4) |> optics.photodetect(noise: 0.01)
  output y = dense(out, 3)
}

train Hybrid on iris() {
  rule = ${rule}
  loss = cross_entropy
  optimizer = adam(lr: 0.01)
  epochs = 1
  batch = 8
  seed = 1
}
`;

const crossbar = (rule: string) => `import analog from "std/analog"

network Xbar {
  input x: real[4]
  h = x |> analog.crossbar(6, pcm: true, dac_bits: 8, adc_bits: 8, weight_noise: 0.02, out_noise: 0.02) |> relu
  output y = h |> analog.crossbar(3, pcm: true, dac_bits: 8, adc_bits: 8, out_noise: 0.02)
}

train Xbar on iris() {
  rule = ${rule}
  loss = cross_entropy
  optimizer = adam(lr: 0.01)
  epochs = 1
  batch = 8
  seed = 1
}
`;

const DEVICE_MESH = "phases, topology: reck, loss: 0.1 dB per mzi, splitter_error: 0.03 rad, crosstalk: 0.02, phase_bits: 6";
const RULES = [
  "backprop", "physics_aware", "hardware_aware", "feedback_alignment", "direct_feedback_alignment",
  "direct_feedback_alignment(projection: optical)", "spsa", "finite_difference", "evolution_strategies",
  "in_situ_adjoint", "readout_only", "local",
];

describe.skipIf(!gpu)("every rule's programs on webgpu match the interpreter", () => {
  for (const rule of RULES) it(`${rule} on the hybrid mesh network`, async () => console.log(summarize(rule, await gpuProgramParity(gpu!.device, load(hybrid(rule)), 4, rule))), LIMIT);
  for (const rule of ["physics_aware", "in_situ_adjoint"])
    it(`${rule} on a mesh with the full device model`, async () => console.log(summarize(rule, await gpuProgramParity(gpu!.device, load(hybrid(rule, DEVICE_MESH)), 4, rule))), LIMIT);
  for (const rule of ["hardware_aware", "physics_aware"])
    it(`${rule} on a small PCM crossbar network`, async () => console.log(summarize(rule, await gpuProgramParity(gpu!.device, load(crossbar(rule)), 4, rule))), LIMIT);
});
