/**
 * Error recovery around the chevrotain parser, so that one mistake gives one diagnostic, placed
 * where the fix goes, and the statements after it are checked normally.
 *
 * In: the tokens, the parser's errors (as diagnostics with the rule stack they happened in), the
 * lexer's diagnostics and the AST. Out: the diagnostics to report, the AST with every broken
 * statement's contents replaced by ErrorExpr (so the checker binds its name to an error value and
 * says nothing more about it or its uses) and misparsed fragments dropped, and the `recovered`
 * regions the checker must stay silent in (`Program.recovered`).
 *
 * Two steps. `repair` runs before a second parse, only when the first one failed: a '(' missing
 * between a callee and its argument (`dense x, 3)`) is inserted; a '(' or '[' (or '{') that is
 * never closed is closed before the first later line that starts at or left of the line it opened
 * on (a new statement); a line ending in an operator ('|>', '=', '+', '.') followed by such a
 * line, or a line starting with '=', gets a stand-in name; so the next statement is not swallowed.
 * `settle` then keeps the first problem of each region — from the broken statement's start to the
 * next line that starts a statement at its indentation — and drops the echoes inside it.
 * Layout is only a hint: a file formatted by `pnn fmt` recovers best; valid files are never
 * repaired (the repairs run only after a failed parse).
 */
import { createTokenInstance, type IToken, type TokenType } from "chevrotain";
import { diag, type Diagnostic } from "../diagnostics/catalog.js";
import type { LineMap, Span } from "../diagnostics/span.js";
import type * as A from "./ast.js";
import { Identifier, LParen, RBrace, RBracket, RParen } from "./lexer.js";

/** A token the repair inserted; `at` is the offset where it belongs. */
export interface Repair {
  readonly at: number;
  readonly diagnostic: Diagnostic;
  /** The opener it closes, or the operator it completes: the statement containing it is broken. */
  readonly cause: IToken;
}

/** A parser error: its diagnostic (already placed), and where in the grammar it happened. */
export interface ParseProblem {
  readonly diagnostic: Diagnostic;
  readonly ruleStack: readonly string[];
  /** The last token consumed before the error, if any. */
  readonly previous?: IToken;
}

const STATEMENT_KEYWORDS = ["import", "const", "layer", "network", "train", "param", "device", "let", "forward", "input", "nodes", "output", "couple"];
const STARTERS = new Set(["Identifier", "RBrace", ...STATEMENT_KEYWORDS.map((k) => `Kw_${k}`)]);
const TOP_LEVEL = new Set(["Kw_import", "Kw_const", "Kw_layer", "Kw_network", "Kw_train"]);
/** Operators that cannot end an expression. */
const DANGLING = new Set(["Pipe", "Plus", "Minus", "Star", "Slash", "Caret", "Equals", "Tilde", "DotDot", "Dot"]);
const OUTSIDE_BRACKETS = new Set(["LBrace", "Tilde", "Arrow", "BiArrow", ...[...STATEMENT_KEYWORDS, "via", "on", "init", "range", "from"].map((k) => `Kw_${k}`)]);
const CLOSER: Record<string, TokenType> = { LParen: RParen, LBracket: RBracket, LBrace: RBrace };
const TEXT: Record<string, string> = { LParen: "(", RParen: ")", LBracket: "[", RBracket: "]", LBrace: "{", RBrace: "}" };
/** Tokens after which a name is an operand (so `name operand` lacks a '('). */
const EXPRESSION_BEFORE = new Set(["Equals", "Pipe", "LParen", "Comma", "Colon", "Dot", "Tilde", "Plus", "Minus", "Star", "Slash", "Caret", "Kw_init", "Kw_range", "Kw_via", "Kw_on"]);
const LEAF_RULES = new Set(["importDecl", "constDecl", "paramDecl", "trainableDecl", "deviceDecl", "letDecl", "forwardDecl", "inputDecl", "nodesDecl", "outputNodesDecl", "bindingDecl", "coupleDecl", "setting"]);

const valid = (t: IToken | undefined): t is IToken => !!t && !t.isInsertedInRecovery && Number.isFinite(t.startOffset);
const end = (t: IToken) => (t.endOffset ?? t.startOffset) + 1;

/** Which tokens start a line, and the column of each line's first token. */
function layout(tokens: readonly IToken[]) {
  const startsLine = tokens.map((t, i) => i === 0 || t.startLine !== tokens[i - 1].endLine);
  const lineCol = new Map<number, number>();
  tokens.forEach((t, i) => startsLine[i] && lineCol.set(t.startLine!, t.startColumn!));
  return { startsLine, lineCol };
}

