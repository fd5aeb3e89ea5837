// Parity of the wasm backend with the float64 interpreter, op by op: every op in the op table has
// a case; each case checks the forward values and the reverse-mode gradients (the gradient graph
// compiled by the wasm backend too) within the f32 tolerance of helpers.ts, and every emitted
// module passes binaryen's and wabt's validators.
import { describe, expect, it } from "vitest";
import { GraphBuilder, type Node } from "../../compiler/ir/graph.js";
import { addPairMixCases } from "../helpers/pair-mix-cases.js";
import { OP_LIST } from "../../compiler/ir/ops.js";
import { grad } from "../../compiler/ir/autodiff.js";
import { buildScan } from "../../compiler/ir/loops.js";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import { compileToWasm, emitWat } from "../../compiler/backends/wasm/index.js";
import { planBuffers } from "../../compiler/backends/wasm/plan.js";
import { wasmExecutable } from "../../runtime/wasm/executable.js";
import { isComplex, numel, type DType } from "../../compiler/ir/types.js";
import type { Tensor } from "../../runtime/backend.js";
import { Stream } from "../../runtime/rng.js";
import { randTensor, type Domain } from "../ir/helpers.js";
import { expectClose, wabtValidate } from "./helpers.js";

interface In { dtype: DType; shape: number[]; domain?: Domain }
interface Case { op: string; label: string; ins: In[]; build: (b: GraphBuilder, xs: Node[]) => Node; noGrad?: boolean; fft?: "radix2" }

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
// a conj read only by elementwise ops is fused into its readers (plan.ts): check every path
add("conj", [c([2, 5]), c([2, 5])], (b, [x, y]) => b.mul(b.conj(x!), y!), "fused into mul");
add("conj", [c([3, 4])], (b, [x]) => b.angle(b.conj(b.conj(x!))), "conj of a conj, fused");
add("conj", [c([3, 4])], (b, [x]) => b.add(b.conj(b.conj(x!)), b.conj(x!)), "fused twice, mixed parity");
add("conj", [c([3, 4]), c([4, 2])], (b, [x, y]) => { const cx = b.conj(x!); return b.add(b.matmul(cx, y!), b.sum(cx, [1], true)); }, "read by matmul: not fused");
for (const op of ["log", "sqrt", "angle"]) {
  un(op, f([2, 9], "pos"));
  un(op, c([2, 3], "pos"));
}
for (const op of ["sin", "cos", "tanh", "sigmoid", "relu", "expi", "sign"]) un(op, f([3, 6]));
add("neg", [i32([7], 9)], (b, [x]) => b.neg(x!), "i32", true);
add("clip", [f([4, 5])], (b, [x]) => b.clip(x!, -0.5, 0.5));
// flush: |x|·2⁻¹²⁴ is below 2⁻¹²⁶ exactly when |x| < ¼ (scaling by a power of two is exact), then back to O(1)
add("flush", [f([4, 5])], (b, [x]) => b.mul(b.flush(b.mul(x!, b.scalar(2 ** -124, "f32"))), b.scalar(2 ** 124, "f32")));
// flush inside a fused SIMD chain with scalar operands, 37 elements (nine vectors and a scalar tail): an optimizer moment's shape
add("flush", [f([]), f([37]), f([]), f([37])], (b, [s, m, t, g]) => b.mul(b.flush(b.mul(b.add(b.mul(s!, m!), b.mul(t!, g!)), b.scalar(2 ** -124, "f32"))), b.scalar(2 ** 124, "f32")), "fused chain, scalar operands");
add("quantize", [f([4, 5])], (b, [x]) => b.quantize(x!, 3, -1, 1));
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
add("reduce_sum", [c([2, 3, 4])], (b, [x]) => b.sum(x!, [0, 2]));
add("reduce_sum", [f([5, 6])], (b, [x]) => b.sum(x!, [1], true), "keepdims");
add("reduce_sum", [f([9, 8])], (b, [x]) => b.sum(x!, [0]), "outer");
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
bin("matmul", f([10, 40]), f([40, 17]));
add("matmul", [f([9, 13]), f([21, 13])], (b, [x, y]) => b.matmul(x!, b.transpose(y!)), "A·Bᵀ");
add("matmul", [f([13, 9]), f([13, 21])], (b, [x, y]) => b.matmul(b.transpose(x!), y!), "Aᵀ·B");
add("matmul", [f([13, 9]), f([21, 13])], (b, [x, y]) => b.matmul(b.transpose(x!), b.transpose(y!)), "Aᵀ·Bᵀ");
add("transpose", [f([9, 13]), f([13, 21])], (b, [x, y]) => b.transpose(b.matmul(x!, y!)), "of a matmul: Bᵀ·Aᵀ");
add("transpose", [c([2, 3, 4]), c([2, 4, 5])], (b, [x, y]) => b.transpose(b.matmul(x!, y!), [0, 2, 1]), "of a batched complex matmul");
bin("matmul", c([3, 4]), c([4, 2]));
bin("matmul", c([9, 5]), c([5, 7]));
bin("matmul", f([6, 5]), c([5, 6]));
bin("matmul", f([2, 3, 4]), c([4, 2]));
bin("matmul", c([2, 1, 2, 3]), f([3, 3, 2]));
bin("matmul", f([3, 5, 6]), f([3, 6, 7]));
for (const op of ["fft", "ifft"]) {
  add(op, [c([2, 8])], (b, [x]) => b.op(op, [x!], { dims: 1 }));
  add(op, [f([6])], (b, [x]) => b.op(op, [x!], { dims: 1 }), "real, not a power of two");
  add(op, [c([2, 4, 3])], (b, [x]) => b.op(op, [x!], { dims: 2 }));
  // powers of two: the mixed-radix kernels (the default, radix 4 and 2) and the radix-2 kernels
  // (compile option fft: "radix2", fft.ts), 1-D and 2-D, batched
  for (const fft of [undefined, "radix2"] as const) {
    const tag = fft ? "radix-2 kernels" : "mixed radix";
    CASES.push(...[
      { ins: [c([3, 32])], dims: 1, what: "batched" },
      { ins: [f([2, 16])], dims: 1, what: "real" },
      { ins: [c([2, 8, 16])], dims: 2, what: "rows and columns, batched" },
      { ins: [f([4, 8])], dims: 2, what: "real" },
      { ins: [c([16, 5])], dims: 2, what: "columns, odd rows" },
      { ins: [c([2, 3, 8])], dims: 2, what: "rows, mixed-radix columns" },
      { ins: [c([32, 32])], dims: 2, what: "32×32" },
    ].map(({ ins, dims, what }) => ({ op, label: `${op} (${tag}, ${what}) ${ins.map((i) => `${i.dtype}[${i.shape}]`).join(" ")}`, ins, build: (b: GraphBuilder, [x]: Node[]) => b.op(op, [x!], { dims }), fft })));
  }
  add(op, [c([2, 2, 1])], (b, [x]) => b.op(op, [x!], { dims: 1 }), "length 1");
  add(op, [c([2, 2])], (b, [x]) => b.op(op, [x!], { dims: 1 }), "length 2");
  add(op, [c([2, 5])], (b, [x]) => b.op(op, [x!], { dims: 1 }), "not a power of two");
  // mixed radix (backends/wasm/fft-mixed.ts: radices 4, 2 and odd primes up to MAX_RADIX, Stockham,
  // rows two at a time, columns across the row): lengths 3, 5, 6, 12, 17, 34, 66, 200, 1-D and 2-D,
  // real and complex, odd row counts (a row paired with itself) and odd row widths (half vectors)
  add(op, [c([3, 3])], (b, [x]) => b.op(op, [x!], { dims: 1 }), "mixed radix 3, odd row count");
  add(op, [c([2, 12])], (b, [x]) => b.op(op, [x!], { dims: 1 }), "mixed radix 12 = 4·3");
  add(op, [f([3, 17])], (b, [x]) => b.op(op, [x!], { dims: 1 }), "mixed radix 17, real, odd row count");
  add(op, [c([2, 34])], (b, [x]) => b.op(op, [x!], { dims: 1 }), "mixed radix 34 = 2·17");
  add(op, [f([2, 66])], (b, [x]) => b.op(op, [x!], { dims: 1 }), "mixed radix 66 = 2·3·11, real");
  add(op, [c([3, 200])], (b, [x]) => b.op(op, [x!], { dims: 1 }), "mixed radix 200 = 4·2·5·5");
  add(op, [c([3, 45])], (b, [x]) => b.op(op, [x!], { dims: 1 }), "odd composite 45 = 3·3·5");
  add(op, [c([2, 5, 6])], (b, [x]) => b.op(op, [x!], { dims: 2 }), "mixed radix 5×6");
  add(op, [f([2, 12, 5])], (b, [x]) => b.op(op, [x!], { dims: 2 }), "mixed radix 12×5, real, odd width (half vectors)");
  add(op, [c([17, 3])], (b, [x]) => b.op(op, [x!], { dims: 2 }), "mixed radix 17×3");
  add(op, [c([2, 34, 34])], (b, [x]) => b.op(op, [x!], { dims: 2 }), "mixed radix 34×34");
  add(op, [f([66, 66])], (b, [x]) => b.op(op, [x!], { dims: 2 }), "mixed radix 66×66, real");
  add(op, [c([12, 200])], (b, [x]) => b.op(op, [x!], { dims: 2 }), "mixed radix 12×200");
  add(op, [c([200, 6])], (b, [x]) => b.op(op, [x!], { dims: 2 }), "mixed radix 200×6 columns");
  add(op, [c([6, 16])], (b, [x]) => b.op(op, [x!], { dims: 2 }), "mixed radix columns, radix-2 rows");
  // pruned 2-D transforms (fft.ts prunedTransform): a zero-padded input transforms only its
  // nonzero rows; an output read only by slices transforms columns first, then only the rows read
  add(op, [c([2, 6, 10])], (b, [x]) => b.op(op, [b.pad(x!, [0, 3, 1], [0, 3, 2])], { dims: 2 }), "pruned: zero-padded rows");
  add(op, [f([3, 5, 6])], (b, [x]) => b.op(op, [b.pad(x!, [0, 4, 0], [0, 0, 0])], { dims: 2 }), "pruned: zero-padded rows, real, odd row count");
  add(op, [c([2, 10, 12])], (b, [x]) => b.slice(b.op(op, [x!], { dims: 2 }), [0, 2, 1], [2, 7, 9]), "pruned: read through a slice");
  add(op, [c([10, 6])], (b, [x]) => { const y = b.op(op, [x!], { dims: 2 }); return b.add(b.slice(y, [1, 0], [4, 6]), b.slice(y, [5, 0], [8, 6])); }, "pruned: two slices");
  add(op, [c([2, 7, 7]), c([16, 16])], (b, [x, h]) => {
    const u = b.op(op, [b.pad(x!, [0, 4, 4], [0, 5, 5])], { dims: 2 });
    return b.slice(b.op(op === "fft" ? "ifft" : "fft", [b.mul(u, h!)], { dims: 2 }), [0, 4, 4], [2, 11, 11]);
  }, "pruned: a propagation, pad → transform → · H → inverse → slice");
  // fft epilogues (plan.ts fftFactor): a 2-D transform read only by a product with one [n2, n1]
  // field stores its result times the field (mixed-radix columns; in place after radix-2 ones);
  // the product is not an output (an output product stays a kernel)
  for (const fft of [undefined, "radix2"] as const) {
    const tag = fft ? "radix-2 kernels" : "mixed radix";
    CASES.push(
      { op, label: `${op} (${tag}, epilogue: · H) c64[3,6,8] c64[6,8]`, ins: [c([3, 6, 8]), c([6, 8])], build: (b: GraphBuilder, [x, h]: Node[]) => b.neg(b.mul(b.op(op, [x!], { dims: 2 }), h!)), fft },
      { op, label: `${op} (${tag}, epilogue: conj(H) · on zero-padded rows) c64[2,3,5] c64[8,5]`, ins: [c([2, 3, 5]), c([8, 5])], build: (b: GraphBuilder, [x, h]: Node[]) => b.neg(b.mul(b.conj(h!), b.op(op, [b.pad(x!, [0, 2, 0], [0, 3, 0])], { dims: 2 }))), fft },
    );
  }
  add(op, [c([2, 4, 6]), c([4, 6])], (b, [x, h]) => { const y = b.op(op, [x!], { dims: 2 }); return b.add(b.mul(y, h!), y); }, "no epilogue: the transform has another reader");
  // a prime factor above MAX_RADIX (37): decomposed at the IR level by the backend (passes/fft-decompose.ts)
  add(op, [c([2, 74])], (b, [x]) => b.op(op, [x!], { dims: 1 }), "74 = 2·37, IR-level decomposition");
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
// elementwise fusion (fusion.ts): chains computed in one loop, real (SIMD) and complex, with
// broadcast leaves, a leaf read twice, a conj-parity leaf, and a member read by two members
add("mul", [f([5, 9]), f([9]), f([5, 9])], (b, [x, y, z]) => b.mul(b.tanh(b.add(b.mul(x!, y!), z!)), b.relu(b.sub(x!, b.scalar(0.1, "f32")))), "fused real chain, broadcast leaf");
add("abs2", [f([3, 6]), c([3, 6]), c([6])], (b, [t, z, w]) => b.abs2(b.add(b.mul(b.expi(t!), z!), w!)), "fused complex chain");
add("add", [c([2, 7]), c([2, 7])], (b, [x, y]) => b.add(b.mul(b.conj(x!), y!), b.square(b.neg(y!))), "fused with a conj-parity leaf");
add("sub", [f([4, 8])], (b, [x]) => { const s = b.sin(x!); return b.sub(b.mul(s, s), b.cos(x!)); }, "fused, a member read twice by one reader");
// loops (a real wasm loop, loop.ts): carries, invariants, sequences, stacked outputs, constants
// in the body (hoisted before the loop), reversed, nested, a carry swap (staged), a 2-D fft inside
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
add("scan", [c([4, 4])], (b, [z]) => buildScan(b, { length: 2, carries: [z!] }, (bb, v) => ({ carries: [bb.mul(bb.fft(v.carries[0]!, 2), bb.scalar(0.25, "f32"))] })).carries[0]!, "2-D fft in the body");

async function runCase(cs: Case, seed: number): Promise<void> {
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
  for (const g of graphs) {
    const art = await compileToWasm(g, cs.fft ? { fft: cs.fft } : {});
    await wabtValidate(art.bytes);
    const want = compileInterp(g).run(feeds);
    const got = wasmExecutable(art.bytes, art.layout).run(feeds);
    for (const name of Object.keys(want)) expectClose(got[name]!, want[name]!, `${cs.label}: ${name}`);
  }
}

describe("wasm parity with the interpreter, op by op", () => {
  it("every op in the table has a case", () => {
    const covered = new Set(CASES.map((x) => x.op));
    const missing = OP_LIST.map((o) => o.name).filter((n) => !covered.has(n) && !["input", "param", "const"].includes(n));
    expect(missing).toEqual([]);
  });
  for (const [k, cs] of CASES.entries()) it(cs.label, () => runCase(cs, 2000 + k));
});

describe("wasm elementwise fusion", () => {
  it("computes a chain of elementwise ops in one kernel: no buffer, no call for its inner nodes", () => {
    const b = new GraphBuilder();
    const x = b.input("x", "f32", [4, 8]), y = b.input("y", "f32", [8]);
    b.output("z", b.tanh(b.add(b.mul(x, y), b.exp(x))));
    const g = b.build();
    const plan = planBuffers(g);
    expect([...plan.fused.values()].map((m) => m.length)).toEqual([4]);
    expect(g.nodes.filter((n) => plan.live[n.id] && n.op !== "input").length).toBe(1);
    expect(planBuffers(g, undefined, false).fused.size).toBe(0);
  });

  it("a flush in a SIMD chain computes its operand once, and scalar operands are splatted before the loop", () => {
    const b = new GraphBuilder();
    const s = b.input("s", "f32", []), m = b.input("m", "f32", [64]), t = b.input("t", "f32", []), g = b.input("g", "f32", [64]);
    b.output("y", b.flush(b.add(b.mul(s, m), b.mul(t, g))));
    const { wat } = emitWat(b.build());
    const kernel = wat.split("(func ").find((f) => f.startsWith("$ew_fz"))!;
    expect(kernel).toBeDefined();
    const vectorLoop = kernel.slice(kernel.indexOf("f32x4"), kernel.lastIndexOf("f32x4"));
    // two products, each once (the flush reads its operand through a local)
    expect(vectorLoop.match(/f32x4\.mul/g)).toHaveLength(2);
    expect(vectorLoop).toContain("local.tee");
    // s and t (every stride 0) are splatted once, outside the loop; m and g are loaded without a stride test
    expect(kernel.match(/f32x4\.splat \(f32\.load/g)).toHaveLength(2);
    expect(kernel).not.toContain("(if (result v128)");
  });
});

describe("wasm fft epilogues", () => {
  const factors = (build: (b: GraphBuilder) => Node): number => {
    const b = new GraphBuilder();
    b.output("y", b.abs2(build(b))); // (a product that is itself an output stays a kernel)
    return planBuffers(b.build()).fftFactor.size;
  };
  it("a 2-D transform read only by a product with a field computed before it multiplies as it stores", () => {
    expect(factors((b) => b.mul(b.fft(b.input("x", "c64", [2, 6, 6]), 2), b.input("h", "c64", [6, 6])))).toBe(1);
    expect(factors((b) => b.mul(b.input("h", "c64", [6, 6]), b.ifft(b.input("x", "c64", [6, 6]), 2)))).toBe(1);
  });
  it("not when the field comes after the transform, has another shape, or the transform has other readers", () => {
    expect(factors((b) => { const y = b.fft(b.input("x", "c64", [6, 6]), 2); return b.mul(y, b.expi(b.input("p", "f32", [6, 6]))); })).toBe(0);
    expect(factors((b) => b.mul(b.fft(b.input("x", "c64", [2, 6, 6]), 2), b.input("h", "c64", [2, 6, 6])))).toBe(0);
    expect(factors((b) => { const y = b.fft(b.input("x", "c64", [6, 6]), 2); return b.add(b.mul(y, b.input("h", "c64", [6, 6])), y); })).toBe(0);
    expect(factors((b) => b.mul(b.fft(b.input("x", "c64", [4, 6]), 1), b.input("h", "c64", [4, 6])))).toBe(0);
  });
});

describe("wasm fft: which kernel runs", () => {
  const kernels = (shape: number[], dims: number, fft?: "dft" | "radix2"): string[] => {
    const b = new GraphBuilder();
    b.output("y", b.op("fft", [b.input("x", "c64", shape)], { dims }));
    return [...emitWat(b.build(), { fft }).wat.matchAll(/\(func \$(fft\w+)/g)].map((m) => m[1]!).sort();
  };
  it("mixed radix for lengths with prime factors up to MAX_RADIX; IR-level decomposition beyond; radix-2 or DFT products when asked", () => {
    expect(kernels([4, 16], 1)).toEqual(["fftmr_16_f_c"]);
    expect(kernels([2, 8, 16], 2)).toEqual(["fftmc_8x16_f", "fftmr_16_f_c"]);
    expect(kernels([2, 8, 16], 2, "radix2")).toEqual(["fftcol_8x16_f", "fftrow_16_f_c"]);
    expect(kernels([3, 8], 2, "radix2")).toEqual(["fftmc_3x8_f", "fftrow_8_f_c"]);
    expect(kernels([3, 1], 2)).toEqual(["fftmc_3x1_f", "fftrow_1_f_c"]); // length 1: a copy
    expect(kernels([4, 34], 1)).toEqual(["fftmr_34_f_c"]);
    expect(kernels([2, 66, 200], 2)).toEqual(["fftmc_66x200_f", "fftmr_200_f_c"]);
    expect(kernels([4, 74], 1)).toEqual([]); // 74 = 2·37: a 2-point and a 37-point DFT product with twiddles
    expect(kernels([8, 6], 2, "dft")).toEqual(["fft1a", "fft1b"]);
    expect(kernels([4, 16], 1, "dft")).toEqual(["fft1a"]);
  });
});
