/**
 * Lowering of MZI meshes (std/optics `mzi_mesh`, `unitary`, `weights`): fields c64 [B, N] in,
 * c64 [B, N] out; phases f32 [..., N(N−1)], column by column, (θ, φ) per MZI
 * (compiler/optics/topology.ts gives the Clements and Reck column layouts). Every column's
 * per-mode coefficients are computed at once, vectorised over [columns, N]; then one of two forms
 * (the cheaper by the cost model in mesh-form.ts, for the batch and N at hand):
 *   columns:  one loop (`scan`) over the columns whose body mixes each mode of every sample with
 *             its partner, so the IR does not grow with N (work ∝ C·B·N): one `pair_mix` per
 *             column when the coefficients are shared by the batch (its gradient is the adjoint
 *             pair_mix and two pair_mix_grad sums: three kernels a column backward), else
 *             gather, multiply and add (coefficients per sample or per chip);
 *   transfer: the mesh's transfer matrix built once per step from the coefficients — a tree of
 *             ⌈log₂ C⌉ batched complex matmuls of the column matrices (∝ C·N³, no batch) — and
 *             one complex matmul per batch (∝ B·N²). Exact: the mesh is linear in the field.
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
import { GraphBuilder, type Node } from "../../ir/graph.js";
import type { MatrixProgram, MeshProgram } from "../../optics/decompose.js";
import { buildScan } from "../../ir/loops.js";
import { meshColumns, type Topology } from "../../optics/topology.js";
import { sliceLast, type MeshForm, type MeshProbe } from "../context.js";
import { estimatedMicros, kernelCost, type KernelCost } from "./mesh-form.js";


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
  /** Per-sample column rotations, the transfer matrix built once and one matmul, or the cheaper by mesh-form.ts (default). */
  readonly form?: MeshForm | "auto";
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

/**
 * Where every phase of an N-mode mesh goes when the columns run as one loop: each column t is
 * written per mode j as out_j = d_tj·x_j + o_tj·x_{partner_tj} (unpaired modes: d = 1, o = 0),
 * so all columns share one body. MZIs of column t sit in slots t·K + m (K = the widest column).
 */
export interface MeshLayout {
  /** Columns with at least one MZI. */
  readonly columns: number;
  readonly n: number;
  readonly width: number;
  /** Per slot (columns × width): the MZI's index in phase order, or −1 (padding). */
  readonly slotMzi: readonly number[];
  /** Per column and mode (columns × n): the slot of the MZI on that mode, or columns·width (none). */
  readonly modeSlot: readonly number[];
  /** Per column and mode: 1 for the top/bottom mode of an MZI, and the mode it mixes with. */
  readonly top: readonly number[];
  readonly bottom: readonly number[];
  readonly partner: readonly number[];
}

export function meshLayout(topology: Topology, n: number): MeshLayout {
  const cols = meshColumns(topology, n).filter(([, k]) => k > 0);
  const width = Math.max(1, ...cols.map(([, k]) => k));
  const slotMzi = new Array<number>(cols.length * width).fill(-1);
  const modeSlot = new Array<number>(cols.length * n).fill(cols.length * width);
  const top = new Array<number>(cols.length * n).fill(0);
  const bottom = new Array<number>(cols.length * n).fill(0);
  const partner = Array.from({ length: cols.length * n }, (_, i) => i % n);
  let mzi = 0;
  cols.forEach(([offset, k], t) => {
    for (let m = 0; m < k; m++, mzi++) {
      const slot = t * width + m, j = offset + 2 * m;
      slotMzi[slot] = mzi;
      modeSlot[t * n + j] = modeSlot[t * n + j + 1] = slot;
      top[t * n + j] = 1;
      bottom[t * n + j + 1] = 1;
      partner[t * n + j] = j + 1;
      partner[t * n + j + 1] = j;
    }
  });
  return { columns: cols.length, n, width, slotMzi, modeSlot, top, bottom, partner };
}

