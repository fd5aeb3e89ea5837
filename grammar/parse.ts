/**
 * Entry point of the front end: `.pnn` text in, a (possibly partial) AST and every syntax
 * diagnostic out. Never throws on user text: oversized files (characters or tokens: PNN1004),
 * unterminated strings, stray characters, nesting too deep for the recursive-descent parser,
 * syntax trees deeper than MAX_EXPRESSION_DEPTH, numbers too large for a float64 and parse
 * errors all become diagnostics (PNN1001–PNN1006). Error recovery keeps going after each one: a
 * failed parse is retried with repairs, and each broken statement is reported once
 * (grammar/recovery.ts). After MAX_SYNTAX_DIAGNOSTICS errors one PNN1007 says how many more
 * there are. The limits (diagnostics/limits.ts) are checked before the work they bound.
 */
import type { IRecognitionException, IToken } from "chevrotain";
import { diag, type Diagnostic } from "../diagnostics/catalog.js";
import { MAX_EXPRESSION_DEPTH, MAX_NESTING, MAX_SOURCE_BYTES, MAX_SYNTAX_DIAGNOSTICS, MAX_TOKENS } from "../diagnostics/limits.js";
import { LineMap } from "../diagnostics/span.js";
import type { Program } from "./ast.js";
import { AstBuilder } from "./cst-to-ast.js";
import { itemDeeperThan } from "./depth.js";
import { NumberLit, PnnLexer } from "./lexer.js";
import { sharedParser } from "./parser.js";
import { repair, settle } from "./recovery.js";

// Larger files are refused (a .pnn model description is small); deeper nesting is refused before parsing.
export { MAX_NESTING, MAX_SOURCE_BYTES } from "../diagnostics/limits.js";

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
  layerMember: "in a layer body (expected param, device, external, let or forward)",
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
  let lexicalDropped = 0;
  for (const e of lexed.errors) {
    const ch = text.slice(e.offset, e.offset + e.length);
    // beyond the cap only the count matters (PNN1007); the diagnostics themselves are not built
    if (lexical.length <= MAX_SYNTAX_DIAGNOSTICS) lexical.push(diag("PNN1003", lines.span(e.offset, e.offset + Math.max(1, e.length)), `unexpected character '${ch.slice(0, 1)}'`));
    else lexicalDropped++;
  }
  for (const t of (lexed.groups.errors ?? []) as IToken[]) {
    const what = t.image.startsWith("/*") ? "block comment has no closing '*/'" : "string has no closing quote";
    lexical.push(diag("PNN1002", lines.span(t.startOffset, t.startOffset + Math.min(t.image.length, 2)), what));
  }
  for (const t of lexed.tokens) {
    if (t.tokenType !== NumberLit || Number.isFinite(Number(t.image))) continue;
    const shown = t.image.length > 24 ? `${t.image.slice(0, 20)}…` : t.image;
    lexical.push(diag("PNN1006", lines.span(t.startOffset, t.endOffset! + 1), `the number ${shown} is too large: the largest number is about 1.8e308`));
  }

  if (lexed.tokens.length > MAX_TOKENS) {
    const t = lexed.tokens[MAX_TOKENS];
    lexical.push(diag("PNN1004", lines.span(t.startOffset, t.endOffset! + 1), `file has ${lexed.tokens.length.toLocaleString("en-US")} tokens; the limit is ${MAX_TOKENS.toLocaleString("en-US")} (this is where it is reached)`));
    return { program: emptyProgram(lines), diagnostics: capped(lexical, lexicalDropped), lines };
  }
  const deep = firstTooDeep(lexed.tokens);
  if (deep) {
    lexical.push(diag("PNN1005", lines.span(deep.at.startOffset, deep.at.endOffset! + 1), deep.why));
    return { program: emptyProgram(lines), diagnostics: capped(lexical, lexicalDropped), lines };
  }

  const parser = sharedParser();
  parser.input = lexed.tokens;
  let program: Program;
  let unreported = lexicalDropped;
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
    const problems = parser.errors.slice(0, MAX_SYNTAX_DIAGNOSTICS + 1).map((e) => {
      const previous = tokenBefore(lexed.tokens, e.token);
      return { diagnostic: syntaxDiagnostic(e, previous, lines, text), ruleStack: e.context?.ruleStack ?? [], ...(previous ? { previous } : {}) };
    });
    const unreportedParse = Math.max(0, parser.errors.length - problems.length);
    const settled = settle(new AstBuilder(lines).program(cst, (lexed.groups.comments ?? []) as IToken[]), lexed.tokens, lines, lexical, repairs, problems);
    diagnostics.push(...settled.diagnostics);
    program = settled.program;
    unreported += unreportedParse;
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    diagnostics.push(...lexical, diag("PNN1005", lines.span(0, 0), "the file is nested too deeply to parse"));
    program = emptyProgram(lines);
  }
  const tooDeep = itemDeeperThan(program, MAX_EXPRESSION_DEPTH);
  if (tooDeep) {
    const name = "name" in tooDeep ? tooDeep.name.span : tooDeep.network.span;
    const what = { Import: "import", Const: "constant", Layer: "layer", Network: "network", Train: "train block" }[tooDeep.kind];
    diagnostics.push(diag("PNN1005", name, `an expression in this ${what} nests more than ${MAX_EXPRESSION_DEPTH} levels deep (each operator of a chain like a + b + c adds a level): split it into named steps (const, let or bindings)`));
    program = emptyProgram(lines);
  }
  return { program, diagnostics: capped(dedupe(diagnostics), unreported), lines };
}

