// Robustness: random edit sequences (fast-check) sent to the real server as incremental
// changes — half-typed words, stray brackets, unterminated strings and comments, deletions
// across lines. After each sequence the server must still answer every kind of request
// (hover, completion, navigation, symbols, tokens, formatting, inlay hints, folding, …), and
// the diagnostics it publishes for the final version must equal those `checkSource` computes
// on the same text (so incremental sync reconstructed the document exactly). Bounded runs.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { checkSource } from "../../compiler/sema/check.js";
import { ensureBuilt, LspClient, REPO, uriOf } from "./client.js";

let ws: string;
let client: LspClient;
beforeAll(async () => {
  ensureBuilt();
  ws = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-lsp-prop-"));
  client = new LspClient();
  await client.initialize(ws, { debounceMs: 0 });
}, 120_000);
afterAll(async () => {
  expect(await client.shutdown()).toBe(0);
  fs.rmSync(ws, { recursive: true, force: true });
});

const SEED = fs.readFileSync(path.join(REPO, "examples/optical_mlp_mnist.pnn"), "utf8");
const FRAGMENTS = ["(", ")", "{", "}", "[", "]", "\"", "/*", "*/", "//", "|>", "<->", "..", ".", ",", ":", "=", "~", "\n", " ", "optics.", "dense(", "rule = ", "0.1 dB per mzi", "layer", "network N {", "x", "é", "🙂", "1e309", "-", "forward(", "import a from \"./missing.pnn\"\n"];

const edit = fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), del: fc.nat({ max: 30 }), ins: fc.array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 4, unit: "binary" })), { maxLength: 3 }).map((xs) => xs.join("")) });

function position(text: string, offset: number) {
  const before = text.slice(0, offset);
  const line = before.split("\n").length - 1;
  return { line, character: offset - (before.lastIndexOf("\n") + 1) };
}

let runs = 0;
it("never crashes or hangs on random edit sequences, and stays in sync", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 6 }), fc.double({ min: 0, max: 1, noNaN: true }), async (edits, probe) => {
      const file = path.join(ws, `doc${runs++}.pnn`);
      const uri = uriOf(file);
      let text = SEED;
      let version = 1;
      client.open(file, text, version);
      for (const e of edits) {
        const start = Math.floor(e.at * text.length);
        const end = Math.min(text.length, start + e.del);
        const range = { start: position(text, start), end: position(text, end) };
        text = text.slice(0, start) + e.ins + text.slice(end);
        client.notify("textDocument/didChange", { textDocument: { uri, version: ++version }, contentChanges: [{ range, text: e.ins }] });
      }
      const finalVersion = version;
      const published = client.waitFor("textDocument/publishDiagnostics", (p) => p.uri === uri && p.version === finalVersion);
      const pos = position(text, Math.floor(probe * text.length));
      const td = { textDocument: { uri } };
      const answers = await Promise.all([
        client.request("textDocument/hover", { ...td, position: pos }, 5000),
        client.request("textDocument/completion", { ...td, position: pos }, 5000),
        client.request("textDocument/definition", { ...td, position: pos }, 5000),
        client.request("textDocument/references", { ...td, position: pos, context: { includeDeclaration: true } }, 5000),
        client.request("textDocument/documentSymbol", td, 5000),
        client.request("textDocument/semanticTokens/full", td, 5000),
        client.request("textDocument/formatting", { ...td, options: { tabSize: 2, insertSpaces: true } }, 10_000),
        client.request("textDocument/rangeFormatting", { ...td, range: { start: pos, end: pos }, options: { tabSize: 2, insertSpaces: true } }, 10_000),
        client.request("textDocument/inlayHint", { ...td, range: { start: { line: 0, character: 0 }, end: position(text, text.length) } }, 5000),
        client.request("textDocument/foldingRange", td, 5000),
        client.request("textDocument/selectionRange", { ...td, positions: [pos] }, 5000),
        client.request("textDocument/documentLink", td, 5000),
        client.request("textDocument/signatureHelp", { ...td, position: pos }, 5000),
        client.request("textDocument/documentHighlight", { ...td, position: pos }, 5000),
      ]);
      for (const i of [8, 9, 10, 11]) expect(Array.isArray(answers[i])).toBe(true);
      expect(Array.isArray(answers[1])).toBe(true);
      expect(Array.isArray(answers[4])).toBe(true);
      const got = (await published).diagnostics.map((d: any) => `${d.code} ${d.range.start.line}:${d.range.start.character} ${d.message}`);
      const want = checkSource(text, file, { readFile: () => undefined }).diagnostics
        .filter((d) => d.span.file === file)
        .map((d) => `${d.code} ${d.span.line - 1}:${d.span.col - 1} ${d.message}`);
      expect(got).toEqual(want);
      client.notify("textDocument/didClose", { textDocument: { uri } });
      expect(client.exited).toBeUndefined();
    }),
    { numRuns: 25, seed: 7 },
  );
  expect(client.stderr).toBe("");
  // Handlers catch their own failures and log them: none may have happened.
  expect(client.notifications.filter((n) => n.method === "window/logMessage").map((n) => n.params.message)).toEqual([]);
}, 120_000);
