/**
 * `std/optics`: integrated photonics, each element one definition (signature + lowering).
 * Conventions (docs/physics-optics.md): fields are complex amplitudes c64 [B, N], intensity |E|²;
 * an MZI is T(θ, φ) = ½[[e^{iφ}(e^{iθ}−1), i e^{iφ}(1+e^{iθ})], [i(e^{iθ}+1), 1−e^{iθ}]]
 * (neuroptica); a Clements mesh of N modes has N(N−1)/2 MZIs in N columns and N(N−1) phases
 * ordered column by column, (θ, φ) per MZI. The mesh physics (device model, programming by
 * decomposition) lives in compiler/lower/layers/optics-mesh.ts, detectors in layers/optics.ts.
 *   Saturable absorber: E·exp(−α₀ / (2(1 + |E|²/I_sat))) (intensity transmission exp(−α(I))).
 *   SHG-like: E_out = η E². Electro-optic: V = gain·|E|² + bias, E_out = E·cos(π V / 2V_π).
 *   Kerr: E_out = E·exp(i·φ_NL·|E|²) (self-phase modulation).
 * Twin = ideal; the device adds the DAC/ADC, detector noise and the mesh non-idealities.
 */
import type { GraphBuilder, Node } from "../compiler/ir/graph.js";
import type { LowerCtx } from "../compiler/lower/context.js";
import { adc, detectorNoise } from "../compiler/lower/layers/optics.js";
import { lowerMziMesh, lowerProgrammedMatrix, lowerProgrammedMesh, type MeshOptions } from "../compiler/lower/layers/optics-mesh.js";
import { readProgrammedMatrix, unitaryProgram, weightsProgram } from "../compiler/optics/program.js";
import { ANGLE, DECIBEL, DIMENSIONLESS, VOLTAGE } from "../compiler/units.js";
import { defineLayer, type ElementArgs, type LayerDef } from "./element.js";
import { choice, file, optInt, optReal, quantity, real, schema, tensor, type Values } from "./schema.js";
import { showType, type OwnedDeviceVar, type TensorType } from "./types.js";

const isVector = (t: TensorType) => t.shape.length === 1;

function toComplex(b: GraphBuilder, x: Node): Node {
  return b.complex(x, b.scalar(0, x.dtype === "f64" ? "f64" : "f32"));
}

const dacBits = () => optInt("DAC resolution (device only)", { min: 1, max: 24, device: true });

export const amplitude_encode = defineLayer({
  module: "optics",
  name: "amplitude_encode",
  transducer: true,
  doc: "Writes real features into optical amplitudes E = x (one feature per mode), through a DAC of `bits` (clip to [0, 1] then 2^bits levels) when given. Negative inputs are clipped at 0 by the modulator only when bits is set.",
  input: "real",
  args: schema({ bits: dacBits() }),
  capabilities: ["differentiable", "physical", "measurable"],
  infer: (input) => (isVector(input) ? { dtype: "complex", shape: input.shape } : { error: `amplitude_encode expects real[n], got ${showType(input)}` }),
  lower: (ctx, x, a) => toComplex(ctx.b, ctx.device && a.values.bits ? ctx.b.quantize(x, a.values.bits, 0, 1) : x),
});

export const phase_encode = defineLayer({
  module: "optics",
  name: "phase_encode",
  transducer: true,
  doc: "Writes real features into optical phases E = e^{i·scale·x} (unit amplitude per mode).",
  input: "real",
  args: schema({ scale: quantity(ANGLE, "phase per unit input", { default: Math.PI }), bits: dacBits() }),
  capabilities: ["differentiable", "physical", "measurable"],
  infer: (input) => (isVector(input) ? { dtype: "complex", shape: input.shape } : { error: `phase_encode expects real[n], got ${showType(input)}` }),
  lower(ctx, x, a) {
    const v = ctx.device && a.values.bits ? ctx.b.quantize(x, a.values.bits, 0, 1) : x;
    return ctx.b.expi(ctx.b.mul(v, ctx.b.scalar(a.values.scale, "f32")));
  },
});

/** The layout and device model every mesh element shares. */
const MESH_ARGS = {
  topology: choice(["clements", "reck"] as const, "mesh layout", { default: "clements" }),
  loss: quantity(DECIBEL, "insertion loss per MZI", { default: 0, min: 0, per: "mzi" }),
  splitter_error: quantity(ANGLE, "std of the couplers' angle error around π/4 (sampled per chip, two couplers per MZI)", { default: 0, min: 0, max: Math.PI / 4 }),
  crosstalk: real("thermal crosstalk κ to neighbouring phase shifters", { default: 0, min: 0, max: 1, device: true }),
  phase_bits: optInt("phase DAC resolution over [0, 2π) (device only; straight-through gradient)", { min: 1, max: 24, device: true }),
};
type MeshValues = Values<typeof MESH_ARGS>;

