// Complex elementwise kernels two results at a time (compiler/backends/wasm/helpers.ts `cvector`,
// elementwise.ts `complexLanes`): single ops and fused chains mixing complex and real operands,
// broadcast operands, fused conjugates, and odd lengths (a scalar tail) give exactly — bit for
// bit — the float32 operations of the scalar form, emulated here with Math.fround in the order
// the scalar kernels use: (a·b).re = a.re·b.re − a.im·b.im, (a·b).im = a.re·b.im + a.im·b.re.
import { describe, expect, it } from "vitest";
import { compileToWasm } from "../../compiler/backends/wasm/index.js";
import { GraphBuilder, type Node } from "../../compiler/ir/graph.js";
import type { Tensor } from "../../runtime/backend.js";
import { Stream } from "../../runtime/rng.js";
import { wasmExecutable } from "../../runtime/wasm/executable.js";
import { wabtValidate } from "./helpers.js";

type C = [number, number];
const r = Math.fround;
const cmul = ([ar, ai]: C, [br, bi]: C): C => [r(r(ar * br) - r(ai * bi)), r(r(ar * bi) + r(ai * br))];
const cadd = (a: C, b: C): C => [r(a[0] + b[0]), r(a[1] + b[1])];
const csub = (a: C, b: C): C => [r(a[0] - b[0]), r(a[1] - b[1])];
const conj = (a: C): C => [a[0], -a[1]];

function values(shape: number[], complex: boolean, seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1) * (complex ? 2 : 1);
  const s = new Stream(seed, 3);
  return { dtype: complex ? "c64" : "f32", shape, data: Float32Array.from({ length: n }, () => s.normal()) };
}
/** Element i of x read with numpy broadcasting against an output of shape `out`. */
function at(x: Tensor, out: number[], i: number): C {
  const off = out.length - x.shape.length;
  let flat = 0;
  let rest = i;
  const idx = out.map((d) => 0 * d);
  for (let k = out.length - 1; k >= 0; k--) {
    idx[k] = rest % out[k]!;
    rest = Math.floor(rest / out[k]!);
  }
  x.shape.forEach((d, k) => (flat = flat * d + (d === 1 ? 0 : idx[k + off]!)));
  return x.dtype === "c64" ? [x.data[2 * flat]!, x.data[2 * flat + 1]!] : [x.data[flat]!, 0];
}

interface Case {
  readonly label: string;
  readonly out: number[];
  readonly ins: { shape: number[]; complex: boolean }[];
  readonly build: (b: GraphBuilder, xs: Node[]) => Node;
  readonly ref: (xs: C[]) => C;
}

const CASES: Case[] = [];
for (const n of [7, 8]) {
  CASES.push({ label: `mul c·c [3,${n}]`, out: [3, n], ins: [{ shape: [3, n], complex: true }, { shape: [3, n], complex: true }], build: (b, [x, y]) => b.mul(x!, y!), ref: ([x, y]) => cmul(x!, y!) });
  CASES.push({ label: `mul c·broadcast c [${n}] and a real row`, out: [4, n], ins: [{ shape: [4, n], complex: true }, { shape: [n], complex: true }, { shape: [4, n], complex: false }], build: (b, [x, y, w]) => b.mul(b.mul(x!, y!), w!), ref: ([x, y, w]) => cmul(cmul(x!, y!), w!) });
  CASES.push({
    label: `fused d·x + o·conj(z) − s, real mask, complex scalar [2,${n}]`,
    out: [2, n],
    ins: [{ shape: [n], complex: true }, { shape: [2, n], complex: true }, { shape: [n], complex: true }, { shape: [2, n], complex: true }, { shape: [n], complex: false }, { shape: [], complex: true }],
    build: (b, [d, x, o, z, m, s]) => b.sub(b.add(b.mul(d!, x!), b.mul(m!, b.mul(o!, b.conj(z!)))), s!),
    ref: ([d, x, o, z, m, s]) => csub(cadd(cmul(d!, x!), cmul(m!, cmul(o!, conj(z!)))), s!),
  });
  CASES.push({ label: `neg and conj chain [5,${n}]`, out: [5, n], ins: [{ shape: [5, n], complex: true }, { shape: [1, n], complex: false }], build: (b, [x, w]) => b.add(b.neg(b.conj(x!)), w!), ref: ([x, w]) => cadd([-x![0], x![1]], w!) });
}

describe("complex elementwise kernels, two results at a time", () => {
  for (const c of CASES)
    it(`${c.label}: bit for bit the scalar form's f32 operations`, async () => {
      const b = new GraphBuilder();
      const xs = c.ins.map((x, k) => b.input(`x${k}`, x.complex ? "c64" : "f32", x.shape));
      b.output("y", c.build(b, xs));
      const art = await compileToWasm(b.build());
      await wabtValidate(art.bytes);
      expect(art.wat, "the kernel takes the two-at-a-time path").toMatch(/i8x16\.shuffle|v128\.load64_splat|f32x4\.add/);
      const feeds: Record<string, Tensor> = {};
      c.ins.forEach((x, k) => (feeds[`x${k}`] = values(x.shape, x.complex, 10 + k)));
      const y = wasmExecutable(art.bytes, art.layout).run(feeds).y!;
      const n = c.out.reduce((p, q) => p * q, 1);
      const want: number[] = [];
      for (let i = 0; i < n; i++) want.push(...c.ref(c.ins.map((_, k) => at(feeds[`x${k}`]!, c.out, i))));
      expect(Array.from(y.data)).toEqual(want);
    });
});

describe("complex sums as f32 pairs", () => {
  for (const [shape, axes] of [[[5, 6], [0]], [[3, 5, 7], [1]], [[4, 6], [1]], [[2, 3, 4], [0, 2]]] as [number[], number[]][])
    it(`reduce_sum c64[${shape}] over [${axes}]: each element summed in index order, in f32`, async () => {
      const b = new GraphBuilder();
      b.output("y", b.sum(b.input("x", "c64", shape), axes));
      const art = await compileToWasm(b.build());
      const x = values(shape, true, 5);
      const y = wasmExecutable(art.bytes, art.layout).run({ x }).y!;
      const keep = shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const want = new Array<number>(2 * keep.reduce((p, q) => p * q, 1)).fill(0);
      const n = shape.reduce((p, q) => p * q, 1);
      for (let i = 0; i < n; i++) {
        let rest = i, o = 0, mul = 1;
        for (let k = shape.length - 1; k >= 0; k--) {
          const idx = rest % shape[k]!;
          rest = Math.floor(rest / shape[k]!);
          if (!axes.includes(k)) { o += idx * mul; mul *= shape[k]!; }
        }
        want[2 * o] = r(want[2 * o]! + x.data[2 * i]!);
        want[2 * o + 1] = r(want[2 * o + 1]! + x.data[2 * i + 1]!);
      }
      expect(Array.from(y.data)).toEqual(want);
    });
});
