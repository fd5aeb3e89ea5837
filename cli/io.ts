/**
 * Shared plumbing for CLI commands: reading source files with a clear error, the disk-backed
 * check host, and printing diagnostics as text or JSON. Every read is bounded
 * (runtime/files.ts): a path that is not a regular file is a usage error, a .pnn file over
 * MAX_SOURCE_BYTES is PNN1004; nothing is read past the limit. Printing keeps the first
 * MAX_PRINTED_DIAGNOSTICS_PER_FILE diagnostics of each file and says how many more there are.
 */
import { diag, UserError, type Diagnostic } from "../diagnostics/catalog.js";
import { capPerFile, diagnosticToJson, formatDiagnostic, omittedLine } from "../diagnostics/format.js";
import { MAX_DATA_FILE_BYTES, MAX_MATRIX_FILE_BYTES, MAX_SOURCE_BYTES } from "../diagnostics/limits.js";
import { fileSpan } from "../diagnostics/span.js";
import type { CheckHost } from "../compiler/sema/check.js";
import { readTextFile } from "../runtime/files.js";

import { UsageError } from "../compiler/driver/errors.js";

export { UsageError };

/** A .pnn file named on the command line. Missing or not a regular file: UsageError; too large: PNN1004. */
export function readSource(file: string): string {
  const r = readTextFile(file, MAX_SOURCE_BYTES);
  if (r.ok) return r.text;
  if (r.kind === "too-large") throw new UserError(diag("PNN1004", fileSpan(file), `${file} is too large: ${r.problem}`));
  throw new UsageError(`cannot read ${file}: ${r.problem}`);
}

/** A data file named on the command line (`--input FILE`), bounded by MAX_DATA_FILE_BYTES; undefined when it does not exist. */
export function readDataFile(file: string, flag: string): string | undefined {
  const r = readTextFile(file, MAX_DATA_FILE_BYTES);
  if (r.ok) return r.text;
  if (r.kind === "missing") return undefined;
  throw new UsageError(`${flag}: cannot read ${file}: ${r.problem}`);
}

/**
 * `--input VALUE`: a file's text (file = its path), or, when no such file exists and VALUE
 * reads as values (it has a comma or white space, or is one number), VALUE itself (file =
 * the flag). A missing file is a usage error saying so (not "no input rows").
 */
export function readInputArgument(value: string, flag: string): { text: string; file: string } {
  const text = readDataFile(value, flag);
  if (text !== undefined) return { text, file: value };
  if (/[,\s]/.test(value.trim()) || /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value.trim())) return { text: value, file: flag };
  throw new UsageError(`${flag} ${value}: file not found (and not a list of numbers such as 0.1,0.2)`);
}

/**
 * The checker's view of the disk: imports (≤ MAX_SOURCE_BYTES, checked by the checker before
 * it reads) and matrix files (≤ MAX_MATRIX_FILE_BYTES); undefined for anything unreadable.
 */
export const diskHost: CheckHost = {
  readFile(p: string) {
    const r = readTextFile(p, MAX_MATRIX_FILE_BYTES);
    return r.ok ? r.text : undefined;
  },
};

export function printDiagnostics(ds: readonly Diagnostic[], sources: ReadonlyMap<string, string>, json: boolean, out: NodeJS.WritableStream): void {
  const { shown, omitted } = capPerFile(ds);
  if (json) {
    const extra = omitted.size ? { omitted: [...omitted].map(([file, count]) => ({ file, count })) } : {};
    out.write(JSON.stringify({ diagnostics: shown.map(diagnosticToJson), ...extra }) + "\n");
    return;
  }
  const lines: string[] = [];
  for (const d of shown) lines.push(formatDiagnostic(d, sources));
  for (const [file, count] of omitted) lines.push(omittedLine(file, count));
  if (lines.length) out.write(lines.join("\n") + "\n");
}
