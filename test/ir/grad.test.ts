// Table-driven gradient check: every op in the op table has a case here (or is listed as having
// no gradient, with a reason); autodiff is compared with central finite differences, perturbing
// the real and imaginary parts of complex inputs separately.
import { describe, expect, it } from "vitest";
import { GraphBuilder, type Node } from "../../compiler/ir/graph.js";
import { OP_LIST } from "../../compiler/ir/ops.js";
import { grad, VJP_OPS } from "../../compiler/ir/autodiff.js";
import { buildScan } from "../../compiler/ir/loops.js";
import { assertValid } from "../../compiler/ir/verify.js";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import { isComplex, numel, type DType } from "../../compiler/ir/types.js";
import type { Tensor } from "../../runtime/backend.js";
import { Stream } from "../../runtime/rng.js";
import { randTensor, type Domain } from "./helpers.js";

interface In {
  dtype: DType;
  shape: number[];
  domain?: Domain;
}
interface Case {
  op: string;
  label: string;
  ins: In[];
  build: (b: GraphBuilder, xs: Node[]) => Node;
}

const f = (shape: number[], domain?: Domain): In => ({ dtype: "f64", shape, domain });
const c = (shape: number[], domain?: Domain): In => ({ dtype: "c128", shape, domain });
const i32 = (shape: number[], C: number): In => ({ dtype: "i32", shape, domain: { int: C } });

const CASES: Case[] = [];
function add(op: string, ins: In[], build: Case["build"], label = ""): void {
  CASES.push({ op, label: `${op}${label ? ` (${label})` : ""} ${ins.map((i) => `${i.dtype}[${i.shape}]`).join(" ")}`, ins, build });
}
const un = (op: string, ...ins: In[]) => add(op, ins, (b, [x]) => b.op(op, [x!]));
const bin = (op: string, x: In, y: In) => add(op, [x, y], (b, [p, q]) => b.op(op, [p!, q!]));

