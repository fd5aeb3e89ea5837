// Parity of the WGSL backend with the float64 interpreter, op by op, on a real WebGPU device (a
// software Vulkan driver when the machine has no GPU): every op in the op table has a case; each
// case checks the forward values and the reverse-mode gradients within RTOL = 1e-4 (helpers.ts).
// Extra cases exercise what is WGSL-specific: fused elementwise groups, strided views, long FFT
// lines through the arena, mixed radices, failures recorded by kernels, Philox bit-exactness.
// Skips loudly when no adapter is available.
import { describe, expect, it } from "vitest";
import { GraphBuilder, type Node } from "../../compiler/ir/graph.js";
import { addPairMixCases } from "../helpers/pair-mix-cases.js";
import { buildScan } from "../../compiler/ir/loops.js";
import { OP_LIST } from "../../compiler/ir/ops.js";
import { grad } from "../../compiler/ir/autodiff.js";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import { compileToWgsl } from "../../compiler/backends/wgsl/index.js";
import { isComplex, numel, type DType } from "../../compiler/ir/types.js";
import type { Tensor } from "../../runtime/backend.js";
import { Stream, uniformAt } from "../../runtime/rng.js";
import { webgpuExecutable } from "../../runtime/webgpu/executable.js";
import { randTensor, type Domain } from "../ir/helpers.js";
import { describeAdapter, expectClose, testDevice } from "./helpers.js";

const gpu = await testDevice("test/wgsl/ops.test.ts");

interface In { dtype: DType; shape: number[]; domain?: Domain }
interface Case { op: string; label: string; ins: In[]; build: (b: GraphBuilder, xs: Node[]) => Node; noGrad?: boolean }

const f = (shape: number[], domain?: Domain): In => ({ dtype: "f32", shape, domain });
const c = (shape: number[], domain?: Domain): In => ({ dtype: "c64", shape, domain });
const i32 = (shape: number[], C: number): In => ({ dtype: "i32", shape, domain: { int: C } });

const CASES: Case[] = [];
function add(op: string, ins: In[], build: Case["build"], label = "", noGrad = false): void {
  CASES.push({ op, label: `${op}${label ? ` (${label})` : ""} ${ins.map((i) => `${i.dtype}[${i.shape}]`).join(" ")}`, ins, build, noGrad });
}
const un = (op: string, ...ins: In[]) => add(op, ins, (b, [x]) => b.op(op, [x!]));
const bin = (op: string, x: In, y: In) => add(op, [x, y], (b, [p, q]) => b.op(op, [p!, q!]));

