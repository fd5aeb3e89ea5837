/**
 * Interpreter kernels for pairwise mixing along the last axis (an MZI mesh column, compiler/ir/
 * ops-nn.ts): pair_mix y_j = d_j·x_j + o_j·x_{p_j} (adjoint: conj(d_j)·x_j + conj(o_{p_j})·x_{p_j})
 * and pair_mix_grad y_j = Σ_rows g_j·conj(x_{q_j}), q = p or the identity. float64, complex
 * interleaved. The partners are read at run time: an index outside the axis, or partners that are
 * not an involution (p_{p_j} = j, what the adjoint and the gradients rely on), throw a RangeError.
 */
import type { Node } from "../../ir/graph.js";
import { isComplex, numel, type TypeShape } from "../../ir/types.js";
import type { Kernel } from "./util.js";

function checkPartners(P: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) {
    const q = P[j]!;
    if (!(Number.isInteger(q) && q >= 0 && q < n)) throw new RangeError(`pair_mix: partner ${q} outside axis of size ${n}`);
  }
  for (let j = 0; j < n; j++) if (P[P[j]!] !== j) throw new RangeError(`pair_mix: partners are not an involution (p[p[${j}]] = ${P[P[j]!]})`);
}

export function pairMixKernel(node: Node, x: TypeShape): Kernel {
  const n = x.shape[x.shape.length - 1]!;
  const rows = numel(x.shape) / Math.max(n, 1);
  const adjoint = node.attrs.adjoint === true;
  if (!isComplex(x.dtype))
    return ([xs, d, o, p], y) => {
      const X = xs!, D = d!, O = o!, P = p!;
      checkPartners(P, n);
      for (let r = 0; r < rows; r++)
        for (let j = 0; j < n; j++) {
          const q = P[j]!;
          y[r * n + j] = D[j]! * X[r * n + j]! + O[adjoint ? q : j]! * X[r * n + q]!;
        }
    };
  const s = adjoint ? -1 : 1; // conjugate the coefficients
  return ([xs, d, o, p], y) => {
    const X = xs!, D = d!, O = o!, P = p!;
    checkPartners(P, n);
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < n; j++) {
        const q = P[j]!, k = adjoint ? q : j;
        const dr = D[2 * j]!, di = s * D[2 * j + 1]!, or = O[2 * k]!, oi = s * O[2 * k + 1]!;
        const a = 2 * (r * n + j), b = 2 * (r * n + q);
        const xr = X[a]!, xi = X[a + 1]!, pr = X[b]!, pi = X[b + 1]!;
        y[a] = dr * xr - di * xi + (or * pr - oi * pi);
        y[a + 1] = dr * xi + di * xr + (or * pi + oi * pr);
      }
  };
}

export function pairMixGradKernel(node: Node, x: TypeShape): Kernel {
  const n = x.shape[x.shape.length - 1]!;
  const rows = numel(x.shape) / Math.max(n, 1);
  const partner = node.attrs.partner === true;
  const w = isComplex(x.dtype) ? 2 : 1;
  return ([g, xs, p], y) => {
    const G = g!, X = xs!, P = p!;
    checkPartners(P, n);
    y.fill(0);
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < n; j++) {
        const q = partner ? P[j]! : j;
        const a = w * (r * n + j), b = w * (r * n + q);
        if (w === 1) y[j] = y[j]! + G[a]! * X[b]!;
        else {
          // g·conj(x)
          y[2 * j] = y[2 * j]! + (G[a]! * X[b]! + G[a + 1]! * X[b + 1]!);
          y[2 * j + 1] = y[2 * j + 1]! + (G[a + 1]! * X[b]! - G[a]! * X[b + 1]!);
        }
      }
  };
}
