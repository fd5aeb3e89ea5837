/**
 * The Prettier plugin for `.pnn`: `languages`, a `pnn` parser (grammar/parse.ts, AST format
 * "pnn-ast") and a printer built from Prettier's doc builders. In: `.pnn` text; out: the same
 * program in house style (2-space indent, one member per line, spaces around operators, long
 * pipelines and argument lists broken one step/argument per line). Parentheses are not in the
 * AST, so the printer re-derives them from precedence (loosest `|>`, `..`, `+ -`, `* /`, unary
 * `-`, `^` right-assoc, postfix), adding a few for readability (`-(x ^ 2)`, `-(-x)`).
 * Comments ride on Prettier's attachment (leading/trailing/dangling) with pnn-specific rules in
 * `handleComments` so each one lands in a spot that reparses to the same attachment, which keeps
 * the output idempotent. It never prints a file with syntax errors: the parser throws instead.
 *
 * Use: `npx prettier --plugin ./dist/grammar/prettier-plugin.js file.pnn` (after `npx tsc`).
 */
import { doc, util, type AstPath, type Doc, type Parser, type ParserOptions, type Printer, type SupportLanguage } from "prettier";
import type * as A from "./ast.js";
import { parse } from "./parse.js";
import { BODY_KINDS, VISITOR_KEYS, allComments, bodyOpen, children, context, flattenPipe, handleComment, hasNewlineBefore, indexParents, locEnd, locStart, type AttachedComment, type Node } from "./prettier-comments.js";

const { group, indent, line, softline, hardline, join, lineSuffix, lineSuffixBoundary, breakParent } = doc.builders;


/** Thrown by the parser on a file with syntax errors; `diagnostics` holds every one. */
export class PnnSyntaxError extends Error {
  readonly loc: { start: { line: number; column: number } };
  constructor(readonly diagnostics: ReturnType<typeof parse>["diagnostics"]) {
    super(diagnostics.map((d) => `${d.span.file}:${d.span.line}:${d.span.col}: ${d.severity} ${d.code}: ${d.message}`).join("\n"));
    this.name = "PnnSyntaxError";
    const first = diagnostics[0].span;
    this.loc = { start: { line: first.line, column: first.col } };
  }
}

export const languages: SupportLanguage[] = [
  { name: "pnn", parsers: ["pnn"], extensions: [".pnn"], vscodeLanguageIds: ["pnn"], linguistLanguageId: 0 },
];


export const parsers: Record<string, Parser<Node>> = {
  pnn: {
    astFormat: "pnn-ast",
    locStart,
    locEnd,
    parse(text: string, options: ParserOptions<Node>): Node {
      const result = parse(text, options.filepath ?? "<input>");
      const errors = result.diagnostics.filter((d) => d.severity === "error");
      if (errors.length > 0) throw new PnnSyntaxError(errors);
      // Prettier reports unprinted comments by `value`; the AST calls it `text`.
      for (const c of result.program.comments) (c as AttachedComment).value = c.text;
      return result.program as Node;
    },
  },
};

// ── precedence ──────────────────────────────────────────────────────────────
const PIPE = 1, RANGE = 2, ADD = 3, MUL = 4, UNARY = 5, POW = 6, POSTFIX = 7, ATOM = 8;

function level(e: A.Expr): number {
  switch (e.kind) {
    case "Pipe": return PIPE;
    case "Range": return RANGE;
    case "Binary": return e.op === "+" || e.op === "-" ? ADD : e.op === "^" ? POW : MUL;
    case "Unary": return UNARY;
    case "Member": case "Call": return POSTFIX;
    default: return ATOM;
  }
}

/** Whether `child`, found under `parent[key]`, must be printed in parentheses. */
function needsParens(parent: Node, key: string, child: A.Expr): boolean {
  const l = level(child);
  switch (parent.kind) {
    case "Binary": {
      if (parent.op === "^") return key === "left" ? l < POSTFIX : l < UNARY;
      const p = level(parent);
      if (key === "right") return l <= p;
      // `5 m / s` would read back as the unit `m/s`: keep the number apart.
      if (parent.op === "/" && endsWithUnitNumber(child) && startsWithName(parent.right)) return true;
      return l < p;
    }
    case "Unary": return l < UNARY || child.kind === "Unary" || (child.kind === "Binary" && child.op === "^");
    case "Range": return l < ADD;
    case "Pipe": return key === "target" ? l < POSTFIX : l < RANGE;
    case "Member": case "Call": return key === "object" || key === "callee" ? l < POSTFIX : false;
    default: return false;
  }
}

