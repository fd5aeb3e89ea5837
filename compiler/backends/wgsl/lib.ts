/**
 * The WGSL prelude every kernel module starts with: the two bindings (the arena of 32-bit words
 * and the dispatch's parameter block), loads and stores by word offset, strided index helpers,
 * the failure hook, and the f32 math library.
 *
 * Why a math library: WGSL's built-in transcendental functions have loose accuracy bounds
 * (sin/cos: absolute error 2^-11 on [-π, π]; atan2: 4096 ULP) and the software drivers use
 * them (SwiftShader's sin(1) is off by 2·10⁻⁵). These are the Cephes single-precision
 * routines (Moshier; range reduction + minimax polynomials, about 1 ULP), so values match the
 * float64 interpreter to f32 rounding on every adapter. Philox4x32-10 and the conversions of
 * its words to uniforms and normals follow runtime/rng.ts exactly: uniforms are the
 * interpreter's 53-bit doubles rounded to f32 (round to nearest even, computed on integers, so
 * bit-identical); normals are its Box–Muller, with ln(1 − u₁) and cos(2πu₂) evaluated so that
 * no precision is lost near u₁ = 0, u₁ = 1 or at the quadrant boundaries of u₂.
 */

/** Float literal for WGSL: exact f32 (the prelude's f_inf()/f_nan() for non-finite values). */
export function flit(v: number): string {
  const f = Math.fround(v);
  if (Number.isNaN(f)) return "f_nan()";
  if (!Number.isFinite(f)) return f > 0 ? "f_inf()" : "(-f_inf())";
  if (Object.is(f, -0)) return "-0.0f";
  const s = String(f);
  return `${s.includes(".") || s.includes("e") ? s : s + ".0"}f`;
}

export const u32lit = (v: number): string => `${v >>> 0}u`;

export const PRELUDE = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> mem: array<u32>;
@group(0) @binding(1) var<uniform> P: array<vec4<u32>, 64>;

fn p(i: u32) -> u32 { return P[i >> 2u][i & 3u]; }
fn pf(i: u32) -> f32 { return bitcast<f32>(p(i)); }
fn ld(i: u32) -> f32 { return bitcast<f32>(mem[i]); }
fn ldi(i: u32) -> i32 { return bitcast<i32>(mem[i]); }
fn ldc(i: u32) -> vec2f { return vec2f(bitcast<f32>(mem[i]), bitcast<f32>(mem[i + 1u])); }
fn st(i: u32, v: f32) { mem[i] = bitcast<u32>(v); }
fn sti(i: u32, v: i32) { mem[i] = bitcast<u32>(v); }
fn stc(i: u32, v: vec2f) { mem[i] = bitcast<u32>(v.x); mem[i + 1u] = bitcast<u32>(v.y); }

// linear invocation index of a 1-D problem spread over x (and y when it needs more than 65535 groups)
fn lin(g: vec3u, nw: vec3u, wg: u32) -> u32 { return g.x + g.y * nw.x * wg; }

// element offset of flat index i under the strided view at parameter s:
// [base, rank, dim_0, stride_0, dim_1, stride_1, …] with dim_0 the innermost
fn voff(s: u32, i: u32) -> u32 {
  var idx = i;
  var off = p(s);
  let r = p(s + 1u);
  for (var k = 0u; k < r; k++) {
    let d = p(s + 2u + 2u * k);
    off += (idx % d) * p(s + 3u + 2u * k);
    idx = idx / d;
  }
  return off;
}

// a run-time failure (out-of-range index or label): the host reads it back and throws
fn fail(code: u32, a: i32, b: i32) { mem[0] = code; mem[1] = bitcast<u32>(a); mem[2] = bitcast<u32>(b); }

