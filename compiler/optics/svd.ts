/**
 * Singular value decomposition of a square complex matrix, W = U · diag(s) · V†, by one-sided
 * (Hestenes) Jacobi rotations: columns p, q of A = W·V are made orthogonal by a phase on column
 * q (so a_pᴴ a_q is real) and a real Jacobi rotation; at convergence σᵢ = ‖aᵢ‖ and uᵢ = aᵢ/σᵢ.
 * Accurate to rounding (no normal equations). Columns of U for σ = 0 are completed by Gram–Schmidt.
 * Singular values are returned in descending order.
 */
import { adjoint, zeros, identity, clone, type CMatrix } from "./cmatrix.js";

export function svd(w: CMatrix): { u: CMatrix; s: Float64Array; vh: CMatrix } {
  const n = w.n;
  const a = clone(w);
  const v = identity(n);
  const col = (m: CMatrix, p: number, q: number) => {
    let al = 0, be = 0, gr = 0, gi = 0;
    for (let r = 0; r < n; r++) {
      const pr = m.re[r * n + p]!, pi = m.im[r * n + p]!, qr = m.re[r * n + q]!, qi = m.im[r * n + q]!;
      al += pr * pr + pi * pi;
      be += qr * qr + qi * qi;
      gr += pr * qr + pi * qi; // conj(a_p)·a_q
      gi += pr * qi - pi * qr;
    }
    return { al, be, gr, gi };
  };
  const rotate = (m: CMatrix, p: number, q: number, c: number, s: number, er: number, ei: number) => {
    for (let r = 0; r < n; r++) {
      const pr = m.re[r * n + p]!, pi = m.im[r * n + p]!;
      const q0r = m.re[r * n + q]!, q0i = m.im[r * n + q]!;
      const qr = q0r * er - q0i * ei, qi = q0r * ei + q0i * er; // a_q · e^{−iψ}
      m.re[r * n + p] = c * pr - s * qr;
      m.im[r * n + p] = c * pi - s * qi;
      m.re[r * n + q] = s * pr + c * qr;
      m.im[r * n + q] = s * pi + c * qi;
    }
  };
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n - 1; p++)
      for (let q = p + 1; q < n; q++) {
        const { al, be, gr, gi } = col(a, p, q);
        const g = Math.hypot(gr, gi);
        if (g === 0 || g <= 1e-15 * Math.sqrt(al * be)) continue;
        off = Math.max(off, g / Math.sqrt(al * be));
        const zeta = (be - al) / (2 * g);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        const er = gr / g, ei = -gi / g; // e^{−iψ}
        rotate(a, p, q, c, s, er, ei);
        rotate(v, p, q, c, s, er, ei);
      }
    if (off < 1e-15) break;
  }
  const sv = Array.from({ length: n }, (_, i) => {
    let s = 0;
    for (let r = 0; r < n; r++) s += a.re[r * n + i]! ** 2 + a.im[r * n + i]! ** 2;
    return { i, s: Math.sqrt(s) };
  }).sort((x, y) => y.s - x.s);
  const u = zeros(n);
  const vs = zeros(n);
  const scale = sv[0]?.s ?? 0;
  sv.forEach(({ i, s }, k) => {
    for (let r = 0; r < n; r++) {
      vs.re[r * n + k] = v.re[r * n + i]!;
      vs.im[r * n + k] = v.im[r * n + i]!;
      if (s > 1e-13 * scale) {
        u.re[r * n + k] = a.re[r * n + i]! / s;
        u.im[r * n + k] = a.im[r * n + i]! / s;
      }
    }
  });
  completeColumns(u, sv.map(({ s }) => s > 1e-13 * scale));
  return { u, s: Float64Array.from(sv, ({ s }) => (s > 1e-13 * scale ? s : 0)), vh: adjoint(vs) };
}

/** Fills the columns of `u` not marked `ok` with an orthonormal completion (Gram–Schmidt on eₖ). */
function completeColumns(u: CMatrix, ok: boolean[]): void {
  const n = u.n;
  let basis = 0;
  for (let k = 0; k < n; k++) {
    if (ok[k]) continue;
    for (; basis < n; basis++) {
      const xr = new Float64Array(n), xi = new Float64Array(n);
      xr[basis] = 1;
      for (let c = 0; c < n; c++) {
        if (!ok[c]) continue;
        let pr = 0, pi = 0; // u_cᴴ x
        for (let r = 0; r < n; r++) {
          pr += u.re[r * n + c]! * xr[r]! + u.im[r * n + c]! * xi[r]!;
          pi += u.re[r * n + c]! * xi[r]! - u.im[r * n + c]! * xr[r]!;
        }
        for (let r = 0; r < n; r++) {
          xr[r]! -= pr * u.re[r * n + c]! - pi * u.im[r * n + c]!;
          xi[r]! -= pr * u.im[r * n + c]! + pi * u.re[r * n + c]!;
        }
      }
      const norm = Math.hypot(...xr, ...xi);
      if (norm > 1e-6) {
        for (let r = 0; r < n; r++) {
          u.re[r * n + k] = xr[r]! / norm;
          u.im[r * n + k] = xi[r]! / norm;
        }
        ok[k] = true;
        basis++;
        break;
      }
    }
  }
}