function endsWithUnitNumber(e: A.Expr): boolean {
  switch (e.kind) {
    case "Num": return e.unit !== undefined;
    case "Binary": return !needsParens(e as Node, "right", e.right) && endsWithUnitNumber(e.right);
    case "Unary": return !needsParens(e as Node, "operand", e.operand) && endsWithUnitNumber(e.operand);
    case "Range": return !needsParens(e as Node, "hi", e.hi) && endsWithUnitNumber(e.hi);
    case "Pipe": return !needsParens(e as Node, "target", e.target) && endsWithUnitNumber(e.target);
    default: return false;
  }
}

function startsWithName(e: A.Expr): boolean {
  switch (e.kind) {
    case "Name": return true;
    case "Member": return !needsParens(e as Node, "object", e.object) && startsWithName(e.object);
    case "Call": return !needsParens(e as Node, "callee", e.callee) && startsWithName(e.callee);
    case "Binary": return !needsParens(e as Node, "left", e.left) && startsWithName(e.left);
    case "Range": return !needsParens(e as Node, "lo", e.lo) && startsWithName(e.lo);
    case "Pipe": return startsWithName(e.input);
    default: return false;
  }
}

// ── printing ────────────────────────────────────────────────────────────────
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Print = (selector?: any) => Doc;

function printCommentDoc(c: A.Comment): Doc {
  return c.block ? c.text : c.text.replace(/\s+$/, "");
}

/** Dangling comments of the current node, marked printed. */
function dangling(path: AstPath<any>, marker?: string): { docs: Doc[]; hasLine: boolean } {
  const docs: Doc[] = [];
  let hasLine = false;
  for (const c of (path.node as Node).comments ?? []) {
    if (c.leading || c.trailing || c.printed || c.marker !== marker) continue;
    c.printed = true;
    docs.push(printCommentDoc(c));
    if (!c.block) hasLine = true;
  }
  return { docs, hasLine };
}

function block(path: AstPath<any>, print: Print, key: string, items: readonly Node[], text: string): Doc {
  if (items.length === 0) {
    const d = dangling(path);
    if (d.docs.length === 0) return "{}";
    return ["{", indent([hardline, join(hardline, d.docs)]), hardline, "}"];
  }
  const open = dangling(path, "open").docs.map((c) => [lineSuffixBoundary, lineSuffix([" ", c]), breakParent]);
  return ["{", open, indent([hardline, members(path, print, key, items, text)]), hardline, "}"];
}

/** One item per line, keeping at most one blank line the user put between two. */
function members(path: AstPath<any>, print: Print, key: string, items: readonly Node[], text: string): Doc {
  const parts: Doc[] = [];
  path.each((p, i) => {
    if (i > 0) parts.push(hardline);
    parts.push(print());
    if (i < items.length - 1 && util.isNextLineEmpty(text, locEnd(p.node as Node))) parts.push(hardline);
  }, key);
  return parts;
}

function paramList(path: AstPath<any>, print: Print): Doc {
  const ps = path.map(() => print(), "params");
  if (ps.length === 0) return "()";
  return group(["(", indent([softline, join([",", line], ps)]), softline, ")"]);
}

function typed(print: Print, name: string, type: string): Doc {
  return [print(name), ": ", print(type)];
}

/** `= value`: pipelines and calls break on their own; anything else stays after the `=`. */
function assign(print: Print, key: string): Doc {
  return [" = ", print(key)];
}

