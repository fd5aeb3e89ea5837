/**
 * Fusion for the WGSL backend: which nodes are computed inside another node's kernel instead of
 * getting a buffer and a dispatch of their own.
 *
 * A group is a DAG of elementwise and index-moving nodes under a root; its kernel runs one
 * invocation per element of the root and evaluates the members at *index variables*: the root at
 * its flat index; an elementwise member's operands at the same index (same shape) or through a
 * broadcast step; a slice / pad / transpose / broadcast_to member's operand through its index
 * step (an affine map of the coordinates, with a window for pad: outside it the value is zero); a
 * reshape's operand at the same flat index; a concat member's pieces each at their own index (the
 * value is the piece the coordinate falls in). A reduction is a root whose operand may join: it
 * is evaluated inside the reduction's loop. Leaves (values computed elsewhere) are loaded at
 * their flat index. A node joins its readers' group when
 *   - it is elementwise, an identity (stop_gradient, same-storage cast, conj/real of a real) or
 *     index-moving (slice, pad, transpose, broadcast_to, reshape, concat), and not an output;
 *   - every reader is in that one group and evaluates it at the same index variable (readers of
 *     its shape, or one index-moving reader) — several only for the index-moving and cheap nodes
 *     below — and an elementwise node (but a cheap one) has its readers' shape (so a broadcast
 *     never recomputes a costly subtree);
 *   - the group stays within MAX_LEAVES leaves, MAX_TERMS evaluations and its parameter block.
 * Index-moving nodes and cheap ops (conj, neg, real, imag, stop_gradient, cast) whose readers sit
 * in several groups join all of them: each group computes them itself (no buffer, no copy).
 * An unabsorbed identity or reshape is an alias of its operand (plan.ts), never a kernel.
 * In: a graph. Out: roots, members and leaves per group. It does not fuse matmul or fft operands
 * or anything into gathers and losses.
 */
import type { Graph, Node } from "../../ir/graph.js";
import { isComplex, shapeEq, strides } from "../../ir/types.js";
import { PARAM_WORDS } from "../../../runtime/webgpu/program.js";

export const MAX_LEAVES = 16;
/** Evaluations per group (a member evaluated at several index variables counts each): bounds kernel size. */
export const MAX_TERMS = 16;

export const UNARY = new Set([
  "neg", "exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "square", "recip", "sign",
  "conj", "real", "imag", "abs2", "expi", "angle", "stop_gradient", "clip", "quantize", "flush", "cast",
]);
export const BINARY = new Set(["complex", "add", "sub", "mul", "div", "pow", "max", "min", "eq", "ge", "gt"]);
const MOVING = new Set(["slice", "pad", "transpose", "broadcast_to", "reshape", "concat"]);
const REDUCE = new Set(["reduce_sum", "reduce_mean", "reduce_max"]);
export const isElementwise = (n: Node): boolean => UNARY.has(n.op) || BINARY.has(n.op);
export const isMoving = (n: Node): boolean => MOVING.has(n.op);
export const isReduce = (n: Node): boolean => REDUCE.has(n.op);

type Kind = "f" | "c" | "i";
const kindOf = (d: string): Kind => (d === "i32" ? "i" : isComplex(d as never) ? "c" : "f");

/** Ops whose value is their operand's storage unchanged (so an unfused one is an alias). */
export function isIdentity(n: Node, x: Node | undefined): boolean {
  if (!x) return false;
  switch (n.op) {
    case "reshape": case "stop_gradient": return true;
    case "cast": return kindOf(n.dtype) === kindOf(x.dtype);
    case "conj": case "real": return kindOf(x.dtype) === "f";
    default: return false;
  }
}

/**
 * An index step: from flat index t in a space of `dims` (outermost first) to the operand's flat
 * index shift + Σ c_k·coef_k, valid when lo_k ≤ c_k < hi_k for every k (coordinates c_k of t).
 * Collapsed (innermost first) when emitted; see stepView.
 */
export interface IndexStep {
  readonly dims: readonly number[];
  readonly coef: readonly number[];
  readonly shift: number;
  readonly lo: readonly number[];
  readonly hi: readonly number[];
}

