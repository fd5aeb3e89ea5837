/**
 * Selection ranges ("expand selection"): for each cursor, the AST nodes around it from the
 * innermost (a name, a number with its unit) out through the expression, the call, the statement
 * and its block, to the whole document; nodes with the same extent as their parent are skipped.
 */
import type { SelectionRange } from "vscode-languageserver/node";
import type { Analysis } from "./analysis.js";
import { nodesAt } from "./ast-walk.js";
import { toRange } from "./positions.js";

export function selectionRanges(a: Analysis, offsets: readonly number[]): SelectionRange[] {
  return offsets.map((offset) => {
    let range: SelectionRange | undefined;
    let last = "";
    for (const n of nodesAt(a.program, offset)) {
      const key = `${n.span.start}:${n.span.end}`;
      if (key === last || n.span.end <= n.span.start) continue;
      last = key;
      range = { range: toRange(n.span), ...(range ? { parent: range } : {}) };
    }
    return range ?? { range: toRange(a.lines.span(offset, offset)) };
  });
}
