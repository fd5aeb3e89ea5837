/**
 * Reductions, linear algebra (matmul, fft, pair_mix), indexing (gather, scatter_add, one_hot), the softmax
 * family and losses, and counter-based random draws. Only the table lives here.
 */
import { fftFlops, matmulFlops, perElement, perInputElement } from "./costs.js";
import { a, type OpDef } from "./op-def.js";
import {
  broadcastShapes, checkShape, complexOf, fail, isComplex, isDType, isFloat, isReal, normAxis, numel, promote,
  realOf, shapeEq, type Attrs, type DType, type TypeShape,
} from "./types.js";


function reduce(name: string, meaning: string, realOnly: boolean): OpDef {
  return {
    name, family: "reduce", arity: 1, attrs: [a.ints("axes"), a.bool("keepdims", false)], grad: "vjp", meaning, flops: perInputElement,
    infer: ([x], at) => {
      if (x!.dtype === "i32" && name !== "reduce_max" && name !== "reduce_sum") fail(`${name} needs a float operand`);
      if (realOnly && isComplex(x!.dtype)) fail(`${name} needs a real operand`);
      const raw = at.axes as readonly number[];
      if (!Array.isArray(raw)) fail(`${name} needs axes`);
      const axes = [...new Set(raw.map((ax) => normAxis(ax, x!.shape.length)))].sort((p, q) => p - q);
      const keep = at.keepdims === true;
      const shape: number[] = [];
      x!.shape.forEach((d, i) => {
        if (!axes.includes(i)) shape.push(d);
        else if (keep) shape.push(1);
      });
      return { dtype: x!.dtype, shape, attrs: { axes, keepdims: keep } };
    },
  };
}

const floatOf = (d: DType): DType => (d === "i32" ? fail("needs a float operand") : d);

function softmaxLike(name: string, meaning: string): OpDef {
  return {
    name, family: "nn", arity: 1, attrs: [a.int("axis", -1)], grad: "vjp", meaning, flops: perElement(4, 4),
    infer: ([x], at) => {
      if (!isReal(x!.dtype)) fail(`${name} needs a real operand`);
      return { dtype: x!.dtype, shape: x!.shape, attrs: { axis: normAxis(at.axis as number, x!.shape.length) } };
    },
  };
}

function fftLike(name: string, meaning: string): OpDef {
  return {
    name, family: "linalg", arity: 1, attrs: [a.int("dims", 1)], grad: "vjp", meaning, flops: fftFlops,
    infer: ([x], at) => {
      const dims = at.dims as number;
      if (dims !== 1 && dims !== 2) fail(`${name} dims must be 1 or 2`);
      if (x!.shape.length < dims) fail(`${name} over ${dims} axes needs rank >= ${dims}`);
      return { dtype: complexOf(floatOf(x!.dtype)), shape: x!.shape };
    },
  };
}

function random(name: string, meaning: string): OpDef {
  return {
    name, family: "random", arity: 1,
    attrs: [a.ints("shape"), a.int("stream"), a.dtype("dtype", "f32")], grad: "none", meaning, flops: perElement(1, 1),
    infer: ([key], at) => {
      if (key!.dtype !== "i32" || !shapeEq(key!.shape, [4])) fail(`${name} key must be i32[4]`);
      const dtype = at.dtype;
      if (!isDType(dtype) || !isReal(dtype)) fail(`${name} dtype must be f32 or f64`);
      const stream = at.stream as number;
      if (!Number.isInteger(stream) || stream < 0 || stream > 0xffffffff) fail(`${name} stream must be a u32`);
      return { dtype, shape: checkShape(at.shape) };
    },
  };
}