/** The step by which node `n` reads operand `x` (null: the same flat index). */
export function indexStep(n: Node, x: Node): IndexStep | null {
  const xs = strides(x.shape);
  const full = (dims: readonly number[]) => ({ lo: dims.map(() => 0), hi: [...dims] });
  switch (n.op) {
    case "reshape": return null;
    case "slice": {
      const b = n.attrs.begin as readonly number[];
      return { dims: n.shape, coef: xs, shift: b.reduce((a, v, k) => a + v * xs[k]!, 0), ...full(n.shape) };
    }
    case "pad": {
      const b = n.attrs.before as readonly number[];
      return { dims: n.shape, coef: xs, shift: -b.reduce((a, v, k) => a + v * xs[k]!, 0), lo: [...b], hi: b.map((v, k) => v + x.shape[k]!) };
    }
    case "transpose": {
      const perm = n.attrs.perm as readonly number[];
      return { dims: n.shape, coef: perm.map((q) => xs[q]!), shift: 0, ...full(n.shape) };
    }
    default: {
      // broadcast_to, or an elementwise node reading a smaller operand (numpy broadcasting)
      if (shapeEq(n.shape, x.shape)) return null;
      const lead = n.shape.length - x.shape.length;
      const coef = n.shape.map((_, k) => (k < lead || x.shape[k - lead] === 1 ? 0 : xs[k - lead]!));
      return { dims: n.shape, coef, shift: 0, ...full(n.shape) };
    }
  }
}

/** A step collapsed for the kernel: innermost dim first, neighbours merged where exact. */
export interface StepView {
  readonly shift: number;
  readonly dims: readonly number[];
  readonly coef: readonly number[];
  readonly lo: readonly number[];
  readonly hi: readonly number[];
  /** Any window narrower than its dim (pad). */
  readonly windowed: boolean;
}

export function stepView(s: IndexStep): StepView {
  const dims: number[] = [], coef: number[] = [], lo: number[] = [], hi: number[] = [];
  for (let k = s.dims.length - 1; k >= 0; k--) {
    const d = s.dims[k]!, c = s.coef[k]!, l = s.lo[k]!, h = s.hi[k]!;
    const whole = l === 0 && h === d;
    const last = dims.length - 1;
    if (d === 1 && whole) continue;
    if (last >= 0 && whole && lo[last] === 0 && hi[last] === dims[last] && c === coef[last]! * dims[last]!) {
      dims[last] = dims[last]! * d;
      hi[last] = dims[last]!;
      continue;
    }
    dims.push(d); coef.push(c); lo.push(l); hi.push(h);
  }
  // outermost dims that add nothing and cut nothing
  while (dims.length && coef[coef.length - 1] === 0 && lo[lo.length - 1] === 0 && hi[hi.length - 1] === dims[dims.length - 1]) { dims.pop(); coef.pop(); lo.pop(); hi.pop(); }
  return { shift: s.shift, dims, coef, lo, hi, windowed: lo.some((v, k) => v !== 0 || hi[k] !== dims[k]) };
}

/** Parameter words of a step: shift, then (dim, coef[, lo, hi]) per dim. */
export const stepWords = (v: StepView): number => 1 + v.dims.length * (v.windowed ? 4 : 2);

/** A reduction's two index views (elements of its operand, innermost first, collapsed). */
export interface ReduceViews {
  /** From the output index to the first reduced element. */
  readonly kept: { readonly dims: readonly number[]; readonly strides: readonly number[] };
  /** From the reduced index to its offset. */
  readonly red: { readonly dims: readonly number[]; readonly strides: readonly number[] };
  readonly count: number;
}

function collapse(shape: readonly number[], st: readonly number[]): { dims: number[]; strides: number[] } {
  const dims: number[] = [], out: number[] = [];
  for (let k = shape.length - 1; k >= 0; k--) {
    const d = shape[k]!, c = st[k]!;
    if (d === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && c === out[last]! * dims[last]!) { dims[last] = dims[last]! * d; continue; }
    dims.push(d);
    out.push(c);
  }
  return { dims, strides: out };
}

