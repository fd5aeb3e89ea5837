/**
 * Reading files a user names, safely. Two helpers, shared by the CLI, the checker (imports,
 * matrix files, data paths), the language server and data loading:
 *  - readTextFile(path, maxBytes): a regular file's text, or why not. The file is opened
 *    non-blocking and checked with fstat before anything is read, so a FIFO, /dev/zero, a
 *    socket or a directory is refused at once (never blocks, never reads a device), and no
 *    more than maxBytes + 1 bytes are ever read.
 *  - confine(dir, name): a path named relative to a folder (or absolute), accepted only if it
 *    stays inside that folder both as written and after resolving symbolic links (realpath),
 *    so a link inside the folder that points outside it is refused before anything reads it.
 *  - readBinaryFile(path, maxBytes): readTextFile's rules for bytes (checkpoints).
 *  - fileSystemFailure(e): a Node file-system error (ENOSPC, EIO, EROFS, ENOTDIR …) as one line
 *    naming the path and the reason, so every such failure reaches the user the same way.
 * No diagnostics here: callers turn the `problem` strings into their own codes.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export type ReadResult =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly kind: "missing" | "not-file" | "too-large" | "unreadable"; readonly problem: string };

function why(e: unknown): { kind: "missing" | "unreadable"; problem: string } {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT" || code === "ENOTDIR") return { kind: "missing", problem: "no such file" };
  if (code === "EACCES" || code === "EPERM") return { kind: "unreadable", problem: "permission denied" };
  if (code === "EISDIR") return { kind: "unreadable", problem: "it is a directory" };
  if (code === "ELOOP") return { kind: "unreadable", problem: "too many levels of symbolic links" };
  return { kind: "unreadable", problem: code ?? String((e as Error).message) };
}

function describeNonFile(st: fs.Stats): string {
  const what = st.isDirectory() ? "a directory" : st.isFIFO() ? "a named pipe" : st.isCharacterDevice() || st.isBlockDevice() ? "a device" : st.isSocket() ? "a socket" : "";
  return `not a regular file${what ? ` (${what})` : ""}`;
}

/** The UTF-8 text of a regular file of at most `maxBytes` bytes (see the file comment). */
export function readTextFile(file: string, maxBytes: number): ReadResult {
  const r = readBinaryFile(file, maxBytes);
  return r.ok ? { ok: true, text: r.bytes.toString("utf8") } : r;
}

export type BinaryReadResult = { readonly ok: true; readonly bytes: Buffer } | Extract<ReadResult, { ok: false }>;

/** The bytes of a regular file of at most `maxBytes` bytes: opened non-blocking, fstat-checked, read bounded. */
export function readBinaryFile(file: string, maxBytes: number): BinaryReadResult {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | (fs.constants.O_NOCTTY ?? 0));
  } catch (e) {
    return { ok: false, ...why(e) };
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return { ok: false, kind: "not-file", problem: describeNonFile(st) };
    if (st.size > maxBytes) return { ok: false, kind: "too-large", problem: `it is ${st.size.toLocaleString("en-US")} bytes; the limit is ${maxBytes.toLocaleString("en-US")}` };
    // Read at most maxBytes + 1: a file that grows after fstat is still bounded.
    const buf = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max(st.size, 0) + 65536));
    let n = 0;
    for (;;) {
      if (n === buf.length) break;
      const got = fs.readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
    }
    if (n > maxBytes) return { ok: false, kind: "too-large", problem: `it is more than ${maxBytes.toLocaleString("en-US")} bytes, the limit` };
    return { ok: true, bytes: buf.subarray(0, n) };
  } catch (e) {
    return { ok: false, ...why(e) };
  } finally {
    fs.closeSync(fd);
  }
}

/** realpath, or undefined when the path does not exist (or cannot be resolved). */
export function realPathOf(p: string): string | undefined {
  try {
    return fs.realpathSync.native(p);
  } catch {
    return undefined;
  }
}

function inside(p: string, root: string): boolean {
  const r = path.relative(root, p);
  return r === "" || (!r.startsWith("..") && !path.isAbsolute(r));
}

export type Confined =
  | { readonly ok: true; readonly path: string; readonly real?: string }
  | { readonly ok: false; readonly problem: string };

