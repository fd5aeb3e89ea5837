/**
 * Shared plumbing for CLI commands: reading source files with a clear error, the disk-backed
 * check host, and printing diagnostics as text or JSON.
 */
import * as fs from "node:fs";
import type { Diagnostic } from "../diagnostics/catalog.js";
import { diagnosticToJson, formatDiagnostic } from "../diagnostics/format.js";
import type { CheckHost } from "../compiler/sema/check.js";

import { UsageError } from "../compiler/driver/errors.js";

export { UsageError };

export function readSource(file: string): string {
  try {
    const st = fs.statSync(file);
    if (st.isDirectory()) throw new UsageError(`cannot read ${file}: it is a directory`);
    return fs.readFileSync(file, "utf8");
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${file}: ${code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : String((e as Error).message)}`);
  }
}

export const diskHost: CheckHost = {
  readFile(p: string) {
    try {
      return fs.readFileSync(p, "utf8");
    } catch {
      return undefined;
    }
  },
};

export function printDiagnostics(ds: readonly Diagnostic[], sources: ReadonlyMap<string, string>, json: boolean, out: NodeJS.WritableStream): void {
  if (json) {
    out.write(JSON.stringify({ diagnostics: ds.map(diagnosticToJson) }) + "\n");
    return;
  }
  for (const d of ds) out.write(formatDiagnostic(d, sources) + "\n");
}
