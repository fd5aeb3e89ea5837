/**
 * Lowering of `std/optics` (integrated photonics). Fields are c64 [B, N]. Meshes (mzi_mesh,
 * unitary, matrix) live in optics-mesh.ts; here are the encoders, nonlinearities and detectors.
 *   Saturable absorber: E·exp(−α₀ / (2(1 + |E|²/I_sat))) (intensity transmission exp(−α(I)),
 *     α(I) = α₀/(1 + I/I_sat)).
 *   SHG-like: E_out = η E² (intensity η² I²).
 *   Electro-optic: V = gain·|E|² + bias, E_out = E·cos(π V / 2V_π) (intensity transmission cos²).
 *   Photodetection: |E|²; on the device, shot noise √(I/n_photons)·N(0,1), thermal noise
 *     σ·N(0,1), then an ADC (clip + 2^bits levels).
 * Twin = ideal; the device adds the DAC/ADC, detector noise and the mesh non-idealities.
 */
import type { GraphBuilder, Node } from "../../ir/graph.js";
import type { Topology } from "../../optics/topology.js";
import { numConst, type LayerArgs, type LayerLowering, type LowerCtx } from "../context.js";
import { unitaryProgram, weightsProgram } from "../../optics/program.js";
import { lowerMziMesh, lowerProgrammedMatrix, lowerProgrammedMesh } from "./optics-mesh.js";

export { clementsColumns, reckColumns } from "../../optics/topology.js";
export { lowerMziMesh } from "./optics-mesh.js";

/** The mesh's nominal options (topology, loss) and, on the device, its non-idealities. */
function meshOptions(ctx: LowerCtx, a: LayerArgs) {
  const topology = a.consts.topology?.kind === "enum" ? (a.consts.topology.value as Topology) : "clements";
  const base = { topology, lossDb: numConst(a, "loss") ?? 0 };
  if (!ctx.device) return base;
  const bits = numConst(a, "phase_bits");
  return {
    ...base,
    crosstalk: numConst(a, "crosstalk") ?? 0,
    ...(bits ? { phaseBits: bits } : {}),
    ...(a.tensors.splitter_error && a.tensors.splitter_error.shape.length > 0 ? { splitterError: a.tensors.splitter_error } : {}),
  };
}

/** The text of a `file` argument (checked by sema: the matrix parses and fits). */
function matrixText(a: LayerArgs): string {
  const v = a.consts.matrix;
  return v && v.kind === "str" ? v.value : "";
}

function toComplex(b: GraphBuilder, x: Node): Node {
  return b.complex(x, b.scalar(0, x.dtype === "f64" ? "f64" : "f32"));
}

/** Detector noise on a detected power: shot noise from a photon budget and additive (thermal) noise. Device only. */
export function detectorNoise(ctx: LowerCtx, power: Node, args: LayerArgs): Node {
  const { b } = ctx;
  let y = power;
  const photons = numConst(args, "photons");
  if (photons) {
    // Poisson counts n·P in the Gaussian approximation: P + √(P/n)·N(0, 1)
    const sigma = b.sqrt(b.div(b.max(power, b.scalar(0, "f32")), b.scalar(photons, "f32")));
    y = b.add(y, b.mul(sigma, b.randomNormal(ctx.key, power.shape, ctx.nextStream())));
  }
  const noise = numConst(args, "noise") ?? 0;
  if (noise > 0) y = b.add(y, b.mul(b.scalar(noise, "f32"), b.randomNormal(ctx.key, power.shape, ctx.nextStream())));
  return y;
}

function detect(ctx: LowerCtx, intensity: Node, args: LayerArgs): Node {
  if (!ctx.device) return intensity;
  const y = detectorNoise(ctx, intensity, args);
  const bits = numConst(args, "adc_bits");
  return bits ? ctx.b.quantize(y, bits, 0, numConst(args, "adc_range") ?? 1) : y;
}

export const OPTICS_LOWERING: Record<string, LayerLowering> = {
  amplitude_encode: (ctx, x, a) => {
    const bits = numConst(a, "bits");
    return toComplex(ctx.b, ctx.device && bits ? ctx.b.quantize(x, bits, 0, 1) : x);
  },
  phase_encode: (ctx, x, a) => {
    const bits = numConst(a, "bits");
    const v = ctx.device && bits ? ctx.b.quantize(x, bits, 0, 1) : x;
    return ctx.b.expi(ctx.b.mul(v, ctx.b.scalar(numConst(a, "scale") ?? Math.PI, "f32")));
  },
  mzi_mesh: (ctx, x, a) => lowerMziMesh(ctx.b, x, a.tensors.phases ?? a.owned.phases, meshOptions(ctx, a)),
  unitary: (ctx, x, a) => {
    const opts = meshOptions(ctx, a);
    return lowerProgrammedMesh(ctx.b, x, unitaryProgram(matrixText(a), opts.topology), opts);
  },
  weights: (ctx, x, a) => {
    const opts = meshOptions(ctx, a);
    return lowerProgrammedMatrix(ctx.b, x, weightsProgram(matrixText(a), opts.topology), opts);
  },
  saturable_absorber: ({ b }, x, a) => {
    const od = numConst(a, "optical_depth") ?? 1;
    const isat = numConst(a, "i_sat") ?? 1;
    // amplitude factor exp(−α₀ / (2(1 + I/I_sat)))
    const denom = b.add(b.scalar(1, "f32"), b.div(b.abs2(x), b.scalar(isat, "f32")));
    const factor = b.exp(b.div(b.scalar(-od / 2, "f32"), denom));
    return b.mul(x, toComplex(b, factor));
  },
  electro_optic: ({ b }, x, a) => {
    // V = gain·|E|² + bias; E_out = E·cos(π V / 2V_π) (intensity transmission cos²)
    const vpi = numConst(a, "v_pi") ?? 1;
    const v = b.add(b.mul(b.abs2(x), b.scalar(numConst(a, "gain") ?? 1, "f32")), b.scalar(numConst(a, "bias") ?? 0, "f32"));
    return b.mul(x, toComplex(b, b.cos(b.mul(v, b.scalar(Math.PI / (2 * vpi), "f32")))));
  },
  shg: ({ b }, x, a) => b.mul(b.mul(x, x), b.scalar([numConst(a, "efficiency") ?? 1, 0], "c64")),
  photodetect: (ctx, x, a) => detect(ctx, ctx.b.abs2(x), a),
};
