/**
 * Reads a matrix for `optics.unitary` / `optics.matrix` from CSV text: one row per line, entries
 * separated by commas; an entry is a real number (`0.5`, `-1e-3`) or a complex one written
 * `re+imj` / `re-imi` (`0.7+0.1j`, `-0.2i`). Blank lines and lines starting with `#` are skipped.
 * Returns the matrix or a message saying what is wrong (the checker turns it into a diagnostic).
 */
import { unitarityError, type CMatrix } from "./cmatrix.js";

const NUM = String.raw`[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?`;
const REAL = new RegExp(`^${NUM}$`);
const IMAG = new RegExp(`^(${NUM}|[+-]?)[ij]$`);
const COMPLEX = new RegExp(`^(${NUM})([+-](?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?|[+-])[ij]$`);

function parseEntry(s: string): [number, number] | undefined {
  const t = s.trim().replace(/\s+/g, "");
  if (REAL.test(t)) return [Number(t), 0];
  let m = IMAG.exec(t);
  if (m) return [0, m[1] === "" || m[1] === "+" ? 1 : m[1] === "-" ? -1 : Number(m[1])];
  m = COMPLEX.exec(t);
  if (m) return [Number(m[1]), m[2] === "+" ? 1 : m[2] === "-" ? -1 : Number(m[2])];
  return undefined;
}

export type MatrixRead = { readonly ok: true; readonly matrix: CMatrix } | { readonly ok: false; readonly message: string; readonly kind: "malformed" | "not_square" };

export function parseMatrixCsv(text: string): MatrixRead {
  const rows: [number, number][][] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    const row: [number, number][] = [];
    for (const cell of line.split(",")) {
      const v = parseEntry(cell);
      if (!v || !Number.isFinite(v[0]) || !Number.isFinite(v[1])) return { ok: false, kind: "malformed", message: `line ${i + 1}: '${cell.trim()}' is not a number (write 0.5, -1e-3 or 0.7+0.1j)` };
      row.push(v);
    }
    rows.push(row);
  }
  const n = rows.length;
  if (n === 0) return { ok: false, kind: "malformed", message: "the file holds no matrix rows" };
  const bad = rows.findIndex((r) => r.length !== n);
  if (bad >= 0) return { ok: false, kind: "not_square", message: `the matrix is not square: ${n} rows, but row ${bad + 1} has ${rows[bad]!.length} entries` };
  if (n < 2) return { ok: false, kind: "not_square", message: "a mesh needs at least a 2×2 matrix" };
  const m: CMatrix = { n, re: new Float64Array(n * n), im: new Float64Array(n * n) };
  rows.forEach((r, i) => r.forEach(([re, im], j) => {
    m.re[i * n + j] = re;
    m.im[i * n + j] = im;
  }));
  return { ok: true, matrix: m };
}

/** Largest |(UᴴU − I)ᵢⱼ| accepted as unitary (files carry a few printed digits). */
export const UNITARY_TOLERANCE = 1e-6;

export function isUnitary(m: CMatrix): { ok: boolean; error: number } {
  const error = unitarityError(m);
  return { ok: error <= UNITARY_TOLERANCE, error };
}