for (const op of ["neg", "exp", "square", "recip", "conj", "real", "imag", "abs2", "abs", "stop_gradient"]) {
  un(op, f([3, 7], op === "recip" ? "pos" : "any"));
  un(op, c([2, 5], op === "recip" ? "pos" : "any"));
}
for (const op of ["log", "sqrt", "angle"]) {
  un(op, f([2, 9], "pos"));
  un(op, c([2, 3], "pos"));
}
un("sqrt", c([4, 6]));
un("angle", f([2, 9]));
for (const op of ["sin", "cos", "tanh", "sigmoid", "relu", "expi", "sign"]) un(op, f([3, 6]));
add("sin", [f([4, 8])], (b, [x]) => b.sin(b.mul(x!, b.scalar(300, "f32"))), "large arguments");
add("expi", [f([4, 8])], (b, [x]) => b.expi(b.mul(x!, b.scalar(60, "f32"))), "phases of many turns");
add("neg", [i32([7], 9)], (b, [x]) => b.neg(x!), "i32", true);
add("clip", [f([4, 5])], (b, [x]) => b.clip(x!, -0.5, 0.5));
// flush: |x|·2⁻¹²⁴ is below 2⁻¹²⁶ exactly when |x| < ¼ (scaling by a power of two is exact), then back to O(1)
add("flush", [f([4, 5])], (b, [x]) => b.mul(b.flush(b.mul(x!, b.scalar(2 ** -124, "f32"))), b.scalar(2 ** 124, "f32")));
add("quantize", [f([4, 5])], (b, [x]) => b.quantize(x!, 3, -1, 1));
// the phase grid of freespace.quantizePhase: lo = −2π·1024 (f32 would lose it without the split)
add("quantize", [f([4, 6])], (b, [x]) => b.quantize(x!, 15, -2 * Math.PI * 1024, -2 * Math.PI * 1024 + (2 ** 15 - 1) * (2 * Math.PI / 16)), "phase grid");
for (const op of ["add", "sub", "mul", "div"]) {
  const pos = op === "div" ? "pos" : "any";
  bin(op, f([5, 9]), f([9], pos));
  bin(op, f([2, 3, 8]), f([2, 3, 8], pos));
  bin(op, c([2, 1]), c([1, 3], pos));
  bin(op, f([2, 3]), c([2, 3], pos));
  bin(op, c([3]), f([2, 3], pos));
}
bin("pow", f([2, 3], "pos"), f([2, 3]));
bin("max", f([2, 7]), f([7]));
bin("min", f([2, 3]), f([2, 1]));
for (const op of ["eq", "ge", "gt"]) add(op, [f([3, 5])], (b, [x]) => b.op(op, [b.clip(x!, -0.3, 0.3), b.scalar(0.3, "f32")]), "", true);
add("add", [i32([2, 3], 9), i32([3], 9)], (b, [x, y]) => b.add(x!, y!), "i32", true);
bin("complex", f([2, 3]), f([3]));
// fusion: a chain with broadcasting at the leaves, a shared subexpression, complex and real mixed
add("mul", [c([3, 4]), f([4]), f([3, 1])], (b, [z, w, s]) => { const t = b.mul(b.expi(b.mul(w!, s!)), z!); return b.add(b.mul(t, t), b.conj(t)); }, "fused chain");
add("add", [f([2, 3, 4]), f([4])], (b, [x, w]) => b.add(b.relu(b.add(b.transpose(x!, [0, 2, 1]), b.reshape(w!, [4, 1]))), b.scalar(1, "f32")), "fused over a transposed leaf");
// index steps inside a group: slice, pad (windowed), concat pieces, a reduction over them
add("reduce_sum", [c([2, 5, 3]), f([2, 3, 3])], (b, [z, w]) => {
  const t = b.concat([b.slice(z!, [0, 1, 0], [2, 4, 3]), b.pad(b.cast(b.exp(w!), "c64"), [0, 0, 0], [0, 0, 0])], 1);
  return b.sum(b.mul(b.pad(t, [0, 1, 0], [0, 0, 2]), b.conj(b.pad(t, [0, 0, 2], [0, 1, 0]))), [1]);
}, "of a fused concat of a slice and a pad");
add("pad", [f([3, 4])], (b, [x]) => b.sigmoid(b.pad(b.transpose(b.tanh(x!), [1, 0]), [1, 2], [2, 0])), "of a transposed chain, fused");
add("reduce_sum", [c([2, 3, 4])], (b, [x]) => b.sum(x!, [0, 2]));
add("reduce_sum", [f([5, 6])], (b, [x]) => b.sum(x!, [1], true), "keepdims");
add("reduce_sum", [f([9, 8])], (b, [x]) => b.sum(x!, [0]), "outer");
add("reduce_sum", [f([3, 4000])], (b, [x]) => b.sum(x!, [1]), "long rows (compensated)");
add("reduce_mean", [f([2, 3, 2])], (b, [x]) => b.mean(x!, [1]));
add("reduce_max", [f([3, 4])], (b, [x]) => b.reduceMax(x!, [-1]));
add("reshape", [c([2, 6])], (b, [x]) => b.reshape(x!, [3, 2, 2]));
add("transpose", [c([2, 3, 4])], (b, [x]) => b.transpose(x!, [2, 0, 1]));
add("transpose", [f([5, 6])], (b, [x]) => b.transpose(x!, [1, 0]));
add("slice", [f([4, 5])], (b, [x]) => b.slice(x!, [1, 0], [3, 4]));
add("pad", [c([2, 3])], (b, [x]) => b.pad(x!, [1, 0], [0, 2]));
add("broadcast_to", [f([3, 1])], (b, [x]) => b.broadcastTo(x!, [2, 3, 4]));
add("cast", [f([2, 3])], (b, [x]) => b.cast(x!, "c64"), "real->complex");
add("cast", [c([2, 3])], (b, [x]) => b.cast(x!, "f32"), "complex->real");
add("cast", [f([2, 3])], (b, [x]) => b.cast(x!, "f64"), "f32->f64");
add("cast", [f([2, 3])], (b, [x]) => b.cast(b.mul(x!, b.scalar(3, "f32")), "i32"), "f32->i32", true);
add("concat", [f([2, 3]), f([2, 1]), f([2, 2])], (b, xs) => b.concat(xs, 1));
add("concat", [c([1, 3]), c([2, 3])], (b, xs) => b.concat(xs, 0));
bin("matmul", f([3, 4]), f([4, 2]));
bin("matmul", f([9, 13]), f([13, 21]));
bin("matmul", f([40, 70]), f([70, 37]));
add("matmul", [f([9, 13]), f([21, 13])], (b, [x, y]) => b.matmul(x!, b.transpose(y!)), "A·Bᵀ");
add("matmul", [f([13, 9]), f([13, 21])], (b, [x, y]) => b.matmul(b.transpose(x!), y!), "Aᵀ·B");
add("transpose", [f([9, 13]), f([13, 21])], (b, [x, y]) => b.transpose(b.matmul(x!, y!)), "of a matmul: Bᵀ·Aᵀ");
add("transpose", [c([2, 3, 4]), c([2, 4, 5])], (b, [x, y]) => b.transpose(b.matmul(x!, y!), [0, 2, 1]), "of a batched complex matmul");
bin("matmul", c([3, 4]), c([4, 2]));
bin("matmul", c([33, 5]), c([5, 35]));
bin("matmul", f([6, 5]), c([5, 6]));
bin("matmul", f([2, 3, 4]), c([4, 2]));
bin("matmul", c([2, 1, 2, 3]), f([3, 3, 2]));
bin("matmul", f([3, 5, 6]), f([3, 6, 7]));
for (const op of ["fft", "ifft"]) {
  add(op, [c([2, 8])], (b, [x]) => b.op(op, [x!], { dims: 1 }));
  add(op, [f([6])], (b, [x]) => b.op(op, [x!], { dims: 1 }), "real, not a power of two");
  add(op, [c([2, 4, 3])], (b, [x]) => b.op(op, [x!], { dims: 2 }));
  add(op, [c([2, 2, 1])], (b, [x]) => b.op(op, [x!], { dims: 1 }), "length 1");
  add(op, [c([3, 30])], (b, [x]) => b.op(op, [x!], { dims: 1 }), "radices 2·3·5");
  add(op, [c([2, 28, 14])], (b, [x]) => b.op(op, [x!], { dims: 2 }), "radix 7");
  add(op, [c([2, 11])], (b, [x]) => b.op(op, [x!], { dims: 1 }), "prime length");
  add(op, [f([4, 16])], (b, [x]) => b.op(op, [x!], { dims: 2 }), "radix 4, real");
  add(op, [c([2, 2048])], (b, [x]) => b.op(op, [x!], { dims: 1 }), "long lines through the arena");
  add(op, [c([1536, 3])], (b, [x]) => b.op(op, [x!], { dims: 2 }), "long columns, odd stage count");
}
add("gather", [f([3, 5]), i32([4], 5)], (b, [x, i]) => b.gather(x!, i!, 1));
add("gather", [c([4, 2]), i32([2, 3], 4)], (b, [x, i]) => b.gather(x!, i!, 0));
add("scatter_add", [f([2, 4, 3]), i32([4], 5)], (b, [g, i]) => b.scatterAdd(g!, i!, 1, 5));
addPairMixCases(add, f, c);
add("one_hot", [i32([6], 4)], (b, [l]) => b.oneHot(l!, 4), "", true);
add("softmax", [f([3, 4])], (b, [x]) => b.softmax(x!, 0));
add("softmax", [f([6, 10])], (b, [x]) => b.softmax(x!));
add("log_softmax", [f([2, 5])], (b, [x]) => b.logSoftmax(x!));
add("softmax_cross_entropy", [f([4, 3]), i32([4], 3)], (b, [x, l]) => b.softmaxCrossEntropy(x!, l!));
add("mse", [f([3, 4]), f([3, 4])], (b, [p, t]) => b.mse(p!, t!));
add("mse", [c([2, 3]), f([2, 3])], (b, [p, t]) => b.mse(p!, t!), "complex");
add("random_uniform", [i32([4], 1000)], (b, [k]) => b.randomUniform(k!, [3, 5], 7), "", true);
add("random_normal", [i32([4], 1000)], (b, [k]) => b.randomNormal(k!, [4, 3], 11), "", true);
add("random_normal", [i32([4], 1000)], (b, [k]) => b.randomNormal(k!, [2000], 0xfffffff0), "2000 draws", true);

