/**
 * Calibration of an external device's twin (docs/hardware.md; Wright et al., Nature 2022, fit
 * their digital model to the device before training): the twin's estimates of the device's
 * variables (phase offsets, splitter errors, responsivities, a surrogate's weights …) are fitted
 * to measured queries — rows x, parameters θ, measured y — by gradient descent (Adam) through
 * the twin, on the device's calibration program (compiler/lower/calibration.ts):
 *   min_d  Σ_queries Σ_rows |f_twin(x; θ, d) − y|² / (rows · outputs).
 * Before fitting, the subspace of the estimates the measurements determine is found (the range
 * of their Fisher information, from random projections of the twin's Jacobian); directions
 * outside it — e.g. output phases before square-law detectors, or pairs of phases only whose sum
 * matters — cannot be learnt from any such measurement, and the fit leaves them at the prior
 * (every step is projected onto the subspace) instead of letting them wander on rounding noise. Reported: the RMS twin-vs-device
 * error on fitted and held-out queries before and after, and on request the fidelity of the
 * twin's gradient — its cosine with a central finite-difference estimate on the device itself
 * (and, for scale, the cosine between two such estimates: the device's noise bounds it).
 * Pure runtime: it runs compiled programs and talks to the device through its client.
 */
import type { Executable, Tensor } from "../backend.js";
import { inputNamed, inputsOf, outputNamed, outputsOf, type ProgramManifest } from "../manifest.js";
import { streams } from "../streams.js";
import type { DeviceClient } from "./client.js";
import type { TwinValues } from "./staged.js";
import { symmetricEigen } from "./eigen.js";
import type { DeviceSpec } from "./types.js";

/** One answered query: rows of x, the parameters by protocol name, the measured rows of y. */
export interface Measurement {
  readonly x: Float64Array;
  readonly rows: number;
  readonly params: ReadonlyMap<string, Float64Array>;
  readonly y: Float64Array;
}

export interface CalibrationProgram {
  readonly exe: Executable;
  readonly manifest: ProgramManifest;
  /** Rows per run (longer queries run in chunks). */
  readonly batch: number;
}

export interface CalibrationOptions {
  readonly steps: number;
  readonly lr: number;
  /** Fraction of the queries held out (not fitted; scored). */
  readonly holdout: number;
  readonly seed: number;
}

export interface CalibrationReport {
  readonly device: string;
  readonly queries: { readonly fitted: number; readonly heldOut: number; readonly rows: number };
  readonly estimates: number;
  /** Dimensions of the estimates the measurements cannot determine (left at their prior). */
  readonly unobservable: number;
  readonly rms: { readonly fittedBefore: number; readonly fittedAfter: number; readonly heldOutBefore: number; readonly heldOutAfter: number };
  readonly steps: number;
  /**
   * The directions the measurements determine: an orthonormal basis (n × rank, row-major) of the
   * estimates' identifiable subspace, the estimates flattened in `order` (absent for very many values).
   */
  readonly identifiable?: { readonly order: readonly string[]; readonly rank: number; readonly basis: Float64Array };
}

interface Run {
  readonly pred: Float64Array;
  readonly loss: number;
  readonly twinGrads: Map<string, Float64Array>;
  readonly paramGrads: Map<string, Float64Array>;
}

/** Runs the calibration program over one query (in chunks of the program's batch): predictions, loss and summed gradients. */
export class DeviceTwin {
  private readonly xName: string;
  private readonly targetName: string;
  private readonly weightsName: string;
  private readonly keyName?: string;
  private readonly width: number;
  private readonly outWidth: number;

  constructor(readonly prog: CalibrationProgram, readonly spec: DeviceSpec, readonly twin: TwinValues) {
    const m = prog.manifest;
    this.xName = inputNamed(m, "x")!;
    this.targetName = inputNamed(m, "target")!;
    this.weightsName = inputNamed(m, "weights")!;
    const key = inputNamed(m, "key");
    if (key) this.keyName = key;
    this.width = spec.inputs.reduce((a, b) => a * b, 1);
    this.outWidth = spec.outputs.reduce((a, b) => a * b, 1);
  }

