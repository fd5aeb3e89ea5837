/**
 * THE buffer planner: where every value of a program lives in one flat memory, decided once by
 * liveness. Every executor that plans memory (the wasm backend and the edge artifact it builds,
 * and any other backend) calls this with its own rules — how many bytes a value needs, which
 * values share another's storage (aliases, with a byte offset), which live for the whole run,
 * which are placed by someone else — and gets byte offsets back.
 *
 * Allocation: permanent values first, at the bottom; then, in program order, each value is
 * placed first-fit in the lowest gap and released after its last reader (a value's storage never
 * overlaps its operands'). Per-node scratch (e.g. a 2-D FFT's) is held only while that node runs.
 * Sizes and offsets are aligned to `align`. It knows no op and emits no code.
 */
import type { Graph, Node } from "./graph.js";
import type { Reads } from "./liveness.js";

/**
 * First-fit allocation in one linear memory from `base`: a block of `size` (rounded up to
 * `align`) goes into the lowest gap between live blocks that holds it, else after the last;
 * `release` frees a block; `top` is the high-water mark. Shared by every planner (this one, the
 * wasm backend's through it, and the WGSL backend's buffer plan).
 */
export function firstFit(base: number, align: number): { allocate(id: number, size: number): number; release(id: number): void; top(): number } {
  const blocks: { off: number; size: number; id: number }[] = [];
  let top = base;
  return {
    allocate(id, size) {
      size = Math.ceil(Math.max(size, align) / align) * align;
      let prevEnd = base, at = -1, idx = blocks.length;
      for (let k = 0; k < blocks.length; k++) {
        if (blocks[k]!.off - prevEnd >= size) { at = prevEnd; idx = k; break; }
        prevEnd = blocks[k]!.off + blocks[k]!.size;
      }
      if (at < 0) at = prevEnd;
      blocks.splice(idx, 0, { off: at, size, id });
      top = Math.max(top, at + size);
      return at;
    },
    release(id) {
      const k = blocks.findIndex((b) => b.id === id);
      if (k >= 0) blocks.splice(k, 1);
    },
    top: () => top,
  };
}

export interface PlanRules {
  /** Bytes the value needs (aliases and dead values are not asked). */
  size(n: Node): number;
  /** The value lives inside another's storage: its root's offset + `offset` bytes. */
  alias?(n: Node): { readonly of: number; readonly offset: number } | undefined;
  /** Lives for the whole run (inputs, params, constants, outputs). */
  permanent(n: Node): boolean;
  /** Storage placed outside this plan (e.g. a loop body's invariants read their outer values). */
  fixed?(n: Node): number | undefined;
  /** Scratch bytes the node's kernel needs while it runs. */
  scratch?(n: Node): number;
  /** The values each node reads (default: operands). */
  readonly reads?: Reads;
  readonly live: readonly boolean[];
  /** First usable byte (bytes below it are reserved). */
  readonly base: number;
  readonly align: number;
}

export interface MemoryPlan {
  /** Byte offset of each live value (aliases: inside their root's storage), -1 when dead. */
  readonly offset: readonly number[];
  /** The node owning the storage a value lives in (itself unless it aliases). */
  readonly root: readonly number[];
  /** Per-node scratch offset (valid only while that node runs), -1 when none. */
  readonly scratch: readonly number[];
  /** One past the highest byte used. */
  readonly bytes: number;
}

export function planMemory(g: Graph, rules: PlanRules): MemoryPlan {
  const N = g.nodes.length;
  const { live, align } = rules;
  const reads = rules.reads ?? ((n: Node) => n.inputs);
  const up = (x: number) => Math.ceil(x / align) * align;
  const root = new Array<number>(N);
  const rel = new Array<number>(N).fill(0);
  const fixed = new Array<number | undefined>(N);
  for (const n of g.nodes) {
    root[n.id] = n.id;
    if (!live[n.id]) continue;
    const f = rules.fixed?.(n);
    if (f !== undefined) { fixed[n.id] = f; continue; }
    const a = rules.alias?.(n);
    if (a) {
      root[n.id] = root[a.of]!;
      rel[n.id] = rel[a.of]! + a.offset;
    }
  }
  const permanent = new Array<boolean>(N).fill(false);
  for (const n of g.nodes) if (live[n.id] && root[n.id] === n.id && rules.permanent(n)) permanent[n.id] = true;
  for (const o of g.outputs) permanent[root[o.id]!] = true;
  const lastUse = new Array<number>(N).fill(-1);
  for (const n of g.nodes) if (live[n.id]) for (const r of reads(n)) lastUse[root[r]!] = Math.max(lastUse[root[r]!]!, n.id);

  const offset = new Array<number>(N).fill(-1);
  const scratch = new Array<number>(N).fill(-1);
  const { allocate, release, top } = firstFit(rules.base, align);
  const owns = (n: Node) => live[n.id] && root[n.id] === n.id && fixed[n.id] === undefined;
  for (const n of g.nodes) if (owns(n) && permanent[n.id]) offset[n.id] = allocate(n.id, rules.size(n));
  for (const n of g.nodes) {
    if (!live[n.id]) continue;
    if (fixed[n.id] !== undefined) offset[n.id] = fixed[n.id]!;
    else if (root[n.id] !== n.id) offset[n.id] = -2; // resolved below, once the root is placed
    else if (offset[n.id]! < 0) offset[n.id] = allocate(n.id, rules.size(n));
    const s = rules.scratch?.(n) ?? 0;
    if (s > 0) {
      scratch[n.id] = allocate(-1 - n.id, s);
      release(-1 - n.id);
    }
    for (const r of new Set(reads(n).map((x) => root[x]!)))
      if (lastUse[r] === n.id && !permanent[r]) release(r);
    if (owns(n) && !permanent[n.id] && lastUse[n.id] === -1) release(n.id);
  }
  for (const n of g.nodes) if (live[n.id] && offset[n.id] === -2) offset[n.id] = offset[root[n.id]!]! + rel[n.id]!;
  return { offset, root, scratch, bytes: up(top()) };
}
