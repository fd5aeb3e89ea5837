// Every learning rule's programs on one small network each, wasm vs the float64 interpreter,
// output by output within the f32 tolerance of helpers.ts: the feed-forward rules (backprop,
// physics_aware, hardware_aware, both alignment rules and DFA's optical projection, the
// zeroth-order query, in_situ_adjoint's field and probe-gradient outputs, readout_only's
// features, local's pair/surrogate) on a small digital + MZI-mesh hybrid (as test/rules), the
// same on a mesh with the full device model (phase DAC, crosstalk, coupler error), and
// hardware_aware and physics_aware on a small PCM crossbar net, and equilibrium propagation with
// a long (100-step) free relaxation.
import { describe, expect, it } from "vitest";
import { load } from "../rules/helpers.js";
import { programParity, summarize } from "./parity.js";

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

/** Each rule, and the program names its lowering must produce besides inferTwin/inferDevice. */
const FEED_FORWARD: [string, string[]][] = [
  ["backprop", ["train"]],
  ["physics_aware", ["train"]],
  ["hardware_aware", ["train"]],
  ["feedback_alignment", ["train"]],
  ["direct_feedback_alignment", ["train"]],
  ["direct_feedback_alignment(projection: optical)", ["train"]],
  ["spsa", ["query"]],
  ["finite_difference", ["query"]],
  ["evolution_strategies", ["query"]],
  ["in_situ_adjoint", ["train"]],
  ["readout_only", ["features"]],
  ["local", ["train"]],
];

async function check(source: string, what: string, programs: string[], rtol?: Record<string, number>): Promise<void> {
  const r = await programParity(load(source), 4, what, rtol);
  expect(Object.keys(r.relErr).sort()).toEqual(["inferDevice", "inferTwin", ...programs].sort());
  console.log(summarize(what, r));
}

describe("every rule's programs on wasm match the interpreter", () => {
  for (const [rule, programs] of FEED_FORWARD) {
    it(`${rule} on the hybrid mesh network`, () => check(hybrid(rule), rule, programs));
  }
  for (const rule of ["physics_aware", "in_situ_adjoint", "spsa", "local"])
    it(`${rule} on a mesh with the full device model (DAC, crosstalk, coupler error)`, () => check(hybrid(rule, DEVICE_MESH), `${rule} (device mesh)`, programs(rule)));

  // hardware_aware draws the crossbar's programming noise inside the train step (Philox in wasm)
  for (const rule of ["hardware_aware", "physics_aware"])
    it(`${rule} on a small PCM crossbar network (DAC/ADC, weight and read noise)`, () => check(crossbar(rule), `${rule} (crossbar)`, ["train"]));

  it("equilibrium_propagation with a 100-step free relaxation (one-sided nudging)", async () => {
    const src = `import circuits from "std/circuits"

network Hop {
  input x: real[2]
  nodes h: real[16]
  output y: real[2]
  couple x <-> h via circuits.synapse
  couple h <-> y via circuits.synapse(scale: 0.5)
}

train Hop on xor(n: 40) {
  rule = equilibrium_propagation(beta: 0.3, free_steps: 100, nudged_steps: 10, step: 0.3)
  loss = mse
  optimizer = adam(lr: 0.02)
  epochs = 1
  batch = 4
  seed = 1
}
`;
    const r = await programParity(load(src), 4, "ep-100");
    expect(Object.keys(r.relErr).sort()).toEqual(["inferTwin", "step"]);
    console.log(summarize("ep-100", r));
  });
});

function programs(rule: string): string[] {
  return FEED_FORWARD.find(([r]) => r === rule)![1];
}
