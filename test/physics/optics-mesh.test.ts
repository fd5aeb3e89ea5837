// Physics of the mzi_mesh lowering (compiler/lower/layers/optics-mesh.ts) through the reference
// interpreter, both topologies: lossless meshes are unitary to 1e-10 and conserve power; the IR
// mesh equals the independent float64 transfer (compiler/optics meshMatrix) and so realises a
// decomposed unitary; insertion loss removes L dB per MZI crossed; imperfect couplers limit the
// extinction to sin²(δ₁ − δ₂) (bar) and sin²(δ₁ + δ₂) (cross) yet stay unitary; thermal crosstalk
// equals the ideal mesh at C·φ; the phase DAC equals the ideal mesh at rounded phases.
import { describe, expect, it } from "vitest";
import { GraphBuilder, type Node } from "../../compiler/ir/graph.js";
import { lowerMziMesh, type MeshOptions } from "../../compiler/lower/layers/optics-mesh.js";
import { fromInterleaved, identity, maxAbsDiff, unitarityError, type CMatrix } from "../../compiler/optics/cmatrix.js";
import { decompose, meshMatrix } from "../../compiler/optics/decompose.js";
import { meshColumns, mziPairs, type Topology } from "../../compiler/optics/topology.js";
import type { Tensor } from "../../runtime/backend.js";
import { Stream } from "../../runtime/rng.js";
import { haarUnitary, run } from "./optics-helpers.js";

const TOPOLOGIES: Topology[] = ["clements", "reck"];

/**
 * The mesh's transfer matrix M (y = M x) from the IR: rows of the input batch are basis vectors eⱼ,
 * so output row j is column j of M. `splitter` feeds coupler errors when given.
 */
function irMatrix(n: number, phases: Float64Array, opts: MeshOptions & { splitterValues?: Float64Array } = {}): CMatrix {
  const b = new GraphBuilder();
  const x = b.input("x", "c64", [n, n]);
  const p = b.input("phases", "f32", [n * (n - 1)]);
  let splitterError: Node | undefined;
  if (opts.splitterValues) splitterError = b.input("splitter", "f32", [n * (n - 1)]);
  b.output("y", lowerMziMesh(b, x, p, { ...opts, ...(splitterError ? { splitterError } : {}) }));
  const feeds: Record<string, Tensor> = {
    x: { dtype: "c64", shape: [n, n], data: interleave(identity(n)) },
    phases: { dtype: "f32", shape: [n * (n - 1)], data: phases },
  };
  if (opts.splitterValues) feeds.splitter = { dtype: "f32", shape: [n * (n - 1)], data: opts.splitterValues };
  const y = run(b, feeds).y!.data;
  // transpose: output row j = M eⱼ = column j of M
  const t = new Float64Array(2 * n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (const c of [0, 1]) t[2 * (i * n + j) + c] = y[2 * (j * n + i) + c]!;
  return fromInterleaved(n, t);
}

function interleave(m: CMatrix): Float64Array {
  const out = new Float64Array(2 * m.n * m.n);
  for (let k = 0; k < m.n * m.n; k++) {
    out[2 * k] = m.re[k]!;
    out[2 * k + 1] = m.im[k]!;
  }
  return out;
}

const randomPhases = (rng: Stream, n: number) => Float64Array.from({ length: n * (n - 1) }, () => 2 * Math.PI * rng.uniform());

describe("lossless meshes", () => {
  for (const topology of TOPOLOGIES)
    for (const n of [2, 3, 6, 11]) {
      it(`${topology}, N = ${n}: unitary to 1e-10, equal to the float64 transfer, power-conserving`, () => {
        const rng = new Stream(3, n);
        const ph = randomPhases(rng, n);
        const m = irMatrix(n, ph, { topology });
        expect(unitarityError(m)).toBeLessThan(1e-10);
        expect(maxAbsDiff(m, meshMatrix({ topology, n, phases: ph, inputPhases: new Float64Array(n) }))).toBeLessThan(1e-12);
        // power of a random field
        const xr = Float64Array.from({ length: n }, () => rng.normal()), xi = Float64Array.from({ length: n }, () => rng.normal());
        let pin = 0, pout = 0;
        for (let i = 0; i < n; i++) {
          pin += xr[i]! ** 2 + xi[i]! ** 2;
          let yr = 0, yi = 0;
          for (let j = 0; j < n; j++) {
            yr += m.re[i * n + j]! * xr[j]! - m.im[i * n + j]! * xi[j]!;
            yi += m.re[i * n + j]! * xi[j]! + m.im[i * n + j]! * xr[j]!;
          }
          pout += yr * yr + yi * yi;
        }
        expect(Math.abs(pout - pin) / pin).toBeLessThan(1e-12);
      });
    }

  it("Reck has 2N − 3 columns and Clements N, both with N(N−1)/2 MZIs", () => {
    for (let n = 2; n <= 12; n++) {
      expect(meshColumns("reck", n).length).toBe(2 * n - 3);
      expect(meshColumns("clements", n).length).toBe(n);
      for (const t of TOPOLOGIES) expect(mziPairs(t, n).length).toBe((n * (n - 1)) / 2);
    }
  });

  it("the IR mesh, fed decomposed phases after the input phase screen, realises the target unitary", () => {
    for (const topology of TOPOLOGIES) {
      const n = 7;
      const u = haarUnitary(new Stream(21, 1), n);
      const prog = decompose(u, topology);
      const m = irMatrix(n, prog.phases, { topology });
      // M · diag(e^{i·inputPhases}) = U
      const screened = fromInterleaved(n, interleave(m));
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          const c = Math.cos(prog.inputPhases[j]!), s = Math.sin(prog.inputPhases[j]!);
          const re = m.re[i * n + j]!, im = m.im[i * n + j]!;
          screened.re[i * n + j] = re * c - im * s;
          screened.im[i * n + j] = re * s + im * c;
        }
      expect(maxAbsDiff(screened, u)).toBeLessThan(1e-9);
    }
  });
});

