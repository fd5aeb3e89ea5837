/**
 * The static buffer plan of the wasm backend: where every IR value lives in the one linear
 * memory. Decided once at compile time; a run allocates nothing.
 *   - dead-code and transpose fusion: a matmul operand that is a chain of last-two-axis
 *     transposes is read from the chain's source with swapped strides, so the transposes (and
 *     anything only they used) are not computed at all;
 *   - aliases: reshape, stop_gradient, same-storage casts and conj/real of a real value share
 *     their operand's buffer (no copy);
 *   - offsets come from the shared planner (compiler/ir/buffer-plan.ts): inputs, params, consts
 *     and outputs permanent, every other buffer freed after its last reader and reused first-fit;
 *   - elementwise fusion (fusion.ts): a chain of elementwise ops is one kernel; its members get
 *     no buffer;
 *   - loops: a scan's results lie back to back in its buffer (scan_result aliases one); its body
 *     is planned inside the scan's scratch region, reading invariants where they already are.
 * Storage: every float dtype is f32 (complex: interleaved f32 pairs), i32 is i32.
 */
import type { Graph, Node } from "../../ir/graph.js";
import { planMemory } from "../../ir/buffer-plan.js";
import { liveNodes, readersOf, useCounts } from "../../ir/liveness.js";
import { fftScratchBytes } from "./fft-mixed.js";
import { elementwiseFusion } from "./fusion.js";
import { scanCounts, scanResultTypes } from "../../ir/ops-loop.js";
import { isComplex, numel } from "../../ir/types.js";

export const ALIGN = 16;
/** Bytes 0..RESERVED-1 hold scratch for kernels (Philox words at 16..31). */
export const RESERVED = 64;
export const PHILOX_SCRATCH = 16;

export type Kind = "f" | "c" | "i";
export const kindOf = (n: { dtype: string }): Kind => (n.dtype === "i32" ? "i" : isComplex(n.dtype as never) ? "c" : "f");
export const elemBytes = (k: Kind): number => (k === "c" ? 8 : 4);
export const byteSize = (n: { dtype: string; shape: readonly number[] }): number => numel(n.shape) * elemBytes(kindOf(n));

export interface MatmulOperand {
  readonly id: number;
  /** True when the operand is read transposed over its last two axes. */
  readonly t: boolean;
}

export interface BufferPlan {
  /** Byte offset of each node's value (aliases share their root's), -1 for dead nodes. */
  readonly offset: readonly number[];
  readonly live: readonly boolean[];
  /** Nodes that own no buffer of their own (they alias their operand). */
  readonly alias: readonly boolean[];
  /**
   * 1 where a node's buffer holds the complex conjugate of its value: a conj of a complex value
   * read only by elementwise ops is not computed; its readers negate the imaginary part.
   */
  readonly conjParity: readonly number[];
  readonly matmul: ReadonlyMap<number, readonly [MatmulOperand, MatmulOperand]>;
  /** Fused elementwise groups by root (fusion.ts): members in order, root last; members get no buffer. */
  readonly fused: ReadonlyMap<number, readonly number[]>;
  /**
   * fft epilogues: a 2-D fft/ifft (key) whose only reader multiplies it by one [n2, n1] field
   * (value: that field's node, computed before the transform) stores its result times the field;
   * the mul aliases the transform's buffer and runs no kernel (fft.ts).
   */
  readonly fftFactor: ReadonlyMap<number, number>;
  /** Per-node scratch buffer (fft: 2-D row result and mixed-radix work space; a loop's body region), valid only while that node runs; -1 if none. */
  readonly scratch: readonly number[];
  /** Per live loop: its body's plan (inside the loop's scratch region) and where its carries are staged. */
  readonly bodies: ReadonlyMap<number, { readonly plan: BufferPlan; readonly staging: number }>;
  readonly bytes: number;
}

/** The values node n's kernel reads under the plan (a matmul reads through fused transposes). */
export function planReads(plan: BufferPlan, n: Node): readonly number[] {
  const mm = plan.matmul.get(n.id);
  const factor = plan.fftFactor.get(n.id);
  return mm ? [mm[0].id, mm[1].id] : factor !== undefined ? [...n.inputs, factor] : n.inputs;
}

/**
 * The fft epilogue a mul node can be (see BufferPlan.fftFactor): the transform and the field, or
 * undefined. Valid because the mul is the transform's only reader: its buffer may hold y·H
 * instead of y, and the mul (an alias of it) then has nothing left to compute.
 */
