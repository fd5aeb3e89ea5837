/**
 * Rename: every occurrence of the symbol (definition, uses, named arguments `Scale(n: 4)`, and
 * uses in open documents that import this one, `lib.Mesh`), from the occurrence index
 * (analysis.ts). Refused, as a failed request with the reason, when the new name is not an
 * identifier, is a keyword or a built-in (`gain`, `normal`, `pi`: it would hide it), or clashes
 * with a name in the symbol's scope: another top-level name of its file, another name of the
 * same layer or network, or — for a top-level name — a local of a layer or network that uses it.
 * Also refused while a document to edit has syntax errors (uses in a broken statement are not
 * indexed, so the edit would miss them).
 */
import { LSPErrorCodes, ResponseError, type Range, type WorkspaceEdit } from "vscode-languageserver/node";
import type { SymbolInfo } from "../compiler/sema/model.js";
import { KEYWORDS } from "../grammar/lexer.js";
import { BUILTIN_CONSTANTS, CORE_LAYERS, DISTRIBUTIONS } from "../stdlib/index.js";
import { occurrenceAt, type Analysis, type Occurrence } from "./analysis.js";
import { allOccurrences } from "./navigation.js";
import { toRange } from "./positions.js";
import { pathToUri, spanFileToPath } from "./workspace.js";

const fail = (message: string) => new ResponseError(LSPErrorCodes.RequestFailed, message);
const TOP_LEVEL = new Set<SymbolInfo["kind"]>(["import", "const", "layer", "network"]);

export function prepareRename(a: Analysis, offset: number, inWorkspace: (uri: string) => boolean): Range | null {
  const occ = occurrenceAt(a, offset);
  if (!occ || !inWorkspace(pathToUri(spanFileToPath(occ.symbol.def.file)))) return null;
  return toRange(occ.span);
}

export function rename(a: Analysis, offset: number, newName: string, all: readonly Analysis[], inWorkspace: (uri: string) => boolean): WorkspaceEdit | null {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(newName) || KEYWORDS.includes(newName)) throw fail(`'${newName}' is not a valid name`);
  const occs = allOccurrences(a, offset, all);
  if (!occs) return null;
  const sym = occs[0].symbol;
  if (newName === sym.name) return { changes: {} };
  const builtin = CORE_LAYERS.has(newName) ? "layer" : newName in DISTRIBUTIONS ? "distribution" : newName in BUILTIN_CONSTANTS ? "constant" : undefined;
  if (builtin) throw fail(`'${newName}' is a built-in ${builtin}; renaming '${sym.name}' to it would hide it`);
  const analyses = [a, ...all.filter((b) => b !== a)];
  for (const f of new Set(occs.map((o) => o.file))) {
    const broken = analyses.find((b) => b.path === f && b.syntaxErrors > 0);
    if (broken) throw fail(`${f.split(/[\\/]/).pop()} has syntax errors; fix them before renaming`);
  }
  const clash = clashOf(sym, occs, newName, analyses);
  if (clash) throw fail(clash);
  const changes: Record<string, { range: Range; newText: string }[]> = {};
  for (const o of occs) {
    const uri = pathToUri(o.file);
    if (!inWorkspace(uri)) throw fail(`'${o.symbol.name}' is used outside the workspace`);
    (changes[uri] ??= []).push({ range: toRange(o.span), newText: newName });
  }
  return { changes };
}

/** Why `newName` would collide in `sym`'s scope, or undefined. */
function clashOf(sym: SymbolInfo, occs: readonly Occurrence[], newName: string, analyses: readonly Analysis[]): string | undefined {
  const defFile = spanFileToPath(sym.def.file);
  const symbols = new Map<string, SymbolInfo>();
  for (const b of analyses) for (const s of b.model.symbols) symbols.set(`${spanFileToPath(s.def.file)}#${s.def.start}`, s);
  const named = [...symbols.values()].filter((s) => s.name === newName && spanFileToPath(s.def.file) === defFile);
  const topClash = named.find((s) => TOP_LEVEL.has(s.kind));
  if (topClash) return `'${newName}' is already defined in this file (a ${topClash.kind})`;
  // Locals: by the top-level item (layer, network) their definition lies in.
  const program = analyses.find((b) => b.path === defFile)?.program;
  if (!program) return undefined;
  const itemOf = (start: number) => program.items.find((i) => i.span.start <= start && start < i.span.end);
  const localsIn = (item: ReturnType<typeof itemOf>) => named.filter((s) => !TOP_LEVEL.has(s.kind) && item && itemOf(s.def.start) === item);
  if (!TOP_LEVEL.has(sym.kind)) {
    const other = localsIn(itemOf(sym.def.start))[0];
    return other ? `'${newName}' is already defined in this ${itemOf(sym.def.start)?.kind.toLowerCase() ?? "scope"} (a ${other.kind})` : undefined;
  }
  for (const o of occs) {
    if (o.file !== defFile) continue;
    const item = itemOf(o.start);
    const local = localsIn(item)[0];
    if (local) return `'${newName}' is already used in ${item!.kind.toLowerCase()} ${"name" in item! ? item.name.name : ""} (a ${local.kind}), which uses '${sym.name}'`;
  }
  return undefined;
}
