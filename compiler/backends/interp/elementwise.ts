/**
 * Interpreter kernels for elementwise ops. These loops are the definition of each op's values
 * (see compiler/ir/ops-elementwise.ts for the one-line meanings). Broadcast operands are gathered
 * into a contiguous scratch buffer first (map computed at compile time); a real operand of a
 * complex op is widened to complex the same way; then one tight loop runs per op.
 */
import type { Node } from "../../ir/graph.js";
import { F32_MIN_NORMAL } from "../../../runtime/backend.js";
import { isComplex, numel, type TypeShape } from "../../ir/types.js";
import { broadcastMap, gatherInto, sameShape, toComplexInto, type Kernel } from "./util.js";

const I32_WRAP = new Set(["add", "sub", "mul", "neg", "abs"]);

export function unaryKernel(node: Node, x: TypeShape): Kernel {
  const n = numel(node.shape);
  const cx = isComplex(x.dtype);
  const wrap = node.dtype === "i32" && I32_WRAP.has(node.op);
  const k = cx ? complexUnary(node, n) : realUnary(node, n);
  return wrap
    ? (ins, out) => {
        k(ins, out);
        for (let i = 0; i < n; i++) out[i] = out[i]! | 0;
      }
    : k;
}

function realUnary(node: Node, n: number): Kernel {
  const op = node.op;
  return ([x], o) => {
    const X = x!;
    switch (op) {
      case "neg": for (let i = 0; i < n; i++) o[i] = -X[i]!; break;
      case "exp": for (let i = 0; i < n; i++) o[i] = Math.exp(X[i]!); break;
      case "log": for (let i = 0; i < n; i++) o[i] = Math.log(X[i]!); break;
      case "sqrt": for (let i = 0; i < n; i++) o[i] = Math.sqrt(X[i]!); break;
      case "abs": for (let i = 0; i < n; i++) o[i] = Math.abs(X[i]!); break;
      case "sin": for (let i = 0; i < n; i++) o[i] = Math.sin(X[i]!); break;
      case "cos": for (let i = 0; i < n; i++) o[i] = Math.cos(X[i]!); break;
      case "tanh": for (let i = 0; i < n; i++) o[i] = Math.tanh(X[i]!); break;
      case "sigmoid":
        for (let i = 0; i < n; i++) {
          const v = X[i]!;
          // stable both ways: for v < 0 use e^v / (1 + e^v)
          if (v >= 0) o[i] = 1 / (1 + Math.exp(-v));
          else { const e = Math.exp(v); o[i] = e / (1 + e); }
        }
        break;
      case "relu": for (let i = 0; i < n; i++) { const v = X[i]!; o[i] = v > 0 ? v : 0; } break;
      case "square": for (let i = 0; i < n; i++) o[i] = X[i]! * X[i]!; break;
      case "recip": for (let i = 0; i < n; i++) o[i] = 1 / X[i]!; break;
      case "sign": for (let i = 0; i < n; i++) { const v = X[i]!; o[i] = v > 0 ? 1 : v < 0 ? -1 : 0; } break;
      case "conj": case "real": case "stop_gradient": o.set(X.subarray(0, n)); break;
      case "imag": o.fill(0); break;
      case "abs2": for (let i = 0; i < n; i++) o[i] = X[i]! * X[i]!; break;
      case "angle": for (let i = 0; i < n; i++) o[i] = Math.atan2(0, X[i]!); break;
      case "expi":
        for (let i = 0; i < n; i++) { o[2 * i] = Math.cos(X[i]!); o[2 * i + 1] = Math.sin(X[i]!); }
        break;
      case "flush": for (let i = 0; i < n; i++) { const v = X[i]!; o[i] = Math.abs(v) < F32_MIN_NORMAL ? 0 : v; } break;
      case "clip": {
        const lo = node.attrs.lo as number, hi = node.attrs.hi as number;
        for (let i = 0; i < n; i++) { const v = X[i]!; o[i] = v < lo ? lo : v > hi ? hi : v; }
        break;
      }
      case "quantize": {
        const lo = node.attrs.lo as number, hi = node.attrs.hi as number;
        const levels = 2 ** (node.attrs.bits as number) - 1;
        const step = (hi - lo) / levels;
        for (let i = 0; i < n; i++) {
          const v = X[i]!;
          const c = v < lo ? lo : v > hi ? hi : v;
          o[i] = lo + Math.round((c - lo) / step) * step;
        }
        break;
      }
      default: throw new Error(`interp: no real unary kernel for ${op}`);
    }
  };
}

