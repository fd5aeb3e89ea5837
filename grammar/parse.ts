/**
 * Entry point of the front end: `.pnn` text in, a (possibly partial) AST and every syntax
 * diagnostic out. Never throws on user text: oversized files, unterminated strings, stray
 * characters, nesting too deep for the recursive-descent parser and parse errors all become
 * diagnostics (PNN1001–PNN1005), and error recovery keeps going after each one: a failed parse
 * is retried with repairs, and each broken statement is reported once (grammar/recovery.ts).
 */
import type { IRecognitionException, IToken } from "chevrotain";
import { diag, type Diagnostic } from "../diagnostics/catalog.js";
import { LineMap } from "../diagnostics/span.js";
import type { Program } from "./ast.js";
import { AstBuilder } from "./cst-to-ast.js";
import { PnnLexer } from "./lexer.js";
import { sharedParser } from "./parser.js";
import { repair, settle } from "./recovery.js";

/** Larger files are refused: a .pnn model description is small; this bounds time and memory. */
export const MAX_SOURCE_BYTES = 1_000_000;
/** Brackets/unary operators nested deeper than this are refused before parsing (no stack overflow). */
export const MAX_NESTING = 64;

export interface ParseResult {
  readonly program: Program;
  readonly diagnostics: readonly Diagnostic[];
  readonly lines: LineMap;
}

const DISPLAY: Record<string, string> = {
  Identifier: "a name", NumberLit: "a number", StringLit: "a string", Pipe: "'|>'", BiArrow: "'<->'",
  Arrow: "'->'", DotDot: "'..'", Dot: "'.'", Comma: "','", Colon: "':'", Equals: "'='", Tilde: "'~'",
  LParen: "'('", RParen: "')'", LBracket: "'['", RBracket: "']'", LBrace: "'{'", RBrace: "'}'",
  Plus: "'+'", Minus: "'-'", Star: "'*'", Slash: "'/'", Caret: "'^'", EOF: "the end of the file",
};
function display(tokenName: string): string {
  if (tokenName.startsWith("Kw_")) return `'${tokenName.slice(3)}'`;
  return DISPLAY[tokenName] ?? tokenName;
}

const RULE_CONTEXT: Record<string, string> = {
  program: "at the top level (expected import, const, layer, network or train)",
  layerMember: "in a layer body (expected param, device, let or forward)",
  networkItem: "in a network body (expected input, nodes, output, couple or a binding 'name = …')",
  typeRef: "in a type (expected int, real or complex)",
  primaryExpr: "where an expression was expected",
  setting: "in a train block (expected 'key = value')",
};

function emptyProgram(lines: LineMap): Program {
  return { kind: "Program", items: [], comments: [], span: lines.span(0, lines.text.length) };
}

export function parse(text: string, file: string): ParseResult {
  const lines = new LineMap(file, text);
  const diagnostics: Diagnostic[] = [];
  if (text.length > MAX_SOURCE_BYTES) {
    diagnostics.push(diag("PNN1004", lines.span(0, 0), `file is ${text.length} characters; the limit is ${MAX_SOURCE_BYTES}`));
    return { program: emptyProgram(lines), diagnostics, lines };
  }

  const lexed = PnnLexer.tokenize(text);
  const lexical: Diagnostic[] = [];
  for (const e of lexed.errors) {
    const ch = text.slice(e.offset, e.offset + e.length);
    lexical.push(diag("PNN1003", lines.span(e.offset, e.offset + Math.max(1, e.length)), `unexpected character '${ch.slice(0, 1)}'`));
  }
  for (const t of (lexed.groups.errors ?? []) as IToken[]) {
    const what = t.image.startsWith("/*") ? "block comment has no closing '*/'" : "string has no closing quote";
    lexical.push(diag("PNN1002", lines.span(t.startOffset, t.startOffset + Math.min(t.image.length, 2)), what));
  }

  const deep = firstTooDeep(lexed.tokens);
  if (deep) {
    diagnostics.push(...lexical, diag("PNN1005", lines.span(deep.startOffset, deep.endOffset! + 1), `expressions are nested more than ${MAX_NESTING} levels deep`));
    return { program: emptyProgram(lines), diagnostics, lines };
  }

  const parser = sharedParser();
  parser.input = lexed.tokens;
  let program: Program;
  try {
    let cst = parser.program();
    // A failed parse is retried with unclosed brackets closed where the layout says the statement
    // ends (grammar/recovery.ts); then only the first problem of each broken statement is reported.
    const repaired = parser.errors.length ? repair(lexed.tokens, lines) : { tokens: [], repairs: [] };
    const repairs = repaired.repairs;
    if (repairs.length) {
      parser.input = repaired.tokens;
      cst = parser.program();
    }
    const problems = parser.errors.map((e) => {
      const previous = tokenBefore(lexed.tokens, e.token);
      return { diagnostic: syntaxDiagnostic(e, previous, lines, text), ruleStack: e.context?.ruleStack ?? [], ...(previous ? { previous } : {}) };
    });
    const settled = settle(new AstBuilder(lines).program(cst, (lexed.groups.comments ?? []) as IToken[]), lexed.tokens, lines, lexical, repairs, problems);
    diagnostics.push(...settled.diagnostics);
    program = settled.program;
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    diagnostics.push(...lexical, diag("PNN1005", lines.span(0, 0), "the file is nested too deeply to parse"));
    program = emptyProgram(lines);
  }
  return { program, diagnostics: dedupe(diagnostics), lines };
}

