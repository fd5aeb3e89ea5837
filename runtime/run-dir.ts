/**
 * Output folders a command writes into: a training run's `--out` (checkpoint, metrics, summary,
 * run record) and a build's `-o`. In: the folder as the user named it. Out: the folder created
 * and, for a run, locked; or a `problem` sentence naming the path and the reason (the caller
 * turns it into a usage error, exit 2). Also removes the temporary files a killed process left
 * behind (`NAME.tmp-PID` of a process that no longer runs), and writes a build's folder as a
 * whole (writeFolderAtomically).
 *
 * The lock is a file `.pnn-lock` in the folder holding the owner's process id, created with
 * O_EXCL: a second `pnn train` into the same folder is refused while the first runs; a lock
 * whose process is gone (kill -9) is taken over. Within one process the lock is re-entrant
 * (the CLI locks before writing the run record, the driver's train product locks again).
 * No diagnostics and no exit codes here.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { reasonOf } from "./files.js";

export const LOCK_FILE = ".pnn-lock";

export type Prepared = { readonly ok: true } | { readonly ok: false; readonly problem: string };

function errnoOf(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? String((e as Error).message);
}

/** The first existing ancestor of `p` that is not a folder (the "file on the way"), if any. */
function fileOnTheWay(p: string): string | undefined {
  let at = path.resolve(p);
  for (;;) {
    const up = path.dirname(at);
    if (up === at) return undefined;
    at = up;
    try {
      if (!fs.statSync(at).isDirectory()) return at;
      return undefined;
    } catch {
      /* missing: look further up */
    }
  }
}

/**
 * Why `dir` cannot be an output folder, without changing anything: an empty name, a file, a
 * path under a file, or a path that cannot be examined; undefined when it is a folder or does
 * not exist yet (whether it can be created shows when it is).
 */
export function outputDirProblem(dir: string, flag: string): string | undefined {
  if (dir.trim() === "") return `${flag}: the folder name is empty`;
  if (dir.includes("\0")) return `${flag}: the folder name contains a NUL character`;
  try {
    const st = fs.statSync(dir);
    return st.isDirectory() ? undefined : `${flag} ${dir}: it is ${st.isFile() ? "a file" : "not a regular folder"}, not a folder`;
  } catch (e) {
    const code = errnoOf(e);
    if (code === "ENOTDIR") return `${flag} ${dir}: ${fileOnTheWay(dir) ?? "a folder on the way"} is a file, not a folder`;
    return code === "ENOENT" ? undefined : `${flag} ${dir}: ${reasonOf(code)}`;
  }
}

/** Creates `dir` (and its parents) as a folder, or says why it cannot be one. `flag` names the option in messages. */
export function prepareOutputDir(dir: string, flag: string): Prepared {
  const problem = outputDirProblem(dir, flag);
  if (problem) return { ok: false, problem };
  if (fs.existsSync(dir)) return { ok: true };
  try {
    makeFolders(path.resolve(dir));
  } catch (e) {
    const code = errnoOf(e);
    const onTheWay = code === "ENOTDIR" || code === "EEXIST" ? fileOnTheWay(dir) : undefined;
    return { ok: false, problem: `${flag} ${dir}: cannot create the folder: ${onTheWay ? `${onTheWay} is a file, not a folder` : reasonOf(code)}` };
  }
  return { ok: true };
}

/**
 * mkdir -p, one level at a time. Not fs.mkdirSync(…, { recursive: true }): on Node 20 it loops
 * forever where mkdir answers ENOENT under an existing folder (/proc/x).
 */
function makeFolders(dir: string): void {
  const missing: string[] = [];
  for (let at = dir; !fs.existsSync(at); at = path.dirname(at)) {
    missing.push(at);
    if (path.dirname(at) === at) break;
  }
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d);
    } catch (e) {
      if (errnoOf(e) !== "EEXIST" || !fs.statSync(d).isDirectory()) throw e;
    }
  }
}

function alive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes temporary files a killed process left in `dir` (`<file>.tmp-<pid>`, and folders named
 * so, of a process that is gone); with `prefix`, only those whose name starts with it (in a
 * folder that is not pnn's own, such as a build's parent).
 */
export function removeStaleTemporaries(dir: string, prefix = ""): void {
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const f of entries) {
    const m = /\.tmp-(\d+)$/.exec(f);
    if (m && f.startsWith(prefix) && Number(m[1]) !== process.pid && !alive(Number(m[1]))) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
  }
}

const held = new Map<string, number>();
let exitHook = false;

export type Locked = { readonly ok: true; release(): void } | { readonly ok: false; readonly problem: string };

/**
 * Prepares `dir` (prepareOutputDir) and takes its lock. `release()` gives it back (the last
 * release of a re-entrant lock removes the file); the lock is also removed when the process
 * exits normally.
 */