/**
 * Repairs for a token stream that failed to parse: a missing '(' between a callee and its first
 * argument (`dense x, 3)`), then missing closers and operands. Returns the stream to parse again.
 */
export function repair(tokens: readonly IToken[], lines: LineMap): { tokens: IToken[]; repairs: Repair[] } {
  const none = { tokens: [...tokens], repairs: [] };
  const a = openers(tokens, lines);
  if (a.length > MAX_REPAIRS) return none;
  const withOpeners = apply(tokens, a);
  const b = closersAndOperands(withOpeners, lines);
  // Beyond a few dozen this is not a file being typed but garbage: the parser's own recovery does.
  if (b === undefined || a.length + b.length > MAX_REPAIRS) return none;
  return { tokens: apply(withOpeners, b), repairs: [...a, ...b].map(({ before: _b, token: _t, ...r }) => r) };
}

/** Repairs are planned only for files with at most this many (the cost grows with their number). */
export const MAX_REPAIRS = 64;

interface Insert extends Repair {
  readonly before: number;
  readonly token: IToken;
}

/** Two operands side by side in an expression (`dense x`, `uniform 0`) never parse: the '(' between them is missing. */
function openers(tokens: readonly IToken[], lines: LineMap): Insert[] {
  const out: Insert[] = [];
  const name = (i: number) => tokens[i]?.tokenType.name ?? "EOF";
  for (let i = 1; i + 1 < tokens.length; i++) {
    const t = tokens[i];
    const next = tokens[i + 1];
    if (name(i) !== "Identifier" || !EXPRESSION_BEFORE.has(name(i - 1)) || next.startLine !== t.endLine) continue;
    const operand = name(i + 1) === "Identifier" || name(i + 1) === "NumberLit" || name(i + 1) === "StringLit" || (name(i + 1).startsWith("Kw_") && name(i + 2) === "Colon");
    if (!operand) continue;
    const at = end(t);
    out.push({ before: i + 1, token: virtual(LParen, at, lines), at, cause: t, diagnostic: diag("PNN1001", lines.span(at, at), `expected '(' after '${t.image}'`) });
  }
  return out;
}