export function reduceViews(n: Node, x: Node): ReduceViews {
  const axes = n.attrs.axes as readonly number[];
  const st = strides(x.shape);
  const pick = (keep: boolean) => x.shape.map((_, i) => axes.includes(i) !== keep);
  const kp = pick(true), rd = pick(false);
  return {
    kept: collapse(x.shape.filter((_, i) => kp[i]), st.filter((_, i) => kp[i])),
    red: collapse(x.shape.filter((_, i) => rd[i]), st.filter((_, i) => rd[i])),
    count: x.shape.filter((_, i) => rd[i]).reduce((a, b) => a * b, 1),
  };
}

/** Parameter words of a compact view: base, then (dim, stride) per dim. */
export const viewWords = (v: { readonly dims: readonly number[] }): number => 1 + 2 * v.dims.length;
const reduceWords = (r: ReduceViews): number => viewWords(r.kept) + viewWords(r.red) + 1;
/** Parameter words of a concat member: inner size, axis size, then each piece's (offset, size). */
export const concatWords = (n: Node): number => 2 + 2 * n.inputs.length;

export interface Fusion {
  /** Root of the node's group (n.id for a root; for a node computed in several groups, one of them), -1 for nodes in no group. */
  readonly root: readonly number[];
  /** True for roots that are identities or reshapes: aliases, no kernel. */
  readonly alias: readonly boolean[];
  /** Nodes inside a group (computed by the root's kernel, no buffer). */
  readonly inline: readonly boolean[];
  /** For each root: its leaves (operand values read from buffers), in first-use order. */
  readonly leaves: ReadonlyMap<number, readonly number[]>;
  /** For each root: its members in topological order (the root last). */
  readonly members: ReadonlyMap<number, readonly number[]>;
}

/** Parameter words of a group: count, out base, a base per leaf, the steps of its edges. */
const HEADER_WORDS = 2;

/** Cheap elementwise ops (a sign or a copy) that may be computed again in every group reading them. */
const CHEAP = new Set(["conj", "neg", "real", "imag", "stop_gradient"]);
/** Index-moving nodes and cheap ops can join several groups (each computes them itself). */
const duplicable = (n: Node): boolean => isMoving(n) || CHEAP.has(n.op) || (n.op === "cast");

