/**
 * Open documents, kept in sync by the client's didChange edits — checked before they are applied.
 * The LSP spec defines one out-of-range case: a character past the end of its line means the end
 * of the line; such positions are clamped to it (vscode-languageserver-textdocument would instead
 * move them past the line break) and logged as a warning. Anything else that does not name a place
 * in the document — a line past the last, a negative or fractional number, a missing field, a start
 * after the end, text that is not a string — is refused: the whole notification is ignored (the
 * document keeps its text and version; edits are never applied in part) and an error is logged,
 * since the client's copy and ours no longer agree.
 */
import { TextDocument, type TextDocumentContentChangeEvent } from "vscode-languageserver-textdocument";
import type { TextDocumentsConfiguration } from "vscode-languageserver/node";

type Pos = { line: number; character: number };

export function checkedDocuments(log: { error(m: string): void; warn(m: string): void }): TextDocumentsConfiguration<TextDocument> {
  return {
    create: TextDocument.create,
    update(doc, changes, version) {
      let cur = doc;
      const clamped: string[] = [];
      for (const [i, change] of changes.entries()) {
        const checked = checkChange(cur, change as unknown);
        if (typeof checked === "string") {
          log.error(`refused didChange of ${doc.uri} (version ${version}), change ${i + 1} of ${changes.length}: ${checked}; the document stays at version ${doc.version}`);
          return doc;
        }
        if (checked.clamped) clamped.push(checked.clamped);
        cur = TextDocument.update(cur, [checked.change], version);
      }
      if (clamped.length) log.warn(`didChange of ${doc.uri} (version ${version}): ${clamped.join("; ")} (clamped to the end of the line, as the LSP spec says)`);
      return cur;
    },
  };
}

/** The change, with characters past a line's end clamped, or why it is refused. */
function checkChange(doc: TextDocument, raw: unknown): { change: TextDocumentContentChangeEvent; clamped?: string } | string {
  const c = raw as { text?: unknown; range?: { start?: unknown; end?: unknown } };
  if (typeof c !== "object" || c === null || typeof c.text !== "string") return "the change has no text";
  if (c.range === undefined) return { change: { text: c.text } };
  const start = position(doc, c.range?.start, "start");
  const end = position(doc, c.range?.end, "end");
  if (typeof start === "string") return start;
  if (typeof end === "string") return end;
  if (start.at.line > end.at.line || (start.at.line === end.at.line && start.at.character > end.at.character))
    return `range start ${show(start.at)} is after its end ${show(end.at)}`;
  const clamped = [start.clamped, end.clamped].filter(Boolean).join(", ");
  return { change: { range: { start: start.at, end: end.at }, text: c.text }, ...(clamped ? { clamped } : {}) };
}

function position(doc: TextDocument, raw: unknown, which: string): { at: Pos; clamped?: string } | string {
  const p = raw as Partial<Pos> | undefined;
  const ok = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n) && n >= 0;
  if (!p || !ok(p.line) || !ok(p.character)) return `range ${which} ${JSON.stringify(raw)} is not a position (non-negative integers line and character)`;
  if (p.line >= doc.lineCount) return `range ${which} ${show(p as Pos)} is past the last line (the document has ${doc.lineCount})`;
  const lineEnd = doc.positionAt(p.line + 1 < doc.lineCount ? doc.offsetAt({ line: p.line + 1, character: 0 }) : doc.getText().length);
  const text = doc.getText({ start: { line: p.line, character: 0 }, end: lineEnd }).replace(/\r?\n$|\r$/, "");
  if (p.character <= text.length) return { at: { line: p.line, character: p.character } };
  return { at: { line: p.line, character: text.length }, clamped: `${which} ${show(p as Pos)} is past the end of line ${p.line} (${text.length} characters)` };
}

const show = (p: Pos) => `${p.line}:${p.character}`;
