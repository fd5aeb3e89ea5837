/**
 * Builds the readonly AST from chevrotain's CST. The CST may be partial after error recovery:
 * a missing name becomes an empty Ident and a missing expression an ErrorExpr, so every
 * consumer can walk a broken file without special cases. No diagnostics are made here.
 */
import type { CstElement, CstNode, IToken } from "chevrotain";
import type { LineMap, Span } from "../diagnostics/span.js";
import type * as A from "./ast.js";

type Kids = Record<string, CstElement[] | undefined>;

function isToken(e: CstElement): e is IToken {
  return (e as IToken).image !== undefined;
}

export class AstBuilder {
  constructor(private readonly lines: LineMap) {}

  private spanOfToken(t: IToken): Span {
    if (Number.isNaN(t.startOffset) || t.startOffset === undefined) return this.lines.span(this.lines.text.length, this.lines.text.length);
    return this.lines.span(t.startOffset, (t.endOffset ?? t.startOffset) + 1);
  }

  private spanOfNode(n: CstNode): Span {
    const loc = n.location;
    if (!loc || Number.isNaN(loc.startOffset)) {
      const toks = collectTokens(n);
      if (toks.length === 0) return this.lines.span(this.lines.text.length, this.lines.text.length);
      return this.lines.span(toks[0].startOffset, (toks[toks.length - 1].endOffset ?? toks[0].startOffset) + 1);
    }
    const end = loc.endOffset !== undefined && !Number.isNaN(loc.endOffset) ? loc.endOffset + 1 : loc.startOffset;
    return this.lines.span(loc.startOffset, end);
  }

  private tok(k: Kids, name: string, i = 0): IToken | undefined {
    const e = k[name]?.[i];
    return e && isToken(e) && !e.isInsertedInRecovery ? e : undefined;
  }
  private node(k: Kids, name: string, i = 0): CstNode | undefined {
    const e = k[name]?.[i];
    return e && !isToken(e) ? e : undefined;
  }
  private nodes(k: Kids, name: string): CstNode[] {
    return (k[name] ?? []).filter((e): e is CstNode => !isToken(e));
  }

  /** The token of an `anyName` subrule (an identifier or a keyword used as a name). */
  private nameTok(k: Kids, label: string, i = 0): IToken | undefined {
    const n = this.node(k, label, i);
    if (!n) return undefined;
    const t = Object.values(n.children)[0]?.[0];
    return t && isToken(t) && !t.isInsertedInRecovery ? t : undefined;
  }

  private ident(t: IToken | undefined, fallback: Span): A.Ident {
    return t ? { kind: "Ident", name: t.image, span: this.spanOfToken(t) } : { kind: "Ident", name: "", span: fallback };
  }

  program(n: CstNode, comments: IToken[]): A.Program {
    const items: A.TopItem[] = [];
    const k = n.children as Kids;
    const all: CstNode[] = [
      ...this.nodes(k, "importDecl"), ...this.nodes(k, "constDecl"), ...this.nodes(k, "layerDecl"),
      ...this.nodes(k, "networkDecl"), ...this.nodes(k, "trainDecl"),
    ].sort((a, b) => offsetOf(a) - offsetOf(b));
    for (const c of all) {
      switch (c.name) {
        case "importDecl": items.push(this.importDecl(c)); break;
        case "constDecl": items.push(this.constDecl(c)); break;
        case "layerDecl": items.push(this.layerDecl(c)); break;
        case "networkDecl": items.push(this.networkDecl(c)); break;
        case "trainDecl": items.push(this.trainDecl(c)); break;
      }
    }
    return {
      kind: "Program",
      items,
      comments: comments.map((t) => ({ kind: "Comment", text: t.image, block: t.image.startsWith("/*"), span: this.spanOfToken(t) })),
      span: this.lines.span(0, this.lines.text.length),
    };
  }

  private importDecl(n: CstNode): A.ImportDecl {
    const k = n.children as Kids;
    const span = this.spanOfNode(n);
    const s = this.tok(k, "StringLit");
    return {
      kind: "Import",
      name: this.ident(this.tok(k, "Identifier"), span),
      from: s ? { kind: "Str", value: unquote(s.image), span: this.spanOfToken(s) } : { kind: "Str", value: "", span },
      span,
    };
  }