function graphsOf(cs: Case, seed: number): { graphs: ReturnType<GraphBuilder["build"]>[]; feeds: Record<string, Tensor> } {
  const b = new GraphBuilder();
  const xs = cs.ins.map((s, q) => (s.dtype === "i32" ? b.input(`x${q}`, s.dtype, s.shape) : b.param(`x${q}`, s.dtype, s.shape)));
  const y = cs.build(b, xs);
  b.output("y", y);
  const rng = new Stream(seed, 7);
  const feeds: Record<string, Tensor> = {};
  cs.ins.forEach((s, q) => (feeds[`x${q}`] = randTensor(rng, s.dtype, s.shape, s.domain)));
  const graphs = [b.build()];
  const wrt = cs.ins.flatMap((s, q) => (s.dtype === "i32" ? [] : [`x${q}`]));
  if (!cs.noGrad && y.dtype !== "i32" && wrt.length) {
    const wlen = numel(y.shape);
    const w1 = b.const(Array.from({ length: wlen }, () => rng.normal()), "f32", y.shape);
    let l = b.mul(isComplex(y.dtype) ? b.real(y) : y, w1);
    if (isComplex(y.dtype)) l = b.add(l, b.mul(b.imag(y), b.const(Array.from({ length: wlen }, () => rng.normal()), "f32", y.shape)));
    b.output("loss", b.sum(l));
    graphs.push(grad(b.build(), "loss", wrt));
  }
  return { graphs, feeds };
}

