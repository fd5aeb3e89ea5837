/**
 * The physics of `std/analog` `crossbar(x, out)` (stdlib/analog.ts): y = W x + b on resistive
 * crossbars.
 *
 * Twin: the ideal product y = x Wᵀ + b. Device (docs/physics-analog.md), per tile of at most
 * tile × tile weights (each tile is its own array with its own |w|max ↦ g_max mapping and ADC):
 *   DAC   x̂ = Q_dac(x / s), s = max|x| per sample (aihwkit's abs-max noise management)
 *   map   g⁺ = max(W, 0)/w_max, g⁻ = max(−W, 0)/w_max (relative conductances g/g_max in [0, 1])
 *   PCM   programming noise, drift (t/t₀)^−ν and accumulated 1/f read noise (IBM aihwkit's
 *         PCMLikeNoiseModel, Nandakumar et al. ICECS 2019), all on relative conductances
 *   stuck a fraction `stuck_rate` of devices stuck at 0 (half) or g_max (half)
 *   MVM   ŷ = x̂ (g⁺ − g⁻ + σ_w ξ)ᵀ + σ_out ζ,   then the ADC Q_adc on ±out_bound
 *   out   y = α · s · w_max · ŷ summed over input tiles, + b  (α: global drift compensation)
 * Static per chip (chip inputs): programming noise, drift exponents, stuck-at faults. Per query:
 * the 1/f read noise and the weight noise (one draw per query batch), output noise (per sample).
 * The evaluation time reaches the graph as a compile-time constant (LowerCtx.time).
 */
import type { GraphBuilder, Node } from "../../ir/graph.js";

/** PCMLikeNoiseModel constants (aihwkit, src/aihwkit/inference/noise/pcm.py). */
export const PCM = {
  /** σ_prog in µS = c₀ + c₁ g_r + c₂ g_r², fitted at g_max = 25 µS. */
  progCoeff: [0.26348, 1.965, -1.1731] as const,
  progGmaxRef: 25,
  /** Drift-exponent statistics: μ_ν = clip(a ln g_r + b, lo, hi), σ_ν likewise. */
  nuMean: { a: -0.0155, b: 0.0244, lo: 0.049, hi: 0.1 },
  nuStd: { a: -0.0125, b: -0.0059, lo: 0.008, hi: 0.045 },
  gFloor: 1e-7,
  /** Read noise: Q_s = min(0.0088 / max(g_r^0.65, 1e-3), 0.2). */
  readQ: { c: 0.0088, exponent: 0.65, floor: 1e-3, cap: 0.2 },
  t0: 20,
  tRead: 250e-9,
} as const;

/** Default ADC range (normalised units, inputs in [−1, 1] and |w| ≤ 1): aihwkit's PCM preset out_bound. */
export const DEFAULT_OUT_BOUND = 10;

const sc = (b: GraphBuilder, v: number): Node => b.scalar(v, "f32");

/** Programming noise: g_prog = max(g_T + σ_prog(g_T) z, 0), relative units (σ_prog/g_max = poly(g_r)/25). */
export function pcmProgram(b: GraphBuilder, gT: Node, z: Node): Node {
  const [c0, c1, c2] = PCM.progCoeff;
  const poly = b.add(sc(b, c0), b.mul(gT, b.add(sc(b, c1), b.mul(sc(b, c2), gT))));
  const sigma = b.mul(poly, sc(b, 1 / PCM.progGmaxRef));
  return b.max(b.add(gT, b.mul(sigma, z)), sc(b, 0));
}

/** Drift exponent ν = |μ_ν(g_T) + σ_ν(g_T) z| (g_T floored at 1e-7). */
export function pcmDriftExponent(b: GraphBuilder, gT: Node, z: Node): Node {
  const lg = b.log(b.max(gT, sc(b, PCM.gFloor)));
  const lin = (p: { a: number; b: number; lo: number; hi: number }) => b.clip(b.add(b.mul(sc(b, p.a), lg), sc(b, p.b)), p.lo, p.hi);
  return b.abs(b.add(lin(PCM.nuMean), b.mul(lin(PCM.nuStd), z)));
}

/** Drift to t = time + t₀: g_prog (t/t₀)^−ν. */
export function pcmDrift(b: GraphBuilder, gProg: Node, nu: Node, time: number): Node {
  if (!(time > 0)) return gProg;
  const lnRatio = Math.log((time + PCM.t0) / PCM.t0);
  return b.mul(gProg, b.exp(b.mul(nu, sc(b, -lnRatio))));
}

