/**
 * The two ways a driver product refuses to run, for its callers (the CLI prints them and sets
 * the exit code; the language server shows them): the program (or a file it names) has
 * diagnostics — with the sources they point into, so they print with context — or the request
 * itself is wrong (a missing file, a bad flag value): a usage error.
 */
import type { Diagnostic } from "../../diagnostics/catalog.js";

export class DiagnosticsError extends Error {
  constructor(readonly diagnostics: readonly Diagnostic[], readonly sources: ReadonlyMap<string, string>) {
    super(`${diagnostics.length} diagnostics`);
  }
}

/** A mistake in how a command was asked for (exit code 2), not in the program. */
export class UsageError extends Error {}
