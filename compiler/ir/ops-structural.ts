/**
 * Structural ops (data movement, no arithmetic) and leaves (input, param, const). Structural ops
 * accept every dtype, i32 included. Only the table lives here.
 */
import { a, type OpDef } from "./op-def.js";
import {
  canBroadcastTo, checkShape, fail, isComplex, isDType, normAxis, numel, type Attrs, type DType,
} from "./types.js";

function leaf(name: "input" | "param"): OpDef {
  return {
    name, family: "leaf", arity: 0, attrs: [a.string("name"), a.dtype("dtype"), a.ints("shape")],
    grad: "none",
    meaning: name === "input" ? "a named runtime input (data, labels, keys)" : "a named trainable parameter",
    infer: (_, at) => {
      if (typeof at.name !== "string" || at.name === "") fail(`${name} needs a non-empty name`);
      return { dtype: dtypeAttr(at), shape: checkShape(at.shape) };
    },
  };
}

function dtypeAttr(at: Attrs, key = "dtype"): DType {
  const d = at[key];
  if (!isDType(d)) fail(`bad dtype ${JSON.stringify(d)}`);
  return d;
}

export const STRUCTURAL_OPS: readonly OpDef[] = [
  leaf("input"),
  leaf("param"),
  {
    name: "const", family: "leaf", arity: 0,
    attrs: [a.floats("value"), a.dtype("dtype"), a.ints("shape")], grad: "none",
    meaning: "a constant: value holds 1 number (filled) or every element (complex: re, im pairs)",
    infer: (_, at) => {
      const dtype = dtypeAttr(at);
      const shape = checkShape(at.shape);
      const v = at.value;
      if (!Array.isArray(v) || !v.every((x) => typeof x === "number")) fail("const value must be a list of numbers");
      const per = isComplex(dtype) ? 2 : 1;
      if (v.length !== per && v.length !== per * numel(shape))
        fail(`const value has ${v.length} numbers; expected ${per} or ${per * numel(shape)}`);
      if (dtype === "i32" && !v.every((x) => Number.isInteger(x))) fail("i32 const needs integers");
      return { dtype, shape };
    },
  },
  {
    name: "reshape", family: "structural", arity: 1, attrs: [a.ints("shape")], grad: "vjp",
    meaning: "same elements in row-major order, new shape",
    infer: ([x], at) => {
      const shape = checkShape(at.shape);
      if (numel(shape) !== numel(x!.shape)) fail(`cannot reshape [${x!.shape}] to [${shape}]`);
      return { dtype: x!.dtype, shape };
    },
  },
  {
    name: "transpose", family: "structural", arity: 1, attrs: [a.ints("perm")], grad: "vjp",
    meaning: "y[i_perm[0], ..] = x[i_0, ..]: axis k of y is axis perm[k] of x",
    infer: ([x], at) => {
      const perm = checkShape(at.perm, "perm");
      const r = x!.shape.length;
      if (perm.length !== r || [...perm].sort((p, q) => p - q).some((p, i) => p !== i))
        fail(`perm [${perm}] is not a permutation of rank ${r}`);
      return { dtype: x!.dtype, shape: perm.map((p) => x!.shape[p]!) };
    },
  },
  {
    name: "slice", family: "structural", arity: 1, attrs: [a.ints("begin"), a.ints("end")], grad: "vjp",
    meaning: "y = x[begin_0:end_0, begin_1:end_1, ...] (unit step)",
    infer: ([x], at) => {
      const b = checkShape(at.begin, "begin");
      const e = checkShape(at.end, "end");
      const s = x!.shape;
      if (b.length !== s.length || e.length !== s.length) fail("slice begin/end need one entry per axis");
      for (let i = 0; i < s.length; i++)
        if (!(b[i]! <= e[i]! && e[i]! <= s[i]!)) fail(`slice [${b[i]}:${e[i]}] out of range for axis ${i} of size ${s[i]}`);
      return { dtype: x!.dtype, shape: s.map((_, i) => e[i]! - b[i]!) };
    },
  },
  {
    name: "concat", family: "structural", arity: "variadic", attrs: [a.int("axis")], grad: "vjp",
    meaning: "y = [x_0; x_1; ...] joined along axis",
    infer: (xs, at) => {
      const x0 = xs[0]!;
      const ax = normAxis(at.axis as number, x0.shape.length);
      let total = 0;
      for (const x of xs) {
        if (x.dtype !== x0.dtype) fail(`concat operands differ in dtype: ${x0.dtype} vs ${x.dtype}`);
        if (x.shape.length !== x0.shape.length || x.shape.some((d, i) => i !== ax && d !== x0.shape[i]))
          fail(`concat operands [${x0.shape}] and [${x.shape}] differ off axis ${ax}`);
        total += x.shape[ax]!;
      }
      const shape = [...x0.shape];
      shape[ax] = total;
      return { dtype: x0.dtype, shape, attrs: { axis: ax } };
    },
  },
  {
    name: "pad", family: "structural", arity: 1, attrs: [a.ints("before"), a.ints("after")], grad: "vjp",
    meaning: "y = x surrounded by zeros: before[i] zeros ahead of and after[i] zeros behind axis i",
    infer: ([x], at) => {
      const b = checkShape(at.before, "before");
      const e = checkShape(at.after, "after");
      if (b.length !== x!.shape.length || e.length !== x!.shape.length) fail("pad needs one before/after per axis");
      return { dtype: x!.dtype, shape: x!.shape.map((d, i) => d + b[i]! + e[i]!) };
    },
  },
  {
    name: "broadcast_to", family: "structural", arity: 1, attrs: [a.ints("shape")], grad: "vjp",
    meaning: "y = x stretched to shape by numpy broadcasting",
    infer: ([x], at) => {
      const shape = checkShape(at.shape);
      if (!canBroadcastTo(x!.shape, shape)) fail(`cannot broadcast [${x!.shape}] to [${shape}]`);
      return { dtype: x!.dtype, shape };
    },
  },
  {
    name: "cast", family: "structural", arity: 1, attrs: [a.dtype("dtype")], grad: "vjp",
    meaning: "y = x as dtype (complex -> real keeps Re; float -> i32 truncates toward zero)",
    infer: ([x], at) => ({ dtype: dtypeAttr(at), shape: x!.shape }),
  },
];
