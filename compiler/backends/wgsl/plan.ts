/**
 * The static buffer plan of the WGSL backend: where every value lives in the arena (one storage
 * buffer of 32-bit words). It mirrors compiler/backends/wasm/plan.ts and is kept apart so that
 * the shared liveness planner (compiler/passes, in progress) can replace it without touching the
 * kernels: the kernels only read `offset`, `scratch` and `matmul` from a WgslPlan.
 *   - fusion (fuse.ts): nodes inside an elementwise group get no buffer; the group's kernel
 *     reads its leaves;
 *   - matmul operands that are chains of last-two-axes transposes are read in place with swapped
 *     strides, and transpose(A·B) read by nothing else is computed as Bᵀ·Aᵀ (as wasm);
 *   - aliases (reshape, and identity nodes fusion did not absorb) share their operand's buffer;
 *   - inputs, params, consts and outputs get permanent buffers; every other buffer is freed after
 *     its last reader and reused first-fit (a node's output never overlaps its operands);
 *   - per-node scratch (an FFT too long for workgroup memory ping-pongs through it) is valid
 *     only while that node runs.
 * Storage: every float dtype is f32 (complex: interleaved pairs), i32 is i32; offsets in words.
 */
import { firstFit } from "../../ir/buffer-plan.js";
import type { Graph, Node } from "../../ir/graph.js";
import { isComplex, numel } from "../../ir/types.js";
import { STATUS_WORDS } from "../../../runtime/webgpu/program.js";
import { fuseElementwise, type Fusion } from "./fuse.js";

/** Word alignment of buffers (16 bytes). */
export const ALIGN = 4;
/** Words 0..RESERVED-1: the status block. */
export const RESERVED = Math.max(ALIGN, STATUS_WORDS);

export type Kind = "f" | "c" | "i";
export const kindOf = (n: { dtype: string }): Kind => (n.dtype === "i32" ? "i" : isComplex(n.dtype as never) ? "c" : "f");
export const width = (k: Kind): number => (k === "c" ? 2 : 1);
export const wordSize = (n: Node): number => numel(n.shape) * width(kindOf(n));

export interface MatmulOperand {
  readonly id: number;
  /** True when the operand is read transposed over its last two axes. */
  readonly t: boolean;
}

export interface WgslPlan {
  readonly fusion: Fusion;
  /** Word offset of each node's value (aliases share their root's), -1 without a buffer. */
  readonly offset: readonly number[];
  /** Nodes that need a kernel of their own (in topological order). */
  readonly kernels: readonly number[];
  readonly matmul: ReadonlyMap<number, readonly [MatmulOperand, MatmulOperand]>;
  /** Per-node scratch buffer (word offset), valid only while that node runs; -1 if none. */
  readonly scratch: readonly number[];
  readonly words: number;
}

function isLastTwoSwap(n: Node): boolean {
  if (n.op !== "transpose") return false;
  const p = n.attrs.perm as readonly number[];
  const r = p.length;
  return r >= 2 && p.every((v, i) => (i === r - 2 ? v === r - 1 : i === r - 1 ? v === r - 2 : v === i));
}

const alignUp = (x: number): number => Math.ceil(x / ALIGN) * ALIGN;

/** `scratchWords(n)`: words of scratch node n needs while it runs (0: none). */
export function planBuffers(g: Graph, scratchWords: (n: Node) => number): WgslPlan {
  const N = g.nodes.length;
  const fusion = fuseElementwise(g);
  const uses = new Array<number>(N).fill(0);
  for (const n of g.nodes) for (const i of n.inputs) uses[i]!++;
  for (const o of g.outputs) uses[o.id]!++;
  const matmul = new Map<number, [MatmulOperand, MatmulOperand]>();
  for (const n of g.nodes) {
    if (n.op !== "matmul") continue;
    const res = n.inputs.map((id) => {
      let x = g.nodes[id]!, t = false;
      // (a transpose whose operand fusion put inside it is computed, not bypassed)
      while (isLastTwoSwap(x) && x.dtype === g.nodes[x.inputs[0]!]!.dtype && !fusion.inline[x.inputs[0]!]) { t = !t; x = g.nodes[x.inputs[0]!]!; }
      return { id: x.id, t };
    });
    matmul.set(n.id, [res[0]!, res[1]!]);
  }
  for (const n of g.nodes) {
    const m = g.nodes[n.inputs[0] ?? -1];
    if (!m || !isLastTwoSwap(n) || fusion.inline[n.id] || m.op !== "matmul" || uses[m.id] !== 1 || m.dtype !== n.dtype) continue;
    const [a, b] = matmul.get(m.id)!;
    matmul.set(n.id, [{ id: b.id, t: !b.t }, { id: a.id, t: !a.t }]);
    matmul.delete(m.id);
  }
  const readsOf = (n: Node): readonly number[] => {
    const mm = matmul.get(n.id);
    if (mm) return [mm[0].id, mm[1].id];
    if (fusion.root[n.id] === n.id && !fusion.alias[n.id]) return fusion.leaves.get(n.id)!;
    return n.inputs;
  };
  const live = new Array<boolean>(N).fill(false);
  for (const o of g.outputs) live[o.id] = true;
  for (const n of g.inputs) live[n.id] = true;
  for (const n of g.params) live[n.id] = true;
  for (let i = N - 1; i >= 0; i--) if (live[i] && !fusion.inline[i]) for (const r of readsOf(g.nodes[i]!)) live[r] = true;
  const isAlias = (n: Node): boolean => fusion.alias[n.id]! && !matmul.has(n.id);
  const root = new Array<number>(N);
  for (const n of g.nodes) root[n.id] = isAlias(n) ? root[n.inputs[0]!]! : n.id;
  const owns = (n: Node): boolean => live[n.id]! && !fusion.inline[n.id] && !isAlias(n);
  const permanent = new Array<boolean>(N).fill(false);
  for (const n of g.nodes) if (n.op === "input" || n.op === "param" || n.op === "const") permanent[n.id] = true;
  for (const o of g.outputs) permanent[root[o.id]!] = true;
  const lastUse = new Array<number>(N).fill(-1);
  for (const n of g.nodes) if (owns(n) || (live[n.id] && isAlias(n))) for (const r of readsOf(n)) lastUse[root[r]!] = Math.max(lastUse[root[r]!]!, n.id);
  const offset = new Array<number>(N).fill(-1);
  const scratch = new Array<number>(N).fill(-1);
  const { allocate, release, top } = firstFit(RESERVED, ALIGN);
  for (const n of g.nodes) if (owns(n) && permanent[n.id]) offset[n.id] = allocate(n.id, wordSize(n));
  const kernels: number[] = [];
  for (const n of g.nodes) {
    if (!live[n.id] || fusion.inline[n.id]) continue;
    if (isAlias(n)) { offset[n.id] = offset[root[n.id]!]!; continue; }
    if (offset[n.id]! < 0) offset[n.id] = allocate(n.id, wordSize(n));
    if (n.op !== "input" && n.op !== "param" && n.op !== "const") kernels.push(n.id);
    const sw = scratchWords(n);
    if (sw > 0) { scratch[n.id] = allocate(-1 - n.id, sw); release(-1 - n.id); }
    for (const r of new Set(readsOf(n).map((x) => root[x]!)))
      if (lastUse[r] === n.id && !permanent[r]) release(r);
    if (!permanent[n.id] && lastUse[n.id] === -1) release(n.id);
  }
  return { fusion, offset, kernels, matmul, scratch, words: alignUp(top()) };
}