// loops: compileToWgsl unrolls them (compiler/passes/unroll-loops.ts): carries, invariants,
// sequences, stacked outputs (100 steps: a tree of concats), reversed and nested loops
add("scan", [c([2, 3]), f([3]), c([5, 2, 3])], (b, [h0, k, xs]) => {
  const r = buildScan(b, { length: 5, carries: [h0!], invariants: [k!], xs: [xs!] }, (bb, v) => {
    const h = v.carries[0]!;
    return { carries: [bb.add(bb.mul(h, bb.expi(v.invariants[0]!)), bb.mul(v.xs[0]!, bb.scalar(0.5, "f32")))], ys: [bb.abs2(h)] };
  });
  return b.add(b.real(r.carries[0]!), b.sum(r.ys[0]!, [0]));
}, "carry, invariant, sequence, constant");
add("scan_result", [f([4]), f([4]), f([3, 4])], (b, [a0, v0, xs]) => {
  const r = buildScan(b, { length: 3, carries: [a0!, v0!], xs: [xs!], reverse: true }, (bb, v) => {
    const [a, w] = v.carries as [Node, Node];
    const inner = buildScan(bb, { length: 2, carries: [a], invariants: [v.xs[0]!] }, (ib, u) => ({ carries: [ib.add(ib.tanh(u.carries[0]!), u.invariants[0]!)] }));
    return { carries: [w, inner.carries[0]!], ys: [bb.mul(a, w), v.xs[0]!] };
  });
  return b.add(b.add(r.carries[0]!, b.mul(r.carries[1]!, b.scalar(2, "f32"))), b.add(b.sum(r.ys[0]!, [0]), b.sum(r.ys[1]!, [0])));
}, "two carries swapped, reversed, nested loop");
add("scan", [f([3])], (b, [x0]) => {
  const r = buildScan(b, { length: 100, carries: [x0!] }, (bb, v) => ({ carries: [bb.mul(bb.sin(v.carries[0]!), bb.scalar(0.9, "f32"))], ys: [v.carries[0]!] }));
  return b.sum(b.mul(r.ys[0]!, r.ys[0]!), [0]);
}, "100 steps, every step's value stacked");