describe("insertion loss", () => {
  for (const topology of TOPOLOGIES)
    it(`${topology}: in the bar state (θ = π) mode i keeps 10^(−L·kᵢ/10) of its power, kᵢ = MZIs it crosses`, () => {
      const n = 6;
      const L = 0.3;
      const ph = Float64Array.from({ length: n * (n - 1) }, (_, i) => (i % 2 === 0 ? Math.PI : 0.7 * i));
      const m = irMatrix(n, ph, { topology, lossDb: L });
      const crossings = new Array<number>(n).fill(0);
      for (const j of mziPairs(topology, n)) {
        crossings[j]!++;
        crossings[j + 1]!++;
      }
      for (let i = 0; i < n; i++) {
        const p = m.re[i * n + i]! ** 2 + m.im[i * n + i]! ** 2;
        expect(p).toBeCloseTo(Math.pow(10, (-L * crossings[i]!) / 10), 12);
      }
      // and no light changes waveguide
      let off = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) off += m.re[i * n + j]! ** 2 + m.im[i * n + j]! ** 2;
      expect(off).toBeLessThan(1e-20);
    });

  it("a lossy mesh is the lossless mesh scaled per MZI: 0 dB is lossless, more dB is less power", () => {
    const n = 5;
    const ph = randomPhases(new Stream(4, 4), n);
    const powerOf = (m: CMatrix) => m.re.reduce((s, v) => s + v * v, 0) + m.im.reduce((s, v) => s + v * v, 0);
    const p0 = powerOf(irMatrix(n, ph, { lossDb: 0 }));
    const p1 = powerOf(irMatrix(n, ph, { lossDb: 0.1 }));
    const p2 = powerOf(irMatrix(n, ph, { lossDb: 0.5 }));
    expect(p0).toBeCloseTo(n, 12);
    expect(p1).toBeLessThan(p0);
    expect(p2).toBeLessThan(p1);
  });
});