/**
 * `relative` resolved against `dir`, if it stays inside `dir` as written and after resolving
 * symbolic links. `path` is the path as written (absolute); `real` its realpath when the file
 * exists. `realPath` resolves links (the disk's by default; a test or an editor may pass its own).
 */
export function confine(dir: string, relative: string, realPath: (p: string) => string | undefined = realPathOf): Confined {
  const base = path.resolve(dir);
  if (relative.includes("\0")) return { ok: false, problem: `'${relative.replace(/\0/g, "\\0")}' contains a NUL character` };
  const target = path.resolve(base, relative);
  if (target === base) return { ok: false, problem: `'${relative}' names the project folder ${base} itself, not a file in it` };
  if (!inside(target, base)) return { ok: false, problem: `'${relative}' is outside the project folder ${base}` };
  const real = realPath(target);
  if (real === undefined) return { ok: true, path: target };
  const realBase = realPath(base) ?? base;
  if (!inside(real, realBase) || real === realBase) return { ok: false, problem: `'${relative}' links to ${real}, outside the project folder ${realBase}` };
  return { ok: true, path: target, real };
}

/**
 * Why `file` (links followed) cannot be read as a text file of at most `maxBytes`, without
 * opening it; undefined when it can, or when it does not exist (the reader reports that).
 * A check before handing the path to a reader that does not bound itself.
 */
export function fileProblem(file: string, maxBytes: number): { kind: "not-file" | "too-large"; problem: string } | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return undefined;
  }
  if (!st.isFile()) return { kind: "not-file", problem: describeNonFile(st) };
  if (st.size > maxBytes) return { kind: "too-large", problem: `it is ${st.size.toLocaleString("en-US")} bytes; the limit is ${maxBytes.toLocaleString("en-US")}` };
  return undefined;
}

/** What a file-system error code means, in words. */
const REASONS: Readonly<Record<string, string>> = {
  ENOENT: "no such file or folder",
  ENOTDIR: "a folder on the way is a file",
  EISDIR: "it is a folder",
  EEXIST: "it already exists",
  ENOTEMPTY: "the folder is not empty",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EIO: "input/output error",
  EFBIG: "file too large",
  EMFILE: "too many open files",
  ENFILE: "too many open files in the system",
  ENAMETOOLONG: "the name is too long",
  ELOOP: "too many levels of symbolic links",
  EBUSY: "it is busy",
  ETXTBSY: "it is busy",
  EXDEV: "it is on another device",
  EINVAL: "invalid argument",
};

const VERBS: Readonly<Record<string, string>> = {
  open: "open", read: "read", write: "write", fsync: "write", close: "write", mkdir: "create the folder", rmdir: "remove",
  rename: "rename", unlink: "remove", rm: "remove", scandir: "list", stat: "read", lstat: "read", fstat: "read",
  copyfile: "copy", chmod: "change the mode of", chown: "change the owner of", symlink: "link", link: "link", realpath: "resolve", access: "access", utime: "write",
};

/** The reason for an errno code in words ("no space left on the device (ENOSPC)"); the code alone when unknown. */
export function reasonOf(code: string): string {
  return REASONS[code] ? `${REASONS[code]} (${code})` : code;
}

/** `e`, naming `file` if it names no path yet (errors of writeSync and fsync carry none): rethrow it. */
export function namingPath(e: unknown, file: string): unknown {
  if (e instanceof Error && typeof (e as NodeJS.ErrnoException).code === "string" && (e as NodeJS.ErrnoException).path === undefined) (e as NodeJS.ErrnoException).path = file;
  return e;
}

/**
 * A Node file-system error (it has an errno `code` and a `syscall`) as one line: what could not
 * be done to which path, and why (`cannot write runs/x/metrics.jsonl: no space left on the
 * device (ENOSPC)`); undefined for anything else.
 */
export function fileSystemFailure(e: unknown): string | undefined {
  if (!(e instanceof Error)) return undefined;
  const err = e as NodeJS.ErrnoException & { dest?: string };
  if (typeof err.code !== "string" || !/^E[A-Z]+$/.test(err.code) || typeof err.syscall !== "string") return undefined;
  const verb = VERBS[err.syscall] ?? err.syscall;
  const target = err.path !== undefined ? ` ${err.path}${err.dest !== undefined ? ` to ${err.dest}` : ""}` : "";
  return `cannot ${verb}${target}: ${reasonOf(err.code)}`;
}