function fftEpilogue(g: Graph, n: Node, uses: readonly number[], outputs: ReadonlySet<number>): { fft: number; factor: number } | undefined {
  if (n.op !== "mul" || n.inputs.length !== 2) return undefined;
  for (const k of [0, 1]) {
    const t = g.nodes[n.inputs[k]!]!, h = g.nodes[n.inputs[1 - k]!]!;
    const r = t.shape.length;
    if ((t.op !== "fft" && t.op !== "ifft") || t.attrs.dims !== 2 || uses[t.id] !== 1 || outputs.has(t.id)) continue;
    // the field must be ready when the transform runs: permanent, or computed before it
    const ready = h.op === "input" || h.op === "param" || h.op === "const" || h.id < t.id;
    if (kindOf(h) !== "c" || kindOf(n) !== "c" || !ready || n.shape.length !== r) continue;
    if (h.shape.length !== 2 || h.shape[0] !== t.shape[r - 2] || h.shape[1] !== t.shape[r - 1] || n.shape.some((d, i) => d !== t.shape[i])) continue;
    return { fft: t.id, factor: h.id };
  }
  return undefined;
}

/** Byte offset of each result inside a scan's buffer (results back to back, aligned), and the total. */
export function scanLayout(s: Node): { offsets: number[]; sizes: number[]; bytes: number } {
  const offsets: number[] = [], sizes: number[] = [];
  let at = 0;
  for (const t of scanResultTypes(s.attrs, s.body!)) {
    offsets.push(at);
    const size = numel(t.shape) * elemBytes(kindOf(t));
    sizes.push(size);
    at += alignUp(size);
  }
  return { offsets, sizes, bytes: at };
}

const alignUp = (x: number): number => Math.ceil(x / ALIGN) * ALIGN;

/** Bytes to stage a scan's carries between steps (a new carry may be another's old value). */
const stagingBytes = (s: Node): number => s.inputs.slice(0, s.attrs.carries as number).reduce((acc, _x, k) => acc + alignUp(scanLayout(s).sizes[k]!), 0);

/** Ops whose kernel reads operands through elementwise.ts (so they can apply a conj parity). */
const ELEMENTWISE_READERS = new Set([
  "neg", "exp", "log", "sqrt", "abs", "square", "recip", "conj", "real", "imag", "abs2", "angle",
  "add", "sub", "mul", "div",
]);

function isLastTwoSwap(n: Node): boolean {
  if (n.op !== "transpose") return false;
  const p = n.attrs.perm as readonly number[];
  const r = p.length;
  return r >= 2 && p.every((v, i) => (i === r - 2 ? v === r - 1 : i === r - 1 ? v === r - 2 : v === i));
}

/** The values a fused group reads from outside it (its members' other operands), in order. */
export function groupLeaves(g: Graph, members: readonly number[]): number[] {
  const inside = new Set(members);
  const leaves: number[] = [];
  for (const m of members) for (const i of g.nodes[m]!.inputs) if (!inside.has(i) && !leaves.includes(i)) leaves.push(i);
  return leaves;
}

/** A scan body's invariant inputs, placed where `at(operand id)` says. */
function invariantsAt(s: Node, at: (operand: number) => number): Map<number, number> {
  const { nc, ni } = scanCounts(s.attrs, s.inputs.length);
  const m = new Map<number, number>();
  for (let k = nc; k < nc + ni; k++) m.set(s.body!.inputs[k]!.id, at(s.inputs[k]!));
  return m;
}

function isAliasOp(n: Node, x: Node | undefined): boolean {
  if (!x) return false;
  switch (n.op) {
    case "reshape": case "stop_gradient": return true;
    case "cast": return kindOf(n) === kindOf(x);
    case "conj": case "real": return kindOf(x) === "f";
    default: return false;
  }
}

/**
 * The plan of `g`. A loop body is planned inside its loop's scratch region (`region`): its
 * invariants are read where the enclosing plan put them (`fixed`), its carries, step inputs,
 * temporaries and outputs live in the region. Bodies hold no constants (the backend hoists them).
 */
