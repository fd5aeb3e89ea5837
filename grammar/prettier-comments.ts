/**
 * Where the `.pnn` Prettier plugin (prettier-plugin.ts) puts comments: the tree's shape as
 * Prettier walks it for attachment (children, visitor keys, bodies and where they open), the
 * pnn-specific placement rules (`handleComment`: each comment goes where printing it reparses to
 * the same place, which keeps formatting idempotent), and the parent/sibling index the printer
 * asks when a line comment must end a line. In: the parsed AST and its comments; out:
 * attachments made through Prettier's util. No printing here.
 */
import { util } from "prettier";
import type * as A from "./ast.js";

/** A node as Prettier sees it once comments are attached. */
export type Node = A.AnyNode & { comments?: AttachedComment[] };
export const locStart = (n: { span: { start: number } }): number => n.span.start;
export const locEnd = (n: { span: { end: number } }): number => n.span.end;

export type AttachedComment = A.Comment & { leading?: boolean; trailing?: boolean; printed?: boolean; value?: string; marker?: string };

export function children(n: Node): Node[] {
  const out: (A.AnyNode | undefined)[] = [];
  switch (n.kind) {
    case "Program": out.push(...n.items); break;
    case "Import": out.push(n.name, n.from); break;
    case "Const": out.push(n.name, n.value); break;
    case "Param": out.push(n.name, n.type, n.default); break;
    case "Layer": out.push(n.name, ...n.params, ...n.members); break;
    case "Trainable": out.push(n.name, n.type, n.init, n.range); break;
    case "Device": out.push(n.name, n.type, n.dist); break;
    case "External": out.push(n.transport); break;
    case "Let": out.push(n.name, n.value); break;
    case "Forward": out.push(n.input, n.inputType, n.outputType, n.body); break;
    case "Network": out.push(n.name, ...n.params, ...n.items); break;
    case "Input": case "Nodes": case "OutputNodes": out.push(n.name, n.type); break;
    case "Binding": out.push(n.name, n.value); break;
    case "Couple": out.push(n.from, n.to, n.via); break;
    case "Train": out.push(n.network, n.data, ...n.settings); break;
    case "Setting": out.push(n.key, n.value); break;
    case "Type": out.push(...(n.dims ?? [])); break;
    case "Member": out.push(n.object, n.member); break;
    case "Arg": out.push(n.name, n.value); break;
    case "Call": out.push(n.callee, ...n.args); break;
    case "Pipe": { const { head, steps } = flattenPipe(n); out.push(head, ...steps); break; }
    case "Binary": out.push(n.left, n.right); break;
    case "Unary": out.push(n.operand); break;
    case "Range": out.push(n.lo, n.hi); break;
    default: break; // Num (its unit prints inline), Str, Bool, Name, Ident, Unit, Error, Comment
  }
  return out.filter((c): c is Node => c !== undefined);
}

/** `a |> f |> g` is Pipe(Pipe(a, f), g); it prints (and takes comments) as head `a`, steps `f`, `g`. */
export function flattenPipe(p: A.PipeExpr): { head: A.Expr; steps: A.Expr[]; depth: number } {
  const steps: A.Expr[] = [];
  let e: A.Expr = p;
  while (e.kind === "Pipe") {
    steps.unshift(e.target);
    e = e.input;
  }
  return { head: e, steps, depth: steps.length };
}

export const VISITOR_KEYS: Record<string, string[]> = {
  Program: ["items"], Import: ["name", "from"], Const: ["name", "value"], Param: ["name", "type", "default"],
  Layer: ["name", "params", "members"], Trainable: ["name", "type", "init", "range"], Device: ["name", "type", "dist"],
  External: ["transport"], Let: ["name", "value"], Forward: ["input", "inputType", "outputType", "body"], Network: ["name", "params", "items"],
  Input: ["name", "type"], Nodes: ["name", "type"], OutputNodes: ["name", "type"], Binding: ["name", "value"],
  Couple: ["from", "to", "via"], Train: ["network", "data", "settings"], Setting: ["key", "value"], Type: ["dims"],
  Member: ["object", "member"], Arg: ["name", "value"], Call: ["callee", "args"], Pipe: ["input", "target"],
  Binary: ["left", "right"], Unary: ["operand"], Range: ["lo", "hi"], Num: ["unit"],
};

export const BODY_KINDS = new Set(["Layer", "Network", "Train"]);

function bodyOf(n: Node): readonly Node[] {
  if (n.kind === "Layer") return n.members;
  if (n.kind === "Network") return n.items;
  if (n.kind === "Train") return n.settings;
  return [];
}

/** Offset of the `{` opening a body: the first one after the header, skipping comments. */
export function bodyOpen(n: Node, text: string, comments: readonly A.Comment[]): number {
  const header: Node[] =
    n.kind === "Train" ? [n.network, n.data] : n.kind === "Layer" || n.kind === "Network" ? [n.name, ...n.params] : [];
  let i = Math.max(n.span.start, ...header.map(locEnd));
  while (i < text.length) {
    const c = comments.find((c) => c.span.start === i);
    if (c) { i = c.span.end; continue; }
    if (text[i] === "{") return i;
    i++;
  }
  return text.length;
}

