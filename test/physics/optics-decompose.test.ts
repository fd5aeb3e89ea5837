// Programming matrices onto MZI meshes (compiler/optics/decompose.ts, svd.ts): Clements and
// Reck decompose → rebuild must reproduce random (Haar) unitaries to 1e-9 up to N = 64, the SVD
// must rebuild a random complex matrix, and programMatrix must rebuild a non-unitary weight
// matrix as gain · U Σ V† with attenuations in [0, 1].
import { describe, expect, it } from "vitest";
import { fromReal, matmul, maxAbsDiff, unitarityError, zeros, type CMatrix } from "../../compiler/optics/cmatrix.js";
import { decompose, meshMatrix, programMatrix } from "../../compiler/optics/decompose.js";
import { parseMatrixCsv } from "../../compiler/optics/matrix-file.js";
import { svd } from "../../compiler/optics/svd.js";
import { Stream } from "../../runtime/rng.js";
import { haarUnitary } from "./optics-helpers.js";

function gaussian(rng: Stream, n: number): CMatrix {
  const m = zeros(n);
  for (let k = 0; k < n * n; k++) {
    m.re[k] = rng.normal();
    m.im[k] = rng.normal();
  }
  return m;
}

describe("decompose → rebuild", () => {
  for (const topology of ["clements", "reck"] as const)
    for (const n of [2, 3, 4, 5, 8, 17, 32, 64]) {
      it(`${topology} reproduces a random unitary, N = ${n}`, () => {
        const u = haarUnitary(new Stream(11, n), n);
        expect(unitarityError(u)).toBeLessThan(1e-12);
        const p = decompose(u, topology);
        expect(p.phases.length).toBe(n * (n - 1));
        expect(p.inputPhases.length).toBe(n);
        for (const x of p.phases) expect(x >= 0 && x < 2 * Math.PI).toBe(true);
        expect(maxAbsDiff(meshMatrix(p), u)).toBeLessThan(1e-9);
      });
    }

  it("handles permutation-like and identity unitaries (zero entries)", () => {
    for (const topology of ["clements", "reck"] as const) {
      const n = 5;
      const perm = zeros(n);
      const sigma = [3, 0, 4, 1, 2];
      sigma.forEach((j, i) => (perm.re[i * n + j] = 1));
      expect(maxAbsDiff(meshMatrix(decompose(perm, topology)), perm)).toBeLessThan(1e-12);
      const id = fromReal(n, Array.from({ length: n * n }, (_, k) => (Math.floor(k / n) === k % n ? 1 : 0)));
      expect(maxAbsDiff(meshMatrix(decompose(id, topology)), id)).toBeLessThan(1e-12);
    }
  });

  it("a different unitary gives different phases (the rebuild is not trivially the input)", () => {
    const a = decompose(haarUnitary(new Stream(1, 1), 6));
    const b = decompose(haarUnitary(new Stream(1, 2), 6));
    expect(Math.max(...a.phases.map((x, i) => Math.abs(x - b.phases[i]!)))).toBeGreaterThan(1e-3);
  });
});

describe("svd and programMatrix", () => {
  it("svd rebuilds a random complex matrix with unitary factors", () => {
    for (const n of [1, 3, 16]) {
      const w = gaussian(new Stream(5, n), n);
      const { u, s, vh } = svd(w);
      expect(unitarityError(u)).toBeLessThan(1e-12);
      expect(unitarityError(vh)).toBeLessThan(1e-12);
      for (let i = 1; i < n; i++) expect(s[i]!).toBeLessThanOrEqual(s[i - 1]!);
      const sd = zeros(n);
      s.forEach((x, i) => (sd.re[i * n + i] = x));
      expect(maxAbsDiff(matmul(matmul(u, sd), vh), w)).toBeLessThan(1e-12 * Math.max(...s));
    }
  });

  it("svd of a rank-deficient matrix completes U to a unitary", () => {
    const n = 4;
    const w = fromReal(n, [1, 2, 3, 4, 2, 4, 6, 8, 0, 1, 0, 1, 1, 3, 3, 5]); // rank 2
    const { u, s, vh } = svd(w);
    expect(unitarityError(u)).toBeLessThan(1e-12);
    expect(s[2]).toBe(0);
    expect(s[3]).toBe(0);
    const sd = zeros(n);
    s.forEach((x, i) => (sd.re[i * n + i] = x));
    expect(maxAbsDiff(matmul(matmul(u, sd), vh), w)).toBeLessThan(1e-12);
  });

  it("programMatrix rebuilds a real weight matrix as gain · U diag(a) V† on two meshes", () => {
    const n = 8;
    const rng = new Stream(9, 9);
    const w = fromReal(n, Array.from({ length: n * n }, () => rng.normal()));
    for (const topology of ["clements", "reck"] as const) {
      const prog = programMatrix(w, topology);
      expect(Math.max(...prog.attenuation)).toBeCloseTo(1, 14);
      for (const a of prog.attenuation) expect(a >= 0 && a <= 1).toBe(true);
      const att = zeros(n);
      prog.attenuation.forEach((x, i) => (att.re[i * n + i] = x * prog.gain));
      const rebuilt = matmul(matmul(meshMatrix(prog.u), att), meshMatrix(prog.v));
      expect(maxAbsDiff(rebuilt, w)).toBeLessThan(1e-9);
    }
  });
});

describe("matrix CSV files", () => {
  it("parses real and complex entries, skips comments and blank lines", () => {
    const r = parseMatrixCsv("# a comment\n0.5, -0.2i, j\n\n1e-3-2.5e-2j, 0.7+0.1J, -j\n3,+2i,.5-.25j\n");
    expect(r.ok).toBe(false); // 'J' (capital) is not accepted
    const ok = parseMatrixCsv("# a comment\n0.5, -0.2i, j\n\n1e-3-2.5e-2j, 0.7+0.1j, -j\n3,+2i,.5-.25j\n");
    if (!ok.ok) throw new Error(ok.message);
    const m = ok.matrix;
    expect(m.n).toBe(3);
    expect(Array.from(m.re)).toEqual([0.5, 0, 0, 1e-3, 0.7, 0, 3, 0, 0.5]);
    expect(Array.from(m.im)).toEqual([0, -0.2, 1, -2.5e-2, 0.1, -1, 0, 2, -0.25]);
  });

  it("says what is wrong: a word, a ragged row, an empty file", () => {
    const bad = (t: string) => {
      const r = parseMatrixCsv(t);
      return r.ok ? "ok" : `${r.kind}: ${r.message}`;
    };
    expect(bad("1,0\n0,x\n")).toMatch(/^malformed: line 2: 'x'/);
    expect(bad("1,0\n0\n")).toMatch(/^not_square/);
    expect(bad("# nothing\n")).toMatch(/^malformed: the file holds no matrix rows/);
    expect(bad("1\n")).toMatch(/^not_square: a mesh needs at least a 2×2 matrix/);
  });
});
