/**
 * Whole-document formatting through the same Prettier plugin and passes as `pnn fmt`. A
 * document with syntax errors is left alone (no edits), as `pnn fmt` refuses to rewrite it.
 */
import type { TextEdit } from "vscode-languageserver/node";
import { formatSource } from "../compiler/driver/format.js";
import type { Analysis } from "./analysis.js";

export async function formatDocument(a: Analysis): Promise<TextEdit[]> {
  if (a.syntaxErrors > 0) return [];
  const formatted = await formatSource(a.text, a.path);
  if (formatted === a.text) return [];
  const end = a.lines.position(a.text.length);
  return [{ range: { start: { line: 0, character: 0 }, end: { line: end.line - 1, character: end.col - 1 } }, newText: formatted }];
}
