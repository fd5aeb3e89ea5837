/**
 * The program editor: a plain <textarea> over a <pre> that mirrors its text with the diagnostics'
 * ranges wrapped in <mark>s (wavy underlines), kept aligned by sharing font, padding and
 * scrolling. In: the textarea, the mirror and the diagnostics of the last check. Out: the marks;
 * `reveal` selects a diagnostic's range. It knows nothing about the compiler.
 */
import type { ShownDiagnostic } from "./protocol.js";

const escapeHtml = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export class Editor {
  constructor(
    readonly area: HTMLTextAreaElement,
    private readonly mirror: HTMLElement,
  ) {
    area.addEventListener("scroll", () => this.syncScroll());
  }

  get text(): string {
    return this.area.value;
  }

  set text(value: string) {
    this.area.value = value;
    this.mark([]);
    this.area.scrollTop = 0;
  }

  /** Underlines the ranges of `diagnostics` (those in this file); overlapping ranges keep the first. */
  mark(diagnostics: readonly ShownDiagnostic[]): void {
    const text = this.area.value;
    const ranges = diagnostics
      .map((d) => {
        const start = Math.min(Math.max(0, d.start), text.length);
        // an empty range (a missing token) marks the character after it, or a space at the end
        return { start, end: Math.max(start + 1, Math.min(d.end, text.length)), d };
      })
      .sort((a, b) => a.start - b.start);
    let html = "";
    let at = 0;
    for (const r of ranges) {
      if (r.start < at) continue;
      const piece = text.slice(r.start, r.end);
      html += escapeHtml(text.slice(at, r.start));
      html += `<mark class="${r.d.severity}" data-code="${r.d.code}">${escapeHtml(piece.length && piece !== "\n" ? piece : " ")}</mark>`;
      if (piece === "\n") html += "\n";
      at = Math.max(at, r.end);
    }
    // a trailing newline needs a character after it to be laid out like the textarea's
    this.mirror.innerHTML = html + escapeHtml(text.slice(at)) + "\n";
    this.syncScroll();
  }

  /** Selects a diagnostic's range in the text and scrolls it into view. */
  reveal(d: ShownDiagnostic): void {
    this.area.focus();
    this.area.setSelectionRange(d.start, Math.max(d.start, d.end));
    const lineHeight = parseFloat(getComputedStyle(this.area).lineHeight) || 18;
    this.area.scrollTop = Math.max(0, (d.line - 4) * lineHeight);
    this.syncScroll();
  }

  private syncScroll(): void {
    this.mirror.scrollTop = this.area.scrollTop;
    this.mirror.scrollLeft = this.area.scrollLeft;
  }
}
