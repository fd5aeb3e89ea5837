/**
 * Span (1-based line/col, from the checker) → LSP Range (0-based line/character). Columns are
 * UTF-16 code units on both sides, since both count JavaScript string indices.
 */
import type { Range } from "vscode-languageserver/node";
import type { Span } from "../diagnostics/span.js";

export function toRange(s: Span): Range {
  return { start: { line: s.line - 1, character: s.col - 1 }, end: { line: s.endLine - 1, character: s.endCol - 1 } };
}

