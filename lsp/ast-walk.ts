/**
 * Generic walks over the AST (grammar/ast.ts): every node is an object with a `kind` and a
 * `span`, so a reflective walk finds them all without a visitor per node type. Used to find
 * what the cursor is on and to collect units, member accesses and named arguments.
 */
import type * as A from "../grammar/ast.js";

type Node = { readonly kind: string; readonly span: { start: number; end: number } };

function isNode(v: unknown): v is Node {
  return typeof v === "object" && v !== null && typeof (v as Node).kind === "string" && typeof (v as Node).span === "object";
}

function children(n: Node): Node[] {
  const out: Node[] = [];
  const rec = n as unknown as Record<string, unknown>;
  for (const key in rec) {
    if (key === "span" || key === "comments") continue;
    const v = rec[key];
    if (Array.isArray(v)) {
      for (const x of v) if (isNode(x)) out.push(x);
    } else if (isNode(v)) out.push(v);
  }
  return out;
}

/** Calls `visit` on every node, parents before children. */
export function walk(root: A.AnyNode, visit: (n: A.AnyNode, parents: readonly A.AnyNode[]) => void): void {
  const stack: A.AnyNode[] = [];
  const go = (n: Node) => {
    visit(n as A.AnyNode, stack);
    stack.push(n as A.AnyNode);
    for (const c of children(n)) go(c);
    stack.pop();
  };
  go(root as Node);
}

/** The chain of nodes containing `offset`, outermost first (a cursor at a node's end counts as inside). */
export function nodesAt(root: A.Program, offset: number): A.AnyNode[] {
  const chain: A.AnyNode[] = [];
  let cur: Node | undefined = root as Node;
  while (cur) {
    chain.push(cur as A.AnyNode);
    cur = children(cur).find((c) => c.span.start <= offset && offset <= c.span.end && c.span.end > c.span.start);
  }
  return chain;
}

/** The top-level item (import, const, layer, network, train) containing `offset`. */
export function itemAt(root: A.Program, offset: number): A.TopItem | undefined {
  return root.items.find((i) => i.span.start <= offset && offset <= i.span.end);
}