  private constDecl(n: CstNode): A.ConstDecl {
    const k = n.children as Kids;
    const span = this.spanOfNode(n);
    return { kind: "Const", name: this.ident(this.tok(k, "Identifier"), span), value: this.exprOr(this.node(k, "expression"), span), span };
  }

  private params(n: CstNode | undefined): A.ParamDecl[] {
    if (!n) return [];
    return this.nodes(n.children as Kids, "paramDecl").map((p) => {
      const k = p.children as Kids;
      const span = this.spanOfNode(p);
      const def = this.node(k, "expression");
      return {
        kind: "Param",
        name: this.ident(this.tok(k, "Identifier"), span),
        type: this.typeRef(this.node(k, "typeRef"), span),
        ...(def ? { default: this.expr(def) } : {}),
        span,
      };
    });
  }

  private layerDecl(n: CstNode): A.LayerDecl {
    const k = n.children as Kids;
    const span = this.spanOfNode(n);
    const members: A.LayerMember[] = [];
    for (const m of this.nodes(k, "layerMember")) {
      const inner = firstNode(m);
      if (!inner) continue;
      const mk = inner.children as Kids;
      const ms = this.spanOfNode(inner);
      const name = this.ident(this.tok(mk, "Identifier"), ms);
      switch (inner.name) {
        case "externalDecl":
          members.push({ kind: "External", transport: this.exprOr(this.node(mk, "expression"), ms), span: ms });
          break;
        case "trainableDecl": {
          const init = this.node(mk, "init");
          const range = this.node(mk, "range");
          members.push({
            kind: "Trainable", name, type: this.typeRef(this.node(mk, "typeRef"), ms),
            ...(init ? { init: this.expr(init) } : {}), ...(range ? { range: this.expr(range) } : {}), span: ms,
          });
          break;
        }
        case "deviceDecl":
          members.push({
            kind: "Device", name, type: this.typeRef(this.node(mk, "typeRef"), ms),
            dist: this.exprOr(this.node(mk, "expression"), ms), perShot: !!this.tok(mk, "Kw_shot"), span: ms,
          });
          break;
        case "letDecl":
          members.push({ kind: "Let", name, value: this.exprOr(this.node(mk, "expression"), ms), span: ms });
          break;
        case "forwardDecl":
          members.push({
            kind: "Forward", input: name, inputType: this.typeRef(this.node(mk, "inputType"), ms),
            outputType: this.typeRef(this.node(mk, "outputType"), ms), body: this.exprOr(this.node(mk, "expression"), ms), span: ms,
          });
          break;
      }
    }
    return { kind: "Layer", name: this.ident(this.tok(k, "Identifier"), span), params: this.params(this.node(k, "paramList")), members, span };
  }

  private networkDecl(n: CstNode): A.NetworkDecl {
    const k = n.children as Kids;
    const span = this.spanOfNode(n);
    const items: A.NetworkItem[] = [];
    for (const it of this.nodes(k, "networkItem")) {
      const inner = firstNode(it);
      if (!inner) continue;
      const ik = inner.children as Kids;
      const is = this.spanOfNode(inner);
      const name = this.ident(this.tok(ik, "Identifier"), is);
      switch (inner.name) {
        case "inputDecl": items.push({ kind: "Input", name, type: this.typeRef(this.node(ik, "typeRef"), is), span: is }); break;
        case "nodesDecl": items.push({ kind: "Nodes", name, type: this.typeRef(this.node(ik, "typeRef"), is), span: is }); break;
        case "outputNodesDecl": items.push({ kind: "OutputNodes", name, type: this.typeRef(this.node(ik, "typeRef"), is), span: is }); break;
        case "bindingDecl":
          items.push({ kind: "Binding", name, value: this.exprOr(this.node(ik, "expression"), is), isOutput: !!this.tok(ik, "Kw_output"), span: is });
          break;
        case "coupleDecl": {
          const via = this.node(ik, "expression");
          items.push({
            kind: "Couple", from: this.ident(this.tok(ik, "from"), is), to: this.ident(this.tok(ik, "to"), is),
            symmetric: !!this.tok(ik, "BiArrow"), ...(via ? { via: this.expr(via) } : {}), span: is,
          });
          break;
        }
      }
    }
    return { kind: "Network", name: this.ident(this.tok(k, "Identifier"), span), params: this.params(this.node(k, "paramList")), items, span };
  }

