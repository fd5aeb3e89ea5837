/**
 * Source positions shared by every stage (grammar, compiler, runtime, lsp).
 * A Span is a half-open character range [start, end) in one file, with the 1-based
 * line/column of its start (what users read) and of its end (what editors need).
 */
export interface Span {
  readonly file: string;
  readonly start: number;
  readonly end: number;
  readonly line: number;
  readonly col: number;
  readonly endLine: number;
  readonly endCol: number;
}

/** A span that covers nothing in particular: for a file as a whole or a command-line origin. */
export function fileSpan(file: string): Span {
  return { file, start: 0, end: 0, line: 1, col: 1, endLine: 1, endCol: 1 };
}

/** Computes line/col for offsets in one text, with a line-start table built once. */
export class LineMap {
  private readonly starts: number[] = [0];
  constructor(readonly file: string, readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  /** 1-based line and column of an offset. */
  position(offset: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - this.starts[lo] + 1 };
  }
  span(start: number, end: number): Span {
    const a = this.position(start);
    const b = this.position(Math.max(start, end));
    return { file: this.file, start, end: Math.max(start, end), line: a.line, col: a.col, endLine: b.line, endCol: b.col };
  }
  /** The text of a 1-based line, without its newline. */
  lineText(line: number): string {
    const s = this.starts[line - 1] ?? this.text.length;
    const e = line < this.starts.length ? this.starts[line] - 1 : this.text.length;
    return this.text.slice(s, e).replace(/\r$/, "");
  }
}

/** The smallest span covering both. Both must be in the same file. */
export function joinSpans(a: Span, b: Span): Span {
  const first = a.start <= b.start ? a : b;
  const last = a.end >= b.end ? a : b;
  return { file: a.file, start: first.start, end: last.end, line: first.line, col: first.col, endLine: last.endLine, endCol: last.endCol };
}