function complexUnary(node: Node, n: number): Kernel {
  const op = node.op;
  return ([x], o) => {
    const X = x!;
    for (let i = 0; i < n; i++) {
      const re = X[2 * i]!, im = X[2 * i + 1]!;
      switch (op) {
        case "neg": o[2 * i] = -re; o[2 * i + 1] = -im; break;
        case "conj": o[2 * i] = re; o[2 * i + 1] = -im; break;
        case "stop_gradient": o[2 * i] = re; o[2 * i + 1] = im; break;
        case "exp": { const e = Math.exp(re); o[2 * i] = e * Math.cos(im); o[2 * i + 1] = e * Math.sin(im); break; }
        case "log": o[2 * i] = Math.log(Math.hypot(re, im)); o[2 * i + 1] = Math.atan2(im, re); break;
        case "sqrt": {
          const r = Math.hypot(re, im);
          o[2 * i] = Math.sqrt((r + re) / 2);
          o[2 * i + 1] = (im < 0 ? -1 : 1) * Math.sqrt(Math.max(0, (r - re) / 2));
          break;
        }
        case "square": o[2 * i] = re * re - im * im; o[2 * i + 1] = 2 * re * im; break;
        case "recip": { const d = re * re + im * im; o[2 * i] = re / d; o[2 * i + 1] = -im / d; break; }
        case "abs": o[i] = Math.hypot(re, im); break;
        case "real": o[i] = re; break;
        case "imag": o[i] = im; break;
        case "abs2": o[i] = re * re + im * im; break;
        case "angle": o[i] = Math.atan2(im, re); break;
        default: throw new Error(`interp: no complex unary kernel for ${op}`);
      }
    }
  };
}

/** Prepares operand j of a binary op: broadcast to the output shape and widen to complex if needed. */
function operandPrep(x: TypeShape, out: TypeShape, wantComplex: boolean): ((src: Float64Array) => Float64Array) | null {
  const n = numel(out.shape);
  const cx = isComplex(x.dtype);
  const map = sameShape(x.shape, out.shape) ? null : broadcastMap(x.shape, out.shape);
  const widen = wantComplex && !cx;
  if (!map && !widen) return null;
  const bc = map ? new Float64Array(n * (cx ? 2 : 1)) : null;
  const wide = widen ? new Float64Array(2 * n) : null;
  return (src) => {
    let s = src;
    if (map) { gatherInto(s, map, bc!, cx ? 2 : 1); s = bc!; }
    if (wide) { toComplexInto(s.subarray(0, n), wide); s = wide; }
    return s;
  };
}

export function binaryKernel(node: Node, a: TypeShape, b: TypeShape): Kernel {
  const n = numel(node.shape);
  const op = node.op;
  // `complex` builds a complex result from two real operands: no widening.
  const cplx = isComplex(node.dtype) && op !== "complex";
  const pa = operandPrep(a, node, cplx);
  const pb = operandPrep(b, node, cplx);
  const wrap = node.dtype === "i32" && I32_WRAP.has(op);
  return ([x, y], o) => {
    const A = pa ? pa(x!) : x!;
    const B = pb ? pb(y!) : y!;
    if (op === "complex") {
      for (let i = 0; i < n; i++) { o[2 * i] = A[i]!; o[2 * i + 1] = B[i]!; }
      return;
    }
    if (cplx) {
      for (let i = 0; i < n; i++) {
        const ar = A[2 * i]!, ai = A[2 * i + 1]!, br = B[2 * i]!, bi = B[2 * i + 1]!;
        switch (op) {
          case "add": o[2 * i] = ar + br; o[2 * i + 1] = ai + bi; break;
          case "sub": o[2 * i] = ar - br; o[2 * i + 1] = ai - bi; break;
          case "mul": o[2 * i] = ar * br - ai * bi; o[2 * i + 1] = ar * bi + ai * br; break;
          case "div": {
            const d = br * br + bi * bi;
            o[2 * i] = (ar * br + ai * bi) / d;
            o[2 * i + 1] = (ai * br - ar * bi) / d;
            break;
          }
          default: throw new Error(`interp: no complex binary kernel for ${op}`);
        }
      }
      return;
    }
    switch (op) {
      case "add": for (let i = 0; i < n; i++) o[i] = A[i]! + B[i]!; break;
      case "sub": for (let i = 0; i < n; i++) o[i] = A[i]! - B[i]!; break;
      case "mul": for (let i = 0; i < n; i++) o[i] = A[i]! * B[i]!; break;
      case "div": for (let i = 0; i < n; i++) o[i] = A[i]! / B[i]!; break;
      case "pow": for (let i = 0; i < n; i++) o[i] = Math.pow(A[i]!, B[i]!); break;
      case "max": for (let i = 0; i < n; i++) { const p = A[i]!, q = B[i]!; o[i] = p >= q ? p : q; } break;
      case "min": for (let i = 0; i < n; i++) { const p = A[i]!, q = B[i]!; o[i] = p <= q ? p : q; } break;
      case "eq": for (let i = 0; i < n; i++) o[i] = A[i] === B[i] ? 1 : 0; break;
      case "ge": for (let i = 0; i < n; i++) o[i] = A[i]! >= B[i]! ? 1 : 0; break;
      case "gt": for (let i = 0; i < n; i++) o[i] = A[i]! > B[i]! ? 1 : 0; break;
      default: throw new Error(`interp: no real binary kernel for ${op}`);
    }
    if (wrap) for (let i = 0; i < n; i++) o[i] = o[i]! | 0;
  };
}