/** At most MAX_SYNTAX_DIAGNOSTICS diagnostics, then one PNN1007 saying how many more there were. */
function capped(ds: Diagnostic[], more = 0): Diagnostic[] {
  const unreported = Math.max(0, ds.length - MAX_SYNTAX_DIAGNOSTICS) + more;
  if (!unreported) return ds;
  const kept = ds.slice(0, MAX_SYNTAX_DIAGNOSTICS);
  kept.push(diag("PNN1007", kept[kept.length - 1]!.span, `${unreported} more syntax error${unreported === 1 ? "" : "s"} not reported (pnn stops after ${MAX_SYNTAX_DIAGNOSTICS})`));
  return kept;
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

const OPENING = new Set(["LParen", "LBracket", "LBrace"]);
const CLOSING = new Set(["RParen", "RBracket", "RBrace"]);
/** Tokens after which a '-' is binary (they end an operand). */
const ENDS_OPERAND = new Set(["Identifier", "NumberLit", "StringLit", "RParen", "RBracket", "Kw_true", "Kw_false"]);

/**
 * The first token at which the recursive-descent parser would recurse too deeply, or undefined.
 * The parser recurses into brackets, into unary minus (`- - x`) and into `^` (right-associative:
 * `a ^ (b) ^ (c)` recurses once per `^`, brackets or not); everything else — binary `+ - * /`,
 * `|>`, members, calls — is a loop, so a long chain of those is fine here (its depth in the
 * syntax tree is bounded after parsing, MAX_EXPRESSION_DEPTH). Bracket depth may not pass
 * MAX_NESTING, nor depth plus the pending `^`/unary `-` of every enclosing level 4 × MAX_NESTING.
 */
function firstTooDeep(tokens: IToken[]): { at: IToken; why: string } | undefined {
  const runs: number[] = [0]; // recursive operators pending at each bracket level
  let pending = 0; // their sum
  let prev = "";
  for (const t of tokens) {
    const n = t.tokenType.name;
    if (OPENING.has(n)) runs.push(0);
    else if (CLOSING.has(n)) {
      if (runs.length > 1) pending -= runs.pop()!;
    } else if (n === "Caret" || (n === "Minus" && !ENDS_OPERAND.has(prev))) {
      runs[runs.length - 1]++;
      pending++;
    } else if (n !== "Identifier" && n !== "NumberLit" && n !== "Dot") {
      pending -= runs[runs.length - 1];
      runs[runs.length - 1] = 0;
    }
    const depth = runs.length - 1;
    if (depth > MAX_NESTING) return { at: t, why: `expressions are nested more than ${MAX_NESTING} levels deep` };
    if (depth + pending > MAX_NESTING * 4) return { at: t, why: `'^' and unary '-' are nested more than ${MAX_NESTING * 4} levels deep here (each one holds the rest of the chain)` };
    prev = n;
  }
  return undefined;
}