  /** `target` defaults to the measurement's y; `rowWeight` weighs every row. */
  async run(q: Measurement, params: ReadonlyMap<string, Float64Array>, target: Float64Array = q.y, rowWeight = 1): Promise<Run> {
    const { exe, manifest: m, batch: B } = this.prog;
    const W = this.width, O = this.outWidth;
    const spec = (name: string) => exe.inputs.find((s) => s.name === name)!;
    const inputs: Record<string, Tensor> = {};
    for (const { name, role } of inputsOf(m, "param")) {
      const dp = this.spec.params.find((p) => p.path === role.param)!;
      inputs[name] = { dtype: spec(name).dtype, shape: spec(name).shape, data: params.get(dp.name)! };
    }
    for (const { name, role } of inputsOf(m, "twin-var")) inputs[name] = { dtype: spec(name).dtype, shape: spec(name).shape, data: this.twin.get(role.variable)! };
    if (this.keyName) inputs[this.keyName] = { dtype: "i32", shape: [4], data: new Int32Array(4) };
    const pred = new Float64Array(q.rows * O);
    const twinGrads = new Map(outputsOf(m, "twin-grad").map((o) => [o.role.variable, new Float64Array(this.twin.get(o.role.variable)!.length)]));
    const paramGrads = new Map(outputsOf(m, "grad").map((o) => [o.role.param, new Float64Array(params.get(this.spec.params.find((p) => p.path === o.role.param)!.name)!.length)]));
    let loss = 0;
    const x = new Float64Array(B * W), t = new Float64Array(B * O), w = new Float64Array(B);
    for (let start = 0; start < q.rows; start += B) {
      const n = Math.min(B, q.rows - start);
      x.fill(0), t.fill(0), w.fill(0);
      x.set(q.x.subarray(start * W, (start + n) * W));
      t.set(target.subarray(start * O, (start + n) * O));
      w.fill(rowWeight, 0, n);
      inputs[this.xName] = { dtype: "f32", shape: spec(this.xName).shape, data: x };
      inputs[this.targetName] = { dtype: "f32", shape: spec(this.targetName).shape, data: t };
      inputs[this.weightsName] = { dtype: "f32", shape: [B], data: w };
      const out = await exe.run(inputs);
      pred.set((out[outputNamed(m, "logits")]!.data as ArrayLike<number> as Float64Array).subarray(0, n * O), start * O);
      loss += out[outputNamed(m, "loss")]!.data[0]!;
      for (const o of outputsOf(m, "twin-grad")) add(twinGrads.get(o.role.variable)!, out[o.name]!.data);
      for (const o of outputsOf(m, "grad")) add(paramGrads.get(o.role.param)!, out[o.name]!.data);
    }
    return { pred, loss, twinGrads, paramGrads };
  }
}

function add(into: Float64Array, g: ArrayLike<number>): void {
  for (let i = 0; i < into.length; i++) into[i] += g[i]!;
}

/** Root-mean-square twin-vs-device error over queries (per measured value). */
export async function rmsError(t: DeviceTwin, qs: readonly Measurement[]): Promise<number> {
  let sum = 0, count = 0;
  for (const q of qs) {
    const r = await t.run(q, q.params);
    for (let i = 0; i < r.pred.length; i++) sum += (r.pred[i]! - q.y[i]!) ** 2;
    count += r.pred.length;
  }
  return count ? Math.sqrt(sum / count) : NaN;
}

/** The estimates as one vector: each variable's offset in it. */
function layoutOf(twin: TwinValues): { key: string; offset: number; length: number }[] {
  let offset = 0;
  return [...twin].map(([key, v]) => {
    const e = { key, offset, length: v.length };
    offset += v.length;
    return e;
  });
}

/** Above this many estimated values (a learned twin's weights) the identifiable subspace is not computed: every value is fitted. */
const MAX_FISHER = 2048;

/**
 * The subspace of the estimates the measurements determine: the range of the Fisher information
 * F = Σ_q J_qᵀJ_q (J_q = ∂prediction/∂estimates at query q), estimated from random projections
 * g = J_qᵀv, v ~ N(0, I) (E[g gᵀ] = J_qᵀJ_q; computed as the loss gradient with target =
 * prediction − v/2). Returns an orthonormal basis Q (n × r, row-major) of its range; none (every
 * value fitted) beyond MAX_FISHER values.
 */
