/**
 * Go to definition, find references and document highlights, all from the occurrence index of
 * each analysis (analysis.ts). References look through every open document's analysis, so uses
 * in files that import this one are found too (`lib.Mesh`). A standard-library layer's definition
 * is its declaration in a generated read-only view (stdlib-view.ts). Rename is in rename.ts.
 */
import { DocumentHighlightKind, type DocumentHighlight, type Location } from "vscode-languageserver/node";
import { occurrenceAt, type Analysis, type Occurrence } from "./analysis.js";
import type { SourceHost as CheckHost } from "../compiler/driver/session.js";
import { STD_MODULES } from "../stdlib/index.js";
import { nodesAt } from "./ast-walk.js";
import { toRange } from "./positions.js";
import { resolveCallee } from "./resolve.js";
import { stdlibLocation } from "./stdlib-view.js";
import { pathToUri, spanFileToPath } from "./workspace.js";

export function definition(a: Analysis, offset: number, host: CheckHost): Location | null {
  const occ = occurrenceAt(a, offset);
  if (!occ) return importedFile(a, offset) ?? stdDefinition(a, offset, host);
  const def = occ.symbol.def;
  return { uri: pathToUri(spanFileToPath(def.file)), range: toRange(def) };
}

const at = (file: string, line = 0, character = 0): Location => ({ uri: pathToUri(file), range: { start: { line, character }, end: { line, character } } });

/** On an import's path string (`"./lib.pnn"`): the start of that file (`"std/optics"`: its generated view). */
function importedFile(a: Analysis, offset: number): Location | null {
  const imp = a.program.items.find((i) => i.kind === "Import" && i.from.span.start <= offset && offset <= i.from.span.end);
  if (imp?.kind !== "Import") return null;
  const target = a.imports.get(imp.name.name)?.target;
  if (target) return at(target);
  const view = STD_MODULES.has(imp.from.value) ? stdlibLocation(imp.from.value) : undefined;
  return view ? at(view.file) : null;
}

/** On a standard-library layer (`optics.mzi_mesh`, `dense`): its declaration in the generated view (stdlib-view.ts). */
function stdDefinition(a: Analysis, offset: number, host: CheckHost): Location | null {
  const chain = nodesAt(a.program, offset);
  const inner = chain[chain.length - 1];
  const parent = chain[chain.length - 2];
  const expr = inner?.kind === "Ident" && parent?.kind === "Member" ? parent : inner?.kind === "Name" ? inner : undefined;
  if (!expr) return null;
  const c = resolveCallee(a, expr, host);
  if (c?.kind !== "std") return null;
  const alias = expr.kind === "Member" && expr.object.kind === "Name" ? expr.object.name : undefined;
  const module = c.sig.module === "core" ? "core" : alias ? a.imports.get(alias)?.spec : `std/${c.sig.module}`;
  const view = module ? stdlibLocation(module, c.sig.name) : undefined;
  return view ? at(view.file, view.line, view.character) : null;
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
