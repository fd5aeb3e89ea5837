/**
 * `std/optics`: integrated photonics. Conventions (see docs/physics-optics.md): fields are
 * complex amplitudes, intensity |E|²; an MZI is T(θ, φ) = ½[[e^{iφ}(e^{iθ}−1), i e^{iφ}(1+e^{iθ})],
 * [i(e^{iθ}+1), 1−e^{iθ}]] (neuroptica); a Clements mesh of N modes has N(N−1)/2 MZIs in N columns
 * and N(N−1) phases ordered column by column, (θ, φ) per MZI.
 */
import { ANGLE, DECIBEL, DIMENSIONLESS } from "../compiler/units.js";
import { readProgrammedMatrix } from "../compiler/optics/program.js";
import { enumValue, int, num, numArg, showType, type ArgSig, type CheckedArgs, type LayerSig, type OwnedDeviceVar, type TensorType } from "./types.js";

const isVector = (t: TensorType) => t.shape.length === 1;

export const amplitude_encode: LayerSig = {
  kind: "layer",
  module: "optics",
  name: "amplitude_encode",
  transducer: true,
  doc: "Writes real features into optical amplitudes E = x (one feature per mode), through a DAC of `bits` (clip to [0, 1] then 2^bits levels) when given. Negative inputs are clipped at 0 by the modulator only when bits is set.",
  input: "real",
  args: [{ name: "bits", type: { kind: "int", min: 1, max: 24 }, default: null, doc: "DAC resolution (device only)" }],
  capabilities: ["differentiable", "physical", "measurable"],
  infer: (input) => (isVector(input) ? { dtype: "complex", shape: input.shape } : { error: `amplitude_encode expects real[n], got ${showType(input)}` }),
};

export const phase_encode: LayerSig = {
  kind: "layer",
  module: "optics",
  name: "phase_encode",
  transducer: true,
  doc: "Writes real features into optical phases E = e^{i·scale·x} (unit amplitude per mode).",
  input: "real",
  args: [
    { name: "scale", type: { kind: "quantity", dim: ANGLE }, default: num(Math.PI, ANGLE), doc: "phase per unit input" },
    { name: "bits", type: { kind: "int", min: 1, max: 24 }, default: null, doc: "DAC resolution (device only)" },
  ],
  capabilities: ["differentiable", "physical", "measurable"],
  infer: (input) => (isVector(input) ? { dtype: "complex", shape: input.shape } : { error: `phase_encode expects real[n], got ${showType(input)}` }),
};

/** The layout and device model every mesh layer shares. */
const MESH_ARGS: ArgSig[] = [
  { name: "topology", type: { kind: "enum", options: ["clements", "reck"] }, default: enumValue("clements"), doc: "mesh layout" },
  { name: "loss", type: { kind: "quantity", dim: DECIBEL, min: 0, per: "mzi" }, default: num(0, DECIBEL, "mzi"), doc: "insertion loss per MZI" },
  { name: "splitter_error", type: { kind: "quantity", dim: ANGLE, min: 0, max: Math.PI / 4 }, default: num(0, ANGLE), doc: "std of the couplers' angle error around π/4 (sampled per chip, two couplers per MZI)" },
  { name: "crosstalk", type: { kind: "quantity", dim: DIMENSIONLESS, min: 0, max: 1 }, default: num(0, DIMENSIONLESS), doc: "thermal crosstalk κ to neighbouring phase shifters" },
  { name: "phase_bits", type: { kind: "int", min: 1, max: 24 }, default: null, doc: "phase DAC resolution over [0, 2π) (device only; straight-through gradient)" },
];

/** Per-chip coupler errors (δ₁, δ₂ per MZI, laid out like the phases) for `meshes` meshes of N modes. */
function splitterVars(n: number, args: CheckedArgs, meshes = 1): OwnedDeviceVar[] {
  const sigma = numArg(args, "splitter_error") ?? 0;
  if (!(sigma > 0)) return [];
  return [{ name: "splitter_error", type: { dtype: "real", shape: [meshes * n * (n - 1)] }, dist: { kind: "normal", mean: 0, std: sigma, dim: ANGLE }, perShot: false }];
}