export function planBuffers(g: Graph, region?: { readonly base: number; readonly fixed: ReadonlyMap<number, number> }, fuse = true): BufferPlan {
  const N = g.nodes.length;
  const matmul = new Map<number, [MatmulOperand, MatmulOperand]>();
  const uses = useCounts(g);
  for (const n of g.nodes) {
    if (n.op !== "matmul") continue;
    const res = n.inputs.map((id) => {
      let x = g.nodes[id]!, t = false;
      while (isLastTwoSwap(x) && x.dtype === g.nodes[x.inputs[0]!]!.dtype) { t = !t; x = g.nodes[x.inputs[0]!]!; }
      return { id: x.id, t };
    });
    matmul.set(n.id, [res[0]!, res[1]!]);
  }
  // transpose(A·B) read by nothing else is computed directly as Bᵀ·Aᵀ (no transpose pass)
  for (const n of g.nodes) {
    const m = g.nodes[n.inputs[0] ?? -1];
    if (!m || !isLastTwoSwap(n) || m.op !== "matmul" || uses[m.id] !== 1 || m.dtype !== n.dtype) continue;
    const [a, b] = matmul.get(m.id)!;
    matmul.set(n.id, [{ id: b.id, t: !b.t }, { id: a.id, t: !a.t }]);
    matmul.delete(m.id);
  }
  let fusedLeaves = new Map<number, readonly number[]>();
  const fftFactor = new Map<number, number>();
  const epilogueOf = new Map<number, number>(); // mul → the transform it aliases
  const readsOf = (n: Node): readonly number[] => {
    const mm = matmul.get(n.id);
    const factor = fftFactor.get(n.id);
    return mm ? [mm[0].id, mm[1].id] : factor !== undefined ? [...n.inputs, factor] : fusedLeaves.get(n.id) ?? n.inputs;
  };
  let live = liveNodes(g, { reads: readsOf });
  const alias = g.nodes.map((n) => live[n.id]! && isAliasOp(n, g.nodes[n.inputs[0] ?? -1]));
  // conj fusion: every reader elementwise (and not an output) -> alias with a parity flag
  const readers = readersOf(g, readsOf, live);
  const outputs = new Set(g.outputs.map((o) => o.id));
  const conjParity = new Array<number>(N).fill(0);
  for (const n of g.nodes) {
    if (!live[n.id] || n.op !== "conj" || kindOf(g.nodes[n.inputs[0]!]!) !== "c" || outputs.has(n.id)) continue;
    const rs = readers[n.id] ?? [];
    if (rs.length && rs.every((r) => ELEMENTWISE_READERS.has(g.nodes[r]!.op) && !matmul.has(r))) {
      alias[n.id] = true;
      conjParity[n.id] = 1 ^ conjParity[n.inputs[0]!]!;
    }
  }
  // fft epilogues (before fusion, which leaves aliases alone); a mul that is an output stays a kernel
  for (const n of g.nodes) {
    if (!live[n.id] || alias[n.id] || outputs.has(n.id)) continue;
    const ep = fftEpilogue(g, n, uses, outputs);
    if (!ep || fftFactor.has(ep.fft)) continue;
    alias[n.id] = true;
    fftFactor.set(ep.fft, ep.factor);
    epilogueOf.set(n.id, ep.fft);
  }
  // elementwise fusion: a group's root reads the group's leaves; absorbed members need no buffer
  const fusion = fuse ? elementwiseFusion(g, live, alias, readersOf(g, readsOf, live)) : { groups: new Map<number, readonly number[]>(), absorbed: [] };
  if (fusion.groups.size) {
    fusedLeaves = new Map([...fusion.groups].map(([root, members]) => [root, groupLeaves(g, members)]));
    live = liveNodes(g, { reads: readsOf });
  }
  // a loop's scratch: its body planned from 0 (sizes do not depend on where invariants live), plus staging
  const bodyBytes = new Map<number, number>();
  for (const n of g.nodes) if (live[n.id] && n.op === "scan") bodyBytes.set(n.id, planBuffers(n.body!, { base: 0, fixed: invariantsAt(n, () => 0) }, fuse).bytes + stagingBytes(n));
  for (const n of g.nodes) if (live[n.id] && n.op === "scan_result") alias[n.id] = true;
  const mem = planMemory(g, {
    live, reads: readsOf, base: region?.base ?? RESERVED, align: ALIGN,
    size: (n) => (n.op === "scan" ? scanLayout(n).bytes : byteSize(n)),
    alias: (n) => (!alias[n.id] ? undefined : n.op === "scan_result" ? { of: n.inputs[0]!, offset: scanLayout(g.nodes[n.inputs[0]!]!).offsets[n.attrs.index as number]! } : { of: epilogueOf.get(n.id) ?? n.inputs[0]!, offset: 0 }),
    permanent: (n) => n.op === "input" || n.op === "param" || n.op === "const",
    fixed: (n) => region?.fixed.get(n.id),
    scratch: (n) => (n.op === "fft" || n.op === "ifft" ? fftScratchBytes(n.shape, n.attrs.dims as number) : bodyBytes.get(n.id) ?? 0),
  });
  const bodies = new Map<number, { plan: BufferPlan; staging: number }>();
  for (const [id, bytes] of bodyBytes) {
    const s = g.nodes[id]!;
    const base = mem.scratch[id]!;
    const plan = planBuffers(s.body!, { base, fixed: invariantsAt(s, (operand) => mem.offset[operand]!) }, fuse);
    bodies.set(id, { plan, staging: base + bytes - stagingBytes(s) });
  }
  return { offset: mem.offset, live, alias, conjParity, matmul, fftFactor, fused: fusion.groups, scratch: mem.scratch, bodies, bytes: mem.bytes };
}
