/**
 * How deep a syntax tree is, measured without recursion (the tree may be deeper than the
 * stack). parse.ts refuses a file whose tree is deeper than MAX_EXPRESSION_DEPTH, so every
 * later consumer — the checker, the formatter, the language server's walks, `pnn ast`'s JSON —
 * can rely on that bound. A chain `a + b + c` nests one level per operator; so do `f()()` and
 * `x |> f |> g`.
 */
import type { Span } from "../diagnostics/span.js";
import type * as A from "./ast.js";

type Node = { readonly kind: string; readonly span: Span };

function isNode(v: unknown): v is Node {
  return typeof v === "object" && v !== null && typeof (v as Node).kind === "string" && typeof (v as Node).span === "object";
}

/**
 * The top-level item (import, const, layer, network, train) holding a node deeper than `limit`
 * (the program is depth 1), or undefined when the whole tree is within it.
 */
export function itemDeeperThan(root: A.Program, limit: number): A.TopItem | undefined {
  for (const item of root.items) if (deeperThan(item, limit - 1)) return item;
  return undefined;
}

function deeperThan(root: Node, limit: number): boolean {
  const nodes: Node[] = [root];
  const depths: number[] = [1];
  while (nodes.length) {
    const n = nodes.pop()!;
    const d = depths.pop()!;
    if (d > limit) return true;
    const rec = n as unknown as Record<string, unknown>;
    for (const key in rec) {
      if (key === "span" || key === "comments") continue;
      const v = rec[key];
      if (Array.isArray(v)) {
        for (const x of v) if (isNode(x)) (nodes.push(x), depths.push(d + 1));
      } else if (isNode(v)) (nodes.push(v), depths.push(d + 1));
    }
  }
  return false;
}
