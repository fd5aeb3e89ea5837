/**
 * `std/analog`: analog in-memory computing on resistive crossbars, each element one definition
 * (signature + lowering), with the PCM device model published in IBM's aihwkit
 * (`PCMLikeNoiseModel`, Nandakumar et al. ICECS 2019): differential conductance pairs in
 * [0, g_max], programming noise, drift g(t) = g₀(t/t₀)^−ν, 1/f read noise, DAC/ADC
 * quantization, stuck-at faults and tiling onto fixed-size arrays. The device physics lives in
 * compiler/lower/layers/analog.ts; the twin is the ideal product y = x Wᵀ + b.
 */
import { crossbarDevice, DEFAULT_OUT_BOUND, type CrossbarChip } from "../compiler/lower/layers/analog.js";
import { CONDUCTANCE, DIMENSIONLESS } from "../compiler/units.js";
import { defineLayer, type LayerDef } from "./element.js";
import { flag, int, optInt, optReal, quantity, real, schema } from "./schema.js";
import { showType, type OwnedDeviceVar } from "./types.js";

/** Each tile lowers to its own DAC, MVM and ADC; more than this many is a modelling mistake. */
export const MAX_TILES = 4096;

export const crossbar = defineLayer({
  module: "analog",
  name: "crossbar",
  doc: "y = W x + b computed by Ohm's and Kirchhoff's laws on a crossbar: W ∝ G⁺ − G⁻ with conductances in [0, g_max] (|w|max ↦ g_max), DAC on inputs and ADC on outputs, PCM programming/drift/read noise on the device (aihwkit's PCMLikeNoiseModel coefficients).",
  input: "real",
  args: schema({
    out: int("number of outputs", { min: 1 }),
    g_max: quantity(CONDUCTANCE, "maximum conductance", { default: 25e-6, min: 0, exclusiveMin: true }),
    dac_bits: optInt("input DAC resolution", { min: 1, max: 24, device: true }),
    adc_bits: optInt("output ADC resolution", { min: 1, max: 24, device: true }),
    out_bound: optReal(`ADC range ±out_bound, in units of a full-scale input times a full-scale weight (${DEFAULT_OUT_BOUND} when only adc_bits is given)`, { min: 0, exclusiveMin: true, device: true }),
    weight_noise: real("relative weight noise per query", { default: 0, min: 0, device: true }),
    out_noise: real("additive output noise per query", { default: 0, min: 0, device: true }),
    pcm: flag("apply the PCM programming/drift/read-noise model", { default: false, device: true }),
    stuck_rate: real("fraction of devices stuck at 0 or g_max", { default: 0, min: 0, max: 1, device: true }),
    tile: int("array size for tiling", { default: 256, min: 1 }),
    drift_compensation: flag("global drift compensation: rescale each tile's output by a calibration read-out (t₀ vs t)", { default: true }),
  }),
  capabilities: ["differentiable", "linear", "physical", "measurable"],
  infer(input, a) {
    if (input.shape.length !== 1) return { error: `crossbar expects real[n], got ${showType(input)}` };
    const tiles = Math.ceil(a.out / a.tile) * Math.ceil(input.shape[0] / a.tile);
    if (tiles > MAX_TILES)
      return { error: `crossbar: ${a.out}×${input.shape[0]} weights on ${a.tile}×${a.tile} arrays would need ${tiles} tiles; the limit is ${MAX_TILES} (use a larger tile)`, arg: "tile", code: "PNN3060" };
    return { dtype: "real", shape: [a.out] };
  },
  params: (input, a) => [
    { name: "weight", type: { dtype: "real", shape: [a.out, input.shape[0]] }, init: { kind: "glorot" } },
    { name: "bias", type: { dtype: "real", shape: [a.out] }, init: { kind: "constant", value: 0, dim: DIMENSIONLESS } },
  ],
  // Per-chip draws of the PCM model, standardised (the lowering scales them by the model's σ's):
  // programming noise and drift-exponent noise per conductance of each pair, and a uniform draw
  // per conductance that decides whether it is stuck. The twin never reads them.
  deviceVars(input, a): OwnedDeviceVar[] {
    const type = { dtype: "real" as const, shape: [2, a.out, input.shape[0]] };
    const unit = { kind: "normal" as const, mean: 0, std: 1, dim: DIMENSIONLESS };
    return [
      ...(a.pcm ? [{ name: "prog_noise", type, dist: unit, perShot: false }, { name: "drift_noise", type, dist: unit, perShot: false }] : []),
      ...(a.stuck_rate > 0 ? [{ name: "stuck", type, dist: { kind: "uniform" as const, lo: 0, hi: 1, dim: DIMENSIONLESS }, perShot: false }] : []),
    ];
  },
  lower(ctx, x, a) {
    const { b } = ctx;
    const v = a.values;
    const weight = a.owned.weight;
    const bias = a.owned.bias;
    let y: typeof x;
    if (!ctx.device) y = b.matmul(x, b.transpose(weight, [1, 0]));
    else {
      const chip: CrossbarChip = {
        ...(v.pcm && a.tensors.prog_noise ? { progNoise: a.tensors.prog_noise, driftNoise: a.tensors.drift_noise } : {}),
        ...(v.stuck_rate > 0 && a.tensors.stuck ? { stuck: a.tensors.stuck } : {}),
      };
      const opt = {
        tile: v.tile,
        dacBits: v.dac_bits,
        adcBits: v.adc_bits,
        outBound: v.out_bound,
        weightNoise: v.weight_noise,
        outNoise: v.out_noise,
        pcm: v.pcm,
        stuckRate: v.stuck_rate,
        driftCompensation: v.drift_compensation,
        time: ctx.time ?? 0,
      };
      y = crossbarDevice(b, x, weight, opt, chip, { key: ctx.key, stream: () => ctx.nextStream() });
    }
    return bias ? b.add(y, bias) : y;
  },
});

export const ANALOG: readonly LayerDef[] = [crossbar];
