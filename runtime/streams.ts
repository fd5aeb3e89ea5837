/**
 * Every random stream of a run, in one registry, so that no two purposes ever draw the same
 * numbers. Random numbers are Philox draws keyed by (seed, stream id, domain) — runtime/rng.ts:
 *   domain 0 (the classic ids, kept so that runs stay reproducible across versions):
 *     shuffle(epoch)          7 + epoch               epochs 1..992   (later epochs: domain LATE_SHUFFLE)
 *     paramInit(i)            1000 + i                i < 999_000
 *     chipVariable(chip, v)   1_000_000 + 1000·chip + v   v < 1000, chip < 4_293_000
 *   one domain per rule-level purpose (ids are then free: a step, an index):
 *     feedback matrices, the optical random medium, the scattering reservoir, in-situ measurement
 *     noise, local learning's negative labels, zeroth-order perturbations, the twin's starting
 *     estimates of external devices' variables, calibration.
 *   IR programs' per-shot draws (random_normal/random_uniform ops) use the key tensor
 *   [seed, a, b, counter] (below) and stream ids from PER_SHOT_BASE up, so at train step 0
 *   (b = 0) they cannot meet a domain-0 stream of the same seed.
 * Data-parallel training (docs/scaling.md): shard k of a step keys its per-shot draws with counter
 * word k and its per-sample host draws with Stream sub-key k; shard 0 draws what an unsharded
 * step draws. Chip indices: evaluation uses chips 0..K−1; hardware-aware training resamples a chip per step
 * at RESAMPLED_CHIP_BASE + step.
 */
import { Stream } from "./rng.js";

const DOMAIN = {
  lateShuffle: 1,
  feedback: 2,
  opticalMedium: 3,
  scattering: 4,
  inSituNoise: 5,
  localNegatives: 6,
  zerothOrder: 7,
  twinInit: 8,
  calibration: 9,
} as const;

const MAX_PARAMS = 999_000;
const MAX_CHIP_VARIABLES = 1000;
const MAX_CHIP = Math.floor((2 ** 32 - 1_000_000) / 1000) - 1;

function check(ok: boolean, what: string): void {
  if (!ok) throw new RangeError(`random stream registry: ${what}`);
}

/** Chip index of hardware-aware training's resampled chip at `step` (far from evaluated chips 0..K−1). */
export const RESAMPLED_CHIP_BASE = 1 << 20;

/** First stream id of an IR program's per-shot random ops (each op takes the next id). */
export const PER_SHOT_BASE = 0xa0000000;

export const streams = {
  shuffle: (seed: number, epoch: number): Stream => (epoch + 7 < 1000 ? new Stream(seed, 7 + epoch) : new Stream(seed, epoch, DOMAIN.lateShuffle)),
  paramInit(seed: number, index: number): Stream {
    check(index >= 0 && index < MAX_PARAMS, `parameter index ${index} out of range`);
    return new Stream(seed, 1000 + index);
  },
  chipVariable(seed: number, chip: number, variable: number): Stream {
    check(variable >= 0 && variable < MAX_CHIP_VARIABLES && chip >= 0 && chip <= MAX_CHIP, `chip ${chip}, variable ${variable} out of range`);
    return new Stream(seed, 1_000_000 + 1000 * chip + variable);
  },
  /** Feedback alignment's fixed matrix `index` (in lowering order). */
  feedback: (seed: number, index: number): Stream => new Stream(seed, index, DOMAIN.feedback),
  /** DFA's simulated optical random medium. */
  opticalMedium: (seed: number): Stream => new Stream(seed, 0, DOMAIN.opticalMedium),
  /** A scattering reservoir's transmission matrix (its own `seed` argument). */
  scattering: (seed: number): Stream => new Stream(seed, 0, DOMAIN.scattering),
  /** In-situ measurement noise of a step's shard (shard 0: an unsharded step). */
  inSituNoise: (seed: number, step: number, shard = 0): Stream => new Stream(seed, step, DOMAIN.inSituNoise, shard),
  /** Local learning's negative labels of a step's shard (shard 0: an unsharded step). */
  localNegatives: (seed: number, step: number, shard = 0): Stream => new Stream(seed, step, DOMAIN.localNegatives, shard),
  zerothOrder: (seed: number, step: number): Stream => new Stream(seed, step, DOMAIN.zerothOrder),
  /** The twin's starting estimate of an external device's variable `index` (when it starts from a draw, e.g. a surrogate's weights). */
  twinInit: (seed: number, index: number): Stream => new Stream(seed, index, DOMAIN.twinInit),
  /** Calibration's own draws (the held-out split, probe settings, finite-difference directions), by purpose. */
  calibration: (seed: number, purpose: number): Stream => new Stream(seed, purpose, DOMAIN.calibration),
};

/**
 * Key tensors [seed, a, b, counter] of the IR programs' per-shot draws. Training steps use
 * b = step (< EVAL_BASE); evaluation and inference use b ≥ EVAL_BASE, a = the chip.
 */
const EVAL_BASE = 0x7fffff00;
export const keys = {
  /** A training step's key; a data-parallel step's shard k uses counter word k (shard 0 is the unsharded step's key). */
  trainStep: (seed: number, step: number, shard = 0): number[] => {
    check(step >= 0 && step < EVAL_BASE, `training step ${step} out of range`);
    return [seed, 0, step, shard];
  },
  /** A zeroth-order rule's query q (q ≥ 0) within a training step's key. */
  query: (key: ArrayLike<number>, q: number): number[] => [key[0]!, key[1]! + 1 + q, key[2]!, key[3]!],
  evalTwin: (seed: number): number[] => [seed, 0, EVAL_BASE],
  evalDevice: (seed: number, chip: number): number[] => [seed, chip, EVAL_BASE + 0xf0],
  infer: (seed: number, chip: number): number[] => [seed, chip, EVAL_BASE + 0x80],
};
