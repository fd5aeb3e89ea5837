/**
 * Go to definition, find references, document highlights and rename, all from the occurrence
 * index of each analysis (analysis.ts). References and rename look through every open
 * document's analysis, so uses in files that import this one are found too (`lib.Mesh`).
 */
import { DocumentHighlightKind, LSPErrorCodes, ResponseError, type DocumentHighlight, type Location, type Range, type WorkspaceEdit } from "vscode-languageserver/node";
import { KEYWORDS } from "../grammar/lexer.js";
import { occurrenceAt, type Analysis, type Occurrence } from "./analysis.js";
import { toRange } from "./positions.js";
import { pathToUri, spanFileToPath } from "./workspace.js";

export function definition(a: Analysis, offset: number): Location | null {
  const occ = occurrenceAt(a, offset);
  if (!occ) return importedFile(a, offset);
  const def = occ.symbol.def;
  return { uri: pathToUri(spanFileToPath(def.file)), range: toRange(def) };
}

/** On an import's path string (`"./lib.pnn"`): the start of that file. */
function importedFile(a: Analysis, offset: number): Location | null {
  const imp = a.program.items.find((i) => i.kind === "Import" && i.from.span.start <= offset && offset <= i.from.span.end);
  if (imp?.kind !== "Import") return null;
  const target = a.imports.get(imp.name.name)?.target;
  if (!target) return null;
  return { uri: pathToUri(target), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } };
}

/** Every occurrence of the symbol under the cursor, across the given analyses, without duplicates. */
function allOccurrences(a: Analysis, offset: number, all: readonly Analysis[]): Occurrence[] | undefined {
  const occ = occurrenceAt(a, offset);
  if (!occ) return undefined;
  const seen = new Set<string>();
  const out: Occurrence[] = [];
  for (const x of [a, ...all.filter((b) => b !== a)])
    for (const o of x.occurrences)
      if (o.key === occ.key && !seen.has(`${o.file}#${o.start}`)) {
        seen.add(`${o.file}#${o.start}`);
        out.push(o);
      }
  return out.sort((p, q) => (p.file === q.file ? p.start - q.start : p.file < q.file ? -1 : 1));
}

export function references(a: Analysis, offset: number, all: readonly Analysis[], includeDeclaration: boolean): Location[] {
  return (allOccurrences(a, offset, all) ?? []).filter((o) => includeDeclaration || !o.isDef).map((o) => ({ uri: pathToUri(o.file), range: toRange(o.span) }));
}

export function highlights(a: Analysis, offset: number): DocumentHighlight[] {
  return (allOccurrences(a, offset, [a]) ?? []).filter((o) => o.file === a.path).map((o) => ({ range: toRange(o.span), kind: o.isDef ? DocumentHighlightKind.Write : DocumentHighlightKind.Read }));
}

export function prepareRename(a: Analysis, offset: number, inWorkspace: (uri: string) => boolean): Range | null {
  const occ = occurrenceAt(a, offset);
  if (!occ || !inWorkspace(pathToUri(spanFileToPath(occ.symbol.def.file)))) return null;
  return toRange(occ.span);
}

export function rename(a: Analysis, offset: number, newName: string, all: readonly Analysis[], inWorkspace: (uri: string) => boolean): WorkspaceEdit | null {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(newName) || KEYWORDS.includes(newName))
    throw new ResponseError(LSPErrorCodes.RequestFailed, `'${newName}' is not a valid name`);
  const occs = allOccurrences(a, offset, all);
  if (!occs) return null;
  const changes: Record<string, { range: Range; newText: string }[]> = {};
  for (const o of occs) {
    const uri = pathToUri(o.file);
    if (!inWorkspace(uri)) throw new ResponseError(LSPErrorCodes.RequestFailed, `'${o.symbol.name}' is used outside the workspace`);
    (changes[uri] ??= []).push({ range: toRange(o.span), newText: newName });
  }
  return { changes };
}
