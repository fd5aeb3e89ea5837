/**
 * Signature help inside a call: the callee's parameters with their types and units, the
 * current one highlighted — by name after `name:`, else by position (the operand `x` counts
 * unless it is piped in with `|>`).
 */
import type { SignatureHelp } from "vscode-languageserver/node";
import type { SourceHost as CheckHost } from "../compiler/driver/session.js";
import type { Analysis } from "./analysis.js";
import { argsOf, openCall, resolveCalleeText } from "./call-context.js";
import { describeArgType, showConst } from "./describe.js";

export function signatureHelp(a: Analysis, offset: number, host: CheckHost): SignatureHelp | null {
  const before = a.text.slice(Math.max(0, offset - 4000), offset);
  const call = openCall(before);
  if (!call) return null;
  const callee = resolveCalleeText(a, call.callee, call.setting, host);
  const args = argsOf(a, call.callee, call.setting, host);
  if (!callee || !args) return null;
  const takesInput = (callee.kind === "std" && callee.sig.kind === "layer") || callee.kind === "user";
  const input = takesInput && !call.piped ? [{ label: "x", documentation: "the input tensor (or pipe it in: x |> …)" }] : [];
  const params = [
    ...input,
    ...args.map((p) => ({ label: `${p.name}${p.default === undefined ? "" : "?"}: ${describeArgType(p.type)}`, documentation: `${p.doc}${p.default === undefined ? " (required)" : ` (default ${showConst(p.default)})`}` })),
  ];
  const label = `${call.callee}(${params.map((p) => p.label).join(", ")})`;
  // Which argument the cursor is in: split what is typed at top level (outside nested brackets).
  let depth = 0;
  let commas = 0;
  let current = "";
  for (const ch of call.inside) {
    if (ch === "(" || ch === "[") depth++;
    else if (ch === ")" || ch === "]") depth--;
    else if (ch === "," && depth === 0) {
      commas++;
      current = "";
      continue;
    }
    current += ch;
  }
  const named = /^\s*([A-Za-z_]\w*)\s*:/.exec(current);
  const active = named ? input.length + args.findIndex((p) => p.name === named[1]) : Math.min(commas, params.length - 1);
  return { signatures: [{ label, parameters: params.map((p) => ({ label: p.label, documentation: p.documentation })) }], activeSignature: 0, activeParameter: Math.max(0, active) };
}