/** The source token before `t` (the last one when `t` is the end of the file). */
function tokenBefore(tokens: readonly IToken[], t: IToken): IToken | undefined {
  if (!Number.isFinite(t.startOffset) || t.tokenType?.name === "EOF") return tokens[tokens.length - 1];
  let lo = 0, hi = tokens.length; // first token at or after t
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid].startOffset < t.startOffset) lo = mid + 1;
    else hi = mid;
  }
  return tokens[lo - 1];
}

function syntaxDiagnostic(e: IRecognitionException, prev: IToken | undefined, lines: LineMap, text: string) {
  const t = e.token;
  const atEof = t.tokenType?.name === "EOF" || Number.isNaN(t.startOffset);
  let start = atEof ? text.length : t.startOffset;
  let end = atEof ? text.length : t.endOffset! + 1;
  const found = atEof ? "the end of the file" : `'${t.image}'`;
  // What was expected at the end of a line belongs there, not at the next line's first token.
  const startsStatement = t.tokenType?.name === "Identifier" || t.tokenType?.name === "RBrace" || (t.tokenType?.name.startsWith("Kw_") && !["Kw_true", "Kw_false", "Kw_int", "Kw_real", "Kw_complex"].includes(t.tokenType.name));
  const endOfLine = !!prev && (atEof || (t.startLine! > prev.endLine! && startsStatement));
  if (endOfLine) start = end = prev.endOffset! + 1;
  let message: string;
  const m = /Expecting token of type --> (\w+) <--/.exec(e.message);
  if (m) {
    message = endOfLine ? `expected ${display(m[1])} after '${prev.image}'` : `expected ${display(m[1])}, found ${found}`;
  } else {
    const stack = e.context?.ruleStack ?? [];
    const where = [...stack].reverse().map((r) => RULE_CONTEXT[r]).find((s) => s) ?? "";
    message = `unexpected ${found}${where ? " " + where : ""}`;
  }
  return diag("PNN1001", lines.span(start, end), message);
}

/** Recovery can report the same token twice; users need it once. */
function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const key = `${d.code}:${d.span.start}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function firstTooDeep(tokens: IToken[]): IToken | undefined {
  let depth = 0;
  let run = 0; // consecutive prefix '-' or chained '^' also recurse in the parser
  for (const t of tokens) {
    const n = t.tokenType.name;
    if (n === "LParen" || n === "LBracket" || n === "LBrace") depth++;
    else if (n === "RParen" || n === "RBracket" || n === "RBrace") depth = Math.max(0, depth - 1);
    if (n === "Minus" || n === "Caret" || n === "Pipe") run++;
    else if (n !== "Identifier" && n !== "NumberLit") run = 0;
    if (depth + run > MAX_NESTING * 4 || depth > MAX_NESTING) return t;
  }
  return undefined;
}
