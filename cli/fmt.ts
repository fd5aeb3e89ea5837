/**
 * `pnn fmt`: formats `.pnn` files with the Prettier plugin (grammar/prettier-plugin.ts).
 * In: file paths and `--check`; out: files rewritten in place (only when they change) or, with
 * `--check`, a list of the files that would change. A file with syntax errors is never
 * rewritten: its diagnostics are printed and the run fails; nor is a file that is not valid
 * UTF-8 (PNN1003 at the first bad byte: rewriting would replace its bytes with U+FFFD).
 * Writing keeps the file what it was: through a symbolic link to its target (the link stays a
 * link), with its mode and owner, and — for a file with several hard links — in place, so every
 * link sees the new text; otherwise to a temporary file beside the target, renamed over it, so
 * a crash never leaves a half-written file. Reads are bounded like every source read.
 * Exit codes: 0 all formatted, 1 something to reformat (--check), syntax errors or invalid
 * UTF-8, 2 a file could not be read or written (the other files are still processed).
 * The command-line wiring (cli/main.ts) lives elsewhere.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { diag } from "../diagnostics/catalog.js";
import { capPerFile, escapeControls, formatDiagnostic, omittedLine } from "../diagnostics/format.js";
import { MAX_SOURCE_BYTES } from "../diagnostics/limits.js";
import { LineMap } from "../diagnostics/span.js";
import { parse } from "../grammar/parse.js";
import { formatSource } from "../compiler/driver/format.js";
import { fileSystemFailure, readBinaryFile } from "../runtime/files.js";

/** The offset of the first byte that is not part of well-formed UTF-8 (RFC 3629), or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0 || i + n >= b.length) return i;
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    if (b[i + 1] === undefined || b[i + 1]! < lo || b[i + 1]! > hi) return i;
    for (let k = 2; k <= n; k++) if (b[i + k] === undefined || (b[i + k]! & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return -1;
}

/** Where `runFmt` writes: anything with a `write(string)` (process.stdout, a test buffer). */
export interface Sink {
  write(s: string): unknown;
}

export async function runFmt(files: string[], opts: { check: boolean }, out: Sink, err: Sink): Promise<number> {
  let code = 0;
  const worse = (c: number) => { code = Math.max(code, c); };
  for (const file of files) {
    const read = readBinaryFile(file, MAX_SOURCE_BYTES);
    if (!read.ok) {
      err.write(`pnn fmt: cannot read ${escapeControls(file)}: ${read.problem}\n`);
      worse(2);
      continue;
    }
    const bad = firstInvalidUtf8(read.bytes);
    if (bad >= 0) {
      const before = read.bytes.subarray(0, bad).toString("utf8");
      const d = diag("PNN1003", new LineMap(file, before).span(before.length, before.length), `invalid UTF-8 (byte 0x${read.bytes[bad]!.toString(16).padStart(2, "0")} at byte offset ${bad}); pnn fmt leaves the file unchanged rather than replace bytes it cannot read`);
      err.write(formatDiagnostic(d, new Map([[file, before]])) + "\n");
      worse(1);
      continue;
    }
    const text = read.bytes.toString("utf8");
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
      writeKeepingFile(file, formatted, read.bytes);
      out.write(`${file}: formatted\n`);
    } catch (e) {
      err.write(`pnn fmt: ${escapeControls(fileSystemFailure(e) ?? `cannot write ${file}: ${(e as Error).message}`)}\n`);
      worse(2);
    }
  }
  return code;
}

/**
 * Replaces the text of `file` keeping what the file is: the link's target is written (a link
 * stays a link); mode and owner are kept; a file with several hard links is rewritten in place
 * (after the new text was written once beside it, so the disk has room; the old text is put
 * back if it fails), any other through a temporary file renamed over it.
 */
function writeKeepingFile(file: string, text: string, original: Uint8Array): void {
  const target = fs.realpathSync(file);
  const st = fs.statSync(target);
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.pnn-fmt.tmp-${process.pid}`);
  const bytes = Buffer.from(text, "utf8");
  fs.rmSync(tmp, { force: true });
  const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW ?? 0), 0o600);
  try {
    try {
      fs.writeSync(fd, bytes);
      fs.fchmodSync(fd, st.mode & 0o7777);
      try {
        fs.fchownSync(fd, st.uid, st.gid);
      } catch (e) {
        if (st.uid !== process.getuid?.()) throw e; // another user's file: keep its owner or leave it
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (st.nlink > 1) {
      try {
        fs.writeFileSync(target, bytes); // in place: every hard link sees it
      } catch (e) {
        fs.writeFileSync(target, original); // put the old text back (truncating freed its space)
        throw e;
      }
      fs.rmSync(tmp, { force: true });
    } else fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
