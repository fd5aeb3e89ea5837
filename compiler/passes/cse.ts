/**
 * Pass `cse`: common-subexpression elimination. Two nodes with the same op, the same operands
 * (after their own merging), equal attributes and equal bodies compute the same value, because
 * every op is a pure function of its operands and attributes — random draws included (their
 * value is fixed by key, stream and element index) — so the later one is replaced by the earlier:
 *   y₁ = f(a, b; attrs), y₂ = f(a, b; attrs) → y₂ := y₁.
 * Gradients are unchanged: autodiff sums the contributions of every reader either way. Leaves
 * are never merged (each input and param is a distinct interface slot).
 */
import type { Node } from "../ir/graph.js";
import { printGraph } from "../ir/print.js";
import type { Pass } from "./pass.js";
import { rebuild } from "./rewrite.js";

/** A key identifying the value a node computes, given its (already merged) operands. */
export function valueKey(n: Node, xs: readonly Node[]): string {
  const attrs = Object.keys(n.attrs).sort().map((k) => `${k}=${JSON.stringify(n.attrs[k])}`).join(",");
  return `${n.op}(${xs.map((x) => x.id).join(",")}){${attrs}}${n.dtype}[${n.shape.join(",")}]${n.body ? printGraph(n.body) : ""}`;
}

export const cse: Pass = {
  name: "cse",
  summary: "merge nodes computing the same op on the same operands with the same attributes",
  run: (g) => {
    const seen = new Map<string, Node>();
    return rebuild(g, (b, n, xs) => {
      if (n.op === "input" || n.op === "param") return undefined;
      const key = valueKey(n, xs);
      const had = seen.get(key);
      if (had) return had;
      // copy now, so the key maps to the node this graph keeps
      const copy = b.op(n.op, xs, n.attrs, n.name, n.body);
      seen.set(key, copy);
      return copy;
    }, undefined, cse.run);
  },
};
