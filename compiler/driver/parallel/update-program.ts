/**
 * The optimizer update of the resident data-parallel step (runtime/parallel/resident.ts,
 * docs/scaling.md) as a program of its own, one per slice [lo, hi) of the flat parameter vector:
 * for every parameter part in the slice (runtime/parallel/shared.ts `segments`), its S shards'
 * gradients summed in shard order, ((g₀ + g₁) + g₂) + …, and then the update of
 * compiler/lower/optimizer.ts — the very formulas the unsharded train program fuses — applied to
 * the part. Inputs: each part as a parameter (named by its path, shape [to − from]), its optimizer
 * state and the step's scalars (names.ts), and `shardGrad(k, path)`; outputs: new parameters and
 * state. Every operation is elementwise, so an element's arithmetic does not depend on where the
 * slices are cut (the worker count). Parameters that are not f32 are not handled here (the
 * caller falls back to the host update).
 */
import { InternalError } from "../../../diagnostics/internal.js";
import type { OptimizerConfig } from "../../../runtime/optim.js";
import { segments, type Slots } from "../../../runtime/parallel/shared.js";
import { GraphBuilder, type Graph } from "../../ir/graph.js";
import { names } from "../../lower/names.js";
import { appendOptimizerUpdate, type ParamRange } from "../../lower/optimizer.js";
import { runPipeline } from "../../passes/pipeline.js";

export function updateGraph(layout: Slots, lo: number, hi: number, shards: number, optimizer: OptimizerConfig["name"], ranges: ReadonlyMap<string, { lo: number; hi: number }>): Graph {
  const b = new GraphBuilder();
  const parts: ParamRange[] = [];
  for (const s of segments(layout, lo, hi)) {
    const shape = [s.to - s.from];
    b.param(s.name, "f32", shape);
    let sum = b.input(names.shardGrad(0, s.name), "f32", shape);
    for (let k = 1; k < shards; k++) sum = b.add(sum, b.input(names.shardGrad(k, s.name), "f32", shape));
    b.output(names.grad(s.name), sum);
    const range = ranges.get(s.name);
    parts.push({ path: s.name, ...(range ? { range } : {}) });
  }
  const fused = appendOptimizerUpdate(b.build(), optimizer, parts);
  if (!fused.outputs.some((o) => o.name.startsWith(names.newParam("")))) throw new InternalError("resident update: the optimizer update was not appended (every part is f32)");
  // the summed gradient is not read back: only the new parameters and state are outputs
  const gradOutputs = new Set(parts.map((q) => names.grad(q.path)));
  const graph: Graph = { ...fused, outputs: fused.outputs.filter((o) => !gradOutputs.has(o.name)) };
  return runPipeline(graph, { verify: false }).graph;
}
