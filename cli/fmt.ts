/**
 * `pnn fmt`: formats `.pnn` files with the Prettier plugin (grammar/prettier-plugin.ts).
 * In: file paths and `--check`; out: files rewritten in place (only when they change, written
 * to a temporary file and renamed over the original) or, with `--check`, a list of the files
 * that would change. A file with syntax errors is never rewritten: its diagnostics are printed
 * and the run fails. Exit codes: 0 all formatted, 1 something to reformat (--check) or syntax
 * errors, 2 a file could not be read (the other files are still processed).
 * The command-line wiring (cli/main.ts) lives elsewhere.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { capPerFile, escapeControls, formatDiagnostic, omittedLine } from "../diagnostics/format.js";
import { parse } from "../grammar/parse.js";
import { formatSource } from "../compiler/driver/format.js";

/** Where `runFmt` writes: anything with a `write(string)` (process.stdout, a test buffer). */
export interface Sink {
  write(s: string): unknown;
}

export async function runFmt(files: string[], opts: { check: boolean }, out: Sink, err: Sink): Promise<number> {
  let code = 0;
  const worse = (c: number) => { code = Math.max(code, c); };
  for (const file of files) {
    let text: string;
    try {
      text = await fs.readFile(file, "utf8");
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as NodeJS.ErrnoException).code === "EISDIR" ? "is a directory" : String((e as Error).message);
      err.write(`pnn fmt: cannot read ${file}: ${why}\n`);
      worse(2);
      continue;
    }
    const parsed = parse(text, file);
    const errors = parsed.diagnostics.filter((d) => d.severity === "error");
    if (errors.length > 0) {
      const sources = new Map([[file, text]]);
      const { shown, omitted } = capPerFile(errors);
      for (const d of shown) err.write(formatDiagnostic(d, sources) + "\n");
      for (const [f, n] of omitted) err.write(omittedLine(f, n) + "\n");
      worse(1);
      continue;
    }
    let formatted: string;
    try {
      formatted = await formatSource(text, file);
    } catch (e) {
      // Prettier appends a code frame (whole source lines): keep the first line, escaped.
      err.write(`pnn fmt: cannot format ${escapeControls(file)}: ${escapeControls((e as Error).message.split("\n")[0].slice(0, 1_000))}\n`);
      worse(1);
      continue;
    }
    if (formatted === text) continue;
    if (opts.check) {
      out.write(`${file}: would reformat\n`);
      worse(1);
      continue;
    }
    try {
      await writeAtomically(file, formatted);
      out.write(`${file}: formatted\n`);
    } catch (e) {
      err.write(`pnn fmt: cannot write ${file}: ${(e as Error).message}\n`);
      worse(2);
    }
  }
  return code;
}

/** Write next to the target and rename over it, so a crash never leaves a half-written file. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const mode = (await fs.stat(file)).mode;
    await fs.writeFile(tmp, text, { encoding: "utf8", mode });
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}
