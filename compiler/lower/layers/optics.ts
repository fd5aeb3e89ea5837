/**
 * Lowering of `std/optics` (integrated photonics). Fields are c64 [B, N].
 *
 * MZI (neuroptica convention, docs/physics-optics.md):
 *   T(θ, φ) = ½ [[e^{iφ}(e^{iθ} − 1), i e^{iφ}(1 + e^{iθ})], [i(e^{iθ} + 1), 1 − e^{iθ}]]
 * Clements mesh: N columns; column c couples modes (i, i+1) for i ≡ c (mod 2); phases are laid
 * out column by column, (θ, φ) per MZI, N(N−1) in all. Insertion loss multiplies each MZI's
 * outputs by 10^(−dB/20). Saturable absorber: E·exp(−α₀ / (2(1 + |E|²/I_sat))) (intensity
 * transmission exp(−α(I)), α(I) = α₀/(1 + I/I_sat)). Photodetection: |E|²; on the device,
 * shot noise √(I/n_photons)·N(0,1), thermal noise σ·N(0,1), then an ADC (clip + 2^bits levels).
 */
import type { GraphBuilder, Node } from "../../ir/graph.js";
import { numConst, sliceLast, type LayerLowering, type LowerCtx } from "../context.js";

/** Applies one column of MZIs (pairs starting at `offset`) to field x [B, N]. */
function mziColumn(b: GraphBuilder, x: Node, theta: Node, phi: Node, offset: number, k: number, amplitude: number): Node {
  const n = x.shape[x.shape.length - 1];
  const lead = x.shape.slice(0, -1);
  const body = sliceLast(b, x, offset, offset + 2 * k);
  const pairs = b.reshape(body, [...lead, k, 2]);
  const top = b.reshape(b.slice(pairs, [...lead.map(() => 0), 0, 0], [...lead, k, 1]), [...lead, k]);
  const bot = b.reshape(b.slice(pairs, [...lead.map(() => 0), 0, 1], [...lead, k, 2]), [...lead, k]);
  const t = b.expi(theta);
  const p = b.expi(phi);
  const one = b.scalar([1, 0], "c64");
  const half = b.scalar([0.5 * amplitude, 0], "c64");
  const halfI = b.scalar([0, 0.5 * amplitude], "c64");
  // out_top = ½ e^{iφ}(e^{iθ} − 1)·top + (i/2) e^{iφ}(1 + e^{iθ})·bot
  const outTop = b.add(b.mul(b.mul(half, b.mul(p, b.sub(t, one))), top), b.mul(b.mul(halfI, b.mul(p, b.add(one, t))), bot));
  // out_bot = (i/2)(e^{iθ} + 1)·top + ½(1 − e^{iθ})·bot
  const outBot = b.add(b.mul(b.mul(halfI, b.add(t, one)), top), b.mul(b.mul(half, b.sub(one, t)), bot));
  const stacked = b.concat([b.reshape(outTop, [...lead, k, 1]), b.reshape(outBot, [...lead, k, 1])], lead.length + 1);
  const mixed = b.reshape(stacked, [...lead, 2 * k]);
  const parts: Node[] = [];
  if (offset > 0) parts.push(sliceLast(b, x, 0, offset));
  parts.push(mixed);
  if (offset + 2 * k < n) parts.push(sliceLast(b, x, offset + 2 * k, n));
  return parts.length === 1 ? parts[0] : b.concat(parts, lead.length);
}

/** The Clements column schedule for N modes: [offset, MZI count] per column. */
export function clementsColumns(n: number): [number, number][] {
  const cols: [number, number][] = [];
  for (let c = 0; c < n; c++) {
    const offset = c % 2;
    cols.push([offset, Math.floor((n - offset) / 2)]);
  }
  return cols;
}

export function lowerMziMesh(b: GraphBuilder, x: Node, phases: Node, lossDb: number): Node {
  const n = x.shape[x.shape.length - 1];
  const amplitude = Math.pow(10, -lossDb / 20);
  const plead = phases.shape.slice(0, -1);
  let p = 0;
  let field = x;
  for (const [offset, k] of clementsColumns(n)) {
    if (k === 0) continue;
    const ph = b.reshape(sliceLast(b, phases, p, p + 2 * k), [...plead, k, 2]);
    const theta = b.reshape(b.slice(ph, [...plead.map(() => 0), 0, 0], [...plead, k, 1]), [...plead, k]);
    const phi = b.reshape(b.slice(ph, [...plead.map(() => 0), 0, 1], [...plead, k, 2]), [...plead, k]);
    field = mziColumn(b, field, theta, phi, offset, k, amplitude);
    p += 2 * k;
  }
  return field;
}

function toComplex(b: GraphBuilder, x: Node): Node {
  return b.complex(x, b.scalar(0, x.dtype === "f64" ? "f64" : "f32"));
}

function detect(ctx: LowerCtx, intensity: Node, args: Parameters<LayerLowering>[2]): Node {
  const { b } = ctx;
  if (!ctx.device) return intensity;
  let y = intensity;
  const photons = numConst(args, "photons");
  if (photons) {
    // Poisson counts n·I, Gaussian approximation: I + √(I/n)·N(0,1)
    const sigma = b.sqrt(b.div(b.max(intensity, b.scalar(0, "f32")), b.scalar(photons, "f32")));
    y = b.add(y, b.mul(sigma, b.randomNormal(ctx.key, intensity.shape, ctx.nextStream())));
  }
  const noise = numConst(args, "noise") ?? 0;
  if (noise > 0) y = b.add(y, b.mul(b.scalar(noise, "f32"), b.randomNormal(ctx.key, intensity.shape, ctx.nextStream())));
  const bits = numConst(args, "adc_bits");
  if (bits) y = b.quantize(y, bits, 0, numConst(args, "adc_range") ?? 1);
  return y;
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
  mzi_mesh: (ctx, x, a) => lowerMziMesh(ctx.b, x, a.tensors.phases ?? a.owned.phases, numConst(a, "loss") ?? 0),
  saturable_absorber: ({ b }, x, a) => {
    const od = numConst(a, "optical_depth") ?? 1;
    const isat = numConst(a, "i_sat") ?? 1;
    // amplitude factor exp(−α₀ / (2(1 + I/I_sat)))
    const denom = b.add(b.scalar(1, "f32"), b.div(b.abs2(x), b.scalar(isat, "f32")));
    const factor = b.exp(b.div(b.scalar(-od / 2, "f32"), denom));
    return b.mul(x, toComplex(b, factor));
  },
  shg: ({ b }, x, a) => b.mul(b.mul(x, x), b.scalar([numConst(a, "efficiency") ?? 1, 0], "c64")),
  photodetect: (ctx, x, a) => detect(ctx, ctx.b.abs2(x), a),
};