export function lockRunDir(dir: string, flag: string): Locked {
  const ready = prepareOutputDir(dir, flag);
  if (!ready.ok) return ready;
  const key = fs.realpathSync.native(dir);
  const lock = path.join(key, LOCK_FILE);
  const release = () => {
    const n = (held.get(key) ?? 1) - 1;
    if (n > 0) return void held.set(key, n);
    held.delete(key);
    try {
      if (Number(fs.readFileSync(lock, "utf8").split("\n")[0]) === process.pid) fs.rmSync(lock, { force: true });
    } catch {
      /* already gone */
    }
  };
  if (held.has(key)) {
    held.set(key, held.get(key)! + 1);
    return { ok: true, release };
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(lock, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o644);
      try {
        fs.writeSync(fd, `${process.pid}\n${new Date().toISOString()}\n`);
      } finally {
        fs.closeSync(fd);
      }
      held.set(key, 1);
      if (!exitHook) process.once("exit", releaseAllOnExit);
      exitHook = true;
      return { ok: true, release };
    } catch (e) {
      const code = errnoOf(e);
      if (code !== "EEXIST") return { ok: false, problem: `${flag} ${dir}: cannot write in the folder: ${reasonOf(code)}` };
    }
    let owner = NaN;
    let since = "";
    try {
      [owner, since] = ((t) => [Number(t[0]), t[1] ?? ""] as [number, string])(fs.readFileSync(lock, "utf8").split("\n"));
    } catch {
      continue; // removed meanwhile: try again
    }
    if (alive(owner) && owner !== process.pid)
      return { ok: false, problem: `${flag} ${dir}: another pnn process (pid ${owner}${since ? `, since ${since}` : ""}) is writing into this folder; wait for it to finish or choose another ${flag}` };
    fs.rmSync(lock, { force: true }); // a stale lock (its process is gone): take it over
  }
  return { ok: false, problem: `${flag} ${dir}: cannot take the folder's lock ${LOCK_FILE} (another process keeps taking it)` };
}

function releaseAllOnExit(): void {
  for (const key of held.keys()) {
    const lock = path.join(key, LOCK_FILE);
    try {
      if (Number(fs.readFileSync(lock, "utf8").split("\n")[0]) === process.pid) fs.rmSync(lock, { force: true });
    } catch {
      /* gone */
    }
  }
  held.clear();
}

/**
 * Writes `files` (name → bytes) as the folder `dir`, as a whole: into a temporary folder beside
 * it (same file system), each file synced, then renamed into place. When `dir` does not exist or
 * holds nothing but files of the same set (`replaceable` names), the folders are swapped by two
 * renames, so a reader sees the old set or the new one, never a mix; a failed write (a full disk,
 * a read-only folder) leaves `dir` as it was and removes the temporary folder. When `dir` holds
 * other files too, each file is renamed into it in the given order (the caller puts the file
 * that names the others — model.mjs — last). Every problem is returned as a sentence naming
 * `dir` and the reason.
 */
export function writeFolderAtomically(dir: string, files: readonly (readonly [string, Uint8Array | string])[], flag: string, replaceable: readonly string[] = files.map(([n]) => n)): Prepared {
  const problem = outputDirProblem(dir, flag);
  if (problem) return { ok: false, problem };
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  const base = path.basename(target);
  const exists = fs.existsSync(target);
  const ready = prepareOutputDir(parent, flag);
  if (!ready.ok) return { ok: false, problem: ready.problem.replace(`${flag} ${parent}`, `${flag} ${dir}`) };
  const tag = `.${base}.pnn-build`;
  removeStaleTemporaries(parent, tag);
  const tmp = path.join(parent, `${tag}.tmp-${process.pid}`);
  const old = path.join(parent, `${tag}-old.tmp-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  try {
    fs.mkdirSync(tmp);
    for (const [name, bytes] of files) writeSynced(path.join(tmp, name), bytes);
    const others = exists ? fs.readdirSync(target).filter((f) => !replaceable.includes(f)) : [];
    if (!exists) fs.renameSync(tmp, target);
    else if (others.length === 0) {
      fs.renameSync(target, old);
      fs.renameSync(tmp, target);
      fs.rmSync(old, { recursive: true, force: true });
    } else {
      for (const [name] of files) fs.renameSync(path.join(tmp, name), path.join(target, name));
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!fs.existsSync(target) && fs.existsSync(old)) fs.renameSync(old, target); // put the old build back
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code !== "string") throw e;
    return { ok: false, problem: `${flag} ${dir}: cannot write the files: ${reasonOf(code)}${exists ? "; the folder is as it was" : ""}` };
  }
  return { ok: true };
}

function writeSynced(file: string, bytes: Uint8Array | string): void {
  const fd = fs.openSync(file, "w");
  try {
    fs.writeSync(fd, typeof bytes === "string" ? Buffer.from(bytes, "utf8") : bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
