/**
 * One checked document: its text, AST, semantic model and diagnostics (from
 * the driver's Session, the same one `pnn check` runs), and an index of name occurrences —
 * every definition and use of a symbol, keyed by its definition — that definition, references,
 * rename, highlighting and semantic tokens read. Uses of an imported file's layer or constant
 * (`lib.Mesh`) are resolved here to that file's symbol, since the checker records only the use
 * of the import name itself.
 */
import * as path from "node:path";
import type { Diagnostic } from "../diagnostics/catalog.js";
import type { LineMap, Span } from "../diagnostics/span.js";
import type * as A from "../grammar/ast.js";
import { parse } from "../grammar/parse.js";
import { Session, type SourceHost as CheckHost } from "../compiler/driver/session.js";
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

/**
 * Parses now; checks on first use of `model`, `diagnostics` or `occurrences`, so requests that
 * need only the AST (outline, formatting) do not pay for the checker.
 */
export function analyze(text: string, file: string, host: CheckHost): Analysis {
  // the same session `pnn check` runs: parse now, check on first use
  const session = new Session(file, text, host);
  const parsed = session.parsed();
  const imports = new Map<string, ImportInfo>();
  for (const item of parsed.program.items) {
    if (item.kind !== "Import" || !item.name.name) continue;
    const spec = item.from.value;
    const target = spec.startsWith("std/") ? undefined : path.resolve(path.dirname(file), spec);
    imports.set(item.name.name, { alias: item.name.name, spec, ...(target ? { target } : {}) });
  }
  let checked: { model: SemanticModel; diagnostics: readonly Diagnostic[]; occurrences: readonly Occurrence[] } | undefined;
  const checkOnce = () => {
    if (!checked) {
      const r = session.check();
      checked = { model: r.model, diagnostics: r.diagnostics, occurrences: indexOccurrences(parsed.program, r.model, imports, file, text, host) };
    }
    return checked;
  };
  return {
    path: file,
    text,
    lines: parsed.lines,
    program: parsed.program,
    syntaxErrors: parsed.diagnostics.length,
    imports,
    get model() { return checkOnce().model; },
    get diagnostics() { return checkOnce().diagnostics; },
    get occurrences() { return checkOnce().occurrences; },
  };
}

function indexOccurrences(program: A.Program, model: SemanticModel, imports: ReadonlyMap<string, ImportInfo>, file: string, text: string, host: CheckHost): Occurrence[] {
  const parsedImports = new Map<string, readonly A.TopItem[]>();
  const importedItems = (target: string) => {
    if (!parsedImports.has(target)) {
      const t = host.readFile(target);
      parsedImports.set(target, t === undefined ? [] : parse(t, target).program.items);
    }
    return parsedImports.get(target)!;
  };
  const occurrences: Occurrence[] = [];
  const seen = new Set<string>();
  const add = (sym: SymbolInfo, span: Span, isDef: boolean) => {
    const f = spanFileToPath(span.file);
    const id = `${f}#${span.start}#${span.end}`;
    if (seen.has(id) || span.end <= span.start) return;
    seen.add(id);
    occurrences.push({ file: f, start: span.start, end: span.end, span, isDef, key: symbolKey(sym), symbol: sym });
  };
  for (const sym of model.symbols) {
    add(sym, sym.def, true);
    for (const r of sym.refs) add(sym, r, false);
  }
  // `lib.Mesh` where lib imports a .pnn file: a use of that file's top-level Mesh.
  walk(program, (n) => {
    if (n.kind !== "Member" || n.object.kind !== "Name") return;
    const target = imports.get(n.object.name)?.target;
    if (!target) return;
    const sym = model.symbols.find((s) => (s.kind === "layer" || s.kind === "const") && s.name === n.member.name && spanFileToPath(s.def.file) === target);
    if (sym) add(sym, n.member.span, false);
  });
  for (const sym of unexpandedLayerSymbols(program, model.symbols, file, text)) {
    add(sym, sym.def, true);
    for (const r of sym.refs) add(sym, r, false);
  }
  // `Scale(n: 4)`: a named argument of a user layer is a use of that layer's parameter.
  const defs = new Map(occurrences.filter((o) => o.isDef).map((o) => [`${o.file}#${o.start}`, o.symbol]));
  walk(program, (n) => {
    if (n.kind !== "Call" || !n.args.some((x) => x.name)) return;
    const decl = layerDecl(n.callee);
    if (!decl) return;
    for (const arg of n.args) {
      const p = arg.name && decl.layer.params.find((q) => q.name.name === arg.name!.name);
      const sym = p && defs.get(`${decl.file}#${p.name.span.start}`);
      if (sym) add(sym, arg.name!.span, false);
    }
  });
  return occurrences;

  /** The user layer a callee names: declared in this file, or in an imported .pnn file (`lib.Mesh`). */
  function layerDecl(callee: A.Expr): { layer: A.LayerDecl; file: string } | undefined {
    if (callee.kind === "Name") {
      const local = program.items.find((i): i is A.LayerDecl => i.kind === "Layer" && i.name.name === callee.name);
      return local && { layer: local, file: path.resolve(file) };
    }
    if (callee.kind !== "Member" || callee.object.kind !== "Name") return undefined;
    const target = imports.get(callee.object.name)?.target;
    const layer = target ? importedItems(target).find((i): i is A.LayerDecl => i.kind === "Layer" && i.name.name === callee.member.name) : undefined;
    return layer && target ? { layer, file: target } : undefined;
  }
}