export interface CommentContext {
  comment: AttachedComment;
  precedingNode?: Node;
  enclosingNode?: Node;
  followingNode?: Node;
  text: string;
  ast: Node;
}

/** Prettier (without `experimental_avoidAstMutation`) hands the placement over on the comment itself. */
export function context(c: unknown, text: string, ast: unknown): CommentContext {
  const comment = c as AttachedComment & { precedingNode?: Node; enclosingNode?: Node; followingNode?: Node };
  return { comment, precedingNode: comment.precedingNode, enclosingNode: comment.enclosingNode, followingNode: comment.followingNode, text, ast: ast as Node };
}

export const allComments = new WeakMap<object, readonly A.Comment[]>();

/**
 * Puts each comment where printing it reparses to the same place. Body comments before the
 * first member lead that member (or dangle in an empty body); inside a call's parentheses they
 * lead the first argument (or dangle); anywhere inside an expression a comment trails what
 * precedes it, so a `// line comment` is printed at the end of that line and never pulls the
 * next token onto a new line.
 */
export function handleComment(ctx: CommentContext): boolean {
  const { comment, precedingNode: before, enclosingNode: encl, followingNode: after, text } = ctx;
  if (!encl) return false; // top level: Prettier's defaults (leading/trailing of items)
  if (BODY_KINDS.has(encl.kind)) {
    const body = bodyOf(encl);
    const open = bodyOpen(encl, text, allComments.get(ctx.ast) ?? []);
    if (comment.span.start < open) return false;
    if (before && body.includes(before)) return false;
    if (after && body.includes(after) && /^[ \t]*$/.test(text.slice(open + 1, comment.span.start))) {
      util.addDanglingComment(encl, comment, "open"); // `layer L() { // note`: stays after the brace
    } else if (after && body.includes(after)) util.addLeadingComment(after, comment);
    else util.addDanglingComment(encl, comment, undefined);
    return true;
  }
  if (encl.kind === "Call") {
    const first = encl.args[0] as Node | undefined;
    if (!first) { util.addDanglingComment(encl, comment, undefined); return true; }
    if (comment.span.end <= first.span.start) { util.addLeadingComment(first, comment); return true; }
    const afterComma = !!before && text.slice(before.span.end, comment.span.start).includes(",");
    if (after && afterComma && (comment.block || hasNewlineBefore(text, comment.span.start))) {
      util.addLeadingComment(after, comment);
      return true;
    }
    if (before) { util.addTrailingComment(before, comment); return true; }
    return false;
  }
  if (encl.kind === "Pipe" && after && hasNewlineBefore(text, comment.span.start)) {
    util.addLeadingComment(after, comment); // printed on its own line before that step's `|>`
    return true;
  }
  if (before && encl.kind === "Pipe") {
    util.addTrailingComment(before, comment);
    return true;
  }
  if (before && (!comment.block || hasNewlineBefore(text, comment.span.start))) {
    // A line comment must end its output line: give it to the innermost enclosing node that
    // always does (a member, an argument of a broken call, a pipeline step, …).
    const unit = lineUnit(before);
    const ownLine = hasNewlineBefore(text, comment.span.start) || (unit.comments ?? []).some((c) => c.trailing && !c.block);
    const next = ownLine && unit.kind !== "Arg" ? nextSibling(unit) : undefined;
    // On a line of its own it reads back as leading the next sibling: attach it there now.
    if (next) util.addLeadingComment(next, comment);
    else util.addTrailingComment(unit, comment);
    return true;
  }
  if (before && encl.kind === "Member") {
    util.addTrailingComment(before, comment);
    return true;
  }
  return false;
}

const LINE_END_KINDS = new Set([
  "Import", "Const", "Layer", "Network", "Train", "Trainable", "Device", "External", "Let", "Forward",
  "Input", "Nodes", "OutputNodes", "Binding", "Couple", "Setting", "Arg", "Param",
]);

/** Parents in the comment tree (pipelines flattened); filled when a file is parsed. */
const parents = new WeakMap<object, Node>();

export function indexParents(root: Node): void {
  const todo: Node[] = [root];
  while (todo.length) {
    const n = todo.pop()!;
    for (const c of children(n)) {
      parents.set(c, n);
      todo.push(c);
    }
  }
}

function nextSibling(n: Node): Node | undefined {
  const p = parents.get(n);
  if (!p) return undefined;
  const sibs = children(p).sort((a, b) => a.span.start - b.span.start);
  return sibs[sibs.indexOf(n) + 1];
}

/**
 * The node whose printed text ends a line: a declaration, member or setting; an argument or a
 * parameter (a line comment breaks its list); a pipeline's head or step (it breaks the pipeline).
 */
function lineUnit(n: Node): Node {
  let cur = n;
  for (;;) {
    const p = parents.get(cur);
    if (!p || LINE_END_KINDS.has(cur.kind) || p.kind === "Pipe") return cur;
    cur = p;
  }
}

export function hasNewlineBefore(text: string, i: number): boolean {
  for (let j = i - 1; j >= 0; j--) {
    if (text[j] === "\n") return true;
    if (text[j] !== " " && text[j] !== "\t" && text[j] !== "\r") return false;
  }
  return true;
}
