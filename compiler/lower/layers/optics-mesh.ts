/**
 * Lowering of MZI meshes (std/optics `mzi_mesh`, `unitary`, `weights`): fields c64 [B, N] in,
 * c64 [B, N] out; phases f32 [..., N(N−1)], column by column, (θ, φ) per MZI
 * (compiler/optics/topology.ts gives the Clements and Reck column layouts).
 *
 * Each MZI is T = D_top(φ) · B(π/4 + δ₂) · D_top(θ) · B(π/4 + δ₁), B(α) = [[cos α, i sin α], [i sin α, cos α]]:
 *   T = [[e^{iφ}(a e^{iθ} − b), i e^{iφ}(c e^{iθ} + d)], [i(d e^{iθ} + c), a − b e^{iθ}]],
 *   a = c₁c₂, b = s₁s₂, c = c₂s₁, d = s₂c₁ (all ½ for ideal 50:50 couplers), times the amplitude
 *   transmission 10^(−L/20) of the insertion loss L dB.
 * Device model (MeshDevice), applied to the phases in this order:
 *   phase quantization: φ wrapped to [−Δ/2, 2π − Δ/2), rounded to the 2^bits levels kΔ, Δ = 2π/2^bits,
 *     with a straight-through gradient (φ + sg(q(φ) − φ));
 *   thermal crosstalk: φ_eff = C w(φ), C = I + κ·A, A the adjacency of neighbouring heaters (the θ
 *     heaters of MZIs next to each other in one column, and likewise the φ heaters), w(φ) the
 *     phase a heater holds, wrapped to [0, 2π);
 *   beam-splitter error: per-chip coupler angle errors δ (two per MZI, laid out like the phases).
 * In-situ probing (MeshOptions.probe, installed by the in_situ_adjoint rule): each column is then
 * lowered in its physical order — coupler B(α₁), θ shifters, coupler B(α₂), φ shifters, loss —
 * and the probe sees the field just after every shifter (the same T, only factored; equal to the
 * closed form to rounding).
 */
import type { GraphBuilder, Node } from "../../ir/graph.js";
import type { MatrixProgram, MeshProgram } from "../../optics/decompose.js";
import { meshColumns, type Topology } from "../../optics/topology.js";
import { sliceLast, type MeshProbe } from "../context.js";

export interface MeshOptions {
  readonly topology?: Topology;
  /** Insertion loss per MZI in dB (applied to twin and device alike: a nominal property). */
  readonly lossDb?: number;
  /** Coupler angle errors δ (rad), shaped like the phases; device only. */
  readonly splitterError?: Node;
  /** Thermal crosstalk coefficient κ to neighbouring heaters; device only. */
  readonly crosstalk?: number;
  /** Phase DAC resolution over [0, 2π); device only. */
  readonly phaseBits?: number;
  /** An in-situ probe that sees (and may perturb) the field after every phase shifter. */
  readonly probe?: MeshProbe;
}

/** Splits the last axis [.., 2k] into its even (first) and odd (second) entries, each [.., k]. */
function evenOdd(b: GraphBuilder, x: Node, k: number): [Node, Node] {
  const lead = x.shape.slice(0, -1);
  const ph = b.reshape(x, [...lead, k, 2]);
  const first = b.reshape(b.slice(ph, [...lead.map(() => 0), 0, 0], [...lead, k, 1]), [...lead, k]);
  const second = b.reshape(b.slice(ph, [...lead.map(() => 0), 0, 1], [...lead, k, 2]), [...lead, k]);
  return [first, second];
}

/** θ + κ·(left neighbour + right neighbour) along the last axis (heaters of one column). */
function crosstalk(b: GraphBuilder, x: Node, kappa: number): Node {
  const k = x.shape[x.shape.length - 1];
  if (k < 2 || kappa === 0) return x;
  const none = x.shape.map(() => 0);
  const one = x.shape.map((_, i) => (i === x.shape.length - 1 ? 1 : 0));
  const fromLeft = b.pad(sliceLast(b, x, 0, k - 1), one, none); // [0, x₀, …, x_{k−2}]
  const fromRight = b.pad(sliceLast(b, x, 1, k), none, one); // [x₁, …, x_{k−1}, 0]
  return b.add(x, b.mul(b.scalar(kappa, "f32"), b.add(fromLeft, fromRight)));
}

/**
 * φ wrapped to [0, 2π), with gradient 1: a = angle(e^{iφ}) ∈ (−π, π], plus 2π where a < 0.
 * The cut sits at φ ≡ 0 where a is exactly 0 in any precision (sin 0 = 0), so a heater at
 * phase 0 (every phase quantized to level 0) holds 0 on every backend. (angle(e^{i(φ − π)}) + π
 * put the cut at φ = 0 itself: 0 in float64 but 2π in float32, since π rounds the other way.)
 */
