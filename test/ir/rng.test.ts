// Philox4x32-10 against the Random123 known-answer vectors, reproducibility, moments, streams.
import { describe, expect, it } from "vitest";
import { fillNormal, fillUniform, normalAt, philox4x32, Stream, uniformAt } from "../../runtime/rng.js";

const hex = (a: Uint32Array) => [...a].map((x) => x.toString(16).padStart(8, "0")).join(" ");

describe("rng", () => {
  it("matches the Random123 Philox4x32-10 known answers", () => {
    const o = new Uint32Array(4);
    philox4x32(0, 0, 0, 0, 0, 0, o);
    expect(hex(o)).toBe("6627e8d5 e169c58d bc57ac4c 9b00dbd8");
    philox4x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, o);
    expect(hex(o)).toBe("408f276d 41c83b0e a20bc7c6 6d5451fd");
    philox4x32(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, o);
    expect(hex(o)).toBe("d16cfe09 94fdcceb 5001e420 24126ea1");
  });
  it("same key -> same numbers; element j is independent of how many are drawn", () => {
    const key = [5, 6, 7, 8];
    const a = new Float64Array(11), b = new Float64Array(11);
    fillUniform(a, key, 3);
    fillUniform(b, key, 3);
    expect(a).toEqual(b);
    for (let j = 0; j < 11; j++) expect(uniformAt(key, 3, j)).toBe(a[j]);
    const n = new Float64Array(5);
    fillNormal(n, key, 3);
    for (let j = 0; j < 5; j++) expect(normalAt(key, 3, j)).toBe(n[j]);
  });
  it("different streams and keys differ", () => {
    const a = new Float64Array(8), b = new Float64Array(8), c = new Float64Array(8);
    fillUniform(a, [1, 0, 0, 0], 0);
    fillUniform(b, [1, 0, 0, 0], 1);
    fillUniform(c, [2, 0, 0, 0], 0);
    expect(a).not.toEqual(b);
    expect(a).not.toEqual(c);
  });
  it("normal draws: mean ≈ 0, variance ≈ 1 over 1e5 samples; uniform in [0, 1) with mean ≈ 1/2", () => {
    const n = new Float64Array(100_000);
    fillNormal(n, [9, 9, 9, 9], 1);
    let m = 0, v = 0;
    for (const x of n) m += x;
    m /= n.length;
    for (const x of n) v += (x - m) ** 2;
    v /= n.length - 1;
    expect(Math.abs(m)).toBeLessThan(0.015);
    expect(Math.abs(v - 1)).toBeLessThan(0.02);
    const u = new Float64Array(100_000);
    fillUniform(u, [9, 9, 9, 9], 2);
    let mu = 0, inRange = true;
    for (const x of u) { inRange &&= x >= 0 && x < 1; mu += x; }
    expect(inRange).toBe(true);
    expect(Math.abs(mu / u.length - 0.5)).toBeLessThan(0.005);
  });
  it("Stream is reproducible and shuffles into a permutation", () => {
    const s1 = new Stream(123, 4), s2 = new Stream(123, 4);
    const xs = [s1.uniform(), s1.normal(), s1.int(10)];
    expect([s2.uniform(), s2.normal(), s2.int(10)]).toEqual(xs);
    const p = new Stream(1).permutation(50);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(p).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
