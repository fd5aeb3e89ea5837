/**
 * The checker's diagnostics as LSP diagnostics: same codes, messages and spans as `pnn check`.
 * Only those located in the document itself are published for it (an imported file's own
 * problems are published when that file is open; the import line reports them too). A certain
 * fix (the checker's "did you mean") travels in `data` for the quick-fix code action. At most
 * MAX_PRINTED_DIAGNOSTICS_PER_FILE are published, as `pnn check` prints, then one note saying
 * how many more there are (a file of random bytes has thousands).
 */
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic, type TextEdit } from "vscode-languageserver/node";
import type { Diagnostic } from "../diagnostics/catalog.js";
import { capPerFile, omittedLine } from "../diagnostics/format.js";
import type { Analysis } from "./analysis.js";
import { toRange } from "./positions.js";
import { pathToUri, spanFileToPath } from "./workspace.js";

export interface FixData {
  readonly fix: TextEdit;
}

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information } as const;

export function toLspDiagnostic(d: Diagnostic): LspDiagnostic {
  const out: LspDiagnostic = {
    range: toRange(d.span),
    severity: SEVERITY[d.severity],
    code: d.code,
    source: "pnn",
    message: d.message,
  };
  if (d.related.length)
    out.relatedInformation = d.related.map((r) => ({ location: { uri: pathToUri(spanFileToPath(r.span.file)), range: toRange(r.span) }, message: r.message }));
  if (d.fix) out.data = { fix: { range: toRange(d.fix.span), newText: d.fix.replacement } } satisfies FixData;
  return out;
}

export function documentDiagnostics(a: Analysis): LspDiagnostic[] {
  const { shown, omitted } = capPerFile(a.diagnostics.filter((d) => spanFileToPath(d.span.file) === a.path));
  const out = shown.map(toLspDiagnostic);
  for (const [file, count] of omitted)
    out.push({ range: out[out.length - 1]!.range, severity: DiagnosticSeverity.Information, source: "pnn", message: omittedLine(file, count) });
  return out;
}