function wrapPhase(b: GraphBuilder, phi: Node): Node {
  const a = b.angle(b.expi(phi));
  const negative = b.relu(b.sign(b.neg(a))); // 1 where a < 0, else 0; no gradient
  return b.add(a, b.mul(b.scalar(2 * Math.PI, "f32"), negative));
}

/** Phase DAC: wrap to one period, round to 2^bits levels; straight-through gradient. */
export function quantizePhase(b: GraphBuilder, phi: Node, bits: number): Node {
  const step = (2 * Math.PI) / Math.pow(2, bits);
  // w ∈ (−Δ/2, 2π − Δ/2]: angle(e^{i(φ + Δ/2 − π)}) + π − Δ/2 (gradient 1)
  const w = b.add(b.angle(b.expi(b.add(phi, b.scalar(step / 2 - Math.PI, "f32")))), b.scalar(Math.PI - step / 2, "f32"));
  const q = b.quantize(w, bits, 0, 2 * Math.PI - step);
  return b.add(phi, b.stopGradient(b.sub(q, phi)));
}

/** One column of k MZIs on pairs starting at `offset`, applied to field x [.., N]. */
function mziColumn(b: GraphBuilder, x: Node, theta: Node, phi: Node, offset: number, k: number, coef: readonly [Node, Node, Node, Node]): Node {
  const n = x.shape[x.shape.length - 1];
  const lead = x.shape.slice(0, -1);
  const [top, bot] = evenOdd(b, sliceLast(b, x, offset, offset + 2 * k), k);
  const [ca, cb, cc, cd] = coef;
  const t = b.expi(theta);
  const p = b.expi(phi);
  const i = b.scalar([0, 1], "c64");
  // out_top = e^{iφ}[(a e^{iθ} − b)·top + i(c e^{iθ} + d)·bot]
  const outTop = b.mul(p, b.add(b.mul(b.sub(b.mul(ca, t), cb), top), b.mul(b.mul(i, b.add(b.mul(cc, t), cd)), bot)));
  // out_bot = i(d e^{iθ} + c)·top + (a − b e^{iθ})·bot
  const outBot = b.add(b.mul(b.mul(i, b.add(b.mul(cd, t), cc)), top), b.mul(b.sub(ca, b.mul(cb, t)), bot));
  const stacked = b.concat([b.reshape(outTop, [...lead, k, 1]), b.reshape(outBot, [...lead, k, 1])], lead.length + 1);
  const mixed = b.reshape(stacked, [...lead, 2 * k]);
  const parts: Node[] = [];
  if (offset > 0) parts.push(sliceLast(b, x, 0, offset));
  parts.push(mixed);
  if (offset + 2 * k < n) parts.push(sliceLast(b, x, offset + 2 * k, n));
  return parts.length === 1 ? parts[0] : b.concat(parts, lead.length);
}

/**
 * The same column in physical order (couplers and shifters one after the other), with the probe
 * after each shifter: u = B(α₁)(top, bot); a_θ = e^{iθ}u₁ (probed); v = B(α₂)(a_θ, u₂);
 * a_φ = e^{iφ}v₁ (probed); out = amplitude·(a_φ, v₂). `c1, s1, c2, s2` = cos/sin of α₁, α₂.
 */
function probedColumn(b: GraphBuilder, x: Node, theta: Node, phi: Node, offset: number, k: number, coupler: readonly [Node, Node, Node, Node], amplitude: Node, probe: MeshProbe, at: number): Node {
  const n = x.shape[x.shape.length - 1];
  const lead = x.shape.slice(0, -1);
  const [top, bot] = evenOdd(b, sliceLast(b, x, offset, offset + 2 * k), k);
  const [c1, s1, c2, s2] = coupler;
  const i = b.scalar([0, 1], "c64");
  const cplx = (v: Node) => (v.dtype === "c64" ? v : b.complex(v, b.scalar(0, "f32")));
  const mix = (c: Node, s: Node, p: Node, q: Node): [Node, Node] => {
    const is = b.mul(i, cplx(s));
    return [b.add(b.mul(cplx(c), p), b.mul(is, q)), b.add(b.mul(is, p), b.mul(cplx(c), q))];
  };
  const [u1, u2] = mix(c1, s1, top, bot);
  const aTheta = probe.at(b.mul(b.expi(theta), u1), { offset: at, which: "theta" });
  const [v1, v2] = mix(c2, s2, aTheta, u2);
  const aPhi = probe.at(b.mul(b.expi(phi), v1), { offset: at, which: "phi" });
  const amp = cplx(amplitude);
  const stacked = b.concat([b.reshape(b.mul(amp, aPhi), [...lead, k, 1]), b.reshape(b.mul(amp, v2), [...lead, k, 1])], lead.length + 1);
  const mixed = b.reshape(stacked, [...lead, 2 * k]);
  const parts: Node[] = [];
  if (offset > 0) parts.push(sliceLast(b, x, 0, offset));
  parts.push(mixed);
  if (offset + 2 * k < n) parts.push(sliceLast(b, x, offset + 2 * k, n));
  return parts.length === 1 ? parts[0] : b.concat(parts, lead.length);
}