async function identifiable(t: DeviceTwin, qs: readonly Measurement[], seed: number): Promise<{ n: number; rank: number; basis?: Float64Array }> {
  const layout = layoutOf(t.twin);
  const n = layout.reduce((a, e) => a + e.length, 0);
  if (n > MAX_FISHER) return { n, rank: n };
  const rng = streams.calibration(seed, 1);
  const draws = Math.max(64, 2 * n);
  const preds = new Map<Measurement, Float64Array>();
  const fisher = new Float64Array(n * n);
  const g = new Float64Array(n);
  for (let d = 0; d < draws; d++) {
    const q = qs[d % qs.length]!;
    let pred = preds.get(q);
    if (!pred) preds.set(q, (pred = (await t.run(q, q.params)).pred));
    const r = await t.run(q, q.params, pred.map((p) => p - rng.normal() / 2));
    for (const e of layout) g.set(r.twinGrads.get(e.key)!, e.offset);
    for (let i = 0; i < n; i++) if (g[i] !== 0) for (let j = 0; j < n; j++) fisher[i * n + j] += g[i]! * g[j]!;
  }
  const { values, vectors } = symmetricEigen(fisher, n);
  const rank = values.filter((v) => v > 1e-7 * values[0]!).length;
  const basis = new Float64Array(n * rank);
  for (let i = 0; i < n; i++) for (let c = 0; c < rank; c++) basis[i * rank + c] = vectors[i * n + c]!;
  return { n, rank, basis };
}

/** Projects `x` (length n) onto the span of the basis columns (n × r), in place. */
function project(x: Float64Array, basis: Float64Array, r: number): void {
  const n = x.length;
  const c = new Float64Array(r);
  for (let i = 0; i < n; i++) if (x[i] !== 0) for (let k = 0; k < r; k++) c[k] += basis[i * r + k]! * x[i]!;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < r; k++) s += basis[i * r + k]! * c[k]!;
    x[i] = s;
  }
}

/** Splits queries into fitted and held out (a seeded draw, at least one of each when there are two). */
export function holdOut(qs: readonly Measurement[], fraction: number, seed: number): { fit: Measurement[]; held: Measurement[] } {
  const rng = streams.calibration(seed, 0);
  const fit: Measurement[] = [], held: Measurement[] = [];
  for (const q of qs) (rng.uniform() < fraction ? held : fit).push(q);
  if (qs.length >= 2 && fraction > 0 && held.length === 0) held.push(fit.pop()!);
  if (qs.length >= 2 && fit.length === 0) fit.push(held.pop()!);
  return { fit, held };
}

/** Fits the twin's estimates (in place) to the fitted queries; see the file comment. */
export async function calibrateDevice(t: DeviceTwin, qs: readonly Measurement[], o: CalibrationOptions): Promise<CalibrationReport> {
  const { fit, held } = holdOut(qs, o.holdout, o.seed);
  const fittedBefore = await rmsError(t, fit), heldOutBefore = await rmsError(t, held);
  const id = await identifiable(t, fit, o.seed);
  const layout = layoutOf(t.twin);
  const rows = fit.reduce((a, q) => a + q.rows, 0);
  const outputs = t.spec.outputs.reduce((a, b) => a * b, 1);
  const m = new Float64Array(id.n), v2 = new Float64Array(id.n), g = new Float64Array(id.n), step_ = new Float64Array(id.n);
  const b1 = 0.9, b2 = 0.999, eps = 1e-12;
  for (let step = 1; step <= o.steps; step++) {
    g.fill(0);
    for (const q of fit) {
      const r = await t.run(q, q.params, q.y, 1 / (rows * outputs));
      for (const e of layout) {
        const ge = r.twinGrads.get(e.key)!;
        for (let i = 0; i < e.length; i++) g[e.offset + i] += ge[i]!;
      }
    }
    // Adam; the rate falls linearly to a tenth over the last half of the steps
    const lr = o.lr * (step <= o.steps / 2 ? 1 : 1 - 0.9 * ((step - o.steps / 2) / (o.steps / 2)));
    for (let i = 0; i < id.n; i++) {
      m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
      v2[i] = b2 * v2[i]! + (1 - b2) * g[i]! * g[i]!;
      step_[i] = -(lr * (m[i]! / (1 - b1 ** step))) / (Math.sqrt(v2[i]! / (1 - b2 ** step)) + eps);
    }
    // only along what the measurements determine: the rest stays at the prior (Adam's per-value scaling would move it)
    if (id.basis) project(step_, id.basis, id.rank);
    for (const e of layout) {
      const value = t.twin.get(e.key)!;
      for (let i = 0; i < e.length; i++) value[i] += step_[e.offset + i]!;
    }
  }
  return {
    device: t.spec.name,
    queries: { fitted: fit.length, heldOut: held.length, rows: qs.reduce((a, q) => a + q.rows, 0) },
    estimates: id.n,
    unobservable: id.n - id.rank,
    rms: { fittedBefore, fittedAfter: await rmsError(t, fit), heldOutBefore, heldOutAfter: await rmsError(t, held) },
    steps: o.steps,
    ...(id.basis ? { identifiable: { order: layout.map((e) => e.key), rank: id.rank, basis: id.basis } } : {}),
  };
}

