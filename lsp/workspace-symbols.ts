/**
 * Workspace symbols: layers, networks, constants and train blocks — and, inside them, parameters,
 * device variables, lets, inputs, nodes and bindings — of every .pnn file in the workspace
 * folders (open documents as edited, other files as on disk), matched by the query's letters in
 * order, case-insensitively (`nmesh` finds NoisyMesh). Files are only parsed, not checked; a
 * parse is reused while the file's size and modification time are unchanged. The folder walk
 * skips dot-folders, node_modules and dist, and stops at MAX_FILES files.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { SymbolKind, type WorkspaceSymbol } from "vscode-languageserver/node";
import type * as A from "../grammar/ast.js";
import { MAX_SOURCE_BYTES, parse } from "../grammar/parse.js";
import { toRange } from "./positions.js";
import { pathToUri } from "./workspace.js";

export const MAX_FILES = 2000;
export const MAX_RESULTS = 500;

const cache = new Map<string, { stamp: string; program: A.Program }>();

/** Every .pnn file under `folders`, depth-first, at most MAX_FILES. */
function pnnFiles(folders: readonly string[]): string[] {
  const out: string[] = [];
  const visit = (dir: string, depth: number) => {
    if (out.length >= MAX_FILES || depth > 12) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (out.length >= MAX_FILES) return;
      if (e.isDirectory() && !e.name.startsWith(".") && e.name !== "node_modules" && e.name !== "dist") visit(path.join(dir, e.name), depth + 1);
      else if (e.isFile() && e.name.endsWith(".pnn")) out.push(path.join(dir, e.name));
    }
  };
  for (const f of folders) visit(f, 0);
  return out;
}

function programOf(file: string, open: ReadonlyMap<string, A.Program>): A.Program | undefined {
  const edited = open.get(file);
  if (edited) return edited;
  try {
    const st = fs.statSync(file);
    if (!st.isFile() || st.size > MAX_SOURCE_BYTES) return undefined;
    const stamp = `${st.size}:${st.mtimeMs}`;
    const hit = cache.get(file);
    if (hit?.stamp === stamp) return hit.program;
    const program = parse(fs.readFileSync(file, "utf8"), file).program;
    cache.set(file, { stamp, program });
    return program;
  } catch {
    return undefined;
  }
}

/** `nmesh` matches `NoisyMesh`: the query's letters appear in order. */
export function matches(query: string, name: string): boolean {
  let i = 0;
  const q = query.toLowerCase();
  const n = name.toLowerCase();
  for (let j = 0; j < n.length && i < q.length; j++) if (n[j] === q[i]) i++;
  return i === q.length;
}

export function workspaceSymbols(query: string, folders: readonly string[], open: ReadonlyMap<string, A.Program>): WorkspaceSymbol[] {
  const out: WorkspaceSymbol[] = [];
  const files = new Set([...open.keys(), ...pnnFiles(folders)]);
  for (const file of files) {
    const program = programOf(file, open);
    if (!program) continue;
    const uri = pathToUri(file);
    const add = (name: string, kind: SymbolKind, span: A.Ident["span"], container?: string) => {
      if (name && matches(query, name) && out.length < MAX_RESULTS) out.push({ name, kind, location: { uri, range: toRange(span) }, ...(container ? { containerName: container } : {}) });
    };
    for (const item of program.items) {
      switch (item.kind) {
        case "Const": add(item.name.name, SymbolKind.Constant, item.name.span); break;
        case "Layer":
          add(item.name.name, SymbolKind.Class, item.name.span);
          for (const p of item.params) add(p.name.name, SymbolKind.TypeParameter, p.name.span, item.name.name);
          for (const m of item.members) if (m.kind !== "Forward" && m.kind !== "External") add(m.name.name, m.kind === "Device" ? SymbolKind.Variable : SymbolKind.Field, m.name.span, item.name.name);
          break;
        case "Network":
          add(item.name.name, SymbolKind.Module, item.name.span);
          for (const i of item.items) if (i.kind !== "Couple") add(i.name.name, SymbolKind.Variable, i.name.span, item.name.name);
          break;
        case "Train": add(`train ${item.network.name}`, SymbolKind.Event, item.network.span); break;
        case "Import": break;
      }
    }
  }
  return out;
}