function closersAndOperands(tokens: readonly IToken[], lines: LineMap): Insert[] | undefined {
  const { startsLine, lineCol } = layout(tokens);
  const name = (i: number) => tokens[i]?.tokenType.name ?? "EOF";
  const unclosed: { opener: number; limit: number }[] = [];
  const stack: number[] = [];
  const braces: number[] = []; // positions in `stack` of its '{' frames
  const lastBrace = () => (braces.length ? braces[braces.length - 1] : -1);
  const truncate = (length: number) => {
    stack.length = Math.max(0, length);
    while (braces.length && braces[braces.length - 1] >= stack.length) braces.pop();
  };
  /** The frames above stack[k] were never closed: the token at `limit` shows it. */
  const unwindAbove = (k: number, limit: number) => {
    for (let j = stack.length - 1; j > k; j--) unclosed.push({ opener: stack[j], limit });
    truncate(k + 1);
  };
  for (let i = 0; i < tokens.length; i++) {
    const n = name(i);
    if (startsLine[i] && TOP_LEVEL.has(n) && tokens[i].startColumn === 1) unwindAbove(-1, i);
    // '{', '~', '->' and statement keywords (unless used as a name: `train:`) never stand inside brackets.
    const outside = (OUTSIDE_BRACKETS.has(n) && name(i + 1) !== "Colon") || (n === "Kw_per" && name(i + 1) === "Kw_shot");
    if (outside) unwindAbove(lastBrace(), i);
    else if ((n === "Equals" || n === "Colon") && name(stack[stack.length - 1]) === "LBracket") unwindAbove(stack.length - 2, i); // shapes hold expressions only
    if (n in CLOSER) {
      if (n === "LBrace") braces.push(stack.length);
      stack.push(i);
    } else if (n === "RBrace" || n === "RParen" || n === "RBracket") {
      const want = n === "RBrace" ? "LBrace" : n === "RParen" ? "LParen" : "LBracket";
      let k = stack.length - 1;
      // (a match deeper than MAX_REPAIRS frames is not looked for: the closer counts as stray)
      while (k >= 0 && k >= stack.length - MAX_REPAIRS && name(stack[k]) !== want && (want === "LBrace" || name(stack[k]) !== "LBrace")) k--;
      if (k >= 0 && name(stack[k]) === want) {
        unwindAbove(k, i); // frames above the match were never closed
        truncate(k); // the match is closed
      }
    }
  }
  unwindAbove(-1, tokens.length);
  if (unclosed.length > MAX_REPAIRS) return undefined;

  const inserts: (Insert & { order: number })[] = [];
  let lastBefore = -1;
  let lastLimit = -1;
  for (const { opener, limit } of unclosed) {
    const o = tokens[opener];
    const col = lineCol.get(o.startLine!) ?? 1;
    let before = limit;
    for (let j = opener + 1; j < limit; j++)
      if (startsLine[j] && tokens[j].startColumn! <= col && (STARTERS.has(name(j)) || name(j) === "Pipe")) { before = j; break; }
    if (limit === lastLimit) before = Math.max(before, lastBefore); // an outer frame closes after the inner one
    lastBefore = before;
    lastLimit = limit;
    const prev = tokens[before - 1];
    const at = end(prev);
    const closer = CLOSER[o.tokenType.name];
    const shownAt = lines.position(o.startOffset);
    const open = TEXT[o.tokenType.name];
    const message = `expected '${TEXT[closer.name]}' after '${prev.image}' to close the '${open}' at ${shownAt.line}:${shownAt.col}`;
    const related = o.isInsertedInRecovery ? {} : { related: [{ span: lines.span(o.startOffset, end(o)), message: `this '${open}' is never closed` }] };
    inserts.push({ before, order: inserts.length + 1, token: virtual(closer, at, lines), at, cause: o, diagnostic: diag("PNN1001", lines.span(at, at), message, related) });
  }
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (name(i) === "Equals" && startsLine[i] && !DANGLING.has(name(i - 1))) {
      // `  = physics_aware`: a statement that lost its name
      inserts.push({ before: i, order: 0, token: virtual(Identifier, t.startOffset, lines), at: t.startOffset, cause: t, diagnostic: diag("PNN1001", lines.span(t.startOffset, end(t)), "expected a name before '='") });
      continue;
    }
    if (!DANGLING.has(name(i)) || (i + 1 < tokens.length && !startsLine[i + 1])) continue;
    const next = i + 1;
    const nextOk = next >= tokens.length || (STARTERS.has(name(next)) && tokens[next].startColumn! <= (lineCol.get(t.startLine!) ?? 1));
    if (!nextOk) continue;
    const at = end(t);
    const what = name(i) === "Dot" ? "a name" : "an expression";
    inserts.push({ before: next, order: 0, token: virtual(Identifier, at, lines), at, cause: t, diagnostic: diag("PNN1001", lines.span(at, at), `expected ${what} after '${t.image}'`) });
  }
  return inserts.sort((a, b) => a.before - b.before || a.order - b.order);
}

/** A zero-width token at `at`, marked as inserted (the AST builder reads nothing from it). */
function virtual(type: TokenType, at: number, lines: LineMap): IToken {
  const p = lines.position(at);
  const t = createTokenInstance(type, "", at, at - 1, p.line, p.line, p.col, p.col - 1);
  t.isInsertedInRecovery = true;
  return t;
}

function apply(tokens: readonly IToken[], inserts: readonly Insert[]): IToken[] {
  const out: IToken[] = [];
  let r = 0;
  for (let i = 0; i <= tokens.length; i++) {
    while (r < inserts.length && inserts[r].before === i) out.push(inserts[r++].token);
    if (i < tokens.length) out.push(tokens[i]);
  }
  return out;
}

/** A statement whose contents can be replaced by an error: a top-level import/const, a header parameter, a body statement, or a train block's data set. */
interface Leaf {
  readonly node: A.AnyNode;
  readonly body: boolean;
  readonly siblings: readonly A.AnyNode[];
}

function leavesOf(program: A.Program): Leaf[] {
  const out: Leaf[] = [];
  const add = (nodes: readonly A.AnyNode[], body: boolean) => nodes.forEach((node) => out.push({ node, body, siblings: nodes }));
  for (const item of program.items) {
    if (item.kind === "Import" || item.kind === "Const") out.push({ node: item, body: false, siblings: [] });
    else if (item.kind === "Layer") { add(item.params, false); add(item.members, true); }
    else if (item.kind === "Network") { add(item.params, false); add(item.items, true); }
    else { add([item.data], false); add(item.settings, true); }
  }
  return out.sort((a, b) => a.node.span.start - b.node.span.start);
}

