/**
 * One checked document: its text, AST, semantic model and diagnostics (from
 * compiler/sema/check.ts, the same call `pnn check` makes), and an index of name occurrences —
 * every definition and use of a symbol, keyed by its definition — that definition, references,
 * rename, highlighting and semantic tokens read. Uses of an imported file's layer or constant
 * (`lib.Mesh`) are resolved here to that file's symbol, since the checker records only the use
 * of the import name itself.
 */
import * as path from "node:path";
import type { Diagnostic } from "../diagnostics/catalog.js";
import { LineMap, type Span } from "../diagnostics/span.js";
import type * as A from "../grammar/ast.js";
import { parse } from "../grammar/parse.js";
import { check, type CheckHost } from "../compiler/sema/check.js";
import type { SemanticModel, SymbolInfo } from "../compiler/sema/model.js";
import { walk } from "./ast-walk.js";
import { spanFileToPath } from "./workspace.js";

export interface Occurrence {
  /** Absolute path of the file the occurrence is in. */
  readonly file: string;
  readonly start: number;
  readonly end: number;
  /** The checker's span (1-based line/col of both ends) for building LSP ranges. */
  readonly span: Span;
  readonly isDef: boolean;
  /** `<absolute def file>#<def offset>`: equal keys name the same symbol. */
  readonly key: string;
  readonly symbol: SymbolInfo;
}

export interface ImportInfo {
  readonly alias: string;
  readonly spec: string;
  /** Absolute path of an imported .pnn file; absent for `std/…`. */
  readonly target?: string;
}

export interface Analysis {
  readonly path: string;
  readonly text: string;
  readonly lines: LineMap;
  readonly program: A.Program;
  readonly syntaxErrors: number;
  readonly model: SemanticModel;
  readonly diagnostics: readonly Diagnostic[];
  readonly occurrences: readonly Occurrence[];
  readonly imports: ReadonlyMap<string, ImportInfo>;
}

export const symbolKey = (s: SymbolInfo) => `${spanFileToPath(s.def.file)}#${s.def.start}`;

export function analyze(text: string, file: string, host: CheckHost): Analysis {
  const parsed = parse(text, file);
  const checked = check(parsed.program, file, host);
  const imports = new Map<string, ImportInfo>();
  for (const item of parsed.program.items) {
    if (item.kind !== "Import" || !item.name.name) continue;
    const spec = item.from.value;
    const target = spec.startsWith("std/") ? undefined : path.resolve(path.dirname(file), spec);
    imports.set(item.name.name, { alias: item.name.name, spec, ...(target ? { target } : {}) });
  }
  const occurrences: Occurrence[] = [];
  const seen = new Set<string>();
  const add = (sym: SymbolInfo, span: Span, isDef: boolean) => {
    const f = spanFileToPath(span.file);
    const id = `${f}#${span.start}#${span.end}`;
    if (seen.has(id) || span.end <= span.start) return;
    seen.add(id);
    occurrences.push({ file: f, start: span.start, end: span.end, span, isDef, key: symbolKey(sym), symbol: sym });
  };
  for (const sym of checked.model.symbols) {
    add(sym, sym.def, true);
    for (const r of sym.refs) add(sym, r, false);
  }
  // `lib.Mesh` where lib imports a .pnn file: a use of that file's top-level Mesh.
  walk(parsed.program, (n) => {
    if (n.kind !== "Member" || n.object.kind !== "Name") return;
    const target = imports.get(n.object.name)?.target;
    if (!target) return;
    const sym = checked.model.symbols.find((s) => (s.kind === "layer" || s.kind === "const") && s.name === n.member.name && spanFileToPath(s.def.file) === target);
    if (sym) add(sym, n.member.span, false);
  });
  return {
    path: file,
    text,
    lines: parsed.lines,
    program: parsed.program,
    syntaxErrors: parsed.diagnostics.length,
    model: checked.model,
    diagnostics: [...parsed.diagnostics, ...checked.diagnostics],
    occurrences,
    imports,
  };
}

/** The occurrence under the cursor in this document, if any. */
export function occurrenceAt(a: Analysis, offset: number): Occurrence | undefined {
  return a.occurrences.find((o) => o.file === a.path && o.start <= offset && offset <= o.end);
}

export { LineMap };
