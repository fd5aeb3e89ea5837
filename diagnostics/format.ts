/**
 * Renders diagnostics for people (`path:line:col: error PNN2003: message`, the source line and
 * a caret under the span) and for tools (JSON). Sources are looked up by file name.
 *
 * Bounded and safe whatever the input: the context line is found from the span's offset and
 * column (no index of the whole file), cut to MAX_CONTEXT_CHARS around the column, and control
 * characters (ESC, NUL, C1, bidirectional overrides …) in source lines, messages and file names
 * are escaped, so a file cannot drive the terminal; messages are cut to MAX_MESSAGE_CHARS. capPerFile keeps the first
 * MAX_PRINTED_DIAGNOSTICS_PER_FILE of each file and counts the rest. JSON is left to
 * JSON.stringify, which escapes control characters itself.
 */
import type { Diagnostic } from "./catalog.js";
import { MAX_CONTEXT_CHARS, MAX_MESSAGE_CHARS, MAX_PRINTED_DIAGNOSTICS_PER_FILE } from "./limits.js";
import type { Span } from "./span.js";

/** C0 (but tab), DEL, C1, bidi embeddings/overrides/isolates, LRM/RLM, line/paragraph separators. */
const UNSAFE = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(c: string): string {
  const n = c.charCodeAt(0);
  if (n === 10) return "\\n";
  if (n === 13) return "\\r";
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u{${n.toString(16)}}`;
}

/** Text safe to print on a terminal: control characters become visible escapes (`\x1b`). */
export function escapeControls(s: string): string {
  return s.replace(UNSAFE, escapeChar).replace(/\t/g, "\\t");
}

/** A message cut to MAX_MESSAGE_CHARS. */
function clip(s: string): string {
  return s.length > MAX_MESSAGE_CHARS ? `${s.slice(0, MAX_MESSAGE_CHARS)}… (${(s.length - MAX_MESSAGE_CHARS).toLocaleString("en-US")} more characters)` : s;
}

/** Multi-line text (help, usage messages) safe to print: as escapeControls, but newlines and tabs stay. */
export function escapeTerminal(s: string): string {
  return s.replace(UNSAFE, (c) => (c === "\n" ? c : escapeChar(c)));
}

/** A source fragment as shown in context: a tab is one space (keeps the caret aligned), controls escaped. */
function showSource(s: string): string {
  return s.replace(UNSAFE, escapeChar).replace(/\t/g, " ");
}

interface Context {
  readonly shown: string;
  /** Display columns before the caret, and the caret's width. */
  readonly caretAt: number;
  readonly width: number;
}

/** The part of the span's line to print, cut around the column; undefined when there is nothing to show. */
function contextOf(text: string, s: Span): Context | undefined {
  const at = Math.min(Math.max(0, s.start), text.length);
  let lineStart = at - (s.col - 1);
  if (lineStart < 0 || lineStart > at || (lineStart > 0 && text.charCodeAt(lineStart - 1) !== 10)) lineStart = text.lastIndexOf("\n", at - 1) + 1;
  const lead = Math.floor(MAX_CONTEXT_CHARS / 3);
  let from = Math.max(lineStart, at - lead);
  let to = from;
  const limit = from + MAX_CONTEXT_CHARS;
  while (to < text.length && to < limit && text.charCodeAt(to) !== 10) to++;
  const lineGoesOn = to < text.length && text.charCodeAt(to) !== 10;
  if (!lineGoesOn && from > lineStart) from = Math.max(lineStart, to - MAX_CONTEXT_CHARS);
  let end = to;
  if (!lineGoesOn && end > from && text.charCodeAt(end - 1) === 13) end--;
  if (from === end && at >= text.length) return undefined; // an empty last line: nothing to point at
  const cutLeft = from > lineStart;
  const before = showSource(text.slice(from, Math.min(at, end)));
  const spanEnd = s.endLine === s.line ? Math.max(at, Math.min(s.end, end)) : end;
  const under = showSource(text.slice(Math.min(at, end), spanEnd));
  return {
    shown: (cutLeft ? "…" : "") + showSource(text.slice(from, end)) + (lineGoesOn ? "…" : ""),
    caretAt: (cutLeft ? 1 : 0) + before.length,
    width: Math.max(1, Math.min(under.length, MAX_CONTEXT_CHARS)),
  };
}

export function formatDiagnostic(d: Diagnostic, sources: ReadonlyMap<string, string>): string {
  const s = d.span;
  const head = `${escapeControls(s.file)}:${s.line}:${s.col}: ${d.severity} ${d.code}: ${escapeControls(clip(d.message))}`;
  const related = d.related.map((r) => `\n  ${escapeControls(r.span.file)}:${r.span.line}:${r.span.col}: note: ${escapeControls(clip(r.message))}`).join("");
  const text = sources.get(s.file);
  const ctx = text === undefined || (s.end <= 0 && s.start === 0 && text.length === 0) ? undefined : contextOf(text, s);
  if (!ctx) return head + related;
  const gutter = String(s.line).padStart(4) + " | ";
  const caret = " ".repeat(gutter.length + ctx.caretAt) + "^" + "~".repeat(ctx.width - 1);
  return `${head}\n${gutter}${ctx.shown}\n${caret}${related}`;
}

/**
 * The first `max` diagnostics of each file (in their order) and, per file, how many were left
 * out. Diagnostics of one file need not be contiguous. A PNN1007 ("N more syntax errors not
 * reported") is a summary itself and is always kept.
 */
export function capPerFile(ds: readonly Diagnostic[], max = MAX_PRINTED_DIAGNOSTICS_PER_FILE): { shown: Diagnostic[]; omitted: Map<string, number> } {
  const seen = new Map<string, number>();
  const omitted = new Map<string, number>();
  const shown: Diagnostic[] = [];
  for (const d of ds) {
    const n = (seen.get(d.span.file) ?? 0) + (d.code === "PNN1007" ? 0 : 1);
    seen.set(d.span.file, n);
    if (n <= max || d.code === "PNN1007") shown.push(d);
    else omitted.set(d.span.file, (omitted.get(d.span.file) ?? 0) + 1);
  }
  return { shown, omitted };
}

/** The line that stands for the diagnostics capPerFile left out of one file. */
export function omittedLine(file: string, count: number, max = MAX_PRINTED_DIAGNOSTICS_PER_FILE): string {
  return `${escapeControls(file)}: ${count} more diagnostic${count === 1 ? "" : "s"} not shown (pnn prints the first ${max} of each file)`;
}

export function diagnosticToJson(d: Diagnostic): object {
  return {
    code: d.code,
    severity: d.severity,
    message: clip(d.message),
    file: d.span.file,
    line: d.span.line,
    col: d.span.col,
    endLine: d.span.endLine,
    endCol: d.span.endCol,
    related: d.related.map((r) => ({ message: clip(r.message), file: r.span.file, line: r.span.line, col: r.span.col })),
    ...(d.fix ? { fix: { replacement: d.fix.replacement, line: d.fix.span.line, col: d.fix.span.col } } : {}),
  };
}
