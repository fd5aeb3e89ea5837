/**
 * What every WGSL kernel generator receives: the graph and its buffer plan, and the program being
 * assembled — kernels (deduplicated by text, so a kernel serves every node of its kind), the
 * dispatch list with one parameter block each, and read-only tables placed after the plan.
 * Also the parameter-block writer and the dispatch-grid helper the generators share.
 */
import type { Graph, Node } from "../../ir/graph.js";
import { PARAM_WORDS } from "../../../runtime/webgpu/program.js";
import type { WgslPlan } from "./plan.js";

/** Most dims of a strided view after collapsing (voff in lib.ts loops over them). */
export const MAX_VIEW_RANK = 6;
/** Words of one strided view in a parameter block: base, rank, (dim, stride) × MAX_VIEW_RANK. */
export const VIEW_WORDS = 2 + 2 * MAX_VIEW_RANK;
/** Invocations per workgroup of the 1-D kernels. */
export const WG = 256;
const MAX_GROUPS = 65535;

export class Params {
  readonly words: number[] = [];
  u(v: number): this { this.words.push(v >>> 0); return this; }
  i(v: number): this { this.words.push(v | 0); return this; }
  f(v: number): this { this.words.push(new Uint32Array(Float32Array.of(v).buffer)[0]!); return this; }
  /** A strided view: base word, then (dim, stride) pairs innermost first, padded to VIEW_WORDS. */
  view(v: View): this {
    if (v.dims.length > MAX_VIEW_RANK) throw new Error(`a strided view of rank ${v.dims.length} (most ${MAX_VIEW_RANK})`);
    this.u(v.base).u(v.dims.length);
    for (let k = 0; k < MAX_VIEW_RANK; k++) this.u(v.dims[k] ?? 0).u(v.strides[k] ?? 0);
    return this;
  }
  /** Current word position (where the next value goes). */
  get at(): number { return this.words.length; }
}

/** A strided view, innermost dim first; strides in words. */
export interface View {
  readonly base: number;
  readonly dims: readonly number[];
  readonly strides: readonly number[];
}

/**
 * The view that reads a tensor at every index of `shape` given per-axis word strides (outermost
 * first): size-1 axes dropped, contiguous or jointly broadcast neighbours merged.
 */
export function collapseView(base: number, shape: readonly number[], strides: readonly number[]): View {
  const dims: number[] = [], st: number[] = [];
  for (let k = shape.length - 1; k >= 0; k--) {
    const d = shape[k]!, s = strides[k]!;
    if (d === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && s === st[last]! * dims[last]!) { dims[last] = dims[last]! * d; continue; }
    dims.push(d);
    st.push(s);
  }
  // outermost broadcast dims add nothing to the offset
  while (dims.length && st[st.length - 1] === 0) { dims.pop(); st.pop(); }
  return { base, dims, strides: st };
}

/**
 * WGSL for the word offset of flat index `idx` under view `v` at parameter word `slot`,
 * specialised on the view's rank (known when the kernel is generated): ranks 0–2 need at most
 * two divisions, which matters where integer division is slow (CPU drivers have no vector one).
 * `count`: the index range; when the view's dims cover less (dropped broadcast dims) the
 * outermost dim wraps.
 */
export function viewOffset(slot: number, v: View, count: number, idx: string): string {
  const rank = v.dims.length;
  const full = v.dims.reduce((a, b) => a * b, 1) === count;
  const d = (k: number): string => `p(${slot + 2 + 2 * k}u)`, s = (k: number): string => `p(${slot + 3 + 2 * k}u)`;
  if (rank === 0) return `p(${slot}u)`;
  if (rank === 1) return `(p(${slot}u) + ${full ? `(${idx})` : `((${idx}) % ${d(0)})`} * ${s(0)})`;
  if (rank === 2) return `(p(${slot}u) + ((${idx}) % ${d(0)}) * ${s(0)} + ${full ? `((${idx}) / ${d(0)})` : `(((${idx}) / ${d(0)}) % ${d(1)})`} * ${s(1)})`;
  return `voff(${slot}u, ${idx})`;
}

/** The text variant viewOffset picks for `v` (part of a kernel's key). */
export const viewShape = (v: View, count: number): string => `${v.dims.length}${v.dims.reduce((a, b) => a * b, 1) === count || v.dims.length > 2 ? "" : "w"}`;

export interface Ctx {
  readonly g: Graph;
  readonly plan: WgslPlan;
  /** Registers a kernel (its WGSL after the prelude, `$K` = its name); returns its index. */
  kernel(label: string, code: string): number;
  /** Appends a dispatch of kernel k on `groups` workgroups with these parameters. */
  dispatch(k: number, groups: readonly [number, number, number], params: Params): void;
  /** A read-only table after the plan (f32 or raw u32 words); returns its word offset. */
  table(key: string, words: Float32Array | Uint32Array): number;
}

export const off = (ctx: Ctx, n: Node | number): number => ctx.plan.offset[typeof n === "number" ? n : n.id]!;
export const nodeOf = (ctx: Ctx, id: number): Node => ctx.g.nodes[id]!;

/** Workgroups for `count` invocations of WG each, spread over y beyond 65535 groups (see lin()). */
export function grid(count: number, wg = WG): [number, number, number] {
  const groups = Math.max(1, Math.ceil(count / wg));
  if (groups <= MAX_GROUPS) return [groups, 1, 1];
  const y = Math.ceil(groups / MAX_GROUPS);
  return [Math.ceil(groups / y), y, 1];
}

export function checkParams(p: Params): void {
  if (p.words.length > PARAM_WORDS) throw new Error(`a parameter block of ${p.words.length} words (most ${PARAM_WORDS})`);
}

/** The standard 1-D kernel header: `i` is the element index, guarded by parameter word 0. */
export function header1d(wg = WG): string {
  return `@compute @workgroup_size(${wg}) fn $K(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = lin(gid, nw, ${wg}u);
  if (i >= p(0u)) { return; }`;
}
