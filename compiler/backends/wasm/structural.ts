/**
 * Data movement (transpose, slice, broadcast_to, pad, concat; reshape and friends are aliases in
 * the buffer plan), reductions (sum, mean, max over any axes) and indexing (gather, scatter_add,
 * one_hot). Movement copies whole elements (i32 words; complex pairs as one i64), so it is the
 * same code for every dtype. Out-of-range indices call the host's pnn.fail (a RangeError).
 */
import type { Node } from "../../ir/graph.js";
import { numel, strides } from "../../ir/types.js";
import { addr, type Ctx } from "./ctx.js";
import { bcastStrides } from "./elementwise.js";
import { byteSize, elemBytes, kindOf } from "./plan.js";
import { fillHelper, moveHelper, padRank, raddHelper, scaleHelper } from "./helpers.js";
import { affine, collapse, copyBytes, counted, f32c, Fn, get, i32c, set } from "./wat.js";

const moveBody = (eb: number) => ({
  elem: [eb, eb],
  scalar(p: readonly string[]) {
    const t = eb === 8 ? "i64" : "i32";
    return `(${t}.store ${p[0]} (${t}.load ${p[1]}))`;
  },
});

let moveCtx: Ctx;
function move(fn: Fn, dims: readonly number[], dst: { base: number; strides: number[] }, src: { base: number; strides: number[] }, eb: number): void {
  const c = collapse(dims, [dst, src]);
  if (c.dims.some((d) => d === 0)) return;
  const fit = padRank(c.dims, c.strides, 4);
  if (fit) {
    moveCtx.call(moveHelper(moveCtx.h, eb as 4 | 8), [dst.base, src.base, ...fit.dims, ...fit.strides[0]!, ...fit.strides[1]!]);
    return;
  }
  const b = moveBody(eb);
  affine(fn, dims, [dst, src], {
    elem: b.elem,
    scalar: (p) => fn.emit(b.scalar(p)),
    ...(eb === 4 ? { vector: (p: readonly string[], bc: readonly boolean[]) => fn.emit(`(v128.store ${p[0]} ${bc[1] ? `(i32x4.splat (i32.load ${p[1]}))` : `(v128.load ${p[1]})`})`) } : {}),
  });
}

const fill0 = (ctx: Ctx, fn: Fn, n: Node): void => {
  const bytes = byteSize(n);
  if (bytes > 0) ctx.call(fillHelper(ctx.h), [addr(ctx, n), bytes]);
  void fn;
};

export function structuralKernel(ctx: Ctx, fn: Fn, n: Node): void {
  moveCtx = ctx;
  const x = ctx.g.nodes[n.inputs[0]!]!;
  const eb = elemBytes(kindOf(n));
  const at = n.attrs;
  const outSt = strides(n.shape).map((s) => s * eb);
  const inSt = strides(x.shape).map((s) => s * eb);
  switch (n.op) {
    case "reshape": case "stop_gradient": case "cast": case "conj": case "real":
      // only reached when the plan did not alias (never for these); copy to be safe
      fn.emit(copyBytes(i32c(addr(ctx, n)), i32c(addr(ctx, x)), byteSize(n)));
      return;
    case "transpose": {
      const perm = at.perm as readonly number[];
      move(fn, n.shape, { base: addr(ctx, n), strides: outSt }, { base: addr(ctx, x), strides: perm.map((p) => inSt[p]!) }, eb);
      return;
    }
    case "slice": {
      const begin = at.begin as readonly number[];
      const base = addr(ctx, x) + begin.reduce((a, b, k) => a + b * inSt[k]!, 0);
      move(fn, n.shape, { base: addr(ctx, n), strides: outSt }, { base, strides: inSt }, eb);
      return;
    }
    case "broadcast_to":
      move(fn, n.shape, { base: addr(ctx, n), strides: outSt }, { base: addr(ctx, x), strides: bcastStrides(x.shape, n.shape, eb) }, eb);
      return;
    case "pad": {
      const before = at.before as readonly number[];
      fill0(ctx, fn, n);
      const base = addr(ctx, n) + before.reduce((a, b, k) => a + b * outSt[k]!, 0);
      move(fn, x.shape, { base, strides: outSt }, { base: addr(ctx, x), strides: inSt }, eb);
      return;
    }
    case "concat": {
      const ax = at.axis as number;
      let col = 0;
      for (const id of n.inputs) {
        const s = ctx.g.nodes[id]!;
        const st = strides(s.shape).map((v) => v * eb);
        move(fn, s.shape, { base: addr(ctx, n) + col * outSt[ax]!, strides: outSt }, { base: addr(ctx, s), strides: st }, eb);
        col += s.shape[ax]!;
      }
      return;
    }
    case "reduce_sum": case "reduce_mean": case "reduce_max":
      reduceKernel(ctx, fn, n, x);
      return;
    case "gather": gatherKernel(ctx, fn, n, x); return;
    case "scatter_add": scatterKernel(ctx, fn, n, x); return;
    case "one_hot": oneHotKernel(ctx, fn, n, x); return;
    default:
      throw new Error(`wasm: no structural kernel for ${n.op}`);
  }
}

