/**
 * Detector physics shared by the optical families (std/optics photodetect, std/freespace
 * detector regions): shot noise from a photon budget and additive thermal noise on a detected
 * power, then an ADC. Device only; the twin detects ideally.
 *   shot:    P + √(P/n)·N(0, 1)   (Poisson counts n·P in the Gaussian approximation)
 *   thermal: + σ·N(0, 1)
 *   ADC:     clip to [0, range], round to 2^bits levels
 */
import type { Node } from "../../ir/graph.js";
import type { LowerCtx } from "../context.js";

export interface DetectorNoise {
  /** Photons per unit intensity (shot noise); null: no shot noise. */
  readonly photons: number | null;
  /** Std of the additive thermal/readout noise. */
  readonly noise: number;
}

export function detectorNoise(ctx: LowerCtx, power: Node, d: DetectorNoise): Node {
  const { b } = ctx;
  let y = power;
  if (d.photons) {
    const sigma = b.sqrt(b.div(b.max(power, b.scalar(0, "f32")), b.scalar(d.photons, "f32")));
    y = b.add(y, b.mul(sigma, b.randomNormal(ctx.key, power.shape, ctx.nextStream())));
  }
  if (d.noise > 0) y = b.add(y, b.mul(b.scalar(d.noise, "f32"), b.randomNormal(ctx.key, power.shape, ctx.nextStream())));
  return y;
}

/** The ADC after a detector: clip to [0, range] and round to 2^bits levels (straight-through gradient). */
export function adc(ctx: LowerCtx, y: Node, bits: number | null, range: number): Node {
  return bits ? ctx.b.quantize(y, bits, 0, range) : y;
}
