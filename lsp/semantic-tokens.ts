/**
 * Semantic tokens, so that what matters in a physical network stands out: device variables
 * (`device`), units (`unit`), learning rules (`rule`) get their own token types (the VS Code
 * package maps them onto standard scopes), and every other name is classified by what the
 * checker resolved it to. Lexing is the real lexer (grammar/lexer.ts); classification reads
 * the occurrence index and the AST.
 */
import { SemanticTokensBuilder, type SemanticTokens, type SemanticTokensLegend } from "vscode-languageserver/node";
import type { SymbolInfo } from "../compiler/sema/model.js";
import { PnnLexer } from "../grammar/lexer.js";
import { CORE_LAYERS, DISTRIBUTIONS } from "../stdlib/index.js";
import type { Analysis } from "./analysis.js";
import { walk } from "./ast-walk.js";

export const TOKEN_TYPES = ["namespace", "class", "function", "parameter", "variable", "property", "enumMember", "keyword", "number", "string", "comment", "type", "device", "unit", "rule"] as const;
export const TOKEN_MODIFIERS = ["declaration", "readonly", "defaultLibrary"] as const;
export const LEGEND: SemanticTokensLegend = { tokenTypes: [...TOKEN_TYPES], tokenModifiers: [...TOKEN_MODIFIERS] };

type TokenType = (typeof TOKEN_TYPES)[number];
const T = (t: TokenType) => TOKEN_TYPES.indexOf(t);
const M = { declaration: 1, readonly: 2, defaultLibrary: 4 };

const BY_KIND: Record<SymbolInfo["kind"], TokenType> = {
  import: "namespace", const: "variable", layer: "function", network: "class", param: "variable", device: "device",
  let: "variable", binding: "variable", input: "variable", nodes: "variable", "layer-param": "parameter", "forward-input": "parameter",
};

export interface ClassifiedToken { readonly start: number; readonly length: number; readonly type: TokenType; readonly modifiers: number }

/** Every token of the document with its semantic type, in source order. */
export function classify(a: Analysis): ClassifiedToken[] {
  const byOffset = new Map<number, ClassifiedToken>();
  const mark = (start: number, end: number, type: TokenType, modifiers = 0) => {
    if (end > start) byOffset.set(start, { start, length: end - start, type, modifiers });
  };
  const unitChars = new Uint8Array(a.text.length + 1);
  const symbolStarts = new Set(a.occurrences.filter((o) => o.file === a.path).map((o) => o.start));
  const inUnit = (off: number) => unitChars[off] === 1;
  // AST-level roles first (names the checker does not record as symbols).
  walk(a.program, (n, parents) => {
    const parent = parents[parents.length - 1];
    if (n.kind === "Unit") unitChars.fill(1, n.span.start, n.span.end);
    else if (n.kind === "Arg" && n.name) mark(n.name.span.start, n.name.span.end, "property");
    else if (n.kind === "Member" && n.object.kind === "Name" && a.imports.has(n.object.name)) mark(n.member.span.start, n.member.span.end, "function", a.imports.get(n.object.name)!.target ? 0 : M.defaultLibrary);
    else if (n.kind === "Name" && (CORE_LAYERS.has(n.name) || n.name in DISTRIBUTIONS)) mark(n.span.start, n.span.end, "function", M.defaultLibrary);
    else if (n.kind === "Setting") {
      mark(n.key.span.start, n.key.span.end, "property");
      const v = n.value.kind === "Call" ? n.value.callee : n.value;
      if (v.kind === "Name") {
        if (n.key.name === "rule") mark(v.span.start, v.span.end, "rule");
        else if (n.key.name === "loss") mark(v.span.start, v.span.end, "enumMember");
        else if (n.key.name === "optimizer") mark(v.span.start, v.span.end, "function", M.defaultLibrary);
      }
    } else if (n.kind === "Name" && parent?.kind === "Arg" && /^[a-z_]+$/.test(n.name) && !symbolStarts.has(n.span.start))
      mark(n.span.start, n.span.end, "enumMember"); // `topology: clements`
  });
  for (const o of a.occurrences) if (o.file === a.path) mark(o.start, o.end, BY_KIND[o.symbol.kind], (o.isDef ? M.declaration : 0) | (o.symbol.kind === "const" ? M.readonly : 0));

  const out: ClassifiedToken[] = [];
  const lexed = PnnLexer.tokenize(a.text);
  const tokens = [...lexed.tokens, ...(lexed.groups.comments ?? [])].sort((p, q) => p.startOffset - q.startOffset);
  for (const t of tokens) {
    const name = t.tokenType.name;
    const start = t.startOffset;
    const length = t.image.length;
    const known = byOffset.get(start);
    if ((name === "Identifier" || name === "Kw_per") && inUnit(start)) out.push({ start, length, type: "unit", modifiers: 0 });
    else if (name === "Identifier") {
      if (known) out.push({ ...known, length });
    } else if (name.startsWith("Kw_")) {
      const kw = name.slice(3);
      out.push({ start, length, type: kw === "real" || kw === "complex" || kw === "int" ? "type" : "keyword", modifiers: 0 });
    } else if (name === "NumberLit") out.push({ start, length, type: "number", modifiers: 0 });
    else if (name === "StringLit") out.push({ start, length, type: "string", modifiers: 0 });
    else if (name === "LineComment" || name === "BlockComment") out.push({ start, length, type: "comment", modifiers: 0 });
  }
  return out;
}

export function semanticTokens(a: Analysis): SemanticTokens {
  const b = new SemanticTokensBuilder();
  for (const t of classify(a)) {
    // Tokens may not span lines: split multi-line comments.
    let off = t.start;
    const end = t.start + t.length;
    while (off < end) {
      const nl = a.text.indexOf("\n", off);
      const stop = nl < 0 || nl >= end ? end : nl;
      const pos = a.lines.position(off);
      if (stop > off) b.push(pos.line - 1, pos.col - 1, stop - off, T(t.type), t.modifiers);
      off = stop + 1;
    }
  }
  return b.build();
}