/** The mesh's nominal options (topology, loss) and, on the device, its non-idealities. */
function meshOptions(ctx: LowerCtx, v: MeshValues, tensors: ElementArgs<typeof MESH_ARGS>["tensors"]): MeshOptions {
  const base = { topology: v.topology, lossDb: v.loss, ...(ctx.meshForm ? { form: ctx.meshForm } : {}) };
  if (!ctx.device) return base;
  const splitter = tensors.splitter_error;
  return { ...base, crosstalk: v.crosstalk, ...(v.phase_bits ? { phaseBits: v.phase_bits } : {}), ...(splitter && splitter.shape.length > 0 ? { splitterError: splitter } : {}) };
}

/** Per-chip coupler errors (δ₁, δ₂ per MZI, laid out like the phases) for `meshes` meshes of N modes. */
function splitterVars(n: number, sigma: number, meshes = 1): OwnedDeviceVar[] {
  if (!(sigma > 0)) return [];
  return [{ name: "splitter_error", type: { dtype: "real", shape: [meshes * n * (n - 1)] }, dist: { kind: "normal", mean: 0, std: sigma, dim: ANGLE }, perShot: false }];
}

export const mzi_mesh = defineLayer({
  module: "optics",
  name: "mzi_mesh",
  doc: "A mesh of N(N−1)/2 Mach–Zehnder interferometers on N modes (Clements et al., Optica 3, 1460 (2016): rectangular, depth N; or Reck: triangular). Each MZI T(θ, φ) = ½[[e^{iφ}(e^{iθ}−1), i e^{iφ}(1+e^{iθ})], [i(e^{iθ}+1), 1−e^{iθ}]]; unitary when lossless. Device model: insertion loss per MZI (amplitude × 10^(−dB/20)), beam-splitter ratio error, thermal crosstalk, phase quantization.",
  input: "complex",
  args: schema({ phases: tensor("real", "the N(N−1) phases (θ, φ per MZI); owned by the instance when omitted", { dim: ANGLE, optional: true }), ...MESH_ARGS }),
  capabilities: ["differentiable", "linear", "reciprocal", "unitary", "physical", "measurable"],
  extensions: { phaseShifters: { phases: "phases" } },
  infer(input, _a, tensors) {
    if (!isVector(input)) return { error: `mzi_mesh expects complex[n], got ${showType(input)}` };
    const n = input.shape[0];
    if (n < 2) return { error: `mzi_mesh needs at least 2 modes, got ${n}` };
    const p = tensors.phases;
    if (p && (p.shape.length !== 1 || p.shape[0] !== n * (n - 1)))
      return { error: `mzi_mesh on ${n} modes expects phases real[${n * (n - 1)}] (N(N−1)), got ${showType(p)}`, arg: "phases" };
    return input;
  },
  params(input, _a, tensors) {
    if (tensors.phases) return [];
    const n = input.shape[0];
    return [{ name: "phases", type: { dtype: "real", shape: [n * (n - 1)] }, init: { kind: "uniform", lo: 0, hi: 2 * Math.PI, dim: ANGLE } }];
  },
  deviceVars: (input, a) => splitterVars(input.shape[0], a.splitter_error),
  lower(ctx, x, a) {
    const phases = a.tensors.phases ?? a.owned.phases;
    const probe = ctx.hooks?.mesh?.(ctx, phases);
    return lowerMziMesh(ctx.b, x, phases, { ...meshOptions(ctx, a.values, a.tensors), ...(probe ? { probe } : {}) });
  },
});

/** `unitary` and `weights`: a fixed matrix read from a CSV file, programmed onto meshes at compile time. */
function programmedInfer(kind: "unitary" | "weights") {
  return (input: TensorType, a: { readonly matrix: string }) => {
    if (!isVector(input)) return { error: `${kind} expects complex[n], got ${showType(input)}` };
    const read = readProgrammedMatrix(a.matrix, kind);
    if (!read.ok) return { error: read.message, arg: "matrix", code: read.code };
    if (read.matrix.n !== input.shape[0]) return { error: `the matrix is ${read.matrix.n}×${read.matrix.n} but the input has ${input.shape[0]} modes`, arg: "matrix" };
    return input;
  };
}

