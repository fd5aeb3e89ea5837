/**
 * MZI mesh layouts (pure data, no IR): which mode pairs each column of a mesh couples.
 * A column is [offset, k]: MZIs on pairs (offset + 2m, offset + 2m + 1), m = 0..k−1.
 * Phases of a mesh are laid out column by column, (θ, φ) per MZI, N(N−1) numbers in all.
 *   Clements (Optica 3, 1460 (2016)): N columns, column c starts at c mod 2 (rectangular, depth N).
 *   Reck (PRL 73, 58 (1994)): diagonals d = 0..N−2 hold pairs j = 0..N−2−d; pair j of diagonal d
 *   sits in column j + 2d, so 2N−3 columns (triangular).
 */
export type Topology = "clements" | "reck";

export type Column = readonly [offset: number, count: number];

export function clementsColumns(n: number): [number, number][] {
  const cols: [number, number][] = [];
  for (let c = 0; c < n; c++) {
    const offset = c % 2;
    cols.push([offset, Math.floor((n - offset) / 2)]);
  }
  return cols;
}

export function reckColumns(n: number): [number, number][] {
  const cols: [number, number][] = [];
  for (let c = 0; c <= 2 * n - 4; c++) {
    const offset = c % 2;
    const last = Math.min(c, 2 * n - 4 - c);
    cols.push([offset, last >= offset ? (last - offset) / 2 + 1 : 0]);
  }
  return cols;
}

export function meshColumns(topology: Topology, n: number): [number, number][] {
  return topology === "reck" ? reckColumns(n) : clementsColumns(n);
}

/** The pair offset j of every MZI, in phase order (MZI m owns phases 2m (θ) and 2m + 1 (φ)). */
export function mziPairs(topology: Topology, n: number): number[] {
  const pairs: number[] = [];
  for (const [offset, k] of meshColumns(topology, n)) for (let m = 0; m < k; m++) pairs.push(offset + 2 * m);
  return pairs;
}