/** Values [.., 2·MZIs] laid out like the phases → per slot: the first (θ) or second (φ) of each MZI, [.., columns·width] (0 in padding). */
function perSlot(b: GraphBuilder, v: Node, L: MeshLayout, second: 0 | 1): Node {
  const P = v.shape[v.shape.length - 1]!;
  const lead = v.shape.slice(0, -1);
  const ext = b.concat([v, b.broadcastTo(b.scalar(0, v.dtype), [...lead, 1])], lead.length);
  const idx = b.const(L.slotMzi.map((m) => (m < 0 ? P : 2 * m + second)), "i32", [L.slotMzi.length]);
  return b.gather(ext, idx, lead.length);
}

/** Per-slot values [.., columns·width] → per column and mode, [.., columns, n] (0 where no MZI). */
function perMode(b: GraphBuilder, v: Node, L: MeshLayout): Node {
  const lead = v.shape.slice(0, -1);
  const ext = b.concat([v, b.broadcastTo(b.scalar(0, v.dtype), [...lead, 1])], lead.length);
  return b.gather(ext, b.const(L.modeSlot, "i32", [L.columns, L.n]), lead.length);
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

/**
 * The mesh unrolled column by column in physical order, each column through probedColumn, so
 * the in-situ probe sees the field after every shifter (the scan form cannot expose it).
 */
function lowerProbedMesh(b: GraphBuilder, x: Node, ph: Node, amplitude: number, topology: Topology, kappa: number | undefined, splitterError: Node | undefined, probe: MeshProbe): Node {
  const n = x.shape[x.shape.length - 1]!;
  const quarter = b.scalar(Math.PI / 4, "f32");
  let p = 0;
  let field = x;
  for (const [offset, k] of meshColumns(topology, n)) {
    if (k === 0) continue;
    let [theta, phi] = evenOdd(b, sliceLast(b, ph, p, p + 2 * k), k);
    if (kappa) {
      // heaters hold the programmed phase within one period; their neighbours see that setting
      theta = crosstalk(b, wrapPhase(b, theta), kappa);
      phi = crosstalk(b, wrapPhase(b, phi), kappa);
    }
    let angles: [Node, Node] = [quarter, quarter];
    if (splitterError) {
      const [d1, d2] = evenOdd(b, sliceLast(b, splitterError, p, p + 2 * k), k);
      angles = [b.add(d1, quarter), b.add(d2, quarter)];
    }
    const coupler = [b.cos(angles[0]), b.sin(angles[0]), b.cos(angles[1]), b.sin(angles[1])] as const;
    field = probedColumn(b, field, theta, phi, offset, k, coupler, b.scalar(amplitude, "f32"), probe, p);
    p += 2 * k;
  }
  probe.finish?.();
  return field;
}

/** The mesh on field x [.., N] with phases [.., N(N−1)]; the device model when options ask for it. */
export function lowerMziMesh(b: GraphBuilder, x: Node, phases: Node, opts: MeshOptions = {}): Node {
  const n = x.shape[x.shape.length - 1]!;
  const L = meshLayout(opts.topology ?? "clements", n);
  if (L.columns === 0) return x;
  const amplitude = Math.pow(10, -(opts.lossDb ?? 0) / 20);
  const ph = opts.phaseBits ? quantizePhase(b, phases, opts.phaseBits) : phases;
  if (opts.probe) return lowerProbedMesh(b, x, ph, amplitude, opts.topology ?? "clements", opts.crosstalk, opts.splitterError, opts.probe);
  const lead = ph.shape.slice(0, -1);
  let theta = perSlot(b, ph, L, 0), phi = perSlot(b, ph, L, 1);
  if (opts.crosstalk) {
    // heaters hold the programmed phase within one period; their neighbours in the column see that setting
    const cols = [...lead, L.columns, L.width], flat = [...lead, L.columns * L.width];
    theta = b.reshape(crosstalk(b, wrapPhase(b, b.reshape(theta, cols)), opts.crosstalk), flat);
    phi = b.reshape(crosstalk(b, wrapPhase(b, b.reshape(phi, cols)), opts.crosstalk), flat);
  }
  // coupler coefficients a = c₁c₂, b = s₁s₂, c = c₂s₁, d = s₂c₁ (×amplitude), per mode
  let coef: [Node, Node, Node, Node];
  if (opts.splitterError) {
    const quarter = b.scalar(Math.PI / 4, "f32");
    const a1 = b.add(perMode(b, perSlot(b, opts.splitterError, L, 0), L), quarter);
    const a2 = b.add(perMode(b, perSlot(b, opts.splitterError, L, 1), L), quarter);
    const amp = b.scalar(amplitude, "f32");
    const [c1, s1, c2, s2] = [b.cos(a1), b.sin(a1), b.cos(a2), b.sin(a2)];
    coef = [b.mul(amp, b.mul(c1, c2)), b.mul(amp, b.mul(s1, s2)), b.mul(amp, b.mul(c2, s1)), b.mul(amp, b.mul(s2, c1))];
  } else {
    const ideal = b.scalar(0.5 * amplitude, "f32");
    coef = [ideal, ideal, ideal, ideal];
  }
  const [ca, cb, cc, cd] = coef;
  // e^{iθ} per MZI, then spread onto its two modes: half the transcendentals of spreading first
  const et = perMode(b, b.expi(theta), L), ep = perMode(b, b.expi(phi), L);
  const mask = (v: readonly number[]) => b.const(v, "f32", [L.columns, L.n]);
  const top = mask(L.top), bottom = mask(L.bottom);
  const none = mask(L.top.map((t, i) => 1 - t - L.bottom[i]!));
  const i = b.scalar([0, 1], "c64");
  // top mode:    d = e^{iφ}(a e^{iθ} − b),  o = i e^{iφ}(c e^{iθ} + d)
  // bottom mode: d = a − b e^{iθ},          o = i (d e^{iθ} + c)
  const diag = b.add(b.add(b.mul(top, b.mul(ep, b.sub(b.mul(ca, et), cb))), b.mul(bottom, b.sub(ca, b.mul(cb, et)))), none);
  const off = b.mul(i, b.add(b.mul(top, b.mul(ep, b.add(b.mul(cc, et), cd))), b.mul(bottom, b.add(b.mul(cd, et), cc))));
  const form = opts.form === "columns" || opts.form === "transfer" ? opts.form : chooseMeshForm(x, L, lead.length > 0);
  return form === "transfer" && lead.length === 0 ? transferForm(b, x, diag, off, L) : columnsForm(b, x, diag, off, L);
}

/**
 * Per-sample column rotations: one loop over the columns, out_j = d_tj·x_j + o_tj·x_{partner_tj}
 * for every sample; coefficients [.., C, N] (leading axes: per-sample or per-chip phases).
 */
function columnsForm(b: GraphBuilder, x: Node, diag: Node, off: Node, L: MeshLayout): Node {
  // the column axis leads, for the loop over columns
  const columnsFirst = (v: Node) => {
    const r = v.shape.length;
    return r === 2 ? v : b.transpose(v, [r - 2, ...v.shape.slice(0, r - 2).map((_, k) => k), r - 1]);
  };
  const partner = b.const(L.partner, "i32", [L.columns, L.n]);
  const axis = x.shape.length - 1;
  // coefficients shared by every sample: one pair_mix per column (its own kernel; partners are an involution)
  const shared = diag.shape.length === 2 && x.dtype === diag.dtype;
  const r = buildScan(b, { length: L.columns, carries: [x], xs: [columnsFirst(diag), columnsFirst(off), partner] }, (bb, v) => {
    const [field] = v.carries as [Node];
    const [d, o, p] = v.xs as [Node, Node, Node];
    return { carries: [shared ? bb.pairMix(field, d, o, p) : bb.add(bb.mul(d, field), bb.mul(o, bb.gather(field, p, axis)))] };
  });
  return r.carries[0]!;
}

/** The transfer matrix built once from the coefficients [C, N], then y = x·M for every sample. */
function transferForm(b: GraphBuilder, x: Node, diag: Node, off: Node, L: MeshLayout): Node {
  const m = meshTransfer(b, diag, off, L);
  if (x.shape.length >= 2) return b.matmul(x, m);
  return b.reshape(b.matmul(b.reshape(x, [1, L.n]), m), [L.n]);
}

/**
 * The cheaper form for fields shaped like x by mesh-form.ts's cost model (both forms built on
 * stand-ins and costed); columns when the coefficients have leading axes (phases that differ
 * per sample or per chip have no single transfer matrix).
 */
export function chooseMeshForm(x: { readonly shape: readonly number[] }, L: MeshLayout, perSamplePhases = false): MeshForm {
  if (perSamplePhases) return "columns";
  const c = meshFormCosts(x.shape, L);
  return estimatedMicros(c.transfer) < estimatedMicros(c.columns) ? "transfer" : "columns";
}

/** What the cost model sees of each form for fields of this shape (bench/mesh-form.mjs fits on it). */
export function meshFormCosts(xShape: readonly number[], L: MeshLayout): Record<MeshForm, KernelCost> {
  const cost = (form: (b: GraphBuilder, x: Node, d: Node, o: Node, L: MeshLayout) => Node) => {
    const s = new GraphBuilder();
    const c = [L.columns, L.n];
    s.output("y", form(s, s.input("x", "c64", xShape), s.input("d", "c64", c), s.input("o", "c64", c), L));
    return kernelCost(s.build());
  };
  return { columns: cost(columnsForm), transfer: cost(transferForm) };
}

/**
 * The mesh's transfer matrix in row form, M = A₀·A₁·…·A_{C−1} with A_t[k, j] = d_tj·[k = j] +
 * o_tj·[k = partner_tj] (x_{t+1} = x_t·A_t), multiplied pairwise in a tree of ⌈log₂ C⌉ batched matmuls.
 */
export function meshTransfer(b: GraphBuilder, diag: Node, off: Node, L: MeshLayout): Node {
  const n = L.n;
  const eye = b.const(Array.from({ length: n * n }, (_, i) => (Math.floor(i / n) === i % n ? 1 : 0)), "f32", [n, n]);
  const swap = b.const(Array.from({ length: L.columns * n * n }, (_, i) => {
    const t = Math.floor(i / (n * n)), k = Math.floor(i / n) % n, j = i % n;
    return L.partner[t * n + j] === k && k !== j ? 1 : 0;
  }), "f32", [L.columns, n, n]);
  const rows = (v: Node) => b.reshape(v, [L.columns, 1, n]);
  let a = b.add(b.mul(rows(diag), eye), b.mul(rows(off), swap));
  // multiply neighbours pairwise, level by level; an odd one out waits at the end of its level
  for (let count = L.columns; count > 1; ) {
    const half = Math.floor(count / 2);
    const at = (k: number, len: number) => b.slice(a, [k, 0, 0], [k + len, n, n]);
    const pairs = b.reshape(at(0, 2 * half), [half, 2, n, n]);
    const first = b.reshape(b.slice(pairs, [0, 0, 0, 0], [half, 1, n, n]), [half, n, n]);
    const second = b.reshape(b.slice(pairs, [0, 1, 0, 0], [half, 2, n, n]), [half, n, n]);
    const products = b.matmul(first, second);
    a = count % 2 ? b.concat([products, at(count - 1, 1)], 0) : products;
    count = half + (count % 2);
  }
  return b.reshape(a, [n, n]);
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
