/**
 * Fusion for the WGSL backend: which nodes are computed inside another node's kernel instead of
 * getting a buffer and a dispatch of their own.
 *
 * A group is a DAG of elementwise and index-moving nodes under a root; its kernel runs one
 * invocation per element of the root and evaluates the members at *index variables*: the root at
 * its flat index; an elementwise member's operands at the same index (same shape) or through a
 * broadcast step; a slice / pad / transpose / broadcast_to member's operand through its index
 * step (an affine map of the coordinates, with a window for pad: outside it the value is zero); a
 * reshape's operand at the same flat index. Leaves (values computed elsewhere) are loaded at
 * their flat index. A node joins its readers' group when
 *   - it is elementwise, an identity (stop_gradient, same-storage cast, conj/real of a real) or
 *     index-moving (slice, pad, transpose, broadcast_to, reshape), and not an output;
 *   - every reader is in that one group and evaluates it at the same index variable (readers of
 *     its shape, or one index-moving reader), and an elementwise node has its readers' shape (so a
 *     broadcast never recomputes a subtree);
 *   - the group stays within MAX_LEAVES leaves, MAX_MEMBERS members and its parameter block.
 * An unabsorbed identity or reshape is an alias of its operand (plan.ts), never a kernel.
 * In: a graph. Out: roots, members, leaves and index steps per group. It does not fuse concat,
 * reductions or matmul operands.
 */
import type { Graph, Node } from "../../ir/graph.js";
import { isComplex, shapeEq, strides } from "../../ir/types.js";
import { PARAM_WORDS } from "../../../runtime/webgpu/program.js";

export const MAX_LEAVES = 16;
export const MAX_MEMBERS = 64;

export const UNARY = new Set([
  "neg", "exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "square", "recip", "sign",
  "conj", "real", "imag", "abs2", "expi", "angle", "stop_gradient", "clip", "quantize", "cast",
]);
export const BINARY = new Set(["complex", "add", "sub", "mul", "div", "pow", "max", "min", "eq", "ge", "gt"]);
const MOVING = new Set(["slice", "pad", "transpose", "broadcast_to", "reshape"]);
export const isElementwise = (n: Node): boolean => UNARY.has(n.op) || BINARY.has(n.op);
export const isMoving = (n: Node): boolean => MOVING.has(n.op);

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

export interface Fusion {
  /** Root of the node's group (n.id for a root), -1 for nodes that are in no group. */
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

export function fuseElementwise(g: Graph): Fusion {
  const N = g.nodes.length;
  const readers = new Array<number[]>(N);
  for (const n of g.nodes) for (const i of new Set(n.inputs)) (readers[i] ??= []).push(n.id);
  const outputs = new Set(g.outputs.map((o) => o.id));
  const root = new Array<number>(N).fill(-1);
  const alias = new Array<boolean>(N).fill(false);
  const inline = new Array<boolean>(N).fill(false);
  // the index variable a member is evaluated at: the reader's own, or a fresh one behind a step
  const indexVar = new Array<number>(N).fill(-1);
  const leafSet = new Map<number, Set<number>>();
  const size = new Map<number, number>();
  const words = new Map<number, number>();
  let vars = 0;
  /** The index variable reader r evaluates operand x at, and the step words that costs. */
  const via = (r: Node, x: Node): { v: number; w: number } => {
    const s = indexStep(r, x);
    return s ? { v: -2 - r.id, w: stepWords(stepView(s)) } : { v: indexVar[r.id]!, w: 0 };
  };
  const edgeWords = (n: Node): number => n.inputs.reduce((a, x) => a + via(n, g.nodes[x]!).w, 0);
  for (let id = N - 1; id >= 0; id--) {
    const n = g.nodes[id]!;
    const moving = isMoving(n);
    if (!isElementwise(n) && !moving) continue;
    const rs = readers[id] ?? [];
    const r0 = rs.length ? root[rs[0]!]! : -1;
    let join = !outputs.has(id) && r0 >= 0 && !alias[r0] && rs.every((r) => root[r] === r0);
    let v = -1;
    if (join) {
      // every reader must evaluate n at one index variable; an elementwise n only at its own shape
      const vs = rs.map((r) => via(g.nodes[r]!, n).v);
      v = vs[0]!;
      join = vs.every((x) => x === v) && (!isElementwise(n) || rs.every((r) => !isElementwise(g.nodes[r]!) || shapeEq(g.nodes[r]!.shape, n.shape)));
    }
    if (join) {
      const grown = new Set(leafSet.get(r0)!);
      grown.delete(id);
      for (const x of n.inputs) grown.add(x);
      const w = words.get(r0)! + edgeWords(n);
      join = grown.size <= MAX_LEAVES && size.get(r0)! < MAX_MEMBERS && w + grown.size + HEADER_WORDS <= PARAM_WORDS;
      if (join) { leafSet.set(r0, grown); size.set(r0, size.get(r0)! + 1); words.set(r0, w); }
    }
    if (join) {
      // a fresh variable for n when a step leads to it (the id encodes the reader; unique per reader)
      indexVar[id] = v < -1 ? vars++ : v;
      root[id] = r0;
      inline[id] = true;
      continue;
    }
    root[id] = id;
    alias[id] = n.op === "reshape" || isIdentity(n, g.nodes[n.inputs[0]!]);
    indexVar[id] = vars++;
    leafSet.set(id, new Set(n.inputs));
    size.set(id, 1);
    words.set(id, edgeWords(n));
  }
  const members = new Map<number, number[]>();
  for (const n of g.nodes) if (root[n.id]! >= 0 && !alias[n.id]) (members.get(root[n.id]!) ?? members.set(root[n.id]!, []).get(root[n.id]!)!).push(n.id);
  const leaves = new Map<number, number[]>();
  for (const [r, ms] of members) {
    const inside = new Set(ms);
    const ls: number[] = [];
    for (const m of ms) for (const x of g.nodes[m]!.inputs) if (!inside.has(x) && !ls.includes(x)) ls.push(x);
    leaves.set(r, ls);
  }
  return { root, alias, inline, leaves, members };
}