// unary, real and complex
for (const op of ["neg", "exp", "square", "recip", "conj", "real", "imag", "abs2", "abs"]) {
  un(op, f([2, 3], op === "recip" ? "pos" : "any"));
  un(op, c([2, 3], op === "recip" ? "pos" : "any"));
}
for (const op of ["log", "sqrt", "angle"]) {
  un(op, f([2, 3], "pos"));
  un(op, c([2, 3], "pos"));
}
for (const op of ["sin", "cos", "tanh", "sigmoid", "relu", "expi"]) un(op, f([3, 2]));
add("clip", [f([4, 3])], (b, [x]) => b.clip(x!, -0.5, 0.5));
// flush: |x|·2⁻¹²⁴ is below 2⁻¹²⁶ exactly when |x| < ¼ (scaling by a power of two is exact), then back to O(1)
add("flush", [f([4, 5])], (b, [x]) => b.mul(b.flush(b.mul(x!, b.scalar(2 ** -124, "f64"))), b.scalar(2 ** 124, "f64")));
// binary: broadcasting, complex, mixed real x complex
for (const op of ["add", "sub", "mul", "div"]) {
  const pos = op === "div" ? "pos" : "any";
  bin(op, f([2, 3]), f([3], pos));
  bin(op, c([2, 1]), c([1, 3], pos));
  bin(op, f([2, 3]), c([2, 3], pos));
  bin(op, c([3]), f([2, 3], pos));
}
bin("pow", f([2, 3], "pos"), f([2, 3]));
bin("pow", f([2, 3], "pos"), f([]));
bin("max", f([2, 3]), f([3]));
bin("min", f([2, 3]), f([2, 1]));
bin("complex", f([2, 3]), f([3]));
// reductions
add("reduce_sum", [c([2, 3, 4])], (b, [x]) => b.sum(x!, [0, 2]));
add("reduce_sum", [f([2, 3])], (b, [x]) => b.sum(x!, [1], true), "keepdims");
add("reduce_mean", [f([2, 3, 2])], (b, [x]) => b.mean(x!, [1]));
add("reduce_max", [f([3, 4])], (b, [x]) => b.reduceMax(x!, [-1]));
add("reduce_max", [f([3, 4])], (b, [x]) => b.reduceMax(b.clip(x!, -0.3, 0.3), [1]), "ties");
// structural
add("reshape", [c([2, 6])], (b, [x]) => b.reshape(x!, [3, 2, 2]));
add("transpose", [c([2, 3, 4])], (b, [x]) => b.transpose(x!, [2, 0, 1]));
add("slice", [f([4, 5])], (b, [x]) => b.slice(x!, [1, 0], [3, 4]));
add("pad", [c([2, 3])], (b, [x]) => b.pad(x!, [1, 0], [0, 2]));
add("broadcast_to", [f([3, 1])], (b, [x]) => b.broadcastTo(x!, [2, 3, 4]));
add("cast", [f([2, 3])], (b, [x]) => b.cast(x!, "c64"), "real->complex");
add("cast", [c([2, 3])], (b, [x]) => b.cast(x!, "f32"), "complex->real");
add("cast", [{ dtype: "f32", shape: [2, 3] }], (b, [x]) => b.cast(x!, "f64"), "f32->f64");
add("concat", [f([2, 3]), f([2, 1]), f([2, 2])], (b, xs) => b.concat(xs, 1));
// linear algebra
bin("matmul", f([3, 4]), f([4, 2]));
bin("matmul", c([3, 4]), c([4, 2]));
bin("matmul", f([2, 3, 4]), c([4, 2]));
bin("matmul", c([2, 1, 2, 3]), f([3, 3, 2]));
for (const op of ["fft", "ifft"]) {
  add(op, [c([2, 8])], (b, [x]) => b.op(op, [x!], { dims: 1 }));
  add(op, [f([6])], (b, [x]) => b.op(op, [x!], { dims: 1 }), "bluestein, real");
  add(op, [c([2, 4, 3])], (b, [x]) => b.op(op, [x!], { dims: 2 }));
}
// indexing
add("gather", [f([3, 5]), i32([4], 5)], (b, [x, i]) => b.gather(x!, i!, 1));
add("gather", [c([4, 2]), i32([2, 3], 4)], (b, [x, i]) => b.gather(x!, i!, 0));
add("scatter_add", [f([2, 4, 3]), i32([4], 5)], (b, [g, i]) => b.scatterAdd(g!, i!, 1, 5));
// pairwise mixing: partners an involution with a fixed point (mode 4), as in an odd mesh column
const partners = (b: GraphBuilder) => b.const([1, 0, 3, 2, 4, 6, 5], "i32", [7]);
for (const adjoint of [false, true]) {
  add("pair_mix", [c([3, 7]), c([7]), c([7])], (b, [x, d, o]) => b.pairMix(x!, d!, o!, partners(b), adjoint), adjoint ? "adjoint" : "");
  add("pair_mix", [f([2, 2, 7]), f([7]), f([7])], (b, [x, d, o]) => b.pairMix(x!, d!, o!, partners(b), adjoint), adjoint ? "adjoint" : "");
}
for (const partner of [false, true]) {
  add("pair_mix_grad", [c([4, 7]), c([4, 7])], (b, [g, x]) => b.pairMixGrad(g!, x!, partners(b), partner), partner ? "partner" : "");
  add("pair_mix_grad", [f([3, 7]), f([3, 7])], (b, [g, x]) => b.pairMixGrad(g!, x!, partners(b), partner), partner ? "partner" : "");
}
// nn
add("softmax", [f([3, 4])], (b, [x]) => b.softmax(x!, 0));
add("log_softmax", [f([2, 5])], (b, [x]) => b.logSoftmax(x!));
add("softmax_cross_entropy", [f([4, 3]), i32([4], 3)], (b, [x, l]) => b.softmaxCrossEntropy(x!, l!));
add("mse", [f([3, 4]), f([3, 4])], (b, [p, t]) => b.mse(p!, t!));
add("mse", [c([2, 3]), f([2, 3])], (b, [p, t]) => b.mse(p!, t!), "complex");
// loops: a scan's gradient w.r.t. initial carries, invariants and sequences, through final
// carries and stacked per-step outputs; reversed; two carries of different dtypes; a nested scan
add("scan", [c([2, 3]), f([3]), c([4, 2, 3])], (b, [h0, k, xs]) => {
  const r = buildScan(b, { length: 4, carries: [h0!], invariants: [k!], xs: [xs!] }, (bb, v) => {
    const h = v.carries[0]!;
    const next = bb.add(bb.mul(h, bb.expi(v.invariants[0]!)), bb.mul(v.xs[0]!, bb.tanh(bb.real(h))));
    return { carries: [next], ys: [bb.abs2(h)] };
  });
  return b.add(b.real(r.carries[0]!), b.sum(r.ys[0]!, [0]));
}, "carry, invariant, sequence");
add("scan_result", [f([2]), c([2]), f([3, 2])], (b, [a0, z0, xs]) => {
  const r = buildScan(b, { length: 3, carries: [a0!, z0!], xs: [xs!], reverse: true }, (bb, v) => {
    const [a, z] = v.carries as [Node, Node];
    // an inner loop: two steps of z ← z·e^{i·a}
    const inner = buildScan(bb, { length: 2, carries: [z], invariants: [a] }, (ib, w) => ({ carries: [ib.mul(w.carries[0]!, ib.expi(w.invariants[0]!))] }));
    return { carries: [ib0(bb, a, v.xs[0]!), inner.carries[0]!], ys: [bb.mul(a, a)] };
  });
  return b.add(b.mul(r.carries[0]!, b.abs2(r.carries[1]!)), b.sum(r.ys[0]!, [0]));
}, "reverse, two carries, nested scan");
function ib0(b: GraphBuilder, a: Node, x: Node): Node {
  return b.add(b.sin(a), b.mul(x, a));
}

