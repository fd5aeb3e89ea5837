/**
 * The call the cursor is inside, read from the text before it (so it works on half-typed
 * lines): the callee as written, the arguments typed so far, whether the input is piped in
 * (`x |> f(…)`), and the train-block position it sits in (`rule = f(`, `optimizer = f(`, or
 * after `on` for a data set). Also the arguments that callee accepts. Used by completion and
 * signature help.
 */
import type { SourceHost as CheckHost } from "../compiler/driver/session.js";
import type * as A from "../grammar/ast.js";
import type { ArgSig } from "../stdlib/types.js";
import type { Analysis } from "./analysis.js";
import { resolveCallee, type Callee } from "./resolve.js";

export interface OpenCall {
  readonly callee: string;
  readonly inside: string;
  readonly piped: boolean;
  readonly setting?: string;
}

/** The callee text (`optics.mzi_mesh`, `dense`) resolved as an expression. */
export function resolveCalleeText(a: Analysis, callee: string, setting: string | undefined, host: CheckHost): Callee | undefined {
  const span = a.program.span;
  const parts = callee.split(".");
  const expr: A.Expr = parts.length === 2
    ? { kind: "Member", object: { kind: "Name", name: parts[0], span }, member: { kind: "Ident", name: parts[1], span }, span }
    : { kind: "Name", name: callee, span };
  return resolveCallee(a, expr, host, setting);
}

/** The innermost unclosed `(` before the cursor: its callee text, what is inside so far, and the train key it belongs to. */
export function openCall(before: string): OpenCall | undefined {
  let depth = 0;
  for (let i = before.length - 1; i >= 0; i--) {
    const ch = before[i];
    if (ch === ")") depth++;
    else if (ch === "(") {
      if (depth === 0) {
        const head = before.slice(0, i);
        const m = /([A-Za-z_][\w]*(?:\s*\.\s*[A-Za-z_]\w*)?)\s*$/.exec(head);
        if (!m) return undefined;
        const lead = head.slice(0, m.index);
        const key = /\bon\s*$/.test(lead) ? ["", "data"] : /([A-Za-z_]\w*)\s*=\s*$/.exec(lead);
        return { callee: m[1].replace(/\s+/g, ""), inside: before.slice(i + 1), piped: /\|>\s*$/.test(lead), ...(key ? { setting: key[1] } : {}) };
      }
      depth--;
    } else if (ch === "{" || ch === "}") return undefined;
  }
  return undefined;
}

export function argsOf(a: Analysis, callee: string, setting: string | undefined, host: CheckHost): readonly ArgSig[] | undefined {
  const c = resolveCalleeText(a, callee, setting, host);
  if (!c) return undefined;
  if (c.kind === "std") return c.sig.args;
  if (c.kind === "rule") return c.sig.options.list;
  if (c.kind === "optimizer") return c.sig.args;
  if (c.kind === "dataset")
    return c.entry.args.list;
  if (c.kind === "user") return c.decl.params.map((p) => ({ name: p.name.name, type: p.type.base === "int" ? { kind: "int" as const } : { kind: "quantity" as const, dim: [0, 0, 0, 0, 0, 0, 0] as const }, ...(p.default ? { default: null } : {}), doc: `parameter of layer ${c.decl.name.name}` }));
  return undefined;
}
