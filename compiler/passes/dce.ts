/**
 * Pass `dce`: dead-code elimination. A node no output reads (directly or through other nodes)
 * does not change any output or any gradient output, so it is dropped. Inputs and params are
 * kept even when unused: they are the program's interface. Inside loops the same holds per
 * result: a scan result nobody reads is removed from the body's outputs, a carry whose final
 * value is unread and that no kept output depends on (through the body, across steps) is
 * removed with its operand, and so are invariants and sequences the body no longer reads.
 */
import { GraphBuilder, type Graph, type Node } from "../ir/graph.js";
import { liveNodes } from "../ir/liveness.js";
import { scanCounts } from "../ir/ops-loop.js";
import type { Pass } from "./pass.js";
import { copyNode, rebuild } from "./rewrite.js";

interface Pruned {
  readonly operands: readonly number[];
  readonly body: Graph;
  readonly carries: number;
  readonly xs: number;
  /** old result index → new */
  readonly index: ReadonlyMap<number, number>;
}

/** The scan without unread results and the carries/operands only they needed; undefined if all stay. */
export function pruneScan(s: Node, used: ReadonlySet<number>): Pruned | undefined {
  const body = s.body!;
  const { nc, ni } = scanCounts(s.attrs, s.inputs.length);
  const keep = new Set(used);
  let bodyLive: boolean[];
  for (;;) {
    if (![...keep].some((k) => k < nc)) keep.add(0); // a scan carries at least one value
    bodyLive = liveNodes(body, { roots: [...keep].map((k) => body.outputs[k]!.id), keepLeaves: false });
    const before = keep.size;
    for (let k = 0; k < nc; k++) if (bodyLive[body.inputs[k]!.id]) keep.add(k);
    if (keep.size === before) break;
  }
  const inputKept = body.inputs.map((l, k) => (k < nc ? keep.has(k) : bodyLive[l.id]!));
  if (keep.size === body.outputs.length && inputKept.every((v) => v)) return undefined;
  const bb = new GraphBuilder();
  const map = new Array<Node>(body.nodes.length);
  body.inputs.forEach((l, k) => {
    if (!inputKept[k]) return;
    const n = body.nodes[l.id]!;
    map[l.id] = bb.input(l.name, n.dtype, n.shape);
  });
  for (const n of body.nodes) if (bodyLive[n.id] && !map[n.id]) map[n.id] = copyNode(bb, n, n.inputs.map((i) => map[i]!));
  const outs = body.outputs.map((_, k) => k).filter((k) => keep.has(k));
  outs.forEach((k) => bb.output(body.outputs[k]!.name, map[body.outputs[k]!.id]!));
  return {
    operands: s.inputs.map((_, k) => k).filter((k) => inputKept[k]),
    body: bb.build(),
    carries: outs.filter((k) => k < nc).length,
    xs: body.inputs.filter((_, k) => k >= nc + ni && inputKept[k]).length,
    index: new Map(outs.map((k, i) => [k, i])),
  };
}

export const dce: Pass = {
  name: "dce",
  summary: "drop nodes no output needs, and loop results, carries and operands nobody reads",
  run: (g) => {
    const live = liveNodes(g);
    const used = new Map<number, Set<number>>();
    for (const n of g.nodes) if (live[n.id] && n.op === "scan_result") {
      const set = used.get(n.inputs[0]!) ?? new Set<number>();
      set.add(n.attrs.index as number);
      used.set(n.inputs[0]!, set);
    }
    const pruned = new Map<number, Pruned>();
    for (const [id, set] of used) {
      const p = pruneScan(g.nodes[id]!, set);
      if (p) pruned.set(id, p);
    }
    return rebuild(g, (b, n, xs) => {
      if (n.op === "scan") {
        const p = pruned.get(n.id);
        if (!p) return undefined;
        return b.op("scan", p.operands.map((k) => xs[k]!), { ...n.attrs, carries: p.carries, xs: p.xs }, n.name, dce.run(p.body));
      }
      if (n.op === "scan_result") {
        const p = pruned.get(n.inputs[0]!);
        if (p) return b.op("scan_result", xs, { index: p.index.get(n.attrs.index as number)! });
      }
      return undefined;
    }, (id) => live[id]!, dce.run);
  },
};