describe("beam-splitter error", () => {
  it("a single MZI: bar-state leakage sin²(δ₁ − δ₂), cross-state leakage sin²(δ₁ + δ₂)", () => {
    for (const [d1, d2] of [[0.05, -0.03], [0.1, 0.1], [-0.2, 0.07]] as const) {
      const bar = irMatrix(2, Float64Array.from([Math.PI, 0.3]), { splitterValues: Float64Array.from([d1, d2]) });
      expect(bar.re[2]! ** 2 + bar.im[2]! ** 2).toBeCloseTo(Math.sin(d1 - d2) ** 2, 14);
      const cross = irMatrix(2, Float64Array.from([0, 0.3]), { splitterValues: Float64Array.from([d1, d2]) });
      expect(cross.re[0]! ** 2 + cross.im[0]! ** 2).toBeCloseTo(Math.sin(d1 + d2) ** 2, 14);
    }
    // ideal couplers: perfect extinction
    const ideal = irMatrix(2, Float64Array.from([Math.PI, 0.3]));
    expect(ideal.re[2]! ** 2 + ideal.im[2]! ** 2).toBeLessThan(1e-30);
  });

  for (const topology of TOPOLOGIES)
    it(`${topology}: with coupler errors the mesh stays unitary, matches the float64 transfer and differs from the ideal`, () => {
      const n = 6;
      const rng = new Stream(8, 8);
      const ph = randomPhases(rng, n);
      const delta = Float64Array.from({ length: n * (n - 1) }, () => 0.05 * rng.normal());
      const m = irMatrix(n, ph, { topology, splitterValues: delta });
      expect(unitarityError(m)).toBeLessThan(1e-10);
      const prog = { topology, n, phases: ph, inputPhases: new Float64Array(n) };
      expect(maxAbsDiff(m, meshMatrix(prog, delta))).toBeLessThan(1e-12);
      expect(maxAbsDiff(m, meshMatrix(prog))).toBeGreaterThan(1e-3);
    });
});

describe("thermal crosstalk", () => {
  for (const topology of TOPOLOGIES)
    it(`${topology}: equals the ideal mesh at φ_eff = (I + κA)·wrap(φ), A = neighbouring heaters of a column`, () => {
      const n = 7;
      const kappa = 0.04;
      // phases beyond one period: the heaters hold them wrapped to [0, 2π)
      const ph = randomPhases(new Stream(9, 1), n).map((v, i) => v + 2 * Math.PI * ((i % 5) - 2));
      const wrap = (v: number) => ((v % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
      const eff = Float64Array.from(ph);
      let slot = 0;
      for (const [, k] of meshColumns(topology, n)) {
        for (let q = 0; q < k; q++)
          for (const which of [0, 1]) {
            const left = q > 0 ? wrap(ph[2 * (slot + q - 1) + which]!) : 0;
            const right = q < k - 1 ? wrap(ph[2 * (slot + q + 1) + which]!) : 0;
            eff[2 * (slot + q) + which] = wrap(ph[2 * (slot + q) + which]!) + kappa * (left + right);
          }
        slot += k;
      }
      const withX = irMatrix(n, ph, { topology, crosstalk: kappa });
      expect(maxAbsDiff(withX, irMatrix(n, eff, { topology }))).toBeLessThan(1e-12);
      expect(maxAbsDiff(withX, irMatrix(n, ph, { topology }))).toBeGreaterThan(1e-3);
      expect(unitarityError(withX)).toBeLessThan(1e-10);
    });
});

describe("phase quantization", () => {
  it("equals the ideal mesh at phases rounded to multiples of 2π/2^bits (any real phase, wrapped)", () => {
    const n = 5;
    const rng = new Stream(10, 1);
    const ph = Float64Array.from({ length: n * (n - 1) }, () => 20 * (rng.uniform() - 0.5));
    for (const bits of [1, 3, 6]) {
      const step = (2 * Math.PI) / 2 ** bits;
      const rounded = ph.map((x) => Math.round(x / step) * step);
      const q = irMatrix(n, ph, { phaseBits: bits });
      expect(maxAbsDiff(q, irMatrix(n, rounded))).toBeLessThan(1e-9);
    }
    expect(maxAbsDiff(irMatrix(n, ph, { phaseBits: 3 }), irMatrix(n, ph))).toBeGreaterThan(1e-3);
  });
});