describe.skipIf(!gpu)("webgpu parity with the interpreter, op by op", () => {
  it("every op in the table has a case", () => {
    console.log(`test/wgsl/ops.test.ts: adapter ${describeAdapter(gpu!)}`);
    const covered = new Set(CASES.map((x) => x.op));
    const missing = OP_LIST.map((o) => o.name).filter((n) => !covered.has(n) && !["input", "param", "const"].includes(n));
    expect(missing).toEqual([]);
  });
  for (const [k, cs] of CASES.entries())
    it(cs.label, async () => {
      const { graphs, feeds } = graphsOf(cs, 2000 + k);
      for (const g of graphs) {
        const exe = await webgpuExecutable(gpu!.device, compileToWgsl(g));
        try {
          const want = compileInterp(g).run(feeds);
          const got = await exe.run(feeds);
          for (const name of Object.keys(want)) expectClose(got[name]!, want[name]!, `${cs.label}: ${name}`);
        } finally {
          exe.destroy();
        }
      }
    });
});

describe.skipIf(!gpu)("webgpu specifics", () => {
  it("uniform draws are the interpreter's doubles rounded to f32, bit for bit", async () => {
    const b = new GraphBuilder();
    b.output("u", b.randomUniform(b.input("key", "i32", [4]), [4099], 0x12345678));
    const key = Int32Array.from([-7, 123456789, 0x7fffffff, -2147483648]);
    const exe = await webgpuExecutable(gpu!.device, compileToWgsl(b.build()));
    const u = (await exe.run({ key: { dtype: "i32", shape: [4], data: key } })).u!.data as Float32Array;
    exe.destroy();
    const k = Array.from(key, (v) => v >>> 0);
    for (let j = 0; j < u.length; j++) if (u[j] !== Math.fround(uniformAt(k, 0x12345678, j))) throw new Error(`uniform ${j}: ${u[j]} vs ${Math.fround(uniformAt(k, 0x12345678, j))}`);
  });

  it("an index out of range is a RangeError with the interpreter's message", async () => {
    const b = new GraphBuilder();
    b.output("y", b.gather(b.input("x", "f32", [3, 5]), b.input("i", "i32", [2]), 1));
    const g = b.build();
    const exe = await webgpuExecutable(gpu!.device, compileToWgsl(g));
    const feeds = { x: { dtype: "f32" as const, shape: [3, 5], data: new Float64Array(15) }, i: { dtype: "i32" as const, shape: [2], data: Int32Array.from([1, 7]) } };
    await expect(exe.run(feeds)).rejects.toThrow("gather: index 7 outside axis of size 5");
    expect(() => compileInterp(g).run(feeds)).toThrow("gather: index 7 outside axis of size 5");
    // the next run is clean again
    feeds.i.data = Int32Array.from([1, 4]);
    await expect(exe.run(feeds)).resolves.toBeTruthy();
    exe.destroy();
  });

  it("fuses slices, pads, concats and the reduction reading them into one dispatch", () => {
    const b = new GraphBuilder();
    const z = b.input("z", "c64", [2, 5, 3]), w = b.input("w", "f32", [2, 3, 3]);
    // t is read at two indices (two pads): its index-moving members and the cast are recomputed
    // per index, an exp would not be (it would get a buffer of its own)
    const t = b.concat([b.slice(z, [0, 1, 0], [2, 4, 3]), b.cast(w, "c64")], 1);
    b.output("y", b.sum(b.mul(b.pad(t, [0, 1, 0], [0, 0, 2]), b.conj(b.pad(t, [0, 0, 2], [0, 1, 0]))), [1]));
    expect(compileToWgsl(b.build()).dispatches.length).toBe(1);
    const b2 = new GraphBuilder();
    const t2 = b2.concat([b2.slice(b2.input("z", "c64", [2, 5, 3]), [0, 1, 0], [2, 4, 3]), b2.cast(b2.exp(b2.input("w", "f32", [2, 3, 3])), "c64")], 1);
    b2.output("y", b2.sum(b2.mul(b2.pad(t2, [0, 1, 0], [0, 0, 2]), b2.conj(b2.pad(t2, [0, 0, 2], [0, 1, 0]))), [1]));
    expect(compileToWgsl(b2.build()).dispatches.length).toBe(2);
  });

  it("fuses elementwise chains: one dispatch for a chain of six ops with broadcasting", () => {
    const b = new GraphBuilder();
    const x = b.input("x", "f32", [8, 16]), w = b.input("w", "f32", [16]);
    b.output("y", b.tanh(b.add(b.mul(b.exp(x), w), b.sigmoid(b.sub(x, w)))));
    const p = compileToWgsl(b.build());
    expect(p.dispatches.length).toBe(1);
    expect(p.kernels[0]!.label).toBe("ew exp mul sub sigmoid add tanh");
  });
});