export interface Settled {
  readonly program: A.Program;
  readonly diagnostics: Diagnostic[];
}

export function settle(program: A.Program, tokens: readonly IToken[], lines: LineMap, lexical: readonly Diagnostic[], repairs: readonly Repair[], problems: readonly ParseProblem[]): Settled {
  if (repairs.length === 0 && problems.length === 0) return { program, diagnostics: [...lexical] };
  // Every lookup below is a binary search or a forward scan, so garbage with thousands of
  // problems stays near-linear.
  const { startsLine } = layout(tokens);
  const lineStartAt = new Set(tokens.filter((_, i) => startsLine[i]).map((t) => t.startOffset));
  const firstTokenFrom = (offset: number) => {
    let lo = 0, hi = tokens.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tokens[mid].startOffset < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const leaves = leavesOf(program);
  const leafIndex = new Map(leaves.map((l, i) => [l.node, i]));
  /** The last element of `xs` (sorted by start) starting at or before `offset`. */
  const lastStartingBy = <T>(xs: readonly T[], start: (x: T) => number, offset: number): T | undefined => {
    let lo = 0, hi = xs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (start(xs[mid]) <= offset) lo = mid + 1;
      else hi = mid;
    }
    return xs[lo - 1];
  };
  const col = (n: A.AnyNode) => lines.position(n.span.start).col;
  const leafAt = (offset: number) => {
    const best = lastStartingBy(leaves, (l) => l.node.span.start, offset); // statements do not nest
    if (!best || offset >= Math.max(best.node.span.end, best.node.span.start + 1)) return undefined;
    if (!best.body) return best;
    // A body statement that does not start its line, or starts one indented under the statement
    // before it, is a fragment the parser split off that statement.
    const sib = best.siblings;
    let i = leafIndex.get(best.node)! - leafIndex.get(sib[0])!;
    while (i > 0 && (!lineStartAt.has(sib[i].span.start) || col(sib[i]) > col(sib[i - 1]))) i--;
    return leaves[leafIndex.get(sib[i])!];
  };
  const incidents = [
    ...repairs.map((r) => ({ at: r.at, diagnostic: r.diagnostic, leaf: leafAt(r.cause.startOffset), repaired: true })),
    ...problems.map((p) => {
      const at = p.diagnostic.span.start;
      const deepest = [...p.ruleStack].reverse().find((r) => LEAF_RULES.has(r) || r === "trainDecl" || r === "layerMember" || r === "networkItem");
      const inTrainData = deepest === "trainDecl" && p.ruleStack[p.ruleStack.indexOf("trainDecl") + 1] === "expression";
      const anchor = valid(p.previous) ? p.previous.startOffset : at;
      const leaf = leafAt(anchor);
      // Inside a statement's rule, or on its line, or on a line indented under it: that statement is broken.
      const token = tokens[firstTokenFrom(at)];
      const beginsLine = !token || lineStartAt.has(token.startOffset);
      const under = leaf && (!beginsLine || !token || token.startColumn! > col(leaf.node));
      return { at, diagnostic: p.diagnostic, leaf: (deepest && (LEAF_RULES.has(deepest) || inTrainData)) || under ? leaf : undefined, repaired: false };
    }),
  ].sort((a, b) => a.at - b.at);

  const regions: { start: number; end: number }[] = [];
  let covered = -1; // incidents come in order, so "inside an earlier region" is "before the furthest end"
  const erase = new Set<A.AnyNode>();
  const diagnostics = [...lexical];
  const lexicalLines = new Set(lexical.map((d) => d.span.line));
  for (const inc of incidents) {
    if (inc.at < covered) continue; // an echo of the region's first problem
    // A bad character or unterminated string on the line explains it: recover, but say nothing more.
    if (!lexicalLines.has(inc.diagnostic.span.line)) diagnostics.push(inc.diagnostic);
    // The region ends at the next line that starts a statement at the broken one's indentation
    // (or, outside any statement, at the indentation of the line the problem is on). A problem
    // outside any statement that was repaired, or placed at the end of a line (a header missing
    // its '{'), ends there; one in a declaration's header line ends with that line.
    const leafStart = inc.leaf?.node.span.start;
    const from = firstTokenFrom(inc.at);
    const found = tokens[from];
    const atLineEnd = !inc.leaf && found && (inc.repaired || (found.startOffset > inc.at && lineStartAt.has(found.startOffset)));
    const item = lastStartingBy(program.items, (i) => i.span.start, inc.at);
    const inHeader = !inc.leaf && item && inc.at <= item.span.end && lines.position(item.span.start).line === inc.diagnostic.span.line;
    const c = inHeader ? Infinity : lines.position(leafStart ?? lineStartOf(inc.at)).col;
    let next = atLineEnd ? found : undefined;
    for (let i = from; !atLineEnd && i < tokens.length && !next; i++)
      if (tokens[i].startOffset > inc.at && startsLine[i] && STARTERS.has(tokens[i].tokenType.name) && tokens[i].startColumn! <= c) next = tokens[i];
    const region = { start: Math.min(leafStart ?? inc.at, inc.at), end: next?.startOffset ?? lines.text.length };
    regions.push(region);
    covered = Math.max(covered, region.end);
    if (inc.leaf) erase.add(inc.leaf.node);
  }
  const sorted = [...regions].sort((a, b) => a.start - b.start);
  const reach: number[] = []; // the furthest end among the regions up to each one
  sorted.forEach((r, i) => reach.push(Math.max(r.end, i ? reach[i - 1] : -1)));
  const dropped = (n: A.AnyNode) => {
    if (erase.has(n)) return false;
    const s = n.span.start;
    let lo = 0, hi = sorted.length; // regions starting strictly before s
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid].start < s) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 && s < reach[lo - 1];
  };
  const rebuilt = rebuild(program, erase, dropped);
  return { program: { ...rebuilt, recovered: merged(sorted).map((r) => lines.span(r.start, r.end)) }, diagnostics };

  /** The offset of the first token on `offset`'s line. */
  function lineStartOf(offset: number): number {
    const p = lines.position(offset);
    const t = tokens[firstTokenFrom(offset - (p.col - 1))];
    return t && t.startLine === p.line ? t.startOffset : offset;
  }
}

