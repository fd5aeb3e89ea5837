/**
 * The cost model that picks how an MZI mesh lowers (optics-mesh.ts `chooseMeshForm`): per-sample
 * column rotations (a loop over the C columns of the [B, N] fields: work ∝ C·B·N, C small kernel
 * calls per kernel of the body) or the mesh's transfer matrix built once per step from the phases
 * (a tree of batched complex matmuls: work ∝ C·N³, independent of B) and one complex matmul per
 * batch (∝ B·N²). A form's estimated time is
 *     t = CALL·calls + EW·(elementwise FLOPs) + MM·(matmul FLOPs) + PAIR·(pair_mix FLOPs)
 * (a column's own SIMD kernel, pair_mix/pair_mix_grad, runs its FLOPs faster than generic
 * elementwise kernels do) over its graph: FLOPs are the op table's (compiler/ir/flops.ts conventions), loop bodies once
 * per step; a call is one kernel of the wasm backend (aliases — reshape, stop_gradient,
 * scan_result, leaves — cost none; a batched matmul is one call per batch item; a loop step also
 * copies each sequence slice in and each body output out). The constants are least-squares fits
 * (in log space) to measured train steps (forward, loss, backward) of one mesh on the wasm
 * backend over N = 4…32, B = 1…256: CALL, EW and MM to the gather/multiply/add columns, PAIR
 * then alone (the other three held) to the pair_mix columns; `node bench/mesh-form.mjs`
 * remeasures them and reports how often the model picks the faster form
 * (bench/results-mesh-form.md). Relative costs are what
 * matter: the constants' unit (µs) is the train step's, and the backward pass scales both forms
 * alike. It knows nothing about meshes: it costs any graph.
 */
import type { Graph } from "../../ir/graph.js";
import { nodeFlops } from "../../ir/flops.js";
import { liveNodes } from "../../ir/liveness.js";

/** µs per kernel call, per elementwise FLOP, per matmul FLOP, per pair_mix FLOP (bench/mesh-form.mjs). */
export const MESH_FORM_COST = { call: 0.177, ew: 1.26e-3, mm: 3.89e-4, pair: 4.11e-4 } as const;

export interface KernelCost {
  readonly calls: number;
  readonly ewFlops: number;
  readonly mmFlops: number;
  /** FLOPs of pair_mix and pair_mix_grad (the mesh column's own kernels). */
  readonly pairFlops: number;
}

const PAIR_OPS = new Set(["pair_mix", "pair_mix_grad"]);

/** Ops the wasm backend runs without a kernel of their own. */
const FREE = new Set(["input", "param", "const", "reshape", "stop_gradient", "scan_result"]);

/** Kernel calls and FLOPs of running g once. */
export function kernelCost(g: Graph): KernelCost {
  const live = liveNodes(g);
  let calls = 0, ewFlops = 0, mmFlops = 0, pairFlops = 0;
  for (const n of g.nodes) {
    if (!live[n.id] || FREE.has(n.op)) continue;
    if (n.op === "scan") {
      const body = kernelCost(n.body!), steps = n.attrs.length as number;
      calls += steps * (body.calls + (n.attrs.xs as number) + n.body!.outputs.length);
      ewFlops += steps * body.ewFlops;
      mmFlops += steps * body.mmFlops;
      pairFlops += steps * body.pairFlops;
    } else if (PAIR_OPS.has(n.op)) {
      calls += 1;
      pairFlops += nodeFlops(n, g);
    } else if (n.op === "matmul") {
      calls += n.shape.slice(0, -2).reduce((a, d) => a * d, 1);
      mmFlops += nodeFlops(n, g);
    } else {
      calls += 1;
      ewFlops += nodeFlops(n, g);
    }
  }
  return { calls, ewFlops, mmFlops, pairFlops };
}

/** Estimated µs of a graph's kernels (the train step's unit; only comparisons are meaningful). */
export function estimatedMicros(c: KernelCost): number {
  return MESH_FORM_COST.call * c.calls + MESH_FORM_COST.ew * c.ewFlops + MESH_FORM_COST.mm * c.mmFlops + MESH_FORM_COST.pair * c.pairFlops;
}
