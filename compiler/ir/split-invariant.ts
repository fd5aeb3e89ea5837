/**
 * The batch-invariant part of an inference program, split off so it runs once per evaluation
 * instead of once per batch. In: a finished program and which of its inputs stay fixed while an
 * evaluation walks a data set (parameters always; the runtime's manifest says which inputs are a
 * chip's device variables). Out: `prepare`, the nodes that read only those inputs and constants,
 * with every value the rest reads as an output; `main`, the program with those values as inputs
 * of the same names; or nothing, when the cost model says the split does not pay.
 *
 * Why it is valid: a node that reads only fixed inputs has the same value for every batch, so
 * computing it once and feeding it back in changes no value (the backends store it exactly as
 * they would have computed it: f32 in wasm, f64 in the interpreter). Per-shot noise reads the
 * batch's key and stays in `main`.
 *
 * The cost model: per batch the split adds copying the carried values in and comparing the
 * fixed inputs with those the preparation saw (runtime/prepared.ts), about one operation per
 * element each; it saves the prepared nodes' FLOPs (ir/costs.ts conventions). Split when the
 * saving is at least PAYOFF times the overhead. A crossbar's device program (conductance
 * mapping, drift, programming noise: parameter and chip work only) is the case it is for; a
 * plain MLP (nothing but a weight transpose before its matmuls) is left whole.
 */
import type { TensorSpec } from "../../runtime/backend.js";
import { FIXED_DURING_EVALUATION } from "../../runtime/manifest.js";
import { manifestOf, names } from "../lower/names.js";
import { copyNode } from "../passes/rewrite.js";
import { nodeFlops } from "./flops.js";
import { GraphBuilder, type Graph, type Node } from "./graph.js";
import { numel } from "./types.js";

/** Saved FLOPs per element of per-batch overhead that a split needs. */
export const PAYOFF = 4;

export interface InvariantSplit {
  /** The whole program's inputs and parameters (what its callers bind). */
  readonly inputs: readonly TensorSpec[];
  readonly prepare: Graph;
  readonly main: Graph;
  /** The fixed inputs `prepare` reads (names of the original program). */
  readonly fixedInputs: readonly string[];
  /** The values `prepare` outputs and `main` reads, by name. */
  readonly carried: readonly string[];
  /** FLOPs per batch moved into `prepare`, and the per-batch overhead in elements. */
  readonly savedFlops: number;
  readonly overhead: number;
}

/** The split of an inference program whose fixed inputs are those an evaluation keeps fixed (runtime/manifest.ts FIXED_DURING_EVALUATION). */
export function splitInference(g: Graph): InvariantSplit | undefined {
  const fixed = new Set(manifestOf(g).inputs.filter((i) => FIXED_DURING_EVALUATION.has(i.role.kind)).map((i) => i.name));
  return splitInvariant(g, (name) => fixed.has(name));
}

/** Splits `g` (see the file comment); `fixed(name)` says whether an input stays fixed. Parameters always do. */
export function splitInvariant(g: Graph, fixed: (inputName: string) => boolean): InvariantSplit | undefined {
  const invariant = new Array<boolean>(g.nodes.length).fill(false);
  for (const n of g.nodes) {
    if (n.op === "param") invariant[n.id] = true;
    else if (n.op === "input") invariant[n.id] = fixed(n.attrs.name as string);
    else invariant[n.id] = n.inputs.every((i) => invariant[i]);
  }
  const isLeaf = (n: Node) => n.op === "param" || n.op === "input" || n.op === "const";
  // carried: invariant computed nodes read by a per-batch node or by an output
  const carriedIds = new Set<number>();
  for (const n of g.nodes) if (!invariant[n.id]) for (const i of n.inputs) if (invariant[i] && !isLeaf(g.nodes[i]!)) carriedIds.add(i);
  for (const o of g.outputs) if (invariant[o.id] && !isLeaf(g.nodes[o.id]!)) carriedIds.add(o.id);
  if (!carriedIds.size) return undefined;
  // what prepare computes: the carried values' cone
  const needed = new Array<boolean>(g.nodes.length).fill(false);
  for (const id of carriedIds) needed[id] = true;
  for (let i = g.nodes.length - 1; i >= 0; i--) if (needed[i]) for (const x of g.nodes[i]!.inputs) needed[x] = true;
  let savedFlops = 0;
  for (const n of g.nodes) if (needed[n.id] && !isLeaf(n)) savedFlops += nodeFlops(n, g);
  const fixedLeaves = g.nodes.filter((n) => needed[n.id] && (n.op === "param" || n.op === "input"));
  const overhead = [...carriedIds].reduce((s, id) => s + numel(g.nodes[id]!.shape), 0) + fixedLeaves.reduce((s, n) => s + numel(n.shape), 0);
  if (savedFlops < PAYOFF * overhead) return undefined;

  const carried = [...carriedIds].sort((a, b) => a - b);
  const carriedName = new Map(carried.map((id, k) => [id, names.hoisted(k)]));
  // prepare: the cone, each carried value an output
  const p = new GraphBuilder();
  const pmap: Node[] = [];
  for (const n of g.nodes) if (needed[n.id]) pmap[n.id] = copyNode(p, n, n.inputs.map((i) => pmap[i]!));
  for (const id of carried) p.output(carriedName.get(id)!, pmap[id]!);
  // main: carried values become inputs; what only they needed is gone
  const m = new GraphBuilder();
  const mmap: Node[] = [];
  const live = new Array<boolean>(g.nodes.length).fill(false);
  for (const o of g.outputs) live[o.id] = true;
  for (let i = g.nodes.length - 1; i >= 0; i--) if (live[i] && !carriedIds.has(i)) for (const x of g.nodes[i]!.inputs) live[x] = true;
  for (const n of g.nodes) {
    if (!live[n.id]) continue;
    mmap[n.id] = carriedIds.has(n.id) ? m.input(carriedName.get(n.id)!, n.dtype, n.shape) : copyNode(m, n, n.inputs.map((i) => mmap[i]!));
  }
  for (const o of g.outputs) m.output(o.name, mmap[o.id]!);
  return {
    inputs: g.nodes.filter((n) => n.op === "input" || n.op === "param").map((n) => ({ name: n.attrs.name as string, dtype: n.dtype, shape: n.shape })),
    prepare: p.build(),
    main: m.build(),
    fixedInputs: fixedLeaves.map((n) => n.attrs.name as string),
    carried: carried.map((id) => carriedName.get(id)!),
    savedFlops,
    overhead,
  };
}
