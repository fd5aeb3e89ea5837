/**
 * The workspace the server serves: its folders (from `initialize`), URI ↔ path conversion, and
 * the CheckHost the checker reads imports through — an open document's current text first,
 * else the file on disk (bounded, regular files only), and never anything outside the workspace,
 * symbolic links included. Requests for documents outside the workspace are ignored by the
 * handlers (they ask `contains`).
 */
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { SourceHost as CheckHost } from "../compiler/driver/session.js";
import { MAX_MATRIX_FILE_BYTES } from "../diagnostics/limits.js";
import { readTextFile, realPathOf } from "../runtime/files.js";

export class Workspace {
  private folders: string[] = [];
  /** Open documents by absolute path → current text (kept by the server). */
  readonly openTexts = new Map<string, string>();

  /** The workspace folders, as absolute paths. */
  roots(): readonly string[] {
    return this.folders;
  }

  setFolders(uris: readonly string[]): void {
    this.folders = uris.map(uriToPath).filter((p): p is string => !!p).map((p) => path.resolve(p));
  }

  /** True when the URI names a file under a workspace folder (or any file when no folder was given). */
  contains(uri: string): boolean {
    const p = uriToPath(uri);
    if (!p) return false;
    if (this.folders.length === 0) return true;
    return this.folders.some((f) => p === f || p.startsWith(f.endsWith(path.sep) ? f : f + path.sep));
  }

  readonly host: CheckHost = {
    readFile: (absolutePath: string) => {
      const abs = path.resolve(absolutePath);
      const open = this.openTexts.get(abs);
      if (open !== undefined) return open;
      if (!this.contains(pathToUri(abs))) return undefined;
      // Bounded, regular files only, and the link target must be in the workspace too (runtime/files.ts).
      const real = realPathOf(abs);
      if (real !== undefined && real !== abs && !this.contains(pathToUri(real))) return undefined;
      const r = readTextFile(abs, MAX_MATRIX_FILE_BYTES);
      return r.ok ? r.text : undefined;
    },
  };
}

export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith("file:")) return undefined;
  try {
    return path.resolve(fileURLToPath(uri));
  } catch {
    return undefined;
  }
}

export function pathToUri(p: string): string {
  return pathToFileURL(path.resolve(p)).href;
}

/** Spans of imported files name them relative to the process's folder (see sema/check.ts): back to absolute. */
export function spanFileToPath(file: string): string {
  return path.resolve(process.cwd(), file);
}
