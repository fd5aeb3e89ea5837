/**
 * `std/analog`: analog in-memory computing on resistive crossbars, with the PCM device model
 * published in IBM's aihwkit (`PCMLikeNoiseModel`, Nandakumar et al. ICECS 2019): differential
 * conductance pairs in [0, g_max], programming noise, drift g(t) = g₀(t/t₀)^−ν, 1/f read noise,
 * DAC/ADC quantization, stuck-at faults and tiling onto fixed-size arrays.
 */
import { CONDUCTANCE, DIMENSIONLESS } from "../compiler/units.js";
import { num, showType, type LayerSig } from "./types.js";

/** Each tile lowers to its own DAC, MVM and ADC; more than this many is a modelling mistake. */
export const MAX_TILES = 4096;

export const crossbar: LayerSig = {
  kind: "layer",
  module: "analog",
  name: "crossbar",
  doc: "y = W x + b computed by Ohm's and Kirchhoff's laws on a crossbar: W ∝ G⁺ − G⁻ with conductances in [0, g_max] (|w|max ↦ g_max), DAC on inputs and ADC on outputs, PCM programming/drift/read noise on the device (aihwkit's PCMLikeNoiseModel coefficients).",
  input: "real",
  args: [
    { name: "out", type: { kind: "int", min: 1 }, doc: "number of outputs" },
    { name: "g_max", type: { kind: "quantity", dim: CONDUCTANCE, min: 0, exclusiveMin: true }, default: num(25e-6, CONDUCTANCE), doc: "maximum conductance" },
    { name: "dac_bits", type: { kind: "int", min: 1, max: 24 }, default: null, deviceOnly: true, doc: "input DAC resolution" },
    { name: "adc_bits", type: { kind: "int", min: 1, max: 24 }, default: null, deviceOnly: true, doc: "output ADC resolution" },
    { name: "out_bound", type: { kind: "quantity", dim: DIMENSIONLESS, min: 0, exclusiveMin: true }, default: null, deviceOnly: true, doc: "ADC range ±out_bound, in units of a full-scale input times a full-scale weight (10 when only adc_bits is given)" },
    { name: "weight_noise", type: { kind: "quantity", dim: DIMENSIONLESS, min: 0 }, default: num(0, DIMENSIONLESS), deviceOnly: true, doc: "relative weight noise per query" },
    { name: "out_noise", type: { kind: "quantity", dim: DIMENSIONLESS, min: 0 }, default: num(0, DIMENSIONLESS), deviceOnly: true, doc: "additive output noise per query" },
    { name: "pcm", type: { kind: "bool" }, default: { kind: "bool", value: false }, deviceOnly: true, doc: "apply the PCM programming/drift/read-noise model" },
    { name: "stuck_rate", type: { kind: "quantity", dim: DIMENSIONLESS, min: 0, max: 1 }, default: num(0, DIMENSIONLESS), deviceOnly: true, doc: "fraction of devices stuck at 0 or g_max" },
    { name: "tile", type: { kind: "int", min: 1 }, default: { kind: "num", value: 256, dim: DIMENSIONLESS, isInt: true }, doc: "array size for tiling" },
    { name: "drift_compensation", type: { kind: "bool" }, default: { kind: "bool", value: true }, doc: "global drift compensation: rescale each tile's output by a calibration read-out (t₀ vs t)" },
  ],
  capabilities: ["differentiable", "linear", "physical", "measurable"],
  infer(input, args) {
    if (input.shape.length !== 1) return { error: `crossbar expects real[n], got ${showType(input)}` };
    const out = args.consts.out;
    const n = out && out.kind === "num" ? out.value : 1;
    const tile = args.consts.tile?.kind === "num" ? args.consts.tile.value : 256;
    const tiles = Math.ceil(n / tile) * Math.ceil(input.shape[0] / tile);
    if (tiles > MAX_TILES)
      return { error: `crossbar: ${n}×${input.shape[0]} weights on ${tile}×${tile} arrays would need ${tiles} tiles; the limit is ${MAX_TILES} (use a larger tile)`, arg: "tile", code: "PNN3060" };
    return { dtype: "real", shape: [n] };
  },
  params(input, args) {
    const out = args.consts.out;
    const n = out && out.kind === "num" ? out.value : 1;
    return [
      { name: "weight", type: { dtype: "real", shape: [n, input.shape[0]] }, init: { kind: "glorot" } },
      { name: "bias", type: { dtype: "real", shape: [n] }, init: { kind: "constant", value: 0, dim: DIMENSIONLESS } },
    ];
  },
  // Per-chip draws of the PCM model, standardised (the lowering scales them by the model's σ's):
  // programming noise and drift-exponent noise per conductance of each pair, and a uniform draw
  // per conductance that decides whether it is stuck. The twin never reads them.
  deviceVars(input, args) {
    const out = args.consts.out;
    const n = out && out.kind === "num" ? out.value : 1;
    const type = { dtype: "real" as const, shape: [2, n, input.shape[0]] };
    const pcm = args.consts.pcm?.kind === "bool" && args.consts.pcm.value;
    const stuck = args.consts.stuck_rate?.kind === "num" && args.consts.stuck_rate.value > 0;
    const unit = { kind: "normal" as const, mean: 0, std: 1, dim: DIMENSIONLESS };
    return [
      ...(pcm ? [{ name: "prog_noise", type, dist: unit, perShot: false }, { name: "drift_noise", type, dist: unit, perShot: false }] : []),
      ...(stuck ? [{ name: "stuck", type, dist: { kind: "uniform" as const, lo: 0, hi: 1, dim: DIMENSIONLESS }, perShot: false }] : []),
    ];
  },
};

export const ANALOG = [crossbar];