const PI_F = 3.14159265358979323846;
const PIO2_F = 1.57079632679489661923;
const PIO4_F = 0.785398163397448309616;
// through a var: a constant bitcast to inf/NaN is a shader-creation error
fn f_inf() -> f32 { var b = 0x7f800000u; return bitcast<f32>(b); }
fn f_nan() -> f32 { var b = 0x7fc00000u; return bitcast<f32>(b); }
fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn is_inf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn sign_bit(x: f32) -> bool { return (bitcast<u32>(x) & 0x80000000u) != 0u; }
// x · 2^n in two exact steps (one step may overflow an intermediate 2^n)
fn scale2(x: f32, n: i32) -> f32 { let h = n / 2; return ldexp(ldexp(x, h), n - h); }

// e^x (Cephes expf)
fn pexp(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (x > 88.72283935546875) { return f_inf(); }
  if (x < -103.97208404541015625) { return 0.0; }
  let fx = floor(x * 1.44269504088896341 + 0.5);
  var r = x - fx * 0.693359375;
  r = r - fx * -2.12194440e-4;
  let z = r * r;
  let y = (((((1.9875691500e-4 * r + 1.3981999507e-3) * r + 8.3334519073e-3) * r + 4.1665795894e-2) * r
    + 1.6666665459e-1) * r + 5.0000001201e-1) * z + r + 1.0;
  return scale2(y, i32(fx));
}

// ln x (Cephes logf)
fn plog(x: f32) -> f32 {
  if (is_nan(x) || x < 0.0) { return f_nan(); }
  if (x == 0.0) { return -f_inf(); }
  if (is_inf(x)) { return x; }
  let fe = frexp(x);
  var m = fe.fract;
  var e = fe.exp;
  if (m < 0.707106781186547524) { e = e - 1; m = m + m - 1.0; } else { m = m - 1.0; }
  let z = m * m;
  var y = ((((((((7.0376836292e-2 * m - 1.1514610310e-1) * m + 1.1676998740e-1) * m - 1.2420140846e-1) * m
    + 1.4249322787e-1) * m - 1.6668057665e-1) * m + 2.0000714765e-1) * m - 2.4999993993e-1) * m
    + 3.3333331174e-1) * m * z;
  let fe32 = f32(e);
  y = y + -2.12194440e-4 * fe32;
  y = y + -0.5 * z;
  return m + y + 0.693359375 * fe32;
}

// ln(1 + x), accurate for small x (Goldberg's correction)
fn plog1p(x: f32) -> f32 {
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  return plog(u) * (x / (u - 1.0));
}

// (sin x, cos x) (Cephes sinf/cosf: octant reduction with a 3-part π/4, exact for |x| < 8192)
fn psincos(xin: f32) -> vec2f {
  if (is_nan(xin) || is_inf(xin)) { return vec2f(f_nan(), f_nan()); }
  let x = abs(xin);
  var j = u32(x * 1.27323954473516);
  var y = f32(j);
  if ((j & 1u) != 0u) { j = j + 1u; y = y + 1.0; }
  j = j & 7u;
  let z = ((x - y * 0.78515625) - y * 2.4187564849853515625e-4) - y * 3.77489497744594108e-8;
  let zz = z * z;
  let s = ((-1.9515295891e-4 * zz + 8.3321608736e-3) * zz - 1.6666654611e-1) * zz * z + z;
  let c = ((2.443315711809948e-5 * zz - 1.388731625493765e-3) * zz + 4.166664568298827e-2) * zz * zz - 0.5 * zz + 1.0;
  var sn = s;
  var cs = c;
  if (j == 2u || j == 6u) { sn = c; cs = -s; }
  if (j >= 4u) { sn = -sn; cs = -cs; }
  if (xin < 0.0) { sn = -sn; }
  return vec2f(sn, cs);
}
fn psin(x: f32) -> f32 { return psincos(x).x; }
fn pcos(x: f32) -> f32 { return psincos(x).y; }

// tanh x (Cephes tanhf)
fn ptanh(x: f32) -> f32 {
  let z = abs(x);
  if (z > 0.625) {
    if (z > 44.0) { return select(1.0, -1.0, x < 0.0); }
    let r = 1.0 - 2.0 / (pexp(z + z) + 1.0);
    return select(r, -r, x < 0.0);
  }
  if (z < 1e-5) { return x; }
  let s = x * x;
  return ((((-5.70498872745e-3 * s + 2.06390887954e-2) * s - 5.37397155531e-2) * s + 1.33314422036e-1) * s
    - 3.33332819422e-1) * s * x + x;
}

