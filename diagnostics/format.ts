/**
 * Renders diagnostics for people (`path:line:col: error PNN2003: message`, the source line and
 * a caret under the span) and for tools (JSON). Sources are looked up by file name.
 */
import type { Diagnostic } from "./catalog.js";
import { LineMap } from "./span.js";

export function formatDiagnostic(d: Diagnostic, sources: ReadonlyMap<string, string>): string {
  const s = d.span;
  const head = `${s.file}:${s.line}:${s.col}: ${d.severity} ${d.code}: ${d.message}`;
  const text = sources.get(s.file);
  if (text === undefined || s.end <= 0 && s.start === 0 && text.length === 0) return head;
  const map = new LineMap(s.file, text);
  const line = map.lineText(s.line);
  if (line === "" && s.start >= text.length) return head;
  const width = s.endLine === s.line ? Math.max(1, s.endCol - s.col) : Math.max(1, line.length - s.col + 1);
  const gutter = String(s.line).padStart(4) + " | ";
  const caret = " ".repeat(gutter.length + s.col - 1) + "^" + "~".repeat(Math.max(0, Math.min(width, 200) - 1));
  const related = d.related.map((r) => `\n  ${r.span.file}:${r.span.line}:${r.span.col}: note: ${r.message}`).join("");
  return `${head}\n${gutter}${line}\n${caret}${related}`;
}

export function diagnosticToJson(d: Diagnostic): object {
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    file: d.span.file,
    line: d.span.line,
    col: d.span.col,
    endLine: d.span.endLine,
    endCol: d.span.endCol,
    related: d.related.map((r) => ({ message: r.message, file: r.span.file, line: r.span.line, col: r.span.col })),
    ...(d.fix ? { fix: { replacement: d.fix.replacement, line: d.fix.span.line, col: d.fix.span.col } } : {}),
  };
}
