/**
 * Folding ranges, from the AST and its comments: layer, network and train blocks; statements and
 * calls that span lines (a multi-line pipeline, `optics.mzi_mesh(` … `)`); block comments and runs
 * of line comments; a run of imports. A fold ends on the line before a closing bracket that
 * starts its own line, so the bracket stays visible.
 */
import { FoldingRangeKind, type FoldingRange } from "vscode-languageserver/node";
import type { Span } from "../diagnostics/span.js";
import type { Analysis } from "./analysis.js";
import { walk } from "./ast-walk.js";

export function foldingRanges(a: Analysis): FoldingRange[] {
  const out = new Map<string, FoldingRange>();
  const add = (startLine: number, endLine: number, kind?: FoldingRangeKind) => {
    if (endLine > startLine && !out.has(`${startLine}:${endLine}`)) out.set(`${startLine}:${endLine}`, { startLine, endLine, ...(kind ? { kind } : {}) });
  };
  /** 0-based lines of a span; the last line is dropped when it holds only the closing bracket. */
  const fold = (s: Span, kind?: FoldingRangeKind) => {
    const closingAlone = /^\s*[)\]}]/.test(a.lines.lineText(s.endLine)) && s.endCol <= a.lines.lineText(s.endLine).search(/\S/) + 2;
    add(s.line - 1, s.endLine - 1 - (closingAlone ? 1 : 0), kind);
  };
  walk(a.program, (n) => {
    if (n.kind === "Program" || n.kind === "Comment") return;
    if (["Layer", "Network", "Train", "Call", "Binding", "Let", "Forward", "Device", "Trainable", "Const", "Setting"].includes(n.kind)) fold(n.span);
  });
  let run: Span | undefined;
  let runEnd = -1;
  for (const c of a.program.comments) {
    if (c.block) {
      fold(c.span, FoldingRangeKind.Comment);
      continue;
    }
    const alone = a.lines.lineText(c.span.line).trimStart().startsWith("//");
    if (alone && run && c.span.line === runEnd + 1) runEnd = c.span.line;
    else {
      if (run) add(run.line - 1, runEnd - 1, FoldingRangeKind.Comment);
      run = alone ? c.span : undefined;
      runEnd = alone ? c.span.line : -1;
    }
  }
  if (run) add(run.line - 1, runEnd - 1, FoldingRangeKind.Comment);
  const imports = a.program.items.filter((i) => i.kind === "Import");
  if (imports.length > 1) add(imports[0].span.line - 1, imports[imports.length - 1].span.endLine - 1, FoldingRangeKind.Imports);
  return [...out.values()].sort((p, q) => p.startLine - q.startLine || q.endLine - p.endLine);
}
