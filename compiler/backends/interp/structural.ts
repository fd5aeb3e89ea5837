/**
 * Interpreter kernels for data movement (reshape, transpose, slice, pad, broadcast_to, concat,
 * cast), reductions (sum, mean, max) and indexing (gather, scatter_add, one_hot). Static index
 * maps are computed once here; gather/scatter read their indices at run time and throw a
 * RangeError on an index outside the axis.
 */
import type { Node } from "../../ir/graph.js";
import { isComplex, numel, strides, type TypeShape } from "../../ir/types.js";
import { affineMap, broadcastMap, gatherInto, type Kernel } from "./util.js";

const width = (t: TypeShape): number => (isComplex(t.dtype) ? 2 : 1);

export function structuralKernel(node: Node, ins: readonly TypeShape[]): Kernel {
  const x = ins[0]!;
  const w = width(node);
  const at = node.attrs;
  switch (node.op) {
    case "reshape":
      return ([s], o) => o.set(s!);
    case "transpose": {
      const st = strides(x.shape);
      const perm = at.perm as readonly number[];
      const map = affineMap(node.shape, perm.map((p) => st[p]!));
      return ([s], o) => gatherInto(s!, map, o, w);
    }
    case "slice": {
      const st = strides(x.shape);
      const begin = at.begin as readonly number[];
      const base = begin.reduce((acc, b, k) => acc + b * st[k]!, 0);
      const map = affineMap(node.shape, st, base);
      return ([s], o) => gatherInto(s!, map, o, w);
    }
    case "broadcast_to": {
      const map = broadcastMap(x.shape, node.shape);
      return ([s], o) => gatherInto(s!, map, o, w);
    }
    case "pad": {
      // map from each input element to its output position (pad is a scatter into zeros)
      const st = strides(node.shape);
      const before = at.before as readonly number[];
      const map = affineMap(x.shape, st, before.reduce((acc, b, k) => acc + b * st[k]!, 0));
      return ([s], o) => {
        o.fill(0);
        const S = s!;
        if (w === 1) for (let j = 0; j < map.length; j++) o[map[j]!] = S[j]!;
        else for (let j = 0; j < map.length; j++) { o[2 * map[j]!] = S[2 * j]!; o[2 * map[j]! + 1] = S[2 * j + 1]!; }
      };
    }
    case "concat": {
      const ax = at.axis as number;
      const outer = numel(node.shape.slice(0, ax));
      const inner = numel(node.shape.slice(ax + 1)) * w;
      const rowOut = node.shape[ax]! * inner;
      const chunks = ins.map((t) => t.shape[ax]! * inner);
      return (srcs, o) => {
        let col = 0;
        for (let q = 0; q < srcs.length; q++) {
          const S = srcs[q]!, c = chunks[q]!;
          for (let p = 0; p < outer; p++) o.set(S.subarray(p * c, p * c + c), p * rowOut + col);
          col += c;
        }
      };
    }
    case "cast":
      return castKernel(x, node);
    case "reduce_sum": case "reduce_mean": case "reduce_max":
      return reduceKernel(node, x);
    case "gather":
      return gatherKernel(node, x, ins[1]!);
    case "scatter_add":
      return scatterKernel(node, x, ins[1]!);
    case "one_hot": {
      const C = at.classes as number;
      const n = numel(x.shape);
      return ([l], o) => {
        o.fill(0);
        for (let i = 0; i < n; i++) {
          const c = l![i]!;
          if (c >= 0 && c < C) o[i * C + c] = 1;
        }
      };
    }
    default:
      throw new Error(`interp: no structural kernel for ${node.op}`);
  }
}

function castKernel(x: TypeShape, node: Node): Kernel {
  const n = numel(node.shape);
  const cin = isComplex(x.dtype), cout = isComplex(node.dtype);
  if (node.dtype === "i32")
    return ([s], o) => { for (let i = 0; i < n; i++) o[i] = Math.trunc(s![cin ? 2 * i : i]!) | 0; };
  if (cin === cout) return ([s], o) => o.set(s!);
  if (cout) return ([s], o) => { for (let i = 0; i < n; i++) { o[2 * i] = s![i]!; o[2 * i + 1] = 0; } };
  return ([s], o) => { for (let i = 0; i < n; i++) o[i] = s![2 * i]!; };
}

function reduceKernel(node: Node, x: TypeShape): Kernel {
  const axes = node.attrs.axes as readonly number[];
  const keepShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const st = strides(keepShape);
  const map = affineMap(x.shape, x.shape.map((_, i) => (axes.includes(i) ? 0 : st[i]!)));
  const m = numel(node.shape);
  const count = numel(x.shape) / Math.max(1, m);
  const cx = isComplex(x.dtype);
  const op = node.op;
  return ([s], o) => {
    const S = s!;
    if (op === "reduce_max") {
      o.fill(-Infinity);
      for (let j = 0; j < map.length; j++) { const v = S[j]!, q = map[j]!; if (v > o[q]! || Number.isNaN(v)) o[q] = v; }
      return;
    }
    o.fill(0);
    if (cx) for (let j = 0; j < map.length; j++) { const q = 2 * map[j]!; o[q] += S[2 * j]!; o[q + 1] += S[2 * j + 1]!; }
    else for (let j = 0; j < map.length; j++) o[map[j]!] += S[j]!;
    if (op === "reduce_mean") { const f = 1 / count; for (let i = 0; i < o.length; i++) o[i] *= f; }
  };
}

/** Splits x = pre × D × post around the axis; returns (P, D, R) with R counted in doubles. */
function around(shape: readonly number[], ax: number, w: number): [number, number, number] {
  return [numel(shape.slice(0, ax)), shape[ax]!, numel(shape.slice(ax + 1)) * w];
}

function gatherKernel(node: Node, x: TypeShape, idx: TypeShape): Kernel {
  const ax = node.attrs.axis as number;
  const [P, D, R] = around(x.shape, ax, width(x));
  const K = numel(idx.shape);
  return ([s, ix], o) => {
    const S = s!, I = ix!;
    for (let k = 0; k < K; k++) {
      const q = I[k]!;
      if (!(q >= 0 && q < D)) throw new RangeError(`gather: index ${q} outside axis of size ${D}`);
    }
    for (let p = 0; p < P; p++)
      for (let k = 0; k < K; k++) {
        const src = (p * D + I[k]!) * R, dst = (p * K + k) * R;
        for (let r = 0; r < R; r++) o[dst + r] = S[src + r]!;
      }
  };
}

function scatterKernel(node: Node, g: TypeShape, idx: TypeShape): Kernel {
  const ax = node.attrs.axis as number;
  const D = node.attrs.size as number;
  const K = numel(idx.shape);
  const P = numel(g.shape.slice(0, ax));
  const R = numel(g.shape.slice(ax + idx.shape.length)) * width(g);
  return ([s, ix], o) => {
    const S = s!, I = ix!;
    o.fill(0);
    for (let k = 0; k < K; k++) {
      const q = I[k]!;
      if (!(q >= 0 && q < D)) throw new RangeError(`scatter_add: index ${q} outside axis of size ${D}`);
    }
    for (let p = 0; p < P; p++)
      for (let k = 0; k < K; k++) {
        const dst = (p * D + I[k]!) * R, src = (p * K + k) * R;
        for (let r = 0; r < R; r++) o[dst + r] += S[src + r]!;
      }
  };
}