/** Accumulated 1/f read noise: max(g_d + |g_d| Q_s(g_prog) √ln((t + t_read)/(2 t_read)) z, 0). */
export function pcmReadNoise(b: GraphBuilder, gDrift: Node, gProg: Node, time: number, z: Node): Node {
  const { c, exponent, floor, cap } = PCM.readQ;
  // max(g^e, floor) written as max(g, floor^(1/e))^e: the same value, but the pow never sees g = 0,
  // whose derivative e·0^(e−1) = ∞ turned the hardware_aware gradients into NaN (0 · ∞)
  const qs = b.min(b.div(sc(b, c), b.pow(b.max(gProg, sc(b, Math.pow(floor, 1 / exponent))), sc(b, exponent))), sc(b, cap));
  const t = time + PCM.t0;
  const spread = Math.sqrt(Math.log((t + PCM.tRead) / (2 * PCM.tRead)));
  return b.max(b.add(gDrift, b.mul(b.mul(b.abs(gDrift), b.mul(qs, sc(b, spread))), z)), sc(b, 0));
}

/** Stuck-at faults from a uniform draw u: u < rate/2 → 0, rate/2 ≤ u < rate → 1 (g_max). */
export function stuckAt(b: GraphBuilder, g: Node, u: Node, rate: number): Node {
  const low = b.gt(sc(b, rate / 2), u);
  const any = b.gt(sc(b, rate), u);
  const high = b.sub(any, low);
  return b.add(b.mul(g, b.sub(sc(b, 1), any)), high);
}

/**
 * Symmetric quantizer on [−bound, bound] with 2^bits − 1 levels spaced 2·bound/(2^bits − 2), so
 * 0 is a level (aihwkit's convention); 1 bit: the two levels ±bound. Straight-through gradient.
 */
export function symQuantize(b: GraphBuilder, x: Node, bits: number, bound: number): Node {
  const clipped = b.clip(x, -bound, bound);
  if (bits === 1) return b.quantize(clipped, 1, -bound, bound);
  return b.quantize(clipped, bits, -bound, bound + (2 * bound) / (2 ** bits - 2));
}

/** The step between adjacent quantizer levels. */
export function quantStep(bits: number, bound: number): number {
  return bits === 1 ? 2 * bound : (2 * bound) / (2 ** bits - 2);
}

/** The crossbar's device model, from the element's checked arguments (stdlib/analog.ts). */
export interface CrossbarOptions {
  readonly tile: number;
  readonly dacBits: number | null;
  readonly adcBits: number | null;
  readonly outBound: number | null;
  readonly weightNoise: number;
  readonly outNoise: number;
  readonly pcm: boolean;
  readonly stuckRate: number;
  readonly driftCompensation: boolean;
  /** Seconds after programming (LowerCtx.time). */
  readonly time: number;
}

/** Per-chip inputs: [2, out, in] (G⁺ then G⁻) standard normals / uniforms. */
export interface CrossbarChip {
  readonly progNoise?: Node;
  readonly driftNoise?: Node;
  readonly stuck?: Node;
}

/** Slices pair-plane `k` (0: G⁺, 1: G⁻) of a [2, out, in] tensor, rows [o0, o1), columns [i0, i1). */
function plane(b: GraphBuilder, t: Node, k: number, o0: number, o1: number, i0: number, i1: number): Node {
  return b.reshape(b.slice(t, [k, o0, i0], [k + 1, o1, i1]), [o1 - o0, i1 - i0]);
}

/**
 * The effective normalised weight g⁺ − g⁻ of one tile at the evaluation time, and the global
 * drift-compensation factor α = Σ|W(t₀)| / Σ|W(t)| (a calibration read-out of the tile with the
 * identity as input, as aihwkit's GlobalDriftCompensation; read noise left out of the calibration).
 */