function reduceKernel(ctx: Ctx, fn: Fn, n: Node, x: Node): void {
  const axes = n.attrs.axes as readonly number[];
  const k = kindOf(x);
  const eb = elemBytes(k);
  const keep = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const ost = strides(keep).map((s, i) => (axes.includes(i) ? 0 : s * eb));
  const ist = strides(x.shape).map((s) => s * eb);
  const m = numel(n.shape);
  const o = addr(ctx, n);
  const ops = [{ base: o, strides: ost }, { base: addr(ctx, x), strides: ist }];
  if (n.op === "reduce_max") {
    const isI = k === "i";
    const p = fn.local("rp", "i32");
    fn.emit(set(p, i32c(o)));
    counted(fn, "rf", m, () => {
      fn.emit(isI ? `(i32.store ${get(p)} (i32.const 0x80000000))` : `(f32.store ${get(p)} ${f32c(-Infinity)})`);
      fn.emit(set(p, `(i32.add ${get(p)} (i32.const 4))`));
    });
    affine(fn, x.shape, ops, {
      elem: [4, 4],
      scalar(ps) {
        const v = fn.local(isI ? "rvi" : "rv", isI ? "i32" : "f32");
        if (isI) fn.emit(set(v, `(i32.load ${ps[1]})`), `(if (i32.gt_s ${get(v)} (i32.load ${ps[0]})) (then (i32.store ${ps[0]} ${get(v)})))`);
        else fn.emit(set(v, `(f32.load ${ps[1]})`), `(if (i32.or (f32.gt ${get(v)} (f32.load ${ps[0]})) (f32.ne ${get(v)} ${get(v)})) (then (f32.store ${ps[0]} ${get(v)})))`);
      },
    });
    return;
  }
  fill0(ctx, fn, n);
  // a complex sum is two real sums: as f32 with a trailing (re, im) axis, a contiguous output
  // row runs the real kernel's 4 lanes (each output element summed in the same order)
  const pairs = k === "c" ? { dims: [...x.shape, 2], ops: [{ base: o, strides: [...ost, 4] }, { base: addr(ctx, x), strides: [...ist, 4] }] } : undefined;
  const c = pairs ? collapse(pairs.dims, pairs.ops) : collapse(x.shape, ops);
  const fit = c.dims.every((d) => d > 0) ? padRank(c.dims, c.strides, 4) : null;
  if (fit) ctx.call(raddHelper(ctx.h, pairs ? "f" : k), [o, addr(ctx, x), ...fit.dims, ...fit.strides[0]!, ...fit.strides[1]!]);
  else if (c.dims.some((d) => d === 0)) { /* empty */ }
  else if (k === "i") {
    affine(fn, x.shape, ops, { elem: [4, 4], scalar: (ps) => fn.emit(`(i32.store ${ps[0]} (i32.add (i32.load ${ps[0]}) (i32.load ${ps[1]})))`) });
  } else {
    affine(fn, x.shape, ops, {
      elem: [eb, eb],
      scalar(ps) {
        fn.emit(`(f32.store ${ps[0]} (f32.add (f32.load ${ps[0]}) (f32.load ${ps[1]})))`);
        if (k === "c") fn.emit(`(f32.store offset=4 ${ps[0]} (f32.add (f32.load offset=4 ${ps[0]}) (f32.load offset=4 ${ps[1]})))`);
      },
      // 4 lanes when the reduced axes are outer (the output row is contiguous)
      ...(k === "f" ? { vector: (ps: readonly string[], bc: readonly boolean[]) => {
        if (bc[0]) fn.emit(`(f32.store ${ps[0]} (f32.add (f32.load ${ps[0]}) (call $hsum (v128.load ${ps[1]}))))`);
        else fn.emit(`(v128.store ${ps[0]} (f32x4.add (v128.load ${ps[0]}) (v128.load ${ps[1]})))`);
      } } : {}),
    });
  }
  if (n.op === "reduce_mean" && m > 0) ctx.call(scaleHelper(ctx.h), [o, m * (k === "c" ? 2 : 1), numel(x.shape) / m]);
}

/** x = P × D × R around the axis (R in bytes). */
function around(shape: readonly number[], ax: number, eb: number): [number, number, number] {
  return [numel(shape.slice(0, ax)), shape[ax]!, numel(shape.slice(ax + 1)) * eb];
}

