/**
 * Elementwise ops: unary (real, complex, and complex<->real conversions), binary with numpy
 * broadcasting and dtype promotion (real x complex -> complex), comparisons, clip, quantize and
 * stop_gradient. Only the table lives here; values are defined by the interpreter
 * (compiler/backends/interp/elementwise.ts) and gradients by autodiff.ts.
 */
import { perElement, type FlopFn } from "./costs.js";
import { a, type OpDef } from "./op-def.js";
import {
  broadcastShapes, complexOf, fail, isComplex, isReal, promote, realOf, type DType, type TypeShape,
} from "./types.js";

type Rule = (d: DType) => DType;
const floatAny: Rule = (d) => (d === "i32" ? fail("needs a float or complex operand") : d);
const realOnly: Rule = (d) => (isReal(d) ? d : fail(`needs a real operand, got ${d}`));
const numAny: Rule = (d) => d; // includes i32
const realNum: Rule = (d) => (isComplex(d) ? fail(`needs a real operand, got ${d}`) : d);
const toReal: Rule = (d) => (d === "i32" ? fail("needs a float or complex operand") : realOf(d));
const toRealNum: Rule = (d) => realOf(d);
const realToComplex: Rule = (d) => complexOf(realOnly(d));

function unary(name: string, rule: Rule, meaning: string, flops: FlopFn | undefined, grad: "vjp" | "none" = "vjp"): OpDef {
  return {
    name, family: "unary", arity: 1, attrs: [], grad, meaning, ...(flops ? { flops } : {}),
    infer: ([x]) => ({ dtype: rule(x!.dtype), shape: x!.shape }),
  };
}

type BinRule = (a: DType, b: DType) => DType;
const promoteFloat: BinRule = (x, y) => {
  const d = promote(x, y);
  return d === "i32" ? fail("needs float or complex operands") : d;
};
const promoteNum: BinRule = (x, y) => promote(x, y);
const promoteRealNum: BinRule = (x, y) => {
  const d = promote(x, y);
  return isComplex(d) ? fail(`needs real operands, got ${x} and ${y}`) : d;
};
const promoteReal: BinRule = (x, y) => realOnly(promote(x, y));

function binary(name: string, rule: BinRule, meaning: string, flops: FlopFn, grad: "vjp" | "none" = "vjp"): OpDef {
  return {
    name, family: "binary", arity: 2, attrs: [], grad, meaning, flops,
    infer: ([x, y]) => ({ dtype: rule(x!.dtype, y!.dtype), shape: broadcastShapes(x!.shape, y!.shape) }),
  };
}

const same = (x: TypeShape) => ({ dtype: x.dtype, shape: x.shape });

export const ELEMENTWISE_OPS: readonly OpDef[] = [
  unary("neg", numAny, "y = -x", perElement(1, 2)),
  unary("exp", floatAny, "y = e^x (complex: e^re (cos im + i sin im))", perElement(1, 4)),
  unary("log", floatAny, "y = ln x (complex: principal branch ln|z| + i arg z)", perElement(1, 5)),
  unary("sqrt", floatAny, "y = √x (complex: principal root)", perElement(1, 8)),
  unary("abs", toRealNum, "y = |x| (complex -> real modulus)", perElement(1, 4)),
  unary("sin", realOnly, "y = sin x", perElement(1, 1)),
  unary("cos", realOnly, "y = cos x", perElement(1, 1)),
  unary("tanh", realOnly, "y = tanh x", perElement(1, 1)),
  unary("sigmoid", realOnly, "y = 1 / (1 + e^-x)", perElement(3, 3)),
  unary("relu", realOnly, "y = max(x, 0)", perElement(1, 1)),
  unary("square", floatAny, "y = x·x (complex: z², not |z|²)", perElement(1, 3)),
  unary("recip", floatAny, "y = 1 / x", perElement(1, 6)),
  unary("sign", realNum, "y = -1, 0 or 1 by the sign of x (zero gradient)", perElement(1, 1), "none"),
  unary("conj", floatAny, "y = re - i·im (identity on real)", perElement(0, 1)),
  unary("real", toReal, "y = Re z (identity on real)", undefined),
  unary("imag", toReal, "y = Im z (zero on real)", undefined),
  unary("abs2", toReal, "y = |z|² = re² + im² (real result)", perElement(1, 3)),
  unary("expi", realToComplex, "y = e^{iθ} = cos θ + i sin θ (real θ -> complex)", perElement(2, 2)),
  unary("angle", toReal, "y = atan2(Im z, Re z)", perElement(1, 1)),
  unary("flush", realOnly, "y = 0 where |x| < 2⁻¹²⁶ (f32's smallest normal), else x (NaN stays); ∂y/∂x = 1 where kept", perElement(1, 2)),
  {
    name: "stop_gradient", family: "unary", arity: 1, attrs: [], grad: "none",
    meaning: "y = x forward; ∂L/∂x = 0 (physics-aware training: twin + sg(device - twin))",
    infer: ([x]) => same(x!),
  },
  {
    name: "complex", family: "binary", arity: 2, attrs: [], grad: "vjp",
    meaning: "y = re + i·im (real, real -> complex, broadcasting)",
    infer: ([re, im]) => ({
      dtype: complexOf(promoteReal(re!.dtype, im!.dtype)),
      shape: broadcastShapes(re!.shape, im!.shape),
    }),
  },
  binary("add", promoteNum, "y = a + b", perElement(1, 2)),
  binary("sub", promoteNum, "y = a - b", perElement(1, 2)),
  binary("mul", promoteNum, "y = a · b (complex product)", perElement(1, 6)),
  binary("div", promoteFloat, "y = a / b (complex quotient)", perElement(1, 11)),
  binary("pow", promoteReal, "y = a^b (real; a > 0 for a gradient in b)", perElement(1, 1)),
  binary("max", promoteRealNum, "y = max(a, b); gradient goes to a at ties", perElement(1, 1)),
  binary("min", promoteRealNum, "y = min(a, b); gradient goes to a at ties", perElement(1, 1)),
  binary("eq", promoteRealNum, "y = 1 if a == b else 0 (zero gradient)", perElement(1, 1), "none"),
  binary("ge", promoteRealNum, "y = 1 if a >= b else 0 (zero gradient)", perElement(1, 1), "none"),
  binary("gt", promoteRealNum, "y = 1 if a > b else 0 (zero gradient)", perElement(1, 1), "none"),
  {
    name: "clip", family: "unary", arity: 1, attrs: [a.float("lo"), a.float("hi")], grad: "vjp", flops: perElement(2, 2),
    meaning: "y = min(max(x, lo), hi); ∂y/∂x = 1 on [lo, hi], 0 outside",
    infer: ([x], at) => {
      realOnly(x!.dtype);
      if (!((at.lo as number) <= (at.hi as number))) fail("clip needs lo <= hi");
      return same(x!);
    },
  },
  {
    name: "quantize", family: "unary", arity: 1,
    attrs: [a.int("bits"), a.float("lo"), a.float("hi")], grad: "vjp", flops: perElement(5, 5),
    meaning:
      "y = lo + round((clip(x,lo,hi) - lo)/Δ)·Δ, Δ = (hi-lo)/(2^bits - 1); straight-through gradient: 1 on [lo,hi], 0 outside",
    infer: ([x], at) => {
      realOnly(x!.dtype);
      const bits = at.bits as number;
      if (!Number.isInteger(bits) || bits < 1 || bits > 30) fail("quantize bits must be an integer in 1..30");
      if (!((at.lo as number) < (at.hi as number))) fail("quantize needs lo < hi");
      return same(x!);
    },
  },
];
