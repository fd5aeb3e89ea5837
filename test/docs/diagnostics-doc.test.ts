// docs/diagnostics.md lists every code of the catalog (diagnostics/catalog.ts), in order, each
// under a heading `## CODE: title` with the catalog's own title, and nothing that is not in it;
// every error example on the page names a code of its own section (docs/writing-docs.md).
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { CATALOG } from "../../diagnostics/catalog.js";
import { fencedBlocks, pnnIntent, REPO } from "./markdown.js";

const DOC = "docs/diagnostics.md";
const text = fs.readFileSync(path.join(REPO, DOC), "utf8");
const headings = [...text.matchAll(/^## (PNN\d{4}): (.+)$/gm)].map((m) => ({ code: m[1]!, title: m[2]!.trim(), at: m.index! }));

describe("docs/diagnostics.md and the catalog", () => {
  it("documents every catalog code, in catalog order, with the catalog's title", () => {
    expect(headings.map((h) => `${h.code}: ${h.title}`)).toEqual(Object.entries(CATALOG).map(([code, e]) => `${code}: ${e.title}`));
  });

  it("each error example shows a code of its own section", () => {
    const blocks = fencedBlocks(DOC, text).filter((b) => b.lang === "pnn");
    expect(blocks.length).toBeGreaterThan(30);
    const lineStart = (line: number) => text.split("\n").slice(0, line - 1).join("\n").length;
    for (const b of blocks) {
      const intent = pnnIntent(b.intent);
      if (typeof intent === "string" || intent.kind !== "error") continue;
      const section = headings.filter((h) => h.at <= lineStart(b.line)).pop();
      expect(intent.expect.map((e) => e.code), `${DOC}:${b.line}`).toContain(section?.code);
    }
  });
});
