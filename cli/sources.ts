/**
 * Source text for printing a diagnostic's context line, when the diagnostic points into a file
 * (a .pnn file or a data file). Returns "" when the file cannot be read.
 */
import * as fs from "node:fs";

export function readSourceFor(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
}