  private trainDecl(n: CstNode): A.TrainDecl {
    const k = n.children as Kids;
    const span = this.spanOfNode(n);
    const settings: A.Setting[] = this.nodes(k, "setting").map((s) => {
      const sk = s.children as Kids;
      const ss = this.spanOfNode(s);
      return { kind: "Setting", key: this.ident(this.nameTok(sk, "key"), ss), value: this.exprOr(this.node(sk, "expression"), ss), span: ss };
    });
    return { kind: "Train", network: this.ident(this.tok(k, "Identifier"), span), data: this.exprOr(this.node(k, "expression"), span), settings, span };
  }

  private typeRef(n: CstNode | undefined, fallback: Span): A.TypeRef {
    if (!n) return { kind: "Type", base: "real", span: fallback };
    const k = n.children as Kids;
    const base: A.BaseType = this.tok(k, "Kw_int") ? "int" : this.tok(k, "Kw_complex") ? "complex" : "real";
    const dims = this.tok(k, "LBracket") ? this.nodes(k, "expression").map((e) => this.expr(e)) : undefined;
    return { kind: "Type", base, ...(dims ? { dims } : {}), span: this.spanOfNode(n) };
  }

  // ── expressions ────────────────────────────────────────────────────────────
  private exprOr(n: CstNode | undefined, fallback: Span): A.Expr {
    return n ? this.expr(n) : { kind: "Error", span: fallback };
  }

  expr(n: CstNode): A.Expr {
    const k = n.children as Kids;
    switch (n.name) {
      case "expression": {
        let e = this.exprOr(this.node(k, "rangeExpr"), this.spanOfNode(n));
        for (const t of this.nodes(k, "target")) {
          const target = this.expr(t);
          e = { kind: "Pipe", input: e, target, span: this.join(e.span, target.span) };
        }
        return e;
      }
      case "rangeExpr": {
        const parts = this.nodes(k, "additiveExpr");
        const lo = this.exprOr(parts[0], this.spanOfNode(n));
        if (!this.tok(k, "DotDot")) return lo;
        const hi = this.exprOr(parts[1], this.spanOfNode(n));
        return { kind: "Range", lo, hi, span: this.join(lo.span, hi.span) };
      }
      case "additiveExpr":
      case "multiplicativeExpr": {
        const operandName = n.name === "additiveExpr" ? "multiplicativeExpr" : "unaryExpr";
        const operands = this.nodes(k, operandName);
        const ops = [...(k.Plus ?? []), ...(k.Minus ?? []), ...(k.Star ?? []), ...(k.Slash ?? [])]
          .filter(isToken)
          .sort((a, b) => a.startOffset - b.startOffset);
        let e = this.exprOr(operands[0], this.spanOfNode(n));
        for (let i = 0; i < ops.length; i++) {
          const right = this.exprOr(operands[i + 1], this.spanOfNode(n));
          e = { kind: "Binary", op: ops[i].image as A.BinaryOp, left: e, right, span: this.join(e.span, right.span) };
        }
        return e;
      }
      case "unaryExpr": {
        const minus = this.tok(k, "Minus");
        if (minus) {
          const operand = this.exprOr(this.node(k, "unaryExpr"), this.spanOfToken(minus));
          return { kind: "Unary", op: "-", operand, span: this.join(this.spanOfToken(minus), operand.span) };
        }
        return this.exprOr(this.node(k, "powerExpr"), this.spanOfNode(n));
      }
      case "powerExpr": {
        const base = this.exprOr(this.node(k, "postfixExpr"), this.spanOfNode(n));
        if (!this.tok(k, "Caret")) return base;
        const exp = this.exprOr(this.node(k, "unaryExpr"), this.spanOfNode(n));
        return { kind: "Binary", op: "^", left: base, right: exp, span: this.join(base.span, exp.span) };
      }
      case "postfixExpr": {
        let e = this.exprOr(this.node(k, "primaryExpr"), this.spanOfNode(n));
        const suffixes: (IToken | CstNode)[] = [
          ...this.nodes(k, "member"),
          ...this.nodes(k, "argList"),
        ].sort((a, b) => offsetOfElement(a) - offsetOfElement(b));
        for (const s of suffixes) {
          if (isToken(s)) continue;
          if (s.name === "anyName") {
            const t = Object.values(s.children)[0]?.[0];
            if (!t || !isToken(t) || t.isInsertedInRecovery) continue;
            const member = this.ident(t, this.spanOfToken(t));
            e = { kind: "Member", object: e, member, span: this.join(e.span, member.span) };
          } else {
            const args = this.args(s);
            e = { kind: "Call", callee: e, args, span: this.join(e.span, this.spanOfNode(s)) };
          }
        }
        return e;
      }
      case "primaryExpr": {
        const num = this.node(k, "numberExpr");
        if (num) return this.number(num);
        const str = this.tok(k, "StringLit");
        if (str) return { kind: "Str", value: unquote(str.image), span: this.spanOfToken(str) };
        const t = this.tok(k, "Kw_true") ?? this.tok(k, "Kw_false");
        if (t) return { kind: "Bool", value: t.image === "true", span: this.spanOfToken(t) };
        const id = this.tok(k, "Identifier");
        if (id) return { kind: "Name", name: id.image, span: this.spanOfToken(id) };
        return this.exprOr(this.node(k, "expression"), this.spanOfNode(n));
      }
      default:
        return { kind: "Error", span: this.spanOfNode(n) };
    }
  }

