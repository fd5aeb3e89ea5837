/**
 * The cost model that picks how an MZI mesh lowers (optics-mesh.ts `chooseMeshForm`): per-sample
 * column rotations (a loop over the C columns of the [B, N] fields: work ∝ C·B·N, C small kernel
 * calls per kernel of the body) or the mesh's transfer matrix built once per step from the phases
 * (a tree of batched complex matmuls: work ∝ C·N³, independent of B) and one complex matmul per
 * batch (∝ B·N²). A form's estimated time is
 *     t = CALL·calls + EW·(elementwise FLOPs) + MM·(matmul FLOPs)
 * over its graph: FLOPs are the op table's (compiler/ir/flops.ts conventions), loop bodies once
 * per step; a call is one kernel of the wasm backend (aliases — reshape, stop_gradient,
 * scan_result, leaves — cost none; a batched matmul is one call per batch item; a loop step also
 * copies each sequence slice in and each body output out). The three constants are least-squares
 * fits (in log space) to measured train steps (forward, loss, backward) of one mesh on the wasm
 * backend over N = 4…32, B = 1…256: `node bench/mesh-form.mjs` remeasures them and reports how
 * often the model picks the faster form (bench/results-mesh-form.md). Relative costs are what
 * matter: the constants' unit (µs) is the train step's, and the backward pass scales both forms
 * alike. It knows nothing about meshes: it costs any graph.
 */
import type { Graph } from "../../ir/graph.js";
import { nodeFlops } from "../../ir/flops.js";
import { liveNodes } from "../../ir/liveness.js";

/** µs per kernel call, per elementwise FLOP, per matmul FLOP (bench/mesh-form.mjs). */
export const MESH_FORM_COST = { call: 0.177, ew: 1.26e-3, mm: 3.89e-4 } as const;

export interface KernelCost {
  readonly calls: number;
  readonly ewFlops: number;
  readonly mmFlops: number;
}

/** Ops the wasm backend runs without a kernel of their own. */
const FREE = new Set(["input", "param", "const", "reshape", "stop_gradient", "scan_result"]);

/** Kernel calls and FLOPs of running g once. */
export function kernelCost(g: Graph): KernelCost {
  const live = liveNodes(g);
  let calls = 0, ewFlops = 0, mmFlops = 0;
  for (const n of g.nodes) {
    if (!live[n.id] || FREE.has(n.op)) continue;
    if (n.op === "scan") {
      const body = kernelCost(n.body!), steps = n.attrs.length as number;
      calls += steps * (body.calls + (n.attrs.xs as number) + n.body!.outputs.length);
      ewFlops += steps * body.ewFlops;
      mmFlops += steps * body.mmFlops;
    } else if (n.op === "matmul") {
      calls += n.shape.slice(0, -2).reduce((a, d) => a * d, 1);
      mmFlops += nodeFlops(n, g);
    } else {
      calls += 1;
      ewFlops += nodeFlops(n, g);
    }
  }
  return { calls, ewFlops, mmFlops };
}

/** Estimated µs of a graph's kernels (the train step's unit; only comparisons are meaningful). */
export function estimatedMicros(c: KernelCost): number {
  return MESH_FORM_COST.call * c.calls + MESH_FORM_COST.ew * c.ewFlops + MESH_FORM_COST.mm * c.mmFlops;
}
