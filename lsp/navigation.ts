/**
 * Go to definition, find references and document highlights, all from the occurrence index of
 * each analysis (analysis.ts). References look through every open document's analysis, so uses
 * in files that import this one are found too (`lib.Mesh`). Rename is in rename.ts.
 */
import { DocumentHighlightKind, type DocumentHighlight, type Location } from "vscode-languageserver/node";
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
export function allOccurrences(a: Analysis, offset: number, all: readonly Analysis[]): Occurrence[] | undefined {
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