// 1 / (1 + e^-x), stable both ways (as the interpreter)
fn psigmoid(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + pexp(-x)); }
  let e = pexp(x);
  return e / (1.0 + e);
}

// atan x (Cephes atanf)
fn patan(xin: f32) -> f32 {
  var x = abs(xin);
  var y0 = 0.0;
  if (x > 2.414213562373095) { y0 = PIO2_F; x = -1.0 / x; }
  else if (x > 0.4142135623730950) { y0 = PIO4_F; x = (x - 1.0) / (x + 1.0); }
  let z = x * x;
  let y = (((8.05374449538e-2 * z - 1.38776856032e-1) * z + 1.99777106478e-1) * z - 3.33329491539e-1) * z * x + x + y0;
  return select(y, -y, xin < 0.0);
}

// atan2(y, x) with Math.atan2's signed zeros and quadrants
fn patan2(y: f32, x: f32) -> f32 {
  if (is_nan(x) || is_nan(y)) { return f_nan(); }
  if (x == 0.0) {
    if (y > 0.0) { return PIO2_F; }
    if (y < 0.0) { return -PIO2_F; }
    if (sign_bit(x)) { return select(PI_F, -PI_F, sign_bit(y)); }
    return y;
  }
  if (is_inf(x) || is_inf(y)) {
    let a = select(select(0.0, PI_F, x < 0.0), select(PIO2_F, select(PIO4_F, 3.0 * PIO4_F, x < 0.0), is_inf(x)), is_inf(y));
    return select(a, -a, sign_bit(y));
  }
  let a = patan(y / x);
  if (x < 0.0) { return select(a + PI_F, a - PI_F, sign_bit(y)); }
  return a;
}

// a^b (Math.pow's special cases; e^(b ln a) otherwise)
fn ppow(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (is_nan(a) || is_nan(b)) { return f_nan(); }
  if (a == 1.0) { return 1.0; }
  let bi = b == floor(b);
  let odd = bi && abs(b) < 16777216.0 && (i32(b) & 1) != 0;
  if (a == 0.0) {
    if (b > 0.0) { return select(0.0, a, odd); }
    return select(f_inf(), select(f_inf(), -f_inf(), sign_bit(a)), odd);
  }
  if (a < 0.0) {
    if (!bi) { return f_nan(); }
    let r = pexp(b * plog(-a));
    return select(r, -r, odd);
  }
  return pexp(b * plog(a));
}

// |z| without overflow (Math.hypot)
fn chypot(z: vec2f) -> f32 {
  let m = max(abs(z.x), abs(z.y));
  if (m == 0.0 || is_inf(m)) { return m; }
  let a = z.x / m;
  let b = z.y / m;
  return m * sqrt(a * a + b * b);
}
fn cmul(a: vec2f, b: vec2f) -> vec2f { return vec2f(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x); }
fn cdiv(a: vec2f, b: vec2f) -> vec2f {
  let d = b.x * b.x + b.y * b.y;
  return vec2f((a.x * b.x + a.y * b.y) / d, (a.y * b.x - a.x * b.y) / d);
}
fn cexp(z: vec2f) -> vec2f { let e = pexp(z.x); let sc = psincos(z.y); return vec2f(e * sc.y, e * sc.x); }
fn clog(z: vec2f) -> vec2f { return vec2f(plog(chypot(z)), patan2(z.y, z.x)); }
// principal square root; the stable form of sqrt((r ± re)/2) (no cancellation in f32)
fn csqrt(z: vec2f) -> vec2f {
  let r = chypot(z);
  if (r == 0.0) { return vec2f(0.0, 0.0); }
  let sg = select(1.0, -1.0, z.y < 0.0);
  if (z.x >= 0.0) {
    let t = sqrt((r + z.x) * 0.5);
    return vec2f(t, sg * abs(z.y) / (2.0 * t));
  }
  let t = sqrt((r - z.x) * 0.5);
  return vec2f(abs(z.y) / (2.0 * t), sg * t);
}

