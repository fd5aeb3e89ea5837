/**
 * Formatting through the same Prettier plugin and passes as `pnn fmt`. A document with syntax
 * errors is left alone (no edits), as `pnn fmt` refuses to rewrite it.
 * - Whole document: one edit replacing the text.
 * - A range: the top-level declarations (imports, constants, layers, networks, train blocks) that
 *   the range touches are replaced by their formatted text; the rest of the file, including the
 *   blank lines and comments between declarations, is left as it is. A declaration is a program
 *   by itself, so each is formatted alone (the time grows with the selection, not the file); the
 *   result is what `pnn fmt` gives that declaration in the whole file (test/lsp/features.test.ts).
 */
import type { TextEdit } from "vscode-languageserver/node";
import { formatSource } from "../compiler/driver/format.js";
import type { Analysis } from "./analysis.js";
import { toRange } from "./positions.js";

export async function formatDocument(a: Analysis): Promise<TextEdit[]> {
  if (a.syntaxErrors > 0) return [];
  const formatted = await formatSource(a.text, a.path);
  if (formatted === a.text) return [];
  const end = a.lines.position(a.text.length);
  return [{ range: { start: { line: 0, character: 0 }, end: { line: end.line - 1, character: end.col - 1 } }, newText: formatted }];
}

/** Edits for the declarations overlapping offsets [from, to]. */
export async function formatRange(a: Analysis, from: number, to: number): Promise<TextEdit[]> {
  if (a.syntaxErrors > 0) return [];
  const edits: TextEdit[] = [];
  for (const item of a.program.items) {
    if (item.span.end < from || item.span.start > to) continue;
    const text = a.text.slice(item.span.start, item.span.end);
    const newText = (await formatSource(text, a.path)).replace(/\n+$/, "");
    if (newText !== text) edits.push({ range: toRange(item.span), newText });
  }
  return edits;
}