/** Ops with no finite-difference case, and why. */
const NO_FD: Record<string, string> = {
  input: "leaf", param: "leaf", const: "leaf",
  sign: "piecewise constant: zero gradient",
  eq: "comparison: zero gradient", ge: "comparison: zero gradient", gt: "comparison: zero gradient",
  one_hot: "integer operand", random_uniform: "random draw of an integer key", random_normal: "random draw of an integer key",
  stop_gradient: "zero gradient by definition: checked in ste.test.ts",
  quantize: "straight-through estimator, not the true derivative: checked in ste.test.ts",
};

function runCase(cs: Case, seed: number): void {
  const b = new GraphBuilder();
  const xs = cs.ins.map((s, q) => (s.dtype === "i32" ? b.input(`x${q}`, s.dtype, s.shape) : b.param(`x${q}`, s.dtype, s.shape)));
  const y = cs.build(b, xs);
  const rng = new Stream(seed, 7);
  const wlen = numel(y.shape);
  const w1 = b.const(Array.from({ length: wlen }, () => rng.normal()), "f64", y.shape);
  let l = b.mul(isComplex(y.dtype) ? b.real(y) : y, w1);
  if (isComplex(y.dtype)) {
    const w2 = b.const(Array.from({ length: wlen }, () => rng.normal()), "f64", y.shape);
    l = b.add(l, b.mul(b.imag(y), w2));
  }
  b.output("loss", b.sum(l));
  const fwd = b.build();
  assertValid(fwd);
  const wrt = cs.ins.flatMap((s, q) => (s.dtype === "i32" ? [] : [`x${q}`]));
  const g = grad(fwd, "loss", wrt);
  assertValid(g);
  const fexe = compileInterp(fwd);
  const gexe = compileInterp(g);
  const feeds: Record<string, Tensor> = {};
  cs.ins.forEach((s, q) => (feeds[`x${q}`] = randTensor(rng, s.dtype, s.shape, s.domain)));
  const got = gexe.run(feeds);
  const h = 1e-6;
  for (const name of wrt) {
    const t = feeds[name]!;
    const data = t.data as Float64Array;
    const gd = got[`grad:${name}`]!.data;
    expect(gd.length).toBe(data.length);
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      data[i] = v + h;
      const lp = fexe.run(feeds).loss!.data[0]!;
      data[i] = v - h;
      const lm = fexe.run(feeds).loss!.data[0]!;
      data[i] = v;
      const fd = (lp - lm) / (2 * h);
      const ad = gd[i]!;
      if (!(Math.abs(ad - fd) <= 1e-5 + 1e-5 * Math.abs(fd)))
        throw new Error(`${cs.label}: d loss / d ${name}[${i}${isComplex(t.dtype) ? (i % 2 ? " im" : " re") : ""}] autodiff ${ad} vs finite difference ${fd}`);
    }
  }
}

describe("gradients vs central finite differences", () => {
  it("every op in the table has a gradient case or a stated reason not to", () => {
    const covered = new Set(CASES.map((c) => c.op));
    const missing = OP_LIST.map((o) => o.name).filter((n) => !covered.has(n) && !(n in NO_FD));
    expect(missing).toEqual([]);
    // and every op with a vjp in the table has a rule in autodiff.ts
    const noRule = OP_LIST.filter((o) => o.grad === "vjp" && !VJP_OPS.has(o.name)).map((o) => o.name);
    expect(noRule).toEqual([]);
  });
  for (const [k, cs] of CASES.entries()) it(cs.label, () => runCase(cs, 1000 + k));
});