export const unitary = defineLayer({
  module: "optics",
  name: "unitary",
  doc: "A fixed unitary U (N×N, read from a CSV file: one row per line, entries like 0.5 or 0.7+0.1j) programmed onto an MZI mesh at compile time by the Clements (or Reck) decomposition (Clements et al., Optica 3, 1460 (2016)): an input phase screen, then the mesh. y = U x on the twin; the device applies the mesh's non-idealities to the programmed phases.",
  input: "complex",
  args: schema({ matrix: file("CSV file with the N×N unitary (relative to this file)"), ...MESH_ARGS }),
  capabilities: ["differentiable", "linear", "reciprocal", "unitary", "physical", "measurable"],
  infer: programmedInfer("unitary"),
  deviceVars: (input, a) => splitterVars(input.shape[0], a.splitter_error),
  lower(ctx, x, a) {
    const opts = meshOptions(ctx, a.values, a.tensors);
    return lowerProgrammedMesh(ctx.b, x, unitaryProgram(a.values.matrix, a.values.topology), opts);
  },
});

export const weights = defineLayer({
  module: "optics",
  name: "weights",
  doc: "A fixed weight matrix W (N×N, real or complex, from a CSV file) programmed onto two MZI meshes by its SVD W = U Σ V†: a V† mesh, per-mode attenuators σᵢ/σ_max, a U mesh, then the digital gain σ_max. y = W x on the twin. Programs a digitally trained matrix onto photonic hardware.",
  input: "complex",
  args: schema({ matrix: file("CSV file with the N×N weight matrix (relative to this file)"), ...MESH_ARGS }),
  capabilities: ["differentiable", "linear", "physical", "measurable"],
  infer: programmedInfer("weights"),
  deviceVars: (input, a) => splitterVars(input.shape[0], a.splitter_error, 2),
  lower(ctx, x, a) {
    const opts = meshOptions(ctx, a.values, a.tensors);
    return lowerProgrammedMatrix(ctx.b, x, weightsProgram(a.values.matrix, a.values.topology), opts);
  },
});

export const saturable_absorber = defineLayer({
  module: "optics",
  name: "saturable_absorber",
  doc: "Saturable absorption: field transmission E_out = E · exp(−α(I)/2), α(I) = α₀ / (1 + I/I_sat), I = |E|², α₀ = optical_depth. Strong light is absorbed less: an all-optical nonlinearity.",
  input: "complex",
  args: schema({
    optical_depth: real("α₀·L (unsaturated optical depth)", { default: 1, min: 0 }),
    i_sat: real("saturation intensity (relative)", { default: 1, min: 0, exclusiveMin: true }),
  }),
  capabilities: ["differentiable", "physical", "measurable"],
  infer: (input) => input,
  lower({ b }, x, a) {
    // amplitude factor exp(−α₀ / (2(1 + I/I_sat)))
    const denom = b.add(b.scalar(1, "f32"), b.div(b.abs2(x), b.scalar(a.values.i_sat, "f32")));
    return b.mul(x, toComplex(b, b.exp(b.div(b.scalar(-a.values.optical_depth / 2, "f32"), denom))));
  },
});

export const shg = defineLayer({
  module: "optics",
  name: "shg",
  doc: "Second-harmonic-generation-like quadratic response E_out = η E² (intensity ∝ I²).",
  input: "complex",
  args: schema({ efficiency: real("η", { default: 1, min: 0 }) }),
  capabilities: ["differentiable", "physical", "measurable"],
  infer: (input) => input,
  lower: ({ b }, x, a) => b.mul(b.mul(x, x), b.scalar([a.values.efficiency, 0], "c64")),
});

