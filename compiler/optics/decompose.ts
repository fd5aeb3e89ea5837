/**
 * Programming a matrix onto an MZI mesh (compile time, float64).
 *
 * A mesh realises U = M(phases) · diag(e^{i·inputPhases}): an input phase screen, then the MZIs
 * of the topology (compiler/optics/topology.ts) in column order, each T(θ, φ) =
 * D_top(φ) B D_top(θ) B (neuroptica's convention, compiler/optics/cmatrix.ts).
 *
 * decompose(U) follows Clements et al., Optica 3, 1460 (2016): null U's lower-left triangle by
 * alternating column operations U ← U·T (diagonals i even) and row operations U ← T⁻¹·U (i odd),
 * reaching a diagonal D, so U = L₁⋯L_p · D · R_q⁻¹⋯R₁⁻¹. Each D·T(θ, φ)⁻¹ equals T(θ, φ′)·D′ with
 * φ′ = arg(d_j/d_{j+1}), d′_j = −e^{−i(θ+φ)} d_{j+1}, d′_{j+1} = −e^{−iθ} d_{j+1}, so D moves to
 * the input as the phase screen. Reck (PRL 73, 58 (1994)) uses column operations only, row by row.
 * The MZIs are then placed in the topology's columns in the order light meets them.
 *
 * programMatrix(W) handles any square W by its SVD W = U Σ V† (svd.ts): a V† mesh, per-mode
 * attenuators σᵢ/σ_max, a U mesh, and the digital gain σ_max.
 */
import { clone, mzi, type CMatrix } from "./cmatrix.js";
import { svd } from "./svd.js";
import { meshColumns, type Topology } from "./topology.js";

export interface MeshProgram {
  readonly topology: Topology;
  readonly n: number;
  /** N(N−1) phases, column by column, (θ, φ) per MZI, as the mzi_mesh layer takes them. */
  readonly phases: Float64Array;
  /** N phases of the input phase screen. */
  readonly inputPhases: Float64Array;
}

interface Op {
  readonly j: number;
  readonly theta: number;
  phi: number;
}

const arg = (re: number, im: number) => Math.atan2(im, re);

/** A ← A·T(θ, φ) on columns (j, j + 1). */
function applyRight(a: CMatrix, j: number, theta: number, phi: number): void {
  const n = a.n;
  const [t00, t01, t10, t11] = mzi(theta, phi);
  for (let r = 0; r < n; r++) {
    const xr = a.re[r * n + j]!, xi = a.im[r * n + j]!;
    const yr = a.re[r * n + j + 1]!, yi = a.im[r * n + j + 1]!;
    a.re[r * n + j] = xr * t00![0] - xi * t00![1] + yr * t10![0] - yi * t10![1];
    a.im[r * n + j] = xr * t00![1] + xi * t00![0] + yr * t10![1] + yi * t10![0];
    a.re[r * n + j + 1] = xr * t01![0] - xi * t01![1] + yr * t11![0] - yi * t11![1];
    a.im[r * n + j + 1] = xr * t01![1] + xi * t01![0] + yr * t11![1] + yi * t11![0];
  }
}

/** A ← T(θ, φ)⁻¹·A = T†·A on rows (j, j + 1). */
function applyLeftInverse(a: CMatrix, j: number, theta: number, phi: number): void {
  const n = a.n;
  const [t00, t01, t10, t11] = mzi(theta, phi);
  // T† = [[conj t00, conj t10], [conj t01, conj t11]]
  for (let c = 0; c < n; c++) {
    const xr = a.re[j * n + c]!, xi = a.im[j * n + c]!;
    const yr = a.re[(j + 1) * n + c]!, yi = a.im[(j + 1) * n + c]!;
    a.re[j * n + c] = t00![0] * xr + t00![1] * xi + t10![0] * yr + t10![1] * yi;
    a.im[j * n + c] = t00![0] * xi - t00![1] * xr + t10![0] * yi - t10![1] * yr;
    a.re[(j + 1) * n + c] = t01![0] * xr + t01![1] * xi + t11![0] * yr + t11![1] * yi;
    a.im[(j + 1) * n + c] = t01![0] * xi - t01![1] * xr + t11![0] * yi - t11![1] * yr;
  }
}