/** The twin's gradient of s(θ) = (1/rows) Σ v·f(x; θ) at one query, for the chosen parameter elements. */
async function twinGradient(t: DeviceTwin, q: Measurement, v: Float64Array, coords: readonly { name: string; path: string; i: number }[]): Promise<number[]> {
  const base = await t.run(q, q.params);
  const target = base.pred.map((p, j) => p - v[j]! / 2);
  const r = await t.run(q, q.params, target, 1 / q.rows);
  return coords.map((c) => r.paramGrads.get(c.path)![c.i]!);
}

/** A central finite-difference estimate of ∂s/∂θ on the device, for the chosen parameter elements (2 queries each). */
async function deviceGradient(client: DeviceClient, q: Measurement, v: Float64Array, coords: readonly { name: string; path: string; i: number }[], eps: number): Promise<number[]> {
  const out: number[] = [];
  for (const c of coords) {
    const s: number[] = [];
    for (const sign of [1, -1]) {
      const params = client.spec.params.map((p) => {
        const values = Float64Array.from(q.params.get(p.name)!);
        if (p.name === c.name) values[c.i] += sign * eps;
        return { name: p.name, values };
      });
      const y = await client.forward(q.x, q.rows, params);
      let sum = 0;
      for (let j = 0; j < y.length; j++) sum += v[j]! * y[j]!;
      s.push(sum / q.rows);
    }
    out.push((s[0]! - s[1]!) / (2 * eps));
  }
  return out;
}

export function cosine(a: readonly number[], b: readonly number[]): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) (ab += a[i]! * b[i]!), (aa += a[i]! * a[i]!), (bb += b[i]! * b[i]!);
  return ab / Math.sqrt(aa * bb);
}

export interface FidelityReport {
  readonly elements: number;
  readonly eps: number;
  /** cos(twin gradient, device finite differences) with each set of estimates. */
  readonly cosine: readonly number[];
  /** cos between two independent finite-difference estimates on the device (its noise ceiling). */
  readonly deviceRepeat: number;
}

/**
 * The twin's gradient against the device's own, at query `q`: `elements` random parameter
 * elements, finite differences of ±eps on the device (twice), and the twin's gradient with each
 * of `estimates` (e.g. before and after calibration) swapped into the twin.
 */
export async function gradientFidelity(t: DeviceTwin, client: DeviceClient, q: Measurement, estimates: readonly TwinValues[], o: { elements: number; eps: number; seed: number }): Promise<FidelityReport> {
  const rng = streams.calibration(o.seed, 2);
  const all = t.spec.params.flatMap((p) => Array.from({ length: p.shape.reduce((a, b) => a * b, 1) }, (_, i) => ({ name: p.name, path: p.path, i })));
  const coords = Array.from({ length: Math.min(o.elements, all.length) }, () => all.splice(rng.int(all.length), 1)[0]!);
  const v = Float64Array.from({ length: q.y.length }, () => rng.normal());
  const fd1 = await deviceGradient(client, q, v, coords, o.eps);
  const fd2 = await deviceGradient(client, q, v, coords, o.eps);
  const fd = fd1.map((a, i) => (a + fd2[i]!) / 2);
  const saved = new Map([...t.twin].map(([k, x]) => [k, Float64Array.from(x)]));
  const cos: number[] = [];
  for (const e of estimates) {
    for (const [k, x] of e) t.twin.get(k)!.set(x);
    cos.push(cosine(await twinGradient(t, q, v, coords), fd));
  }
  for (const [k, x] of saved) t.twin.get(k)!.set(x);
  return { elements: coords.length, eps: o.eps, cosine: cos, deviceRepeat: cosine(fd1, fd2) };
}