export const electro_optic = defineLayer({
  module: "optics",
  name: "electro_optic",
  doc: "Electro-optic activation (Williamson et al., IEEE JSTQE 26, 7700412 (2020)): a detector turns the intensity into a voltage V = gain·|E|² + bias, which drives a Mach–Zehnder modulator on the same field with phase difference Δφ = πV/V_π. Driven on one arm (`arm: single`, the paper's) E_out = E·e^{−iΔφ/2}·cos(Δφ/2): the transmission cos²(Δφ/2) comes with the phase −Δφ/2; driven push-pull (`arm: push_pull`) E_out = E·cos(Δφ/2), chirp-free.",
  input: "complex",
  args: schema({
    v_pi: quantity(VOLTAGE, "half-wave voltage V_π", { default: 1, min: 0, exclusiveMin: true }),
    gain: quantity(VOLTAGE, "detector gain: volts per unit detected intensity |E|²", { default: 1 }),
    bias: quantity(VOLTAGE, "DC bias voltage added to the detector voltage", { default: 0 }),
    arm: choice(["single", "push_pull"], "single: the phase on one arm (E·e^{−iΔφ/2}cos(Δφ/2)); push_pull: ±Δφ/2 on both arms (E·cos(Δφ/2))", { default: "single" }),
  }),
  capabilities: ["differentiable", "physical", "measurable"],
  infer: (input) => input,
  lower({ b }, x, a) {
    const v = b.add(b.mul(b.abs2(x), b.scalar(a.values.gain, "f32")), b.scalar(a.values.bias, "f32"));
    const half = b.mul(v, b.scalar(Math.PI / (2 * a.values.v_pi), "f32")); // Δφ/2
    const transmission = toComplex(b, b.cos(half));
    if (a.values.arm === "push_pull") return b.mul(x, transmission);
    return b.mul(x, b.mul(transmission, b.expi(b.neg(half))));
  },
});

export const kerr = defineLayer({
  module: "optics",
  name: "kerr",
  doc: "Optical Kerr nonlinearity (self-phase modulation) in a waveguide of length L: the refractive index rises with intensity, n = n₀ + n₂I, so the field picks up a phase proportional to its own intensity, E_out = E·exp(i·φ_NL·|E|²), with φ_NL = k₀n₂L the nonlinear phase at unit intensity (Boyd, Nonlinear Optics, §4.1). Power-preserving (|E_out| = |E|) but not linear. Device model: the waveguide's φ_NL varies from chip to chip by the relative spread `variation` (fabrication: length, confinement).",
  input: "complex",
  args: schema({
    phase: quantity(ANGLE, "nonlinear phase φ_NL at unit intensity", { default: 1, min: 0 }),
    variation: real("relative per-chip spread of φ_NL (device model)", { default: 0, min: 0, max: 1 }),
  }),
  capabilities: ["differentiable", "physical", "measurable"],
  infer: (input) => (isVector(input) ? input : { error: `kerr expects complex[n], got ${showType(input)}` }),
  deviceVars: (input, a) => (a.variation > 0 ? [{ name: "phase_error", type: { dtype: "real", shape: input.shape }, dist: { kind: "normal", mean: 0, std: a.variation, dim: DIMENSIONLESS }, perShot: false }] : []),
  lower(ctx, x, a) {
    const { b } = ctx;
    // φ per mode: φ_NL on the twin, φ_NL·(1 + δ) on the device (δ the chip's relative error)
    const error = a.tensors.phase_error;
    const phi = ctx.device && error && error.shape.length > 0 ? b.mul(b.scalar(a.values.phase, "f32"), b.add(b.scalar(1, "f32"), error)) : b.scalar(a.values.phase, "f32");
    return b.mul(x, b.expi(b.mul(b.abs2(x), phi)));
  },
});

export const photodetect = defineLayer({
  module: "optics",
  name: "photodetect",
  transducer: true,
  doc: "Square-law detection I = |E|² per mode. Device model: shot noise from a photon budget n (counts n·I ~ Poisson, Gaussian approximation: σ = √(I/n)), additive thermal noise σ_th·N(0, 1), and an ADC that clips to [0, adc_range] and rounds to 2^adc_bits levels.",
  input: "complex",
  args: schema({
    adc_bits: optInt("ADC resolution", { min: 1, max: 24, device: true }),
    adc_range: real("ADC full scale (relative intensity)", { default: 1, min: 0, exclusiveMin: true }),
    photons: optReal("photons per unit intensity (shot noise on the device)", { min: 0, exclusiveMin: true, device: true }),
    noise: real("std of additive thermal/readout noise per shot", { default: 0, min: 0, device: true }),
  }),
  capabilities: ["differentiable", "physical", "measurable"],
  infer: (input) => ({ dtype: "real", shape: input.shape }),
  lower(ctx, x, a) {
    const intensity = ctx.b.abs2(x);
    if (!ctx.device) return intensity;
    return adc(ctx, detectorNoise(ctx, intensity, a.values), a.values.adc_bits, a.values.adc_range);
  },
});

export const OPTICS: readonly LayerDef[] = [amplitude_encode, phase_encode, mzi_mesh, unitary, weights, saturable_absorber, shg, electro_optic, kerr, photodetect];