function printNode(path: AstPath<any>, options: ParserOptions<Node>, print: Print): Doc {
  const n = path.node;
  const text = options.originalText;
  switch (n.kind) {
    case "Program": {
      if (n.items.length === 0) {
        const d = dangling(path);
        return d.docs.length ? [join(hardline, d.docs), hardline] : "";
      }
      const parts: Doc[] = [];
      path.each((p, i) => {
        if (i > 0) {
          const prev = n.items[i - 1];
          const cur = n.items[i];
          const run = prev.kind === cur.kind && (cur.kind === "Import" || cur.kind === "Const");
          const blank = !run || util.isNextLineEmpty(text, locEnd(prev));
          parts.push(blank ? [hardline, hardline] : hardline);
        }
        parts.push(print());
      }, "items");
      return [parts, hardline];
    }
    case "Import": return ["import ", print("name"), " from ", print("from")];
    case "Const": return ["const ", print("name"), assign(print, "value")];
    case "Param": return [typed(print, "name", "type"), n.default ? [" = ", print("default")] : ""];
    case "Layer": return ["layer ", print("name"), paramList(path, print), " ", block(path, print, "members", n.members, text)];
    case "Trainable":
      return ["param ", typed(print, "name", "type"), n.init ? [" init ", print("init")] : "", n.range ? [" range ", print("range")] : ""];
    case "Device": return ["device ", typed(print, "name", "type"), " ~ ", print("dist"), n.perShot ? " per shot" : ""];
    case "External": return ["external ", print("transport")];
    case "Let": return ["let ", print("name"), assign(print, "value")];
    case "Forward": return ["forward(", typed(print, "input", "inputType"), ") -> ", print("outputType"), assign(print, "body")];
    case "Network":
      return ["network ", print("name"), n.params.length ? paramList(path, print) : "", " ", block(path, print, "items", n.items, text)];
    case "Input": return ["input ", typed(print, "name", "type")];
    case "Nodes": return ["nodes ", typed(print, "name", "type")];
    case "OutputNodes": return ["output ", typed(print, "name", "type")];
    case "Binding": return [n.isOutput ? "output " : "", print("name"), assign(print, "value")];
    case "Couple": return ["couple ", print("from"), n.symmetric ? " <-> " : " -> ", print("to"), n.via ? [" via ", print("via")] : ""];
    case "Train": return ["train ", print("network"), " on ", print("data"), " ", block(path, print, "settings", n.settings, text)];
    case "Setting": return [print("key"), assign(print, "value")];
    case "Type": return n.dims ? [n.base, "[", join(", ", path.map(() => print(), "dims")), "]"] : n.base;
    case "Ident": return n.name;
    case "Num": {
      // Comments inside a number stay inside it: block ones before the unit; a line comment can
      // only sit after `per` (the unit's atoms must stay on the number's line).
      const inner = ((n as Node).comments as AttachedComment[] | undefined)?.filter((c) => !c.leading && !c.trailing) ?? [];
      for (const c of inner) c.printed = true;
      const blocks = inner.filter((c) => c.block).map((c) => [" ", c.text]);
      const lines = inner.filter((c) => !c.block).map((c) => [" ", printCommentDoc(c), hardline]);
      if (!n.unit) return [n.raw, blocks];
      const per = n.unit.per ? [" per", lines.length ? lines : " ", n.unit.per] : "";
      return [n.raw, blocks, " ", n.unit.text, per];
    }
    case "Str": return text.slice(n.span.start, n.span.end);
    case "Bool": return n.value ? "true" : "false";
    case "Name": return n.name;
    case "Member": return postfixChain(path, print);
    case "Arg": return n.name ? [print("name"), ": ", print("value")] : print("value");
    case "Call": {
      if (chainLink(n.callee)) return postfixChain(path, print);
      const callee = operand(path, print, "callee");
      if (n.args.length === 0) {
        const d = dangling(path);
        if (d.docs.length === 0) return [callee, "()"];
        if (!d.hasLine) return [callee, "(", lineSuffixBoundary, join(" ", d.docs), ")"];
        return [callee, "(", indent([hardline, join(hardline, d.docs)]), hardline, ")"];
      }
      return group([callee, "(", indent([softline, join([",", line], path.map(() => print(), "args"))]), softline, ")"]);
    }
    case "Pipe": {
      // The head and the steps print their own comments (see willPrintOwnComments): a comment
      // on its own line before a step goes on its own line before that step's `|>`.
      const { head, steps, depth } = flattenPipe(n);
      const at = (keys: string[]) => path.call(() => print(), ...(keys as [string]));
      const own = (node: Node) => ownComments(node, text);
      const h = own(head as Node);
      const parts: Doc[] = [h.leading, at(Array<string>(depth).fill("input")), h.trailing];
      let hasComments = h.any;
      for (let i = 0; i < depth; i++) {
        const target = steps[i] as Node;
        const c = own(target);
        hasComments ||= c.any;
        const d = at([...Array<string>(depth - 1 - i).fill("input"), "target"]);
        parts.push(indent([line, c.leading, "|> ", level(target as A.Expr) < POSTFIX ? ["(", d, ")"] : d, c.trailing]));
      }
      return group([...parts, hasComments ? breakParent : ""]);
    }
    case "Binary": return n.op === "^" ? [operand(path, print, "left"), " ", n.op, " ", operand(path, print, "right")] : binaryChain(path, print);
    case "Unary": return ["-", operand(path, print, "operand")];
    case "Range": return [operand(path, print, "lo"), " .. ", operand(path, print, "hi")];
    case "Error": throw new Error("pnn: cannot format a file with syntax errors");
    default: return "";
  }
}