/**
 * A layer whose every call failed (or that has parameters without defaults and is never called)
 * is never expanded by the checker, so its members have no symbols. While a network upstream is
 * half-typed that is common; rather than lose hover, navigation and highlighting inside the
 * layer, its names are resolved syntactically here: parameters, members and the forward input,
 * and every use of those names in the layer's body. Details show the declared types as written.
 */
function unexpandedLayerSymbols(program: A.Program, symbols: readonly SymbolInfo[], file: string, text: string): SymbolInfo[] {
  const out: SymbolInfo[] = [];
  const typeText = (t: A.TypeRef) => text.slice(t.span.start, t.span.end);
  for (const layer of program.items) {
    if (layer.kind !== "Layer") continue;
    const inside = (sp: Span) => sp.file === file && sp.start >= layer.span.start && sp.end <= layer.span.end;
    if (symbols.some((s) => s.kind !== "layer" && inside(s.def))) continue;
    const defs = new Map<string, SymbolInfo>();
    const define = (id: A.Ident, kind: SymbolInfo["kind"], detail: string) => {
      if (id.name && !defs.has(id.name)) defs.set(id.name, { name: id.name, kind, def: id.span, refs: [], detail });
    };
    for (const p of layer.params) define(p.name, "layer-param", `${p.name.name}: ${typeText(p.type)}`);
    for (const m of layer.members) {
      if (m.kind === "Trainable") define(m.name, "param", `param ${m.name.name}: ${typeText(m.type)}`);
      else if (m.kind === "Device") define(m.name, "device", `device ${m.name.name}: ${typeText(m.type)} ${m.perShot ? "(per shot)" : "(per chip)"}`);
      else if (m.kind === "Let") define(m.name, "let", `let ${m.name.name}`);
      else if (m.kind === "Forward") define(m.input, "forward-input", `${m.input.name}: ${typeText(m.inputType)}`);
    }
    walk(layer, (n) => {
      if (n.kind === "Name") defs.get(n.name)?.refs.push(n.span);
    });
    out.push(...defs.values());
  }
  return out;
}

/** The occurrence under the cursor in this document, if any. */
export function occurrenceAt(a: Analysis, offset: number): Occurrence | undefined {
  return a.occurrences.find((o) => o.file === a.path && o.start <= offset && offset <= o.end);
}

