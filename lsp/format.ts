/**
 * Formatting through the same Prettier plugin and passes as `pnn fmt`. A document with syntax
 * errors is left alone (no edits), as `pnn fmt` refuses to rewrite it.
 * - Whole document: one edit replacing the text.
 * - A range: the top-level declarations (imports, constants, layers, networks, train blocks) that
 *   the range touches are replaced by their formatted text; the rest of the file, including the
 *   blank lines and comments between declarations, is left as it is. The formatter works on whole
 *   files, so the file is formatted and its declarations matched one to one (same count, same
 *   kinds, in order); if they do not match, nothing is changed.
 */
import type { TextEdit } from "vscode-languageserver/node";
import { formatSource } from "../cli/fmt.js";
import { parse } from "../grammar/parse.js";
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
  const formatted = await formatSource(a.text, a.path);
  if (formatted === a.text) return [];
  const after = parse(formatted, a.path).program.items;
  const before = a.program.items;
  if (after.length !== before.length || before.some((item, i) => item.kind !== after[i].kind)) return [];
  const edits: TextEdit[] = [];
  before.forEach((item, i) => {
    if (item.span.end < from || item.span.start > to) return;
    const newText = formatted.slice(after[i].span.start, after[i].span.end);
    if (newText !== a.text.slice(item.span.start, item.span.end)) edits.push({ range: toRange(item.span), newText });
  });
  return edits;
}
