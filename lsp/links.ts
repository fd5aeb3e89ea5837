/**
 * Document links: the path string of every import opens what it names — a .pnn file under this
 * file's folder (when it exists), or a standard module's generated read-only view
 * (stdlib-view.ts).
 */
import type { DocumentLink } from "vscode-languageserver/node";
import type { SourceHost as CheckHost } from "../compiler/driver/session.js";
import { STD_MODULES } from "../stdlib/index.js";
import type { Analysis } from "./analysis.js";
import { toRange } from "./positions.js";
import { stdlibLocation } from "./stdlib-view.js";
import { pathToUri } from "./workspace.js";

export function documentLinks(a: Analysis, host: CheckHost): DocumentLink[] {
  const out: DocumentLink[] = [];
  for (const item of a.program.items) {
    if (item.kind !== "Import" || !item.from.value) continue;
    const info = a.imports.get(item.name.name);
    const span = item.from.span;
    // Inside the quotes.
    const range = toRange(span.end - span.start >= 2 ? { ...span, col: span.col + 1, endCol: span.endCol - 1 } : span);
    if (info?.target && host.readFile(info.target) !== undefined) out.push({ range, target: pathToUri(info.target), tooltip: "open the imported file" });
    else if (STD_MODULES.has(item.from.value)) {
      const view = stdlibLocation(item.from.value);
      if (view) out.push({ range, target: pathToUri(view.file), tooltip: `${item.from.value}: the standard library's declarations (read-only)` });
    }
  }
  return out;
}
