/**
 * Deterministic splitting, ordering and normalisation shared by the data set loaders.
 * Everything here is a pure function of its inputs (the seeded variants take a DataRng), so a
 * data set is the same on every run and every machine.
 */
import type { Split } from "./types.js";
import type { DataRng } from "./prng.js";
import { InternalError } from "../../diagnostics/internal.js";

/**
 * Splits `total` into integer shares proportional to `weights` (largest remainder), never giving
 * a share more than its cap. Σcaps must be ≥ total.
 */
export function apportion(weights: number[], total: number, caps: number[] = weights.map(() => Infinity)): number[] {
  const wsum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (wsum > 0 ? (total * w) / wsum : 0));
  const share = exact.map((e, i) => Math.min(Math.floor(e), caps[i]));
  let left = total - share.reduce((a, b) => a + b, 0);
  // Hand out the rest by largest remainder (ties: lower index), skipping full shares.
  const order = exact.map((e, i) => i).sort((a, b) => exact[b] - Math.floor(exact[b]) - (exact[a] - Math.floor(exact[a])) || a - b);
  while (left > 0) {
    let gave = false;
    for (const i of order) {
      if (left === 0) break;
      if (share[i] < caps[i]) {
        share[i]++;
        left--;
        gave = true;
      }
    }
    if (!gave) throw new InternalError("apportion: caps too small"); // callers check this first
  }
  return share;
}

/** k indices of 0…n−1, spread evenly (the middle of each of k equal strata). */
export function evenlySpaced(n: number, k: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < k; i++) out.push(Math.floor(((i + 0.5) * n) / k));
  return out;
}

/**
 * Merges per-class lists into one sequence in which every prefix holds the classes in proportion
 * (item j of a list of length L sorts at (j + ½)/L; ties go to the lower class). Mini-batches
 * taken in this order are class-balanced even before any shuffling.
 */
export function interleave(groups: number[][]): number[] {
  const keyed: { key: number; g: number; v: number }[] = [];
  groups.forEach((list, g) => list.forEach((v, j) => keyed.push({ key: (j + 0.5) / list.length, g, v })));
  keyed.sort((a, b) => a.key - b.key || a.g - b.g);
  return keyed.map((k) => k.v);
}

/** Row indices of each class, in row order. */
export function byClass(y: ArrayLike<number>, classes: number): number[][] {
  const groups: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < y.length; i++) groups[y[i]].push(i);
  return groups;
}

/**
 * A stratified train/test split of the rows with labels y: `nTest` rows go to test, each class
 * contributing in proportion to its size. Without an rng, a class's test rows are spread evenly
 * through its rows in file order; with one, they are a seeded random choice. Both outputs are
 * interleaved by class.
 */
export function stratifiedSplit(y: ArrayLike<number>, classes: number, nTest: number, rng?: DataRng): { train: number[]; test: number[] } {
  const groups = byClass(y, classes);
  const quota = apportion(groups.map((g) => g.length), nTest, groups.map((g) => g.length));
  const train: number[][] = [];
  const test: number[][] = [];
  groups.forEach((rows, c) => {
    let pick: Set<number>;
    if (rng) pick = new Set(rng.shuffle(rows.slice()).slice(0, quota[c]));
    else pick = new Set(evenlySpaced(rows.length, quota[c]).map((j) => rows[j]));
    train.push(rows.filter((r) => !pick.has(r)));
    test.push(rows.filter((r) => pick.has(r)));
  });
  return { train: interleave(train), test: interleave(test) };
}

/** The rows `idx` of a row-major table with `f` columns, and their labels. */
export function gather(x: ArrayLike<number>, y: ArrayLike<number>, f: number, idx: number[]): Split {
  const out = new Float64Array(idx.length * f);
  const lab = new Int32Array(idx.length);
  idx.forEach((r, i) => {
    for (let j = 0; j < f; j++) out[i * f + j] = x[r * f + j];
    lab[i] = y[r];
  });
  return { x: out, y: lab, n: idx.length };
}

/**
 * z-scores both splits in place with the train split's per-feature mean and (population)
 * standard deviation. A constant feature gets std 1, so it becomes 0 rather than NaN.
 */
export function zscore(train: Split, test: Split, f: number): { mean: number[]; std: number[] } {
  const mean = new Array<number>(f).fill(0);
  const std = new Array<number>(f).fill(0);
  for (let i = 0; i < train.n; i++) for (let j = 0; j < f; j++) mean[j] += train.x[i * f + j];
  for (let j = 0; j < f; j++) mean[j] /= Math.max(1, train.n);
  for (let i = 0; i < train.n; i++)
    for (let j = 0; j < f; j++) {
      const d = train.x[i * f + j] - mean[j];
      std[j] += d * d;
    }
  for (let j = 0; j < f; j++) {
    const s = Math.sqrt(std[j] / Math.max(1, train.n));
    std[j] = s > 1e-12 * Math.max(1, Math.abs(mean[j])) ? s : 1;
  }
  for (const s of [train, test])
    for (let i = 0; i < s.n; i++) for (let j = 0; j < f; j++) s.x[i * f + j] = (s.x[i * f + j] - mean[j]) / std[j];
  return { mean, std };
}