/** Overlapping regions as one. */
function merged(sorted: readonly { start: number; end: number }[]): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

const errorExpr = (span: Span): A.ErrorExpr => ({ kind: "Error", span });
/** A type whose size is an error: the checker gives what it declares an error value, silently. */
const errorType = (t: A.TypeRef): A.TypeRef => ({ ...t, dims: [errorExpr(t.span)] });

/** The statement with everything after its name replaced by errors. */
function erased<T extends A.AnyNode>(n: T): T {
  const e = n as A.AnyNode;
  switch (e.kind) {
    case "Const": case "Let": case "Binding": case "Setting": return { ...e, value: errorExpr(e.value.span) } as T;
    case "Param": return (e.default ? { ...e, default: errorExpr(e.default.span) } : e) as T;
    case "Trainable": return { kind: e.kind, name: e.name, type: errorType(e.type), span: e.span } as T;
    case "Device": return { ...e, type: errorType(e.type), dist: errorExpr(e.dist.span) } as T;
    case "Forward": return { ...e, inputType: errorType(e.inputType), outputType: errorType(e.outputType), body: errorExpr(e.body.span) } as T;
    case "Input": case "Nodes": case "OutputNodes": return { ...e, type: errorType(e.type) } as T;
    case "Couple": return (e.via ? { ...e, via: errorExpr(e.via.span) } : e) as T;
    case "Import": return e as T; // the checker reports a bad import at its path string, inside the region
    default: return errorExpr(e.span) as unknown as T; // a train block's data set
  }
}

function rebuild(program: A.Program, erase: ReadonlySet<A.AnyNode>, dropped: (n: A.AnyNode) => boolean): A.Program {
  const fix = <T extends A.AnyNode>(n: T): T => (erase.has(n) ? erased(n) : n);
  const body = <T extends A.AnyNode>(ns: readonly T[]): T[] => ns.filter((n) => !dropped(n)).map(fix);
  const items = program.items.map((item): A.TopItem => {
    switch (item.kind) {
      case "Import": case "Const": return fix(item);
      case "Layer": return { ...item, params: item.params.map(fix), members: body(item.members) };
      case "Network": return { ...item, params: item.params.map(fix), items: body(item.items) };
      case "Train": return { ...item, data: erase.has(item.data) ? errorExpr(item.data.span) : item.data, settings: body(item.settings) };
    }
  });
  return { ...program, items };
}