// ── Philox4x32-10 (runtime/rng.ts) ──
fn mulhi(a: u32, b: u32) -> u32 {
  let al = a & 0xffffu; let ah = a >> 16u; let bl = b & 0xffffu; let bh = b >> 16u;
  let ll = al * bl; let lh = al * bh; let hl = ah * bl; let hh = ah * bh;
  let mid = (ll >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return hh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u);
}
fn philox(c0: u32, c1: u32, c2: u32, c3: u32, k0in: u32, k1in: u32) -> vec4u {
  var x = vec4u(c0, c1, c2, c3);
  var k0 = k0in;
  var k1 = k1in;
  for (var r = 0u; r < 10u; r++) {
    if (r > 0u) { k0 = k0 + 0x9E3779B9u; k1 = k1 + 0xBB67AE85u; }
    let hi0 = mulhi(0xD2511F53u, x.x);
    let lo0 = 0xD2511F53u * x.x;
    let hi1 = mulhi(0xCD9E8D57u, x.z);
    let lo1 = 0xCD9E8D57u * x.z;
    x = vec4u(hi1 ^ x.y ^ k0, lo1, hi0 ^ x.w ^ k1, lo0);
  }
  return x;
}
// the 64-bit integer (h, l) < 2^53, times 2^e, rounded to f32 (to nearest, ties to even)
fn u64f(h: u32, l: u32, e: i32) -> f32 {
  if (h == 0u && l < 0x1000000u) { return ldexp(f32(l), e); }
  var msb: i32;
  if (h != 0u) { msb = 32 + i32(firstLeadingBit(h)); } else { msb = i32(firstLeadingBit(l)); }
  let s = u32(msb - 23);
  var m = (l >> s) | select(0u, h << (32u - s), s > 0u);
  let rem = l & ((1u << s) - 1u);
  let half = 1u << (s - 1u);
  if (rem > half || (rem == half && (m & 1u) != 0u)) { m = m + 1u; }
  return ldexp(f32(m), e + i32(s));
}
// the 53-bit integer of a uniform draw from words (a, b): (a >>> 5)·2^26 + (b >>> 6), as (h, l)
fn u53hl(a: u32, b: u32) -> vec2u { let hi = a >> 5u; return vec2u(hi >> 6u, (hi << 26u) | (b >> 6u)); }
// uniform [0, 1): exactly the interpreter's double rounded to f32
fn u53f(a: u32, b: u32) -> f32 { let u = u53hl(a, b); return u64f(u.x, u.y, -53); }
// standard normal by Box–Muller from one Philox block (cosine branch), as runtime/rng.ts
fn boxmuller(w: vec4u) -> f32 {
  let u1 = u53hl(w.x, w.y);
  var lnv: f32;
  if (u1.x < 0x100000u) {
    // u1 < 1/2: ln(1 - u1) = log1p(-u1), u1 exact to f32 rounding
    lnv = plog1p(-u64f(u1.x, u1.y, -53));
  } else {
    // u1 >= 1/2: 1 - u1 = (2^53 - U)/2^53 exactly on integers
    let l = 0u - u1.y;
    let h = 0x200000u - u1.x - select(0u, 1u, u1.y != 0u);
    lnv = plog(u64f(h, l, -53));
  }
  let r = sqrt(-2.0 * lnv);
  // cos(2π u2): quadrant from the top two of the 53 bits, the rest an exact fraction of π/2
  let u2 = u53hl(w.z, w.w);
  let q = u2.x >> 19u;
  let t = u64f(u2.x & 0x7ffffu, u2.y, -51) * PIO2_F;
  let sc = psincos(t);
  var c: f32;
  if (q == 0u) { c = sc.y; } else if (q == 1u) { c = -sc.x; } else if (q == 2u) { c = -sc.y; } else { c = sc.x; }
  return r * c;
}
`;
