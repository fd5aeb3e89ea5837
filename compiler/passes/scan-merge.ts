/**
 * Pass `scan-merge`: loops that run the same body on the same operands become one loop with the
 * union of their per-step outputs. Two scans with equal operands, attributes, body nodes and
 * carry outputs compute the same carries at every step, so any per-step output of either is a
 * function of those states:
 *   scan(c, k, X; body → (c′, y₁)), scan(c, k, X; body → (c′, y₂)) → scan(c, k, X; body → (c′, y₁, y₂)).
 * This is how a loop's gradient (autodiff-loop.ts, which re-runs the forward loop to store the
 * carries entering each step) ends up reading them from the forward loop itself: the forward
 * pass runs once. Results are renumbered; everything else is copied.
 */
import type { Graph, NamedId, Node } from "../ir/graph.js";
import { withOutputs } from "../ir/loops.js";
import { printGraph } from "../ir/print.js";
import type { Pass } from "./pass.js";
import { rebuild } from "./rewrite.js";

interface Merged {
  readonly first: number;
  readonly body: Graph;
  /** member id → (old result index → union index) */
  readonly index: Map<number, Map<number, number>>;
}

function groupKey(n: Node): string {
  const nc = n.attrs.carries as number;
  const carries = n.body!.outputs.slice(0, nc).map((o) => o.id).join(",");
  return `${n.inputs.join(",")}|${JSON.stringify(n.attrs)}|${carries}|${printGraph(withOutputs(n.body!, []))}`;
}

export const scanMerge: Pass = {
  name: "scan-merge",
  summary: "one loop for scans with equal operands and body (a gradient's stored carries come from the forward loop)",
  run: (g) => {
    const groups = new Map<string, number[]>();
    for (const n of g.nodes) if (n.op === "scan") {
      const key = groupKey(n);
      groups.set(key, [...(groups.get(key) ?? []), n.id]);
    }
    const merged = new Map<number, Merged>();
    for (const ids of groups.values()) {
      if (ids.length < 2) continue;
      const first = g.nodes[ids[0]!]!;
      const nc = first.attrs.carries as number;
      const outs: NamedId[] = first.body!.outputs.slice(0, nc).map((o) => ({ ...o }));
      const byNode = new Map<number, number>();
      const index = new Map<number, Map<number, number>>();
      for (const id of ids) {
        const m = new Map<number, number>();
        g.nodes[id]!.body!.outputs.forEach((o, k) => {
          if (k < nc) return void m.set(k, k);
          let at = byNode.get(o.id);
          if (at === undefined) {
            at = outs.length;
            byNode.set(o.id, at);
            outs.push({ name: `y${at - nc}`, id: o.id });
          }
          m.set(k, at);
        });
        index.set(id, m);
      }
      const info: Merged = { first: first.id, body: withOutputs(first.body!, outs), index };
      for (const id of ids) merged.set(id, info);
    }
    if (!merged.size) return g;
    const unions = new Map<number, Node>();
    return rebuild(g, (b, n, xs) => {
      if (n.op === "scan") {
        const m = merged.get(n.id);
        if (!m) return undefined;
        if (n.id === m.first) {
          const u = b.op("scan", xs, n.attrs, n.name, scanMerge.run(m.body));
          unions.set(m.first, u);
          return u;
        }
        return unions.get(m.first)!;
      }
      if (n.op === "scan_result") {
        const m = merged.get(n.inputs[0]!);
        if (m) return b.op("scan_result", xs, { index: m.index.get(n.inputs[0]!)!.get(n.attrs.index as number)! });
      }
      return undefined;
    }, undefined, scanMerge.run);
  },
};