/** The mesh on field x [.., N] with phases [.., N(N−1)]; the device model when options ask for it. */
export function lowerMziMesh(b: GraphBuilder, x: Node, phases: Node, opts: MeshOptions = {}): Node {
  const n = x.shape[x.shape.length - 1];
  const amplitude = Math.pow(10, -(opts.lossDb ?? 0) / 20);
  const ph = opts.phaseBits ? quantizePhase(b, phases, opts.phaseBits) : phases;
  const ideal = b.scalar(0.5 * amplitude, "f32");
  let p = 0;
  let field = x;
  for (const [offset, k] of meshColumns(opts.topology ?? "clements", n)) {
    if (k === 0) continue;
    let [theta, phi] = evenOdd(b, sliceLast(b, ph, p, p + 2 * k), k);
    if (opts.crosstalk) {
      // heaters hold the programmed phase within one period; their neighbours see that setting
      theta = crosstalk(b, wrapPhase(b, theta), opts.crosstalk);
      phi = crosstalk(b, wrapPhase(b, phi), opts.crosstalk);
    }
    if (opts.probe) {
      const quarter = b.scalar(Math.PI / 4, "f32");
      let angles: [Node, Node] = [quarter, quarter];
      if (opts.splitterError) {
        const [d1, d2] = evenOdd(b, sliceLast(b, opts.splitterError, p, p + 2 * k), k);
        angles = [b.add(d1, quarter), b.add(d2, quarter)];
      }
      const coupler = [b.cos(angles[0]), b.sin(angles[0]), b.cos(angles[1]), b.sin(angles[1])] as const;
      field = probedColumn(b, field, theta, phi, offset, k, coupler, b.scalar(amplitude, "f32"), opts.probe, p);
      p += 2 * k;
      continue;
    }
    let coef: [Node, Node, Node, Node] = [ideal, ideal, ideal, ideal];
    if (opts.splitterError) {
      const [d1, d2] = evenOdd(b, sliceLast(b, opts.splitterError, p, p + 2 * k), k);
      const quarter = b.scalar(Math.PI / 4, "f32");
      const a1 = b.add(d1, quarter), a2 = b.add(d2, quarter);
      const amp = b.scalar(amplitude, "f32");
      const [c1, s1, c2, s2] = [b.cos(a1), b.sin(a1), b.cos(a2), b.sin(a2)];
      coef = [b.mul(amp, b.mul(c1, c2)), b.mul(amp, b.mul(s1, s2)), b.mul(amp, b.mul(c2, s1)), b.mul(amp, b.mul(s2, c1))];
    }
    field = mziColumn(b, field, theta, phi, offset, k, coef);
    p += 2 * k;
  }
  opts.probe?.finish?.();
  return field;
}

/** A mesh programmed at compile time (optics.unitary): the input phase screen, then the mesh. */
export function lowerProgrammedMesh(b: GraphBuilder, x: Node, prog: MeshProgram, opts: MeshOptions = {}): Node {
  const n = prog.n;
  let screen = b.const(Array.from(prog.inputPhases), "f32", [n]);
  if (opts.phaseBits) screen = quantizePhase(b, screen, opts.phaseBits);
  const phases = b.const(Array.from(prog.phases), "f32", [n * (n - 1)]);
  return lowerMziMesh(b, b.mul(x, b.expi(screen)), phases, { ...opts, topology: prog.topology });
}

/**
 * A weight matrix programmed by its SVD (optics.weights): V† mesh, attenuators, U mesh, gain.
 * Coupler errors, when given, hold the V† mesh's N(N−1) values and then the U mesh's.
 */
export function lowerProgrammedMatrix(b: GraphBuilder, x: Node, prog: MatrixProgram, opts: MeshOptions = {}): Node {
  const n = prog.u.n;
  const half = n * (n - 1);
  const errV = opts.splitterError ? sliceLast(b, opts.splitterError, 0, half) : undefined;
  const errU = opts.splitterError ? sliceLast(b, opts.splitterError, half, 2 * half) : undefined;
  const v = lowerProgrammedMesh(b, x, prog.v, { ...opts, ...(errV ? { splitterError: errV } : {}) });
  const attenuated = b.mul(v, b.const(Array.from(prog.attenuation), "f32", [n]));
  const u = lowerProgrammedMesh(b, attenuated, prog.u, { ...opts, ...(errU ? { splitterError: errU } : {}) });
  return b.mul(u, b.scalar(prog.gain, "f32"));
}