export const mzi_mesh: LayerSig = {
  kind: "layer",
  module: "optics",
  name: "mzi_mesh",
  doc: "A mesh of N(N−1)/2 Mach–Zehnder interferometers on N modes (Clements et al., Optica 3, 1460 (2016): rectangular, depth N; or Reck: triangular). Each MZI T(θ, φ) = ½[[e^{iφ}(e^{iθ}−1), i e^{iφ}(1+e^{iθ})], [i(e^{iθ}+1), 1−e^{iθ}]]; unitary when lossless. Device model: insertion loss per MZI (amplitude × 10^(−dB/20)), beam-splitter ratio error, thermal crosstalk, phase quantization.",
  input: "complex",
  args: [
    { name: "phases", type: { kind: "tensor", dtype: "real", dim: ANGLE }, default: null, doc: "the N(N−1) phases (θ, φ per MZI); owned by the instance when omitted" },
    ...MESH_ARGS,
  ],
  capabilities: ["differentiable", "linear", "reciprocal", "unitary", "physical", "measurable"],
  infer(input, args) {
    if (!isVector(input)) return { error: `mzi_mesh expects complex[n], got ${showType(input)}` };
    const n = input.shape[0];
    if (n < 2) return { error: `mzi_mesh needs at least 2 modes, got ${n}` };
    const p = args.tensors.phases;
    if (p && (p.shape.length !== 1 || p.shape[0] !== n * (n - 1)))
      return { error: `mzi_mesh on ${n} modes expects phases real[${n * (n - 1)}] (N(N−1)), got ${showType(p)}`, arg: "phases" };
    return input;
  },
  params(input, args) {
    if (args.tensors.phases) return [];
    const n = input.shape[0];
    return [{ name: "phases", type: { dtype: "real", shape: [n * (n - 1)] }, init: { kind: "uniform", lo: 0, hi: 2 * Math.PI, dim: ANGLE } }];
  },
  deviceVars: (input, args) => splitterVars(input.shape[0], args),

};

/** `unitary` and `weights`: a fixed matrix read from a CSV file, programmed onto meshes at compile time. */
function programmedInfer(kind: "unitary" | "weights") {
  return (input: TensorType, args: CheckedArgs) => {
    if (!isVector(input)) return { error: `${kind} expects complex[n], got ${showType(input)}` };
    const read = readProgrammedMatrix(args.consts.matrix, kind);
    if (!read.ok) return { error: read.message, arg: "matrix", code: read.code };
    if (read.matrix.n !== input.shape[0])
      return { error: `the matrix is ${read.matrix.n}×${read.matrix.n} but the input has ${input.shape[0]} modes`, arg: "matrix" };
    return input;
  };
}

export const unitary: LayerSig = {
  kind: "layer",
  module: "optics",
  name: "unitary",
  doc: "A fixed unitary U (N×N, read from a CSV file: one row per line, entries like 0.5 or 0.7+0.1j) programmed onto an MZI mesh at compile time by the Clements (or Reck) decomposition (Clements et al., Optica 3, 1460 (2016)): an input phase screen, then the mesh. y = U x on the twin; the device applies the mesh's non-idealities to the programmed phases.",
  input: "complex",
  args: [{ name: "matrix", type: { kind: "file" }, doc: "CSV file with the N×N unitary (relative to this file)" }, ...MESH_ARGS],
  capabilities: ["differentiable", "linear", "reciprocal", "unitary", "physical", "measurable"],
  infer: programmedInfer("unitary"),
  deviceVars: (input, args) => splitterVars(input.shape[0], args),
};

export const weights: LayerSig = {
  kind: "layer",
  module: "optics",
  name: "weights",
  doc: "A fixed weight matrix W (N×N, real or complex, from a CSV file) programmed onto two MZI meshes by its SVD W = U Σ V†: a V† mesh, per-mode attenuators σᵢ/σ_max, a U mesh, then the digital gain σ_max. y = W x on the twin. Programs a digitally trained matrix onto photonic hardware.",
  input: "complex",
  args: [{ name: "matrix", type: { kind: "file" }, doc: "CSV file with the N×N weight matrix (relative to this file)" }, ...MESH_ARGS],
  capabilities: ["differentiable", "linear", "physical", "measurable"],
  infer: programmedInfer("weights"),
  deviceVars: (input, args) => splitterVars(input.shape[0], args, 2),
};

