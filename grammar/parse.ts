/**
 * Entry point of the front end: `.pnn` text in, a (possibly partial) AST and every syntax
 * diagnostic out. Never throws on user text: oversized files, unterminated strings, stray
 * characters, nesting too deep for the recursive-descent parser, syntax trees deeper than
 * MAX_EXPRESSION_DEPTH, numbers too large for a float64 and parse errors all become diagnostics
 * (PNN1001–PNN1006), and error recovery keeps going after each one. After
 * MAX_SYNTAX_DIAGNOSTICS errors one PNN1007 says how many more there are (bounded memory).
 */
import type { IRecognitionException, IToken } from "chevrotain";
import { diag, type Diagnostic } from "../diagnostics/catalog.js";
import { MAX_EXPRESSION_DEPTH, MAX_NESTING, MAX_SOURCE_BYTES, MAX_SYNTAX_DIAGNOSTICS } from "../diagnostics/limits.js";
import { LineMap } from "../diagnostics/span.js";
import type { Program } from "./ast.js";
import { AstBuilder } from "./cst-to-ast.js";
import { itemDeeperThan } from "./depth.js";
import { NumberLit, PnnLexer } from "./lexer.js";
import { sharedParser } from "./parser.js";

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
  let unreported = 0;
  const report = (make: () => Diagnostic) => {
    if (diagnostics.length < MAX_SYNTAX_DIAGNOSTICS) diagnostics.push(make());
    else unreported++;
  };
  for (const e of lexed.errors) {
    const ch = text.slice(e.offset, e.offset + e.length);
    report(() => diag("PNN1003", lines.span(e.offset, e.offset + Math.max(1, e.length)), `unexpected character '${ch.slice(0, 1)}'`));
  }
  for (const t of (lexed.groups.errors ?? []) as IToken[]) {
    const what = t.image.startsWith("/*") ? "block comment has no closing '*/'" : "string has no closing quote";
    report(() => diag("PNN1002", lines.span(t.startOffset, t.startOffset + Math.min(t.image.length, 2)), what));
  }
  for (const t of lexed.tokens) {
    if (t.tokenType !== NumberLit || Number.isFinite(Number(t.image))) continue;
    const shown = t.image.length > 24 ? `${t.image.slice(0, 20)}…` : t.image;
    report(() => diag("PNN1006", lines.span(t.startOffset, t.endOffset! + 1), `the number ${shown} is too large: the largest number is about 1.8e308`));
  }
  const tooMany = () => diag("PNN1007", diagnostics[diagnostics.length - 1].span, `${unreported} more syntax error${unreported === 1 ? "" : "s"} not reported (pnn stops after ${MAX_SYNTAX_DIAGNOSTICS})`);

  const deep = firstTooDeep(lexed.tokens);
  if (deep) {
    diagnostics.push(diag("PNN1005", lines.span(deep.startOffset, deep.endOffset! + 1), `expressions are nested more than ${MAX_NESTING} levels deep`));
    if (unreported) diagnostics.push(tooMany());
    return { program: emptyProgram(lines), diagnostics, lines };
  }

  const parser = sharedParser();
  parser.input = lexed.tokens;
  let program: Program;
  try {
    const cst = parser.program();
    for (const e of parser.errors) report(() => syntaxDiagnostic(e, lines, text));
    program = new AstBuilder(lines).program(cst, (lexed.groups.comments ?? []) as IToken[]);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    diagnostics.push(diag("PNN1005", lines.span(0, 0), "the file is nested too deeply to parse"));
    program = emptyProgram(lines);
  }
  const tooDeep = itemDeeperThan(program, MAX_EXPRESSION_DEPTH);
  if (tooDeep) {
    const name = "name" in tooDeep ? tooDeep.name.span : tooDeep.network.span;
    const what = { Import: "import", Const: "constant", Layer: "layer", Network: "network", Train: "train block" }[tooDeep.kind];
    diagnostics.push(diag("PNN1005", name, `an expression in this ${what} nests more than ${MAX_EXPRESSION_DEPTH} levels deep (each operator of a chain like a + b + c adds a level): split it into named steps (const, let or bindings)`));
    program = emptyProgram(lines);
  }
  if (unreported) diagnostics.push(tooMany());
  return { program, diagnostics: dedupe(diagnostics), lines };
}

function syntaxDiagnostic(e: IRecognitionException, lines: LineMap, text: string) {
  const t = e.token;
  const atEof = t.tokenType?.name === "EOF" || Number.isNaN(t.startOffset);
  const start = atEof ? text.length : t.startOffset;
  const end = atEof ? text.length : t.endOffset! + 1;
  const found = atEof ? "the end of the file" : `'${t.image}'`;
  let message: string;
  const m = /Expecting token of type --> (\w+) <--/.exec(e.message);
  if (m) {
    message = `expected ${display(m[1])}, found ${found}`;
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
