/**
 * Indexing as WGSL kernels, and the strided copy. gather/scatter_add/one_hot read their indices
 * at run time; an index out of range records a failure (prelude `fail`, code 1 or 2 as wasm's
 * pnn.fail) and the host throws. scatter_add is computed as a gather over the indices (each
 * output sums the matching g rows in index order, as the interpreter), so it needs no float
 * atomics. `move` (a strided copy, one kernel per element width) copies carried outputs onto
 * their inputs (index.ts). Everything else that moves data — slice, pad, transpose,
 * broadcast_to, concat — is part of a fused group (fuse.ts, elementwise.ts); reshape and
 * identities are aliases in the plan.
 */
import type { Node } from "../../ir/graph.js";
import { numel } from "../../ir/types.js";
import { grid, header1d, nodeOf, off, Params, viewOffset, viewShape, VIEW_WORDS, type Ctx, type View } from "./ctx.js";
import { kindOf, width, type Kind } from "./plan.js";

/** Joint collapse of one iteration space read through several stride lists (words, outermost first). */
export function collapseJoint(shape: readonly number[], bases: readonly number[], st: readonly (readonly number[])[]): View[] {
  const dims: number[] = [];
  const out: number[][] = st.map(() => []);
  for (let k = shape.length - 1; k >= 0; k--) {
    const d = shape[k]!;
    if (d === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && st.every((s, j) => s[k] === out[j]![last]! * dims[last]!)) { dims[last] = dims[last]! * d; continue; }
    dims.push(d);
    st.forEach((s, j) => out[j]!.push(s[k]!));
  }
  return bases.map((base, j) => ({ base, dims, strides: out[j]! }));
}

function moveKernel(ctx: Ctx, w: number, d: View, s: View, count: number): number {
  const copy = w === 2 ? "mem[d] = mem[s];\n  mem[d + 1u] = mem[s + 1u];" : "mem[d] = mem[s];";
  return ctx.kernel(`move w${w} ${viewShape(d, count)}`, `${header1d()}
  let d = ${viewOffset(1, d, count, "i")};
  let s = ${viewOffset(1 + VIEW_WORDS, s, count, "i")};
  ${copy}
}`);
}

/** Copies the region `shape` from src (word strides) to dst (word strides). */
export function move(ctx: Ctx, shape: readonly number[], w: number, dst: number, dstStrides: readonly number[], src: number, srcStrides: readonly number[]): void {
  const count = numel(shape);
  if (count === 0) return;
  const [d, s] = collapseJoint(shape, [dst, src], [dstStrides, srcStrides]);
  ctx.dispatch(moveKernel(ctx, w, d!, s!, count), grid(count), new Params().u(count).view(d!).view(s!));
}

export function structuralKernel(ctx: Ctx, n: Node): void {
  const x = nodeOf(ctx, n.inputs[0]!);
  switch (n.op) {
    case "gather": gatherKernel(ctx, n, x); return;
    case "scatter_add": scatterKernel(ctx, n, x); return;
    case "one_hot": oneHotKernel(ctx, n, x); return;
    default: throw new Error(`wgsl: no structural kernel for ${n.op}`);
  }
}

const LD = (k: Kind, a: string): string => (k === "c" ? `ldc(${a})` : k === "i" ? `ldi(${a})` : `ld(${a})`);
const ST = (k: Kind, a: string, v: string): string => (k === "c" ? `stc(${a}, ${v})` : k === "i" ? `sti(${a}, ${v})` : `st(${a}, ${v})`);
const ZERO = (k: Kind): string => (k === "c" ? "vec2f(0.0, 0.0)" : k === "i" ? "0" : "0.0");

/** x = P × D × R around the axis. */
function around(shape: readonly number[], ax: number): [number, number, number] {
  return [numel(shape.slice(0, ax)), shape[ax]!, numel(shape.slice(ax + 1))];
}

function gatherKernel(ctx: Ctx, n: Node, x: Node): void {
  const idx = nodeOf(ctx, n.inputs[1]!);
  const [, D, R] = around(x.shape, n.attrs.axis as number);
  const K = numel(idx.shape);
  const k = kindOf(x);
  const w = width(k);
  const count = numel(n.shape);
  if (count === 0) return;
  // params: count, out, src, idx, R, K, D
  const kid = ctx.kernel(`gather ${k}`, `${header1d()}
  let R = p(4u); let K = p(5u); let D = p(6u);
  let r = i % R;
  let t = i / R;
  let q = ldi(p(3u) + t % K);
  var v = ${ZERO(k)};
  if (q < 0 || u32(q) >= D) { fail(1u, q, i32(D)); }
  else { v = ${LD(k, `p(2u) + (((t / K) * D + u32(q)) * R + r)${w === 2 ? " * 2u" : ""}`)}; }
  ${ST(k, `p(1u) + i${w === 2 ? " * 2u" : ""}`, "v")};
}`);
  ctx.dispatch(kid, grid(count), new Params().u(count).u(off(ctx, n)).u(off(ctx, x)).u(off(ctx, idx)).u(R).u(K).u(D));
}

function scatterKernel(ctx: Ctx, n: Node, g: Node): void {
  const idx = nodeOf(ctx, n.inputs[1]!);
  const ax = n.attrs.axis as number;
  const D = n.attrs.size as number;
  const K = numel(idx.shape);
  const R = numel(g.shape.slice(ax + idx.shape.length));
  const k = kindOf(g);
  const w = width(k);
  const count = numel(n.shape);
  if (count === 0) return;
  // params: count, out, g, idx, R, K, D; output (pp, d, r) sums g[(pp·K + j)·R + r] over idx[j] == d
  const kid = ctx.kernel(`scatter_add ${k}`, `${header1d()}
  let R = p(4u); let K = p(5u); let D = p(6u);
  let r = i % R;
  let d = (i / R) % D;
  let pp = i / (R * D);
  var acc = ${ZERO(k)};
  for (var j = 0u; j < K; j++) {
    let q = ldi(p(3u) + j);
    if (q < 0 || u32(q) >= D) { fail(2u, q, i32(D)); }
    else if (u32(q) == d) { acc = acc + ${LD(k, `p(2u) + ((pp * K + j) * R + r)${w === 2 ? " * 2u" : ""}`)}; }
  }
  ${ST(k, `p(1u) + i${w === 2 ? " * 2u" : ""}`, "acc")};
}`);
  ctx.dispatch(kid, grid(count), new Params().u(count).u(off(ctx, n)).u(off(ctx, g)).u(off(ctx, idx)).u(R).u(K).u(D));
}

function oneHotKernel(ctx: Ctx, n: Node, l: Node): void {
  const C = n.attrs.classes as number;
  const k = kindOf(n);
  const count = numel(n.shape);
  if (count === 0) return;
  const one = k === "c" ? "vec2f(1.0, 0.0)" : k === "i" ? "1" : "1.0";
  const kid = ctx.kernel(`one_hot ${k}`, `${header1d()}
  let C = p(3u);
  let lab = ldi(p(2u) + i / C);
  ${ST(k, `p(1u) + i${k === "c" ? " * 2u" : ""}`, `select(${ZERO(k)}, ${one}, lab >= 0 && u32(lab) == i % C)`)};
}`);
  ctx.dispatch(kid, grid(count), new Params().u(count).u(off(ctx, n)).u(off(ctx, l)).u(C));
}