export const saturable_absorber: LayerSig = {
  kind: "layer",
  module: "optics",
  name: "saturable_absorber",
  doc: "Saturable absorption: field transmission E_out = E · exp(−α(I)/2), α(I) = α₀ / (1 + I/I_sat), I = |E|², α₀ = optical_depth. Strong light is absorbed less: an all-optical nonlinearity.",
  input: "complex",
  args: [
    { name: "optical_depth", type: { kind: "quantity", dim: DIMENSIONLESS, min: 0 }, default: num(1, DIMENSIONLESS), doc: "α₀·L (unsaturated optical depth)" },
    { name: "i_sat", type: { kind: "quantity", dim: DIMENSIONLESS, min: 0, exclusiveMin: true }, default: num(1, DIMENSIONLESS), doc: "saturation intensity (relative)" },
  ],
  capabilities: ["differentiable", "physical", "measurable"],
  infer: (input) => input,
};

export const shg: LayerSig = {
  kind: "layer",
  module: "optics",
  name: "shg",
  doc: "Second-harmonic-generation-like quadratic response E_out = η E² (intensity ∝ I²).",
  input: "complex",
  args: [{ name: "efficiency", type: { kind: "quantity", dim: DIMENSIONLESS, min: 0 }, default: num(1, DIMENSIONLESS), doc: "η" }],
  capabilities: ["differentiable", "physical", "measurable"],
  infer: (input) => input,
};

export const electro_optic: LayerSig = {
  kind: "layer",
  module: "optics",
  name: "electro_optic",
  doc: "Electro-optic activation: a detector turns the intensity into a voltage V = gain·|E|² + bias, which drives a modulator of intensity transmission T = cos²(π V / 2V_π) on the same field: E_out = E·cos(π V / 2V_π).",
  input: "complex",
  args: [
    { name: "v_pi", type: { kind: "quantity", dim: DIMENSIONLESS, min: 0, exclusiveMin: true }, default: num(1, DIMENSIONLESS), doc: "half-wave voltage (relative to detector units)" },
    { name: "gain", type: { kind: "quantity", dim: DIMENSIONLESS }, default: num(1, DIMENSIONLESS), doc: "detector transimpedance gain (voltage per unit intensity)" },
    { name: "bias", type: { kind: "quantity", dim: DIMENSIONLESS }, default: num(0, DIMENSIONLESS), doc: "DC bias voltage added to the detector voltage" },
  ],
  capabilities: ["differentiable", "physical", "measurable"],
  infer: (input) => input,
};

export const photodetect: LayerSig = {
  kind: "layer",
  module: "optics",
  name: "photodetect",
  transducer: true,
  doc: "Square-law detection I = |E|² per mode. Device model: shot noise from a photon budget n (counts n·I ~ Poisson, Gaussian approximation: σ = √(I/n)), additive thermal noise σ_th·N(0, 1), and an ADC that clips to [0, adc_range] and rounds to 2^adc_bits levels.",
  input: "complex",
  args: [
    { name: "adc_bits", type: { kind: "int", min: 1, max: 24 }, default: null, doc: "ADC resolution" },
    { name: "adc_range", type: { kind: "quantity", dim: DIMENSIONLESS, min: 0, exclusiveMin: true }, default: num(1, DIMENSIONLESS), doc: "ADC full scale (relative intensity)" },
    { name: "photons", type: { kind: "quantity", dim: DIMENSIONLESS, min: 0, exclusiveMin: true }, default: null, doc: "photons per unit intensity (shot noise on the device)" },
    { name: "noise", type: { kind: "quantity", dim: DIMENSIONLESS, min: 0 }, default: num(0, DIMENSIONLESS), doc: "std of additive thermal/readout noise per shot" },
  ],
  capabilities: ["differentiable", "physical", "measurable"],
  infer: (input) => ({ dtype: "real", shape: input.shape }),
};

export const OPTICS = [amplitude_encode, phase_encode, mzi_mesh, unitary, weights, saturable_absorber, shg, electro_optic, photodetect];
export { int, numArg };
