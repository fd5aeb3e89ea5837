// Issue 16: the language server publishes at most 100 diagnostics per file, as `pnn check`
// prints, then one note with the count of the rest (100 KB of random bytes gave 14,579). The
// server's framing and edit-range checks are tested with the server (test/lsp/).
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { diskHost } from "../../cli/io.js";
import { MAX_PRINTED_DIAGNOSTICS_PER_FILE } from "../../diagnostics/limits.js";
import { analyze } from "../../lsp/analysis.js";
import { documentDiagnostics } from "../../lsp/diagnostics.js";

describe("the language server caps diagnostics per file", () => {
  it("350 unknown names: 100 published, then one note saying 250 more", () => {
    const file = path.resolve("/tmp/pnn-lsp-cap/many.pnn");
    const text = Array.from({ length: 350 }, (_, i) => `const c${i} = nope${i}`).join("\n") + "\n";
    const a = analyze(text, file, diskHost);
    expect(a.diagnostics.length).toBe(350);
    const published = documentDiagnostics(a);
    expect(published.length).toBe(MAX_PRINTED_DIAGNOSTICS_PER_FILE + 1);
    expect(published.slice(0, 100).every((d) => d.code === "PNN2001")).toBe(true);
    expect(published[100]!.message).toBe(`${file}: 250 more diagnostics not shown (pnn prints the first 100 of each file)`);
    expect(published[100]!.severity).toBe(3); // information
  });

  it("a file with few diagnostics is published whole", () => {
    const a = analyze("const a = nope\n", path.resolve("/tmp/pnn-lsp-cap/few.pnn"), diskHost);
    expect(documentDiagnostics(a).map((d) => d.code)).toEqual(["PNN2001"]);
  });
});