export function fuseElementwise(g: Graph): Fusion {
  const N = g.nodes.length;
  const readers = new Array<number[]>(N);
  for (const n of g.nodes) for (const i of new Set(n.inputs)) (readers[i] ??= []).push(n.id);
  const outputs = new Set(g.outputs.map((o) => o.id));
  const root = new Array<number>(N).fill(-1);
  const alias = new Array<boolean>(N).fill(false);
  const inline = new Array<boolean>(N).fill(false);
  /** The groups (roots) a node is computed in: [itself] for a root, one or more for a member. */
  const groups = new Array<number[]>(N);
  // the index variables a member is evaluated at in a group: its readers' own, or a fresh one
  // behind a step; one, except for duplicable nodes (evaluating them twice costs nothing)
  const indexVar = new Map<string, readonly number[]>();
  const varsOf = (id: number, gr: number): readonly number[] => indexVar.get(`${id}:${gr}`)!;
  const leafSet = new Map<number, Set<number>>();
  const size = new Map<number, number>();
  const words = new Map<number, number>();
  let vars = 0;
  // a variable behind reader r's step from r's variable v: one negative id per (r, v)
  const behind = new Map<string, number>();
  const stepped = (r: Node, gr: number): number[] =>
    (gr < 0 ? [0] : varsOf(r.id, gr)).map((v) => behind.get(`${r.id}/${v}`) ?? behind.set(`${r.id}/${v}`, -2 - behind.size).get(`${r.id}/${v}`)!);
  /** The index variables reader r evaluates operand x at in group gr (negative: fresh, behind r's step), and the step words that costs. */
  const via = (r: Node, x: Node, gr: number): { vs: readonly number[]; w: number } => {
    if (r.op === "concat" || isReduce(r)) return { vs: stepped(r, gr), w: 0 };
    const s = indexStep(r, x);
    return s ? { vs: stepped(r, gr), w: stepWords(stepView(s)) } : { vs: gr < 0 ? [] : varsOf(r.id, gr), w: 0 };
  };
  const edgeWords = (n: Node): number =>
    n.op === "concat" ? concatWords(n) : isReduce(n) ? reduceWords(reduceViews(n, g.nodes[n.inputs[0]!]!)) : n.inputs.reduce((a, x) => a + via(n, g.nodes[x]!, -1).w, 0);
  const makeRoot = (n: Node): void => {
    root[n.id] = n.id;
    alias[n.id] = !isReduce(n) && (n.op === "reshape" || isIdentity(n, g.nodes[n.inputs[0]!]));
    groups[n.id] = [n.id];
    indexVar.set(`${n.id}:${n.id}`, [vars++]);
    leafSet.set(n.id, new Set(n.inputs));
    size.set(n.id, 1);
    words.set(n.id, edgeWords(n));
  };
  /** Joins n to every group in gs if each allows it (index variables, shapes, budgets). */
  const tryJoin = (n: Node, rs: readonly number[], gs: readonly number[]): boolean => {
    const plans: { gr: number; vs: readonly number[]; leaves: Set<number>; w: number }[] = [];
    for (const gr of gs) {
      const inGr = rs.filter((r) => groups[r]!.includes(gr)).map((r) => g.nodes[r]!);
      // the readers in the group evaluate n at one index variable (several only if n is duplicable);
      // an elementwise n only at its own shape
      const vs = [...new Set(inGr.flatMap((r) => via(r, n, gr).vs))];
      if (vs.length > 1 && !duplicable(n)) return false;
      if (isElementwise(n) && !CHEAP.has(n.op) && !inGr.every((r) => !isElementwise(r) || shapeEq(r.shape, n.shape))) return false;
      // a concat reading n twice would evaluate it at two indices
      if (inGr.some((r) => r.op === "concat" && r.inputs.filter((q) => q === n.id).length > 1)) return false;
      const leaves = new Set(leafSet.get(gr)!);
      leaves.delete(n.id);
      for (const x of n.inputs) leaves.add(x);
      const w = words.get(gr)! + edgeWords(n);
      if (leaves.size > MAX_LEAVES || size.get(gr)! + vs.length > MAX_TERMS || w + leaves.size + HEADER_WORDS > PARAM_WORDS) return false;
      plans.push({ gr, vs, leaves, w });
    }
    for (const { gr, vs, leaves, w } of plans) {
      leafSet.set(gr, leaves);
      size.set(gr, size.get(gr)! + vs.length);
      words.set(gr, w);
      // a fresh variable where a step leads to n (v < -1 names the stepping reader)
      indexVar.set(`${n.id}:${gr}`, vs.map((v) => (v < -1 ? vars++ : v)));
    }
    groups[n.id] = [...gs];
    inline[n.id] = true;
    return true;
  };
  for (let id = N - 1; id >= 0; id--) {
    const n = g.nodes[id]!;
    if (isReduce(n)) { makeRoot(n); continue; } // a reduction is a root; its operand may join (evaluated in its loop)
    if (!isElementwise(n) && !isMoving(n)) continue;
    const rs = readers[id] ?? [];
    // readers outside every group (matmul, fft, an alias, …) need n's buffer
    const grouped = rs.length > 0 && !outputs.has(id) && rs.every((r) => groups[r] !== undefined && !(alias[r] && root[r] === r));
    const gs = grouped ? [...new Set(rs.flatMap((r) => groups[r]!))] : [];
    if (grouped && (gs.length === 1 || duplicable(n)) && tryJoin(n, rs, gs)) { root[id] = gs[0]!; continue; }
    makeRoot(n);
  }
  const members = new Map<number, number[]>();
  for (const n of g.nodes) {
    if (!groups[n.id] || alias[n.id]) continue;
    for (const gr of groups[n.id]!) (members.get(gr) ?? members.set(gr, []).get(gr)!).push(n.id);
  }
  const leaves = new Map<number, number[]>();
  for (const [r, ms] of members) {
    const inside = new Set(ms);
    const ls: number[] = [];
    for (const m of ms) for (const x of g.nodes[m]!.inputs) if (!inside.has(x) && !ls.includes(x)) ls.push(x);
    leaves.set(r, ls);
  }
  return { root, alias, inline, leaves, members };
}
