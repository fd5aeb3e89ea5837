/**
 * Counter-based random numbers: Philox4x32-10 (Salmon, Moraes, Dror, Shaw, "Parallel random
 * numbers: as easy as 1, 2, 3", SC'11; the Random123 reference). Every draw is a pure function of
 * (key, stream, index), so the interpreter, wasm and WGSL produce the same numbers in any order.
 * Only 32-bit integer operations (Math.imul, >>> 0, ^) are used, so a wasm port is bit-identical.
 *
 * Exact algorithm (also in docs/ir.md):
 *   philox4x32_10(c[4], k[2]): 10 rounds of
 *     (hi0, lo0) = mulhilo32(0xD2511F53, c0); (hi1, lo1) = mulhilo32(0xCD9E8D57, c2)
 *     c = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0)
 *   with the key bumped k0 += 0x9E3779B9, k1 += 0xBB67AE85 (mod 2^32) between rounds.
 *   A draw with key words K[0..3] (an i32[4] tensor, read as u32) and stream s uses
 *     philox key (K0, K1), counter (block, K2, K3, s).
 *   uniform element j: block = floor(j/2), words w = out[2(j%2)], out[2(j%2)+1];
 *     u = ((w_a >>> 5)·2^26 + (w_b >>> 6)) · 2^-53   in [0, 1), 53 random bits.
 *   normal element j: block = j; u1 from words (0,1), u2 from words (2,3) as above;
 *     z = sqrt(-2 ln(1 - u1)) · cos(2π u2)   (Box–Muller, cosine branch only).
 *   Indices are < 2^32 per (key, stream). The uniforms are bit-exact everywhere; normals also
 *   depend on the platform's ln/cos/sqrt (IEEE-correct sqrt; ln/cos within an ulp or so).
 * Stream (below) is the sequential helper for runtime shuffling and initialisation.
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two u32, by 16-bit halves. */
export function mulhi32(a: number, b: number): number {
  const al = a & 0xffff, ah = a >>> 16, bl = b & 0xffff, bh = b >>> 16;
  const ll = Math.imul(al, bl) >>> 0;
  const lh = Math.imul(al, bh) >>> 0;
  const hl = Math.imul(ah, bl) >>> 0;
  const hh = Math.imul(ah, bh) >>> 0;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff); // < 3·2^16, no overflow
  return (hh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
}

/** Philox4x32-10 of counter (c0..c3) under key (k0, k1); writes 4 u32 words to out. */
export function philox4x32(
  c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array,
): void {
  c0 >>>= 0; c1 >>>= 0; c2 >>>= 0; c3 >>>= 0; k0 >>>= 0; k1 >>>= 0;
  for (let r = 0; r < 10; r++) {
    if (r > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulhi32(M0, c0), lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi32(M1, c2), lo1 = Math.imul(M1, c2) >>> 0;
    const n0 = (hi1 ^ c1 ^ k0) >>> 0;
    const n2 = (hi0 ^ c3 ^ k1) >>> 0;
    c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
  }
  out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

const TWO_M53 = 1 / 9007199254740992;
/** Two u32 words -> a double in [0, 1) with 53 random bits. */
export function wordsToUniform(wa: number, wb: number): number {
  return ((wa >>> 5) * 67108864 + (wb >>> 6)) * TWO_M53;
}

export type Key = ArrayLike<number>;
const scratch = new Uint32Array(4);

function block(key: Key, stream: number, b: number): Uint32Array {
  philox4x32(b, key[2]!, key[3]!, stream, key[0]!, key[1]!, scratch);
  return scratch;
}

/** Element j of a uniform draw with this key (4 words) and stream. */
export function uniformAt(key: Key, stream: number, j: number): number {
  const w = block(key, stream, Math.floor(j / 2));
  const p = (j & 1) * 2;
  return wordsToUniform(w[p]!, w[p + 1]!);
}

function boxMuller(w: Uint32Array): number {
  const u1 = wordsToUniform(w[0]!, w[1]!);
  const u2 = wordsToUniform(w[2]!, w[3]!);
  return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
}

/** Element j of a standard normal draw with this key and stream. */
export function normalAt(key: Key, stream: number, j: number): number {
  return boxMuller(block(key, stream, j));
}

/** out[i] = uniformAt(key, stream, i) for every i (two elements per Philox call). */
export function fillUniform(out: Float64Array, key: Key, stream: number): void {
  const n = out.length;
  for (let b = 0; 2 * b < n; b++) {
    const w = block(key, stream, b);
    out[2 * b] = wordsToUniform(w[0]!, w[1]!);
    if (2 * b + 1 < n) out[2 * b + 1] = wordsToUniform(w[2]!, w[3]!);
  }
}

/** out[i] = normalAt(key, stream, i) for every i. */
export function fillNormal(out: Float64Array, key: Key, stream: number): void {
  for (let j = 0; j < out.length; j++) out[j] = boxMuller(block(key, stream, j));
}

/** Makes a 4-word key from a (non-negative, < 2^53) integer seed: (lo32, hi32, 0, 0). */
export function keyFromSeed(seed: number): [number, number, number, number] {
  return [seed >>> 0, Math.floor(seed / 4294967296) >>> 0, 0, 0];
}

/**
 * A sequential generator for runtime shuffling and initialisation: call n uses Philox block n of
 * (keyFromSeed(seed), stream), so every call is fresh and the sequence is reproducible.
 * uniform(): words (0,1) of the block; normal(): Box–Muller of the whole block. A nonzero
 * `domain` (runtime/streams.ts owns them) sets key word 3 to 2^31 + domain, which no IR key
 * tensor uses, so its ids never meet another purpose's. A nonzero `sub` (a data-parallel shard)
 * sets key word 2, giving each shard of a purpose its own sequence; sub 0 is the plain stream.
 */
export class Stream {
  private readonly key: [number, number, number, number];
  private counter = 0;
  constructor(seed: number, readonly stream = 0, domain = 0, sub = 0) {
    this.key = keyFromSeed(seed);
    if (domain) this.key[3] = (0x80000000 | domain) >>> 0;
    if (sub) this.key[2] = sub >>> 0;
  }
  uniform(): number {
    const w = block(this.key, this.stream, this.counter++);
    return wordsToUniform(w[0]!, w[1]!);
  }
  normal(): number {
    return boxMuller(block(this.key, this.stream, this.counter++));
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.min(n - 1, Math.floor(this.uniform() * n));
  }
  /** Fisher–Yates shuffle in place. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = xs[i]!;
      xs[i] = xs[j]!;
      xs[j] = t;
    }
    return xs;
  }
  /** A random permutation of 0..n-1. */
  permutation(n: number): number[] {
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }
}
