/**
 * Digital cost of running a graph: the sum of the op table's `flops` entries (the one cost
 * table; conventions in costs.ts) over the nodes the outputs need, loop bodies counted once per
 * iteration. Used for the per-rule accounting that `pnn train` reports (a rule's cost on
 * hardware is device queries plus this digital work), an artifact's FLOPs per inference, and
 * the passes' cost models.
 */
import type { Graph, Node } from "./graph.js";
import { liveNodes } from "./liveness.js";
import { opDef } from "./ops.js";

export function nodeFlops(n: Node, g: Graph): number {
  const def = opDef(n.op);
  const own = def?.flops?.(n, n.inputs.map((i) => g.nodes[i]!), n.attrs) ?? 0;
  return own + (n.body ? (n.attrs.length as number) * graphFlops(n.body) : 0);
}

export function graphFlops(g: Graph): number {
  const live = liveNodes(g);
  let total = 0;
  for (const n of g.nodes) if (live[n.id]) total += nodeFlops(n, g);
  return total;
}