/** Column op nulling A[r][j] against A[r][j+1]. */
function nullRight(a: CMatrix, r: number, j: number): Op {
  const n = a.n;
  const ar = a.re[r * n + j]!, ai = a.im[r * n + j]!, br = a.re[r * n + j + 1]!, bi = a.im[r * n + j + 1]!;
  const theta = 2 * Math.atan2(Math.hypot(br, bi), Math.hypot(ar, ai));
  const phi = arg(br, bi) - arg(ar, ai) + Math.PI;
  applyRight(a, j, theta, phi);
  return { j, theta, phi };
}

/** Row op nulling A[r][c] (r = j + 1) against A[j][c]. */
function nullLeft(a: CMatrix, r: number, c: number): Op {
  const n = a.n;
  const j = r - 1;
  const ar = a.re[j * n + c]!, ai = a.im[j * n + c]!, br = a.re[r * n + c]!, bi = a.im[r * n + c]!;
  const theta = 2 * Math.atan2(Math.hypot(ar, ai), Math.hypot(br, bi));
  const phi = arg(ar, ai) - arg(br, bi);
  applyLeftInverse(a, j, theta, phi);
  return { j, theta, phi };
}

/** Places MZIs (in the order light meets them) into the topology's column slots. */
function place(topology: Topology, n: number, ops: readonly Op[]): Float64Array {
  const cols = meshColumns(topology, n);
  const starts: number[] = [];
  let total = 0;
  for (const [, k] of cols) {
    starts.push(total);
    total += k;
  }
  if (ops.length !== total) throw new Error(`decompose: ${ops.length} MZIs for a mesh of ${total}`);
  const used = new Uint8Array(total);
  const last = new Int32Array(n).fill(-1);
  const phases = new Float64Array(2 * total);
  for (const op of ops) {
    let c = Math.max(last[op.j]!, last[op.j + 1]!) + 1;
    for (; c < cols.length; c++) {
      const [offset, k] = cols[c]!;
      const m = (op.j - offset) / 2;
      if (Number.isInteger(m) && m >= 0 && m < k) break;
    }
    if (c >= cols.length) throw new Error(`decompose: no ${topology} slot for an MZI on modes ${op.j}, ${op.j + 1}`);
    const slot = starts[c]! + (op.j - cols[c]![0]) / 2;
    if (used[slot]) throw new Error(`decompose: slot ${slot} used twice`);
    used[slot] = 1;
    last[op.j] = last[op.j + 1] = c;
    phases[2 * slot] = wrap(op.theta);
    phases[2 * slot + 1] = wrap(op.phi);
  }
  return phases;
}

/** Wraps an angle to [0, 2π). */
function wrap(x: number): number {
  const y = x % (2 * Math.PI);
  return y < 0 ? y + 2 * Math.PI : y;
}