  private number(n: CstNode): A.NumLit {
    const k = n.children as Kids;
    const t = this.tok(k, "NumberLit");
    const span = this.spanOfNode(n);
    if (!t) return { kind: "Num", value: NaN, raw: "", span };
    const u = this.node(k, "unitSuffix");
    let unit: A.UnitRef | undefined;
    if (u) {
      const uk = u.children as Kids;
      const atoms = (uk.atom ?? []).filter(isToken).map((a) => a.image);
      const per = this.tok(uk, "perName");
      unit = { kind: "Unit", text: atoms.join("/"), ...(per ? { per: per.image } : {}), span: this.spanOfNode(u) };
    }
    return { kind: "Num", value: Number(t.image), raw: t.image, ...(unit ? { unit } : {}), span };
  }

  private args(n: CstNode): A.Arg[] {
    return this.nodes(n.children as Kids, "arg").map((a) => {
      const ak = a.children as Kids;
      const nameTok = this.nameTok(ak, "argName");
      const span = this.spanOfNode(a);
      return {
        kind: "Arg",
        ...(nameTok ? { name: this.ident(nameTok, span) } : {}),
        value: this.exprOr(this.node(ak, "expression"), span),
        span,
      };
    });
  }

  private join(a: Span, b: Span): Span {
    const start = Math.min(a.start, b.start);
    const end = Math.max(a.end, b.end);
    return this.lines.span(start, end);
  }
}

function firstNode(n: CstNode): CstNode | undefined {
  for (const list of Object.values(n.children)) for (const e of list ?? []) if (!isToken(e)) return e;
  return undefined;
}

function offsetOf(n: CstNode): number {
  return n.location?.startOffset ?? 0;
}
function offsetOfElement(e: IToken | CstNode): number {
  return isToken(e) ? e.startOffset : offsetOf(e);
}

function collectTokens(n: CstNode): IToken[] {
  const out: IToken[] = [];
  for (const list of Object.values(n.children)) {
    for (const e of list ?? []) {
      if (isToken(e)) {
        if (!e.isInsertedInRecovery && !Number.isNaN(e.startOffset)) out.push(e);
      } else out.push(...collectTokens(e));
    }
  }
  return out.sort((a, b) => a.startOffset - b.startOffset);
}

export function unquote(raw: string): string {
  const body = raw.slice(1, raw.endsWith('"') && raw.length > 1 ? -1 : undefined);
  return body.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c === "t" ? "\t" : c));
}