/** pair_mix: x [.., N] mixed by coefficients d, o [N] (x's dtype) and partners p i32[N]. */
function pairMixShapes(x: TypeShape, d: TypeShape, o: TypeShape, p: TypeShape): TypeShape {
  const n = x.shape[x.shape.length - 1];
  if (n === undefined) fail("pair_mix needs a last axis");
  if (!isFloat(x.dtype)) fail("pair_mix needs a float operand");
  for (const [what, c] of [["d", d], ["o", o]] as const)
    if (c.dtype !== x.dtype || !shapeEq(c.shape, [n])) fail(`pair_mix ${what} must be ${x.dtype}[${n}], not ${c.dtype}[${c.shape}]`);
  if (p.dtype !== "i32" || !shapeEq(p.shape, [n])) fail(`pair_mix partners must be i32[${n}]`);
  return { dtype: x.dtype, shape: x.shape };
}

export const NN_OPS: readonly OpDef[] = [
  reduce("reduce_sum", "y = Σ x over axes", false),
  reduce("reduce_mean", "y = (1/n) Σ x over axes", false),
  reduce("reduce_max", "y = max x over axes (real); gradient shared equally among tied maxima", true),
  {
    name: "matmul", family: "linalg", arity: 2, attrs: [], grad: "vjp", flops: matmulFlops,
    meaning: "Y[..,i,j] = Σ_k A[..,i,k] B[..,k,j]; leading (batch) dims broadcast",
    infer: ([x, y]) => {
      const d = promote(x!.dtype, y!.dtype);
      if (d === "i32") fail("matmul needs float operands");
      const A = x!.shape, B = y!.shape;
      if (A.length < 2 || B.length < 2) fail(`matmul needs rank >= 2 operands, got [${A}] and [${B}]`);
      const k = A[A.length - 1]!;
      if (k !== B[B.length - 2]) fail(`matmul inner dims differ: [${A}] x [${B}]`);
      const batch = broadcastShapes(A.slice(0, -2), B.slice(0, -2));
      return { dtype: d, shape: [...batch, A[A.length - 2]!, B[B.length - 1]!] };
    },
  },
  fftLike("fft", "Y_k = Σ_n x_n e^{-2πi kn/N} over the last (dims=1) or last two (dims=2) axes; unnormalized"),
  fftLike("ifft", "x_n = (1/N) Σ_k Y_k e^{+2πi kn/N} over the last dims axes; 1/N (N = product of the sizes)"),
  // pairwise mixing along the last axis (an MZI mesh column: every mode with its partner)
  {
    name: "pair_mix", family: "linalg", arity: 4, attrs: [a.bool("adjoint", false)], grad: "vjp", flops: perElement(3, 14),
    meaning: "y[.., j] = d_j·x[.., j] + o_j·x[.., p_j] along the last axis; adjoint: conj(d_j)·x[.., j] + conj(o_{p_j})·x[.., p_j] (the Hermitian adjoint); p (i32) an involution",
    infer: ([x, d, o, p]) => pairMixShapes(x!, d!, o!, p!),
  },
  {
    name: "pair_mix_grad", family: "reduce", arity: 3, attrs: [a.bool("partner", false)], grad: "vjp", flops: (_out, ins) => numel(ins[0]!.shape) * (isComplex(ins[0]!.dtype) ? 8 : 2),
    meaning: "y_j = Σ over leading axes of g[.., j]·conj(x[.., q_j]), q_j = p_j (partner) or j: pair_mix's coefficient gradients",
    infer: ([g, x, p]) => {
      if (!shapeEq(g!.shape, x!.shape) || g!.dtype !== x!.dtype) fail(`pair_mix_grad: g ${g!.dtype}[${g!.shape}] and x ${x!.dtype}[${x!.shape}] differ`);
      const n = x!.shape[x!.shape.length - 1];
      if (n === undefined) fail("pair_mix_grad needs a last axis");
      if (p!.dtype !== "i32" || !shapeEq(p!.shape, [n])) fail(`pair_mix_grad partners must be i32[${n}]`);
      return { dtype: x!.dtype, shape: [n] };
    },
  },
  {
    name: "gather", family: "structural", arity: 2, attrs: [a.int("axis", 0)], grad: "vjp",
    meaning: "y[..a, j.., ..b] = x[..a, idx[j..], ..b] (numpy take along axis); idx is i32",
    infer: ([x, idx], at) => {
      if (idx!.dtype !== "i32") fail("gather indices must be i32");
      const ax = normAxis(at.axis as number, x!.shape.length);
      return {
        dtype: x!.dtype,
        shape: [...x!.shape.slice(0, ax), ...idx!.shape, ...x!.shape.slice(ax + 1)],
        attrs: { axis: ax },
      };
    },
  },
  {
    name: "scatter_add", family: "structural", arity: 2, attrs: [a.int("axis"), a.int("size")], grad: "vjp", flops: perInputElement,
    meaning: "y = zeros with y[..a, idx[j..], ..b] += g[..a, j.., ..b] along axis (adjoint of gather)",
    infer: ([g, idx], at) => {
      if (idx!.dtype !== "i32") fail("scatter_add indices must be i32");
      const ax = at.axis as number;
      const r = idx!.shape.length;
      if (!Number.isInteger(ax) || ax < 0 || ax + r > g!.shape.length) fail("scatter_add axis out of range");
      for (let i = 0; i < r; i++) if (g!.shape[ax + i] !== idx!.shape[i]) fail("scatter_add: g and idx shapes disagree");
      const size = at.size as number;
      if (!Number.isInteger(size) || size < 1) fail("scatter_add size must be >= 1");
      return { dtype: g!.dtype, shape: [...g!.shape.slice(0, ax), size, ...g!.shape.slice(ax + r)] };
    },
  },
  {
    name: "one_hot", family: "nn", arity: 1, attrs: [a.int("classes"), a.dtype("dtype", "f32")], grad: "none",
    meaning: "y[.., c] = 1 if labels[..] == c else 0 (labels i32; out-of-range -> all zeros)",
    infer: ([l], at) => {
      if (l!.dtype !== "i32") fail("one_hot labels must be i32");
      const c = at.classes as number;
      if (!Number.isInteger(c) || c < 1) fail("one_hot classes must be >= 1");
      const d = at.dtype;
      if (!isDType(d)) fail("one_hot bad dtype");
      return { dtype: d, shape: [...l!.shape, c] };
    },
  },
  softmaxLike("softmax", "y_i = e^{x_i - m} / Σ_j e^{x_j - m} along axis (m = max, for stability)"),
  softmaxLike("log_softmax", "y_i = x_i - m - ln Σ_j e^{x_j - m} along axis"),
  {
    name: "softmax_cross_entropy", family: "nn", arity: 2, attrs: [], grad: "vjp", flops: (_o, ins) => 4 * numel(ins[0]!.shape),
    meaning: "loss_b = logsumexp(x_b) - x_b[label_b]; logits real [B,C], labels i32 [B] -> [B]",
    infer: ([x, l]) => {
      if (!isReal(x!.dtype) || x!.shape.length !== 2) fail("softmax_cross_entropy logits must be real [B,C]");
      if (l!.dtype !== "i32" || !shapeEq(l!.shape, [x!.shape[0]!])) fail("softmax_cross_entropy labels must be i32 [B]");
      return { dtype: x!.dtype, shape: [x!.shape[0]!] };
    },
  },
  {
    name: "mse", family: "nn", arity: 2, attrs: [], grad: "vjp", flops: (_o, ins) => (isComplex(ins[0]!.dtype) ? 4 : 3) * numel(ins[0]!.shape),
    meaning: "loss_b = mean over non-batch axes of |p - t|² -> [B] (complex allowed; real result)",
    infer: ([p, t]) => {
      if (!shapeEq(p!.shape, t!.shape) || p!.shape.length < 1) fail("mse operands must share a shape of rank >= 1");
      const d = promote(p!.dtype, t!.dtype);
      if (d === "i32") fail("mse needs float operands");
      return { dtype: realOf(d), shape: [p!.shape[0]!] };
    },
  },
  random("random_uniform", "y_j = uniform [0,1) from philox(key, stream, j) (runtime/rng.ts)"),
  random("random_normal", "y_j = N(0,1) by Box-Muller from philox(key, stream, j) (runtime/rng.ts)"),
];
