/**
 * Quick fixes: only where the fix is certain — the checker attached one to the diagnostic
 * (a misspelled name, member, train key or rule → the closest known name).
 */
import { CodeActionKind, type CodeAction, type CodeActionParams } from "vscode-languageserver/node";
import type { FixData } from "./diagnostics.js";

export function quickFixes(params: CodeActionParams): CodeAction[] {
  const out: CodeAction[] = [];
  for (const d of params.context.diagnostics) {
    const fix = (d.data as FixData | undefined)?.fix;
    if (!fix || typeof fix.newText !== "string" || !fix.range) continue;
    out.push({
      title: `Change to '${fix.newText}'`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [d],
      isPreferred: true,
      edit: { changes: { [params.textDocument.uri]: [fix] } },
    });
  }
  return out;
}