/**
 * Leading and trailing comments of a node (every node prints its own, so that comments from
 * different nodes cannot run together). A comment printed inline first flushes any `// comment`
 * still waiting for the end of the line (lineSuffixBoundary), so two line comments never merge
 * into one and comments keep their order.
 */
function ownComments(node: Node, text: string): { leading: Doc[]; trailing: Doc[]; any: boolean } {
  const leading: Doc[] = [];
  const trailing: Doc[] = [];
  let prevSuffix = false;
  for (const c of node.comments ?? []) {
    if (c.leading) {
      c.printed = true;
      const ownLineAfter = !c.block || hasNewlineAfter(text, c.span.end);
      leading.push(lineSuffixBoundary, printCommentDoc(c), ownLineAfter ? hardline : " ");
      if (ownLineAfter && util.isNextLineEmpty(text, c.span.end)) leading.push(hardline);
    } else if (c.trailing) {
      c.printed = true;
      if (prevSuffix || hasNewlineBefore(text, c.span.start)) {
        const blank = util.isPreviousLineEmpty(text, c.span.start);
        trailing.push(lineSuffix([hardline, blank ? hardline : "", printCommentDoc(c)]), breakParent);
        prevSuffix = true;
      } else if (!c.block) {
        trailing.push(lineSuffixBoundary, lineSuffix([" ", printCommentDoc(c)]), breakParent);
        prevSuffix = true;
      } else {
        trailing.push(lineSuffixBoundary, " ", printCommentDoc(c));
      }
    }
  }
  return { leading, trailing, any: leading.length + trailing.length > 0 };
}

function hasNewlineAfter(text: string, i: number): boolean {
  for (let j = i; j < text.length; j++) {
    if (text[j] === "\n") return true;
    if (text[j] !== " " && text[j] !== "\t" && text[j] !== "\r") return false;
  }
  return true;
}

// Chains (`a + b + c`, `f(x)(y)`, `m.a.b`) nest one level per link and may be thousands long:
// they print with a loop over the spine (the links without comments of their own), which
// Prettier's recursive print would otherwise walk one stack frame group per link.

const hasOwnComments = (n: A.Expr) => ((n as Node).comments?.length ?? 0) > 0;

/** `a + b + c`: the left spine of same-precedence operators, printed flat. */
function binaryChain(path: AstPath<any>, print: Print): Doc {
  const links: A.BinaryExpr[] = [path.node];
  for (;;) {
    const top = links[links.length - 1];
    const l = top.left;
    if (l.kind !== "Binary" || l.op === "^" || level(l) !== level(top) || needsParens(top as Node, "left", l) || hasOwnComments(l)) break;
    links.push(l);
  }
  const keysTo = (i: number) => Array<string>(i).fill("left"); // path from the outermost link to links[i]
  const inner = links[links.length - 1];
  const at = (keys: string[]) => path.call(() => print(), ...(keys as [string]));
  const paren = (parent: A.BinaryExpr, key: "left" | "right", d: Doc) => (needsParens(parent as Node, key, parent[key]) ? ["(", d, ")"] : d);
  const parts: Doc[] = [paren(inner, "left", at([...keysTo(links.length - 1), "left"]))];
  for (let i = links.length - 1; i >= 0; i--) parts.push(" ", links[i].op, " ", paren(links[i], "right", at([...keysTo(i), "right"])));
  return parts;
}

function chainLink(e: A.Expr): e is A.CallExpr | A.MemberExpr {
  return (e.kind === "Call" || e.kind === "Member") && !hasOwnComments(e);
}

