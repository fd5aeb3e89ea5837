/**
 * Parameter initialisation and per-chip device sampling, from the model's plain-data spec.
 * Seeded and counter-based (streams from runtime/streams.ts): parameter i and chip c's variable v
 * each draw from their own stream — the same chip is the same chip in every command.
 */
import type { ChipVarSpec, InitSpec, ParamSpec, TwinVarSpec } from "./model.js";
import type { Stream } from "./rng.js";
import { streams } from "./streams.js";

export function fill(out: Float64Array, init: InitSpec, shape: readonly number[], s: Stream): void {
  switch (init.kind) {
    case "constant": out.fill(init.value); return;
    case "uniform": for (let i = 0; i < out.length; i++) out[i] = init.lo + (init.hi - init.lo) * s.uniform(); return;
    case "normal": for (let i = 0; i < out.length; i++) out[i] = init.mean + init.std * s.normal(); return;
    case "glorot": {
      const fanOut = shape.length >= 2 ? shape[0] : 1;
      const fanIn = shape.length >= 2 ? shape.slice(1).reduce((a, b) => a * b, 1) : shape[0] ?? 1;
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < out.length; i++) out[i] = (2 * s.uniform() - 1) * limit;
      return;
    }
  }
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export function initParams(params: readonly ParamSpec[], seed: number): Map<string, Float64Array> {
  const out = new Map<string, Float64Array>();
  params.forEach((p, i) => {
    const v = new Float64Array(size(p.shape));
    fill(v, p.init, p.shape, streams.paramInit(seed, i));
    out.set(p.path, v);
  });
  return out;
}

export function sampleChip(vars: readonly ChipVarSpec[], seed: number, chip: number): Map<string, Float64Array> {
  const out = new Map<string, Float64Array>();
  vars.forEach((v, i) => {
    const x = new Float64Array(size(v.shape));
    fill(x, v.dist, v.shape, streams.chipVariable(seed, chip, i));
    out.set(v.path, x);
  });
  return out;
}

/** The twin's starting estimates of external devices' variables (runtime/device/staged.ts reads them). */
export function initTwin(vars: readonly TwinVarSpec[], seed: number): Map<string, Float64Array> {
  const out = new Map<string, Float64Array>();
  vars.forEach((v, i) => {
    const x = new Float64Array(size(v.shape));
    fill(x, v.init, v.shape, streams.twinInit(seed, i));
    out.set(v.path, x);
  });
  return out;
}
