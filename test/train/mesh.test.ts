// The Clements MZI mesh lowering (compiler/lower/layers/optics.ts): built with GraphBuilder and
// run in the reference interpreter, its transfer matrix must be unitary, it must conserve power,
// insertion loss must remove exactly 10^(−L/10) of the power per MZI, and it must hold
// N(N−1)/2 MZIs.
import { describe, expect, it } from "vitest";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import { GraphBuilder } from "../../compiler/ir/graph.js";
import { lowerMziMesh } from "../../compiler/lower/layers/optics-mesh.js";
import { clementsColumns } from "../../compiler/optics/topology.js";
import { Stream } from "../../runtime/rng.js";

/** Runs the mesh on `rows` input fields (c64 [R, N], interleaved re/im); returns the output fields. */
function runMesh(n: number, rows: number, field: Float64Array, phases: Float64Array, lossDb = 0): Float64Array {
  const b = new GraphBuilder();
  const x = b.input("x", "c64", [rows, n]);
  const p = b.input("phases", "f32", [n * (n - 1)]);
  b.output("y", lowerMziMesh(b, x, p, { lossDb }));
  const exe = compileInterp(b.build());
  const out = exe.run({ x: { dtype: "c64", shape: [rows, n], data: field }, phases: { dtype: "f32", shape: [n * (n - 1)], data: phases } });
  expect(out.y.shape).toEqual([rows, n]);
  return out.y.data as Float64Array;
}

function randomPhases(rng: Stream, n: number): Float64Array {
  return Float64Array.from({ length: n * (n - 1) }, () => 2 * Math.PI * rng.uniform());
}

function identity(n: number): Float64Array {
  const f = new Float64Array(2 * n * n);
  for (let i = 0; i < n; i++) f[2 * (i * n + i)] = 1;
  return f;
}

/** max |(MᴴM − I)_{ij}| for an N×N complex matrix M stored row-major, interleaved. */
function unitarityError(m: Float64Array, n: number): number {
  let worst = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let re = 0;
      let im = 0;
      for (let k = 0; k < n; k++) {
        // conj(M[k,i]) · M[k,j]
        const ar = m[2 * (k * n + i)]!, ai = -m[2 * (k * n + i) + 1]!;
        const br = m[2 * (k * n + j)]!, bi = m[2 * (k * n + j) + 1]!;
        re += ar * br - ai * bi;
        im += ar * bi + ai * br;
      }
      worst = Math.max(worst, Math.hypot(re - (i === j ? 1 : 0), im));
    }
  return worst;
}

const power = (f: Float64Array): number => f.reduce((s, v) => s + v * v, 0);

describe("lowerMziMesh (Clements)", () => {
  for (const n of [2, 3, 8, 12]) {
    it(`is unitary for N = ${n} at random phases`, () => {
      const rng = new Stream(42, n);
      for (let trial = 0; trial < 3; trial++) {
        // row i of the output is the mesh applied to basis vector e_i, i.e. the matrix is Uᵀ (unitary iff U is)
        const m = runMesh(n, n, identity(n), randomPhases(rng, n));
        expect(unitarityError(m, n)).toBeLessThan(1e-10);
        // and it is not trivially diagonal
        const offDiag = Array.from({ length: n * n }, (_, k) => (Math.floor(k / n) !== k % n ? Math.hypot(m[2 * k]!, m[2 * k + 1]!) : 0));
        expect(Math.max(...offDiag)).toBeGreaterThan(1e-3);
      }
    });
  }

  it("conserves the power of a random input field (N = 8, batch of 5)", () => {
    const rng = new Stream(7, 1);
    const n = 8, rows = 5;
    const field = Float64Array.from({ length: 2 * rows * n }, () => rng.normal());
    const out = runMesh(n, rows, field, randomPhases(rng, n));
    for (let r = 0; r < rows; r++) {
      const pin = power(field.subarray(2 * r * n, 2 * (r + 1) * n));
      const pout = power(out.subarray(2 * r * n, 2 * (r + 1) * n));
      expect(Math.abs(pout - pin) / pin).toBeLessThan(1e-12);
    }
    // the output is not just the input
    expect(Math.max(...out.map((v, i) => Math.abs(v - field[i]!)))).toBeGreaterThan(1e-3);
  });

  it("insertion loss: a single MZI (N = 2) passes exactly 10^(−L/10) of the power", () => {
    expect(clementsColumns(2).filter(([, k]) => k > 0)).toEqual([[0, 1]]);
    const rng = new Stream(3, 2);
    for (const L of [0.1, 0.5, 3]) {
      const field = Float64Array.from({ length: 4 }, () => rng.normal());
      const out = runMesh(2, 1, field, randomPhases(rng, 2), L);
      expect(power(out) / power(field)).toBeCloseTo(Math.pow(10, -L / 10), 12);
    }
  });

  it("insertion loss lowers the output power of a larger mesh, and 0 dB does not", () => {
    const rng = new Stream(5, 3);
    const n = 6;
    const field = Float64Array.from({ length: 2 * n }, () => rng.normal());
    const ph = randomPhases(rng, n);
    const lossless = power(runMesh(n, 1, field, ph, 0));
    const lossy = power(runMesh(n, 1, field, ph, 0.2));
    expect(lossless).toBeCloseTo(power(field), 12);
    expect(lossy).toBeLessThan(lossless * (1 - 1e-3));
    // every path crosses at least one MZI and at most N of them (one per column)
    expect(lossy).toBeLessThanOrEqual(lossless * Math.pow(10, -0.2 / 10) + 1e-12);
    expect(lossy).toBeGreaterThanOrEqual(lossless * Math.pow(10, (-0.2 * n) / 10) - 1e-12);
  });

  it("holds N(N−1)/2 MZIs in N columns", () => {
    for (let n = 1; n <= 16; n++) {
      const cols = clementsColumns(n);
      expect(cols.length).toBe(n);
      expect(cols.reduce((s, [, k]) => s + k, 0)).toBe((n * (n - 1)) / 2);
      for (const [offset, k] of cols) expect(offset + 2 * k).toBeLessThanOrEqual(n);
    }
  });
});
