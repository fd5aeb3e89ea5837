// The server on a broken wire (issue 16): raw bytes on its stdin — a header without
// Content-Length, a negative, non-numeric or oversized one, "\n\n" header endings, binary
// garbage, a body that is not JSON, a body that stops arriving — must each be logged (stderr
// and window/logMessage) and followed by a resynchronisation: the next well-formed request is
// answered. Closing stdin ends the process. And didChange edits are checked before they are
// applied: an edit outside the document is refused (logged; the text stays as it was), a
// character past a line's end is clamped to the end of that line (the LSP spec's rule).
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, LspClient, REPO, uriOf } from "./client.js";

beforeAll(() => ensureBuilt(), 120_000);

const frame = (obj: unknown) => {
  const body = Buffer.from(JSON.stringify(obj), "utf8");
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`), body]);
};
const initialize = (id: number) => frame({ jsonrpc: "2.0", id, method: "initialize", params: { processId: null, rootUri: null, capabilities: {} } });

/** Starts the server, writes `bytes` then a well-formed initialize, and collects what comes back. */
async function afterBytes(bytes: Buffer, waitMs = 8000) {
  const proc = spawn(process.execPath, [path.join(REPO, "bin/pnn.js"), "lsp", "--stdio"], { cwd: REPO });
  let out = "";
  let err = "";
  proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr.on("data", (d: Buffer) => (err += d.toString()));
  proc.stdin.write(bytes);
  await new Promise((r) => setTimeout(r, 100));
  proc.stdin.write(initialize(7));
  const deadline = Date.now() + waitMs;
  while (!/"id":7,"result"/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  const exited = new Promise<number | null>((r) => proc.on("exit", (c) => r(c)));
  proc.stdin.end(); // no shutdown: exit status 1
  const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r("still running"), 5000))]);
  if (code === "still running") proc.kill();
  return { out, err, code, answered: /"id":7,"result"/.test(out) };
}

const CASES: Record<string, Buffer> = {
  "a header without Content-Length": Buffer.from("Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}"),
  "a negative Content-Length": Buffer.from("Content-Length: -5\r\n\r\n{}"),
  "a non-numeric Content-Length": Buffer.from("Content-Length: lots\r\n\r\n{}"),
  "an oversized Content-Length": Buffer.from("Content-Length: 99999999999\r\n\r\n{}"),
  "binary garbage": Buffer.from([0, 1, 2, 255, 254, 10, 13, 10, 13, 10, 0x43, 0x6f, 0x6e, 7]),
  "a body that is not JSON": Buffer.from("Content-Length: 5\r\n\r\n{abc}"),
  "a header block that never ends": Buffer.from("X".repeat(9000)),
};

describe("broken framing: logged, then the next message is answered", () => {
  for (const [name, bytes] of Object.entries(CASES)) {
    it(name, async () => {
      const r = await afterBytes(bytes);
      expect(r.answered, `no answer after ${name}; stderr: ${r.err}`).toBe(true);
      expect(r.err).toMatch(/pnn lsp: bad message framing: /);
      expect(r.out).toContain("bad message framing"); // also in the client's log (window/logMessage)
      expect(r.code).toBe(1); // stdin closed without shutdown
    }, 20_000);
  }

  it("headers ending in \\n\\n are accepted, with a note", async () => {
    const body = JSON.stringify({ jsonrpc: "2.0", id: 3, method: "initialize", params: { processId: null, rootUri: null, capabilities: {} } });
    const r = await afterBytes(Buffer.from(`Content-Length: ${Buffer.byteLength(body)}\n\n${body}`));
    expect(r.out).toMatch(/"id":3,"result"/);
    expect(r.answered).toBe(true);
    expect(r.err).toContain("\\n instead of \\r\\n");
  }, 20_000);

  it("a body that stops arriving is reported while the server waits", async () => {
    const proc = spawn(process.execPath, [path.join(REPO, "bin/pnn.js"), "lsp", "--stdio"], { cwd: REPO });
    let err = "";
    proc.stderr.on("data", (d: Buffer) => (err += d.toString()));
    proc.stdin.write("Content-Length: 500\r\n\r\n{\"jsonrpc\":");
    const deadline = Date.now() + 8000;
    while (!/waiting for a message body: 11 of the 500 bytes/.test(err) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    proc.kill();
    expect(err).toMatch(/waiting for a message body: 11 of the 500 bytes/);
  }, 20_000);

  it("well-formed messages split at every byte still arrive whole", async () => {
    const proc = spawn(process.execPath, [path.join(REPO, "bin/pnn.js"), "lsp", "--stdio"], { cwd: REPO });
    let out = "";
    let err = "";
    proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
    proc.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const bytes = Buffer.concat([initialize(1), frame({ jsonrpc: "2.0", id: 2, method: "shutdown", params: null }), frame({ jsonrpc: "2.0", method: "exit" })]);
    const exited = new Promise<number | null>((r) => proc.on("exit", (c) => r(c)));
    for (const b of bytes) {
      proc.stdin.write(Buffer.from([b]));
      if (b === 0x7d) await new Promise((r) => setImmediate(r));
    }
    expect(await exited).toBe(0);
    expect(out).toMatch(/"id":1,"result"/);
    expect(err).toBe("");
  }, 20_000);
});

describe("didChange ranges", () => {
  let ws: string;
  let client: LspClient;
  beforeAll(async () => {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-lsp-wire-"));
    client = new LspClient();
    await client.initialize(ws, { debounceMs: 0 });
  });
  afterAll(async () => {
    await client.shutdown();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  const text = "const a = 1\nconst b = 2\n";
  const logs = () => client.notifications.filter((n) => n.method === "window/logMessage").map((n) => n.params);
  /** Opens a document, sends one didChange, and returns the text the server then formats (its copy). */
  async function afterChange(name: string, change: unknown) {
    const file = path.join(ws, name);
    const uri = uriOf(file);
    client.open(file, text);
    client.notify("textDocument/didChange", { textDocument: { uri, version: 2 }, contentChanges: [change] });
    // The server's copy, read back through a request that echoes it: the full-document formatting edit.
    client.notify("textDocument/didChange", { textDocument: { uri, version: 3 }, contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: "   " }] });
    const edits = (await client.request("textDocument/formatting", { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } })) as { newText: string }[];
    const symbols = (await client.request("textDocument/documentSymbol", { textDocument: { uri } })) as { name: string }[];
    return { formatted: edits[0]?.newText, names: symbols.map((s) => s.name) };
  }

  it("an edit past the last line is refused and logged; the document is unchanged", async () => {
    const before = logs().length;
    const r = await afterChange("past-end.pnn", { range: { start: { line: 7, character: 0 }, end: { line: 7, character: 3 } }, text: "const z = 9\n" });
    expect(r.names).toEqual(["a", "b"]);
    const l = logs().slice(before);
    expect(l.some((m) => m.type === 1 && /refused didChange .*past the last line/.test(m.message))).toBe(true);
  });

  it("malformed positions (negative, fractional, missing, start after end) are refused", async () => {
    for (const [i, range] of [
      { start: { line: -1, character: 0 }, end: { line: 0, character: 1 } },
      { start: { line: 0, character: 1.5 }, end: { line: 0, character: 2 } },
      { start: { line: 0 }, end: { line: 0, character: 2 } },
      { start: { line: 1, character: 0 }, end: { line: 0, character: 2 } },
    ].entries()) {
      const before = logs().length;
      const r = await afterChange(`malformed${i}.pnn`, { range, text: "X" });
      expect(r.names).toEqual(["a", "b"]);
      expect(logs().slice(before).some((m) => m.type === 1 && /refused didChange/.test(m.message))).toBe(true);
    }
  });

  it("a character past the end of its line is clamped to the line's end (LSP spec), with a warning", async () => {
    const before = logs().length;
    const r = await afterChange("clamped.pnn", { range: { start: { line: 0, character: 40 }, end: { line: 0, character: 40 } }, text: " + 1" });
    expect(r.formatted).toBe("const a = 1 + 1\nconst b = 2\n"); // not inserted after the line break
    expect(logs().slice(before).some((m) => m.type === 2 && /clamped to the end of the line/.test(m.message))).toBe(true);
  });
});