/** Checks every index in idx lies in [0, D); calls pnn.fail(code, index, D) otherwise. */
export function checkIndices(ctx: Ctx, fn: Fn, idx: Node, D: number, code: number): void {
  ctx.uses("fail");
  const p = fn.local("ip", "i32"), v = fn.local("iv", "i32");
  fn.emit(set(p, i32c(addr(ctx, idx))));
  counted(fn, "ic", numel(idx.shape), () => {
    fn.emit(set(v, `(i32.load ${get(p)})`),
      `(if (i32.ge_u ${get(v)} ${i32c(D)}) (then (call $pnn_fail ${i32c(code)} ${get(v)} ${i32c(D)})))`,
      set(p, `(i32.add ${get(p)} (i32.const 4))`));
  });
}

function gatherKernel(ctx: Ctx, fn: Fn, n: Node, x: Node): void {
  const idx = ctx.g.nodes[n.inputs[1]!]!;
  const ax = n.attrs.axis as number;
  const [P, D, R] = around(x.shape, ax, elemBytes(kindOf(x)));
  const K = numel(idx.shape);
  checkIndices(ctx, fn, idx, D, 1);
  const dst = fn.local("gd", "i32"), ip = fn.local("gi", "i32"), src = fn.local("gs", "i32"), from = fn.local("gf", "i32");
  fn.emit(set(dst, i32c(addr(ctx, n))), set(src, i32c(addr(ctx, x))));
  counted(fn, "gp", P, () => {
    fn.emit(set(ip, i32c(addr(ctx, idx))));
    counted(fn, "gk", K, () => {
      fn.emit(set(from, `(i32.add ${get(src)} (i32.mul (i32.load ${get(ip)}) ${i32c(R)}))`), copyBytes(get(dst), get(from), R),
        set(dst, `(i32.add ${get(dst)} ${i32c(R)})`), set(ip, `(i32.add ${get(ip)} (i32.const 4))`));
    });
    fn.emit(set(src, `(i32.add ${get(src)} ${i32c(D * R)})`));
  });
}

function scatterKernel(ctx: Ctx, fn: Fn, n: Node, g: Node): void {
  const idx = ctx.g.nodes[n.inputs[1]!]!;
  const ax = n.attrs.axis as number;
  const D = n.attrs.size as number;
  const k = kindOf(g);
  const K = numel(idx.shape);
  const P = numel(g.shape.slice(0, ax));
  const R = numel(g.shape.slice(ax + idx.shape.length)) * (k === "c" ? 2 : 1);
  fill0(ctx, fn, n);
  checkIndices(ctx, fn, idx, D, 2);
  const s = fn.local("ss", "i32"), ip = fn.local("si", "i32"), base = fn.local("sb", "i32"), d = fn.local("sd", "i32");
  fn.emit(set(s, i32c(addr(ctx, g))), set(base, i32c(addr(ctx, n))));
  const t = k === "i" ? "i32" : "f32";
  counted(fn, "sp", P, () => {
    fn.emit(set(ip, i32c(addr(ctx, idx))));
    counted(fn, "sk", K, () => {
      fn.emit(set(d, `(i32.add ${get(base)} (i32.mul (i32.load ${get(ip)}) ${i32c(R * 4)}))`));
      counted(fn, "sr", R, () => {
        fn.emit(`(${t}.store ${get(d)} (${t}.add (${t}.load ${get(d)}) (${t}.load ${get(s)})))`,
          set(d, `(i32.add ${get(d)} (i32.const 4))`), set(s, `(i32.add ${get(s)} (i32.const 4))`));
      });
      fn.emit(set(ip, `(i32.add ${get(ip)} (i32.const 4))`));
    });
    fn.emit(set(base, `(i32.add ${get(base)} ${i32c(D * R * 4)})`));
  });
}

function oneHotKernel(ctx: Ctx, fn: Fn, n: Node, l: Node): void {
  const C = n.attrs.classes as number;
  const k = kindOf(n);
  const eb = elemBytes(k);
  fill0(ctx, fn, n);
  const p = fn.local("hp", "i32"), o = fn.local("ho", "i32"), v = fn.local("hv", "i32");
  fn.emit(set(p, i32c(addr(ctx, l))), set(o, i32c(addr(ctx, n))));
  const one = k === "i" ? "(i32.const 1)" : f32c(1);
  counted(fn, "hc", numel(l.shape), () => {
    fn.emit(set(v, `(i32.load ${get(p)})`),
      `(if (i32.lt_u ${get(v)} ${i32c(C)}) (then (${k === "i" ? "i32" : "f32"}.store (i32.add ${get(o)} (i32.mul ${get(v)} ${i32c(eb)})) ${one})))`,
      set(p, `(i32.add ${get(p)} (i32.const 4))`), set(o, `(i32.add ${get(o)} ${i32c(C * eb)})`));
  });
}

export const STRUCTURAL_HELPERS = `
(func $hsum (param $v v128) (result f32)
  (f32.add (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
           (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))
`;