function tileWeight(
  b: GraphBuilder, gT: readonly [Node, Node], opt: CrossbarOptions, chip: CrossbarChip, read: Node | undefined,
  rows: readonly [number, number], cols: readonly [number, number],
): { weight: Node; alpha?: Node } {
  const final: Node[] = [];
  const programmed: Node[] = [];
  const drifted: Node[] = [];
  gT.forEach((target, k) => {
    const pl = (t: Node) => plane(b, t, k, rows[0], rows[1], cols[0], cols[1]);
    let g = target;
    let g0 = target;
    let gd = target;
    if (opt.pcm && chip.progNoise && chip.driftNoise) {
      g0 = pcmProgram(b, target, pl(chip.progNoise));
      gd = pcmDrift(b, g0, pcmDriftExponent(b, target, pl(chip.driftNoise)), opt.time);
      g = read ? pcmReadNoise(b, gd, g0, opt.time, pl(read)) : gd;
    }
    if (opt.stuckRate > 0 && chip.stuck) {
      const u = pl(chip.stuck);
      g = stuckAt(b, g, u, opt.stuckRate);
      g0 = stuckAt(b, g0, u, opt.stuckRate);
      gd = stuckAt(b, gd, u, opt.stuckRate);
    }
    final.push(g);
    programmed.push(g0);
    drifted.push(gd);
  });
  const weight = b.sub(final[0], final[1]);
  if (!(opt.pcm && opt.driftCompensation && opt.time > 0)) return { weight };
  const l1 = (p: Node[]) => b.max(b.sum(b.abs(b.sub(p[0], p[1]))), sc(b, 1e-30));
  return { weight, alpha: b.div(l1(programmed), l1(drifted)) };
}

/**
 * The device crossbar: x [B, in], weight [out, in] → [B, out] (without bias). `key` and
 * `stream` give the per-query draws; `chip` the per-chip ones.
 */
export function crossbarDevice(
  b: GraphBuilder, x: Node, weight: Node, opt: CrossbarOptions, chip: CrossbarChip,
  perQuery: { key: Node; stream: () => number },
): Node {
  const [out, inn] = weight.shape;
  const batch = x.shape[0];
  const T = opt.tile;
  const read = opt.pcm ? b.randomNormal(perQuery.key, [2, out, inn], perQuery.stream()) : undefined;
  const wNoise = opt.weightNoise > 0 ? b.randomNormal(perQuery.key, [out, inn], perQuery.stream()) : undefined;
  const oNoise = opt.outNoise > 0 ? b.randomNormal(perQuery.key, [batch, out], perQuery.stream()) : undefined;
  const bound = opt.outBound ?? (opt.adcBits ? DEFAULT_OUT_BOUND : null);
  const blocks: Node[] = [];
  for (let o0 = 0; o0 < out; o0 += T) {
    const o1 = Math.min(out, o0 + T);
    let acc: Node | undefined;
    for (let i0 = 0; i0 < inn; i0 += T) {
      const i1 = Math.min(inn, i0 + T);
      // DAC: per-sample abs-max scaling to [−1, 1], then 2^bits − 1 symmetric levels
      const xt = b.slice(x, [0, i0], [batch, i1]);
      const s = b.max(b.reduceMax(b.abs(xt), [1], true), sc(b, 1e-30));
      let xn = b.div(xt, s);
      if (opt.dacBits) xn = symQuantize(b, xn, opt.dacBits, 1);
      // weights ↦ relative conductance pairs, |w|max ↦ g_max
      const w = b.slice(weight, [o0, i0], [o1, i1]);
      const wmax = b.max(b.reduceMax(b.abs(w)), sc(b, 1e-30));
      const gT: [Node, Node] = [b.div(b.relu(w), wmax), b.div(b.relu(b.neg(w)), wmax)];
      const { weight: wEff0, alpha } = tileWeight(b, gT, opt, chip, read, [o0, o1], [i0, i1]);
      const wEff = wNoise ? b.add(wEff0, b.mul(sc(b, opt.weightNoise), b.slice(wNoise, [o0, i0], [o1, i1]))) : wEff0;
      let y = b.matmul(xn, b.transpose(wEff, [1, 0]));
      if (oNoise) y = b.add(y, b.mul(sc(b, opt.outNoise), b.slice(oNoise, [0, o0], [batch, o1])));
      if (bound !== null) y = opt.adcBits ? symQuantize(b, y, opt.adcBits, bound) : b.clip(y, -bound, bound);
      if (alpha) y = b.mul(y, alpha);
      const tileOut = b.mul(b.mul(y, s), wmax);
      acc = acc ? b.add(acc, tileOut) : tileOut;
    }
    blocks.push(acc!);
  }
  return blocks.length === 1 ? blocks[0] : b.concat(blocks, 1);
}