/** `f(x)(y).z`: the callee/object spine of calls and members, printed with a loop. */
function postfixChain(path: AstPath<any>, print: Print): Doc {
  const links: (A.CallExpr | A.MemberExpr)[] = [path.node];
  for (;;) {
    const top = links[links.length - 1];
    const next = top.kind === "Call" ? top.callee : top.object;
    if (!chainLink(next)) break;
    links.push(next);
  }
  const keyOf = (l: A.CallExpr | A.MemberExpr) => (l.kind === "Call" ? "callee" : "object");
  const keysTo = (i: number) => links.slice(0, i).map(keyOf);
  const inner = links[links.length - 1];
  const base = path.call(() => print(), ...([...keysTo(links.length - 1), keyOf(inner)] as [string]));
  let doc: Doc = needsParens(inner as Node, keyOf(inner), inner.kind === "Call" ? inner.callee : inner.object) ? ["(", base, ")"] : base;
  for (let i = links.length - 1; i >= 0; i--) {
    const link = links[i];
    const keys = keysTo(i) as [string];
    if (link.kind === "Member") {
      doc = [doc, ".", path.call(() => print("member"), ...keys)];
      continue;
    }
    const args = path.call((p) => p.map(() => print(), "args"), ...keys);
    const own = i === 0 ? dangling(path) : { docs: [], hasLine: false }; // inner links have no comments
    if (args.length > 0) doc = group([doc, "(", indent([softline, join([",", line], args)]), softline, ")"]);
    else if (own.docs.length === 0) doc = [doc, "()"];
    else if (!own.hasLine) doc = [doc, "(", lineSuffixBoundary, join(" ", own.docs), ")"];
    else doc = [doc, "(", indent([hardline, join(hardline, own.docs)]), hardline, ")"];
  }
  return doc;
}

function operand(path: AstPath<any>, print: Print, key: string): Doc {
  const parent = path.node;
  const child = (parent as unknown as Record<string, A.Expr>)[key];
  const d = print(key);
  return needsParens(parent, key, child) ? ["(", d, ")"] : d;
}

export const printers: Record<string, Printer<Node>> = {
  "pnn-ast": {
    print(path, options, print) {
      let d = printNode(path, options as ParserOptions<Node>, print as Print);
      const n = path.node;
      if (n.kind === "Program") return d;
      if (n.kind !== "Call" && !BODY_KINDS.has(n.kind)) {
        // Any other dangling comment (e.g. `5 /* c */ rad`) stays inside its node, after it.
        const rest = dangling(path);
        if (rest.docs.length > 0) {
          d = [d, ...rest.docs.map((c) => (typeof c === "string" && c.startsWith("//") ? [lineSuffixBoundary, lineSuffix([" ", c]), breakParent] : [lineSuffixBoundary, " ", c]))];
        }
      }
      const parent = path.parent as Node | null;
      // A pipeline's head and steps get their comments printed by the pipeline itself.
      if (parent?.kind === "Pipe" && !(n.kind === "Pipe" && parent.input === n)) return d;
      const own = ownComments(n, options.originalText);
      return own.any ? [own.leading, d, own.trailing] : d;
    },
    willPrintOwnComments: () => true,
    printComment(path) {
      return printCommentDoc(path.node as A.Comment);
    },
    isBlockComment: (c) => (c as A.Comment).block === true,
    canAttachComment: (n) => !!n && typeof n === "object" && "kind" in n && n.kind !== "Comment" && n.kind !== "Unit" && n.kind !== "Program",
    getCommentChildNodes: (n) => children(n),
    getVisitorKeys: (n) => VISITOR_KEYS[(n as Node).kind] ?? [],
    handleComments: {
      ownLine: (c, text, _o, ast) => handleComment(context(c, text, ast)),
      endOfLine: (c, text, _o, ast) => handleComment(context(c, text, ast)),
      remaining: (c, text, _o, ast) => handleComment(context(c, text, ast)),
    },
  },
};

// Prettier deletes `program.comments` before attaching; remember them for `bodyOpen`.
const innerParse = parsers.pnn.parse;
parsers.pnn.parse = (text, options) => {
  const ast = innerParse(text, options) as Node & A.Program;
  allComments.set(ast, [...ast.comments]);
  indexParents(ast);
  return ast;
};

export const options = {};
export const defaultOptions = { tabWidth: 2, useTabs: false };

export default { languages, parsers, printers, options, defaultOptions };
