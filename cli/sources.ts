/**
 * Source text for printing a diagnostic's context line, when the diagnostic points into a file
 * (a .pnn file or a data file). Returns "" when the file cannot be read, is not a regular file,
 * is larger than a source file may be, or is binary (a checkpoint: its first "line" is no help).
 */
import { MAX_SOURCE_BYTES } from "../diagnostics/limits.js";
import { readTextFile } from "../runtime/files.js";

export function readSourceFor(file: string): string {
  const r = readTextFile(file, MAX_SOURCE_BYTES);
  return r.ok && !r.text.includes("\0") ? r.text : "";
}
