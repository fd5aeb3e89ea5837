/**
 * The static buffer plan of the wasm backend: where every IR value lives in the one linear
 * memory. Decided once at compile time; a run allocates nothing.
 *   - dead-code and transpose fusion: a matmul operand that is a chain of last-two-axis
 *     transposes is read from the chain's source with swapped strides, so the transposes (and
 *     anything only they used) are not computed at all;
 *   - aliases: reshape, stop_gradient, same-storage casts and conj/real of a real value share
 *     their operand's buffer (no copy);
 *   - offsets come from the shared planner (compiler/ir/buffer-plan.ts): inputs, params, consts
 *     and outputs permanent, every other buffer freed after its last reader and reused first-fit.
 * Storage: every float dtype is f32 (complex: interleaved f32 pairs), i32 is i32.
 */
import type { Graph, Node } from "../../ir/graph.js";
import { planMemory } from "../../ir/buffer-plan.js";
import { liveNodes, readersOf, useCounts } from "../../ir/liveness.js";
import { isComplex, numel } from "../../ir/types.js";

export const ALIGN = 16;
/** Bytes 0..RESERVED-1 hold scratch for kernels (Philox words at 16..31). */
export const RESERVED = 64;
export const PHILOX_SCRATCH = 16;

export type Kind = "f" | "c" | "i";
export const kindOf = (n: { dtype: string }): Kind => (n.dtype === "i32" ? "i" : isComplex(n.dtype as never) ? "c" : "f");
export const elemBytes = (k: Kind): number => (k === "c" ? 8 : 4);
export const byteSize = (n: Node): number => numel(n.shape) * elemBytes(kindOf(n));

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
  /** Per-node scratch buffer (2-D fft), valid only while that node runs; -1 if none. */
  readonly scratch: readonly number[];
  readonly bytes: number;
}

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

function isAliasOp(n: Node, x: Node | undefined): boolean {
  if (!x) return false;
  switch (n.op) {
    case "reshape": case "stop_gradient": return true;
    case "cast": return kindOf(n) === kindOf(x);
    case "conj": case "real": return kindOf(x) === "f";
    default: return false;
  }
}

export function planBuffers(g: Graph): BufferPlan {
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
  const readsOf = (n: Node): readonly number[] => {
    const mm = matmul.get(n.id);
    return mm ? [mm[0].id, mm[1].id] : n.inputs;
  };
  const live = liveNodes(g, { reads: readsOf });
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
  const mem = planMemory(g, {
    live, reads: readsOf, base: RESERVED, align: ALIGN,
    size: byteSize,
    alias: (n) => (alias[n.id] ? { of: n.inputs[0]!, offset: 0 } : undefined),
    permanent: (n) => n.op === "input" || n.op === "param" || n.op === "const",
    scratch: (n) => ((n.op === "fft" || n.op === "ifft") && n.attrs.dims === 2 ? byteSize(n) : 0),
  });
  return { offset: mem.offset, live, alias, conjParity, matmul, scratch: mem.scratch, bytes: mem.bytes };
}
