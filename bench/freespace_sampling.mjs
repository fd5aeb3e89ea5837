// bench/freespace_sampling.mjs — how fast the angular spectrum converges with the window on the
// diffractive example's geometry, rerun with   node bench/freespace_sampling.mjs [N]   (seconds)
// A random-phase N×N field (default 14; λ = 0.75 mm, Δ = 0.4 mm, z = 3 mm: the D2NN example) is
// propagated by the angular spectrum on windows of M = 16 … 256 samples — without a band limit
// ("none"), with the wrap-around guard cut ("bl") and with Matsushima & Shimobaba's band limit
// ("mat") — and compared (relative L2 on the N×N field) with a band-limited 2048-sample window.
// Plain float64 JavaScript with its own radix-2 FFT: independent of pnn's code. It is why pnn's
// free-space default is the Rayleigh–Sommerfeld sum (exact in a 2N − 1 window) at Δ ≈ 0.53λ.
function fft1(re, im, inv) { // in place radix-2
  const n = re.length; for (let i = 1, j = 0; i < n; i++) { let bit = n >> 1; for (; j & bit; bit >>= 1) j ^= bit; j ^= bit; if (i < j) { [re[i], re[j]] = [re[j], re[i]]; [im[i], im[j]] = [im[j], im[i]]; } }
  for (let len = 2; len <= n; len <<= 1) { const ang = 2 * Math.PI / len * (inv ? 1 : -1); for (let i = 0; i < n; i += len) for (let k = 0; k < len / 2; k++) { const wr = Math.cos(ang * k), wi = Math.sin(ang * k); const ar = re[i + k + len / 2], ai = im[i + k + len / 2]; const tr = ar * wr - ai * wi, ti = ar * wi + ai * wr; re[i + k + len / 2] = re[i + k] - tr; im[i + k + len / 2] = im[i + k] - ti; re[i + k] += tr; im[i + k] += ti; } }
  if (inv) for (let i = 0; i < n; i++) { re[i] /= n; im[i] /= n; }
}
function fft2(re, im, M, inv) { const r = new Float64Array(M), i2 = new Float64Array(M);
  for (let a = 0; a < M; a++) { for (let b = 0; b < M; b++) { r[b] = re[a * M + b]; i2[b] = im[a * M + b]; } fft1(r, i2, inv); for (let b = 0; b < M; b++) { re[a * M + b] = r[b]; im[a * M + b] = i2[b]; } }
  for (let b = 0; b < M; b++) { for (let a = 0; a < M; a++) { r[a] = re[a * M + b]; i2[a] = im[a * M + b]; } fft1(r, i2, inv); for (let a = 0; a < M; a++) { re[a * M + b] = r[a]; im[a * M + b] = i2[a]; } } }
const freq = (k, n, d) => (k < Math.ceil(n / 2) ? k : k - n) / (n * d);
// propagate n×n field (re, im) on M×M (power of 2) grid, centred; band limit guard (M-n)*d if bl
function prop(ure, uim, n, M, z, lam, d, mode) {
  const re = new Float64Array(M * M), im = new Float64Array(M * M); const o = Math.floor((M - n) / 2);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) { re[(r + o) * M + c + o] = ure[r * n + c]; im[(r + o) * M + c + o] = uim[r * n + c]; }
  fft2(re, im, M, false);
  const guard = (M - n) * d;
  for (let r = 0; r < M; r++) for (let c = 0; c < M; c++) {
    const fy = freq(r, M, d), fx = freq(c, M, d); const s = 1 / lam ** 2 - fx * fx - fy * fy; const i = r * M + c;
    let hr = 0, hi = 0;
    if (s > 0) { const q = Math.sqrt(s); const kz = 2 * Math.PI * q; let keep = true;
      if (mode === "bl") keep = Math.abs(z * fx / q) <= guard && Math.abs(z * fy / q) <= guard;
      if (mode === "mat") { const du = 1 / (M * d); const ul = 1 / (lam * Math.sqrt((2 * du * z) ** 2 + 1)); keep = Math.abs(fx) <= ul && Math.abs(fy) <= ul; }
      if (keep) { hr = Math.cos(kz * z); hi = Math.sin(kz * z); } }
    const a = re[i], b = im[i]; re[i] = a * hr - b * hi; im[i] = a * hi + b * hr; }
  fft2(re, im, M, true);
  const or = new Float64Array(n * n), oi = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) { or[r * n + c] = re[(r + o) * M + c + o]; oi[r * n + c] = im[(r + o) * M + c + o]; }
  return [or, oi];
}
let seed = 7; const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
const n = +process.argv[2] || 14, z = 3e-3, lam = 0.75e-3, d = 0.4e-3;
const ure = new Float64Array(n * n), uim = new Float64Array(n * n);
for (let i = 0; i < n * n; i++) { const p = 2 * Math.PI * rnd(); const a = 1; ure[i] = a * Math.cos(p); uim[i] = a * Math.sin(p); }
const rel = (a, b) => { let num = 0, den = 0; for (let i = 0; i < a[0].length; i++) { num += (a[0][i] - b[0][i]) ** 2 + (a[1][i] - b[1][i]) ** 2; den += b[0][i] ** 2 + b[1][i] ** 2; } return Math.sqrt(num / den); };
const ref = prop(ure, uim, n, 1024, z, lam, d, "bl");
const ref2 = prop(ure, uim, n, 2048, z, lam, d, "bl");
console.log("ref 1024 vs 2048", rel(ref, ref2));
for (const M of [16, 32, 64, 128, 256]) for (const mode of ["none", "bl", "mat"]) if (M >= n) console.log(M, mode, rel(prop(ure, uim, n, M, z, lam, d, mode), ref2).toExponential(3));
