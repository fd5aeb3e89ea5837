// An external layer in the editor (pnn lsp): its refusals show as diagnostics at the declaration,
// the outline lists it, and hover, semantic tokens and formatting work on a file that has one.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LspClient, uriOf } from "../lsp/client.js";
import { REPO, tmpDir } from "../train/helpers.js";

describe("an external layer in the language server", () => {
  let client: LspClient;
  let file: string;
  let text: string;
  beforeAll(async () => {
    const ws = tmpDir("pnn-hw-lsp-");
    client = new LspClient();
    await client.initialize(ws);
    file = path.join(ws, "box.pnn");
    text = fs.readFileSync(path.join(REPO, "examples/devices/box.pnn"), "utf8").replace("rule = physics_aware", "rule = hardware_aware");
    fs.writeFileSync(file, text);
  }, 120_000);
  afterAll(async () => {
    await client.shutdown();
  });

  it("PNN4004 at the external declaration; the outline, hover, tokens and formatting answer", async () => {
    const got = client.waitFor("textDocument/publishDiagnostics", (p) => p.uri === uriOf(file));
    client.open(file, text);
    const ds = (await got).diagnostics as { code: string; range: { start: { line: number } } }[];
    const line = text.split("\n").findIndex((l) => l.includes("external stdio"));
    expect(ds.find((d) => d.code === "PNN4004")?.range.start.line).toBe(line);
    const symbols = (await client.request("textDocument/documentSymbol", { textDocument: { uri: uriOf(file) } })) as { name: string; children?: { name: string }[] }[];
    expect(symbols.find((s) => s.name === "Box")!.children!.map((c) => c.name)).toContain("external");
    const col = text.split("\n")[line]!.indexOf("stdio");
    await client.request("textDocument/hover", { textDocument: { uri: uriOf(file) }, position: { line, character: col + 1 } });
    const tokens = (await client.request("textDocument/semanticTokens/full", { textDocument: { uri: uriOf(file) } })) as { data: number[] };
    expect(tokens.data.length).toBeGreaterThan(0);
    const edits = (await client.request("textDocument/formatting", { textDocument: { uri: uriOf(file) }, options: { tabSize: 2, insertSpaces: true } })) as unknown[] | null;
    expect(edits ?? []).toEqual([]);
  });
});