/** Phases that make the mesh (with its input phase screen) equal the unitary `u`. */
export function decompose(u: CMatrix, topology: Topology = "clements"): MeshProgram {
  const n = u.n;
  const a = clone(u);
  const left: Op[] = [];
  const right: Op[] = [];
  if (topology === "clements") {
    for (let i = 0; i < n - 1; i++) {
      if (i % 2 === 0) for (let j = 0; j <= i; j++) right.push(nullRight(a, n - 1 - j, i - j));
      else for (let j = 0; j <= i; j++) left.push(nullLeft(a, n - 1 - i + j, j));
    }
  } else {
    for (let r = n - 1; r >= 1; r--) for (let j = 0; j < r; j++) right.push(nullRight(a, r, j));
  }
  // D = diag(a); move it through R_q⁻¹ … R₁⁻¹ to the input.
  const dr = new Float64Array(n), di = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    dr[i] = a.re[i * n + i]!;
    di[i] = a.im[i * n + i]!;
  }
  for (let k = right.length - 1; k >= 0; k--) {
    const op = right[k]!;
    const j = op.j;
    const phiNew = arg(dr[j]!, di[j]!) - arg(dr[j + 1]!, di[j + 1]!);
    // d′_j = −e^{−i(θ+φ)} d_{j+1}; d′_{j+1} = −e^{−iθ} d_{j+1}
    const [br, bi] = [dr[j + 1]!, di[j + 1]!];
    const e1 = -(op.theta + op.phi), e2 = -op.theta;
    dr[j] = -(Math.cos(e1) * br - Math.sin(e1) * bi);
    di[j] = -(Math.cos(e1) * bi + Math.sin(e1) * br);
    dr[j + 1] = -(Math.cos(e2) * br - Math.sin(e2) * bi);
    di[j + 1] = -(Math.cos(e2) * bi + Math.sin(e2) * br);
    op.phi = phiNew;
  }
  // U = L₁⋯L_p · R′_q⋯R′₁ · D_in: light meets D_in, R′₁ … R′_q, then L_p … L₁.
  const order = [...right, ...left.slice().reverse()];
  const phases = place(topology, n, order);
  const inputPhases = Float64Array.from({ length: n }, (_, i) => wrap(arg(dr[i]!, di[i]!)));
  return { topology, n, phases, inputPhases };
}

/** The matrix a programmed mesh realises, computed directly from the MZI transfers. */
export function meshMatrix(p: MeshProgram, splitter?: Float64Array): CMatrix {
  const n = p.n;
  const m: CMatrix = { n, re: new Float64Array(n * n), im: new Float64Array(n * n) };
  for (let i = 0; i < n; i++) {
    m.re[i * n + i] = Math.cos(p.inputPhases[i]!);
    m.im[i * n + i] = Math.sin(p.inputPhases[i]!);
  }
  let slot = 0;
  for (const [offset, k] of meshColumns(p.topology, n))
    for (let q = 0; q < k; q++, slot++) {
      const j = offset + 2 * q;
      const [t00, t01, t10, t11] = mzi(p.phases[2 * slot]!, p.phases[2 * slot + 1]!, splitter?.[2 * slot] ?? 0, splitter?.[2 * slot + 1] ?? 0);
      // rows j, j+1 ← T · rows
      for (let c = 0; c < n; c++) {
        const xr = m.re[j * n + c]!, xi = m.im[j * n + c]!;
        const yr = m.re[(j + 1) * n + c]!, yi = m.im[(j + 1) * n + c]!;
        m.re[j * n + c] = t00![0] * xr - t00![1] * xi + t01![0] * yr - t01![1] * yi;
        m.im[j * n + c] = t00![0] * xi + t00![1] * xr + t01![0] * yi + t01![1] * yr;
        m.re[(j + 1) * n + c] = t10![0] * xr - t10![1] * xi + t11![0] * yr - t11![1] * yi;
        m.im[(j + 1) * n + c] = t10![0] * xi + t10![1] * xr + t11![0] * yi + t11![1] * yr;
      }
    }
  return m;
}

export interface MatrixProgram {
  /** W = gain · U · diag(attenuation) · V†. */
  readonly v: MeshProgram;
  readonly attenuation: Float64Array;
  readonly u: MeshProgram;
  readonly gain: number;
}

/** Programs any square matrix: SVD, two meshes, attenuators σᵢ/σ_max and a digital gain σ_max. */
export function programMatrix(w: CMatrix, topology: Topology = "clements"): MatrixProgram {
  const { u, s, vh } = svd(w);
  const gain = Math.max(...s, 0);
  const attenuation = Float64Array.from(s, (x) => (gain > 0 ? x / gain : 0));
  return { v: decompose(vh, topology), attenuation, u: decompose(u, topology), gain };
}
