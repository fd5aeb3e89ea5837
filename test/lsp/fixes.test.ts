// The six editor bugs of issue 17, each reproduced on the real server (`pnn lsp --stdio`):
// 1. hover on a user layer inside a pipe shows that stage's type, not the next one's;
// 2. renaming a layer parameter renames its named arguments at every call site (and the call
//    site's `n:` has definition and references);
// 3. rename refuses a name that clashes with another symbol in scope or shadows a built-in;
// 4. train keys are offered on a blank line above the first key;
// 5. the server registers for `.pnn` file-change notifications (when the client allows it);
// 6. one missing ')' publishes one diagnostic.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TRAIN_KEYS } from "../../stdlib/training.js";
import { ensureBuilt, LspClient, markers, uriOf } from "./client.js";

let ws: string;
let client: LspClient;

beforeAll(async () => {
  ensureBuilt();
  ws = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-lsp-fixes-"));
  client = new LspClient();
  await client.initialize(ws, { debounceMs: 10 }, { workspace: { didChangeWatchedFiles: { dynamicRegistration: true } } });
}, 120_000);

afterAll(async () => {
  expect(client.notifications.filter((n) => n.method === "window/logMessage").map((n) => n.params.message)).toEqual([]);
  expect(await client.shutdown()).toBe(0);
  fs.rmSync(ws, { recursive: true, force: true });
});

let docs = 0;
async function open(text: string) {
  const file = path.join(ws, `doc${docs++}.pnn`);
  fs.writeFileSync(file, text);
  const got = client.waitFor("textDocument/publishDiagnostics", (p) => p.uri === uriOf(file));
  client.open(file, text);
  return { file, uri: uriOf(file), diagnostics: (await got).diagnostics as any[] };
}

/** Applies a WorkspaceEdit's edits for one document to its text. */
function applyEdits(text: string, edits: { range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }[]) {
  const lines = text.split("\n");
  const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start)).reduce((t, e) => t.slice(0, offset(e.range.start)) + e.newText + t.slice(offset(e.range.end)), text);
}

describe("1. hover on a user layer inside a pipe", () => {
  it("shows that stage's output, in the middle of a pipe and as its last stage", async () => {
    const m = markers(`import optics from "std/optics"
layer L(n: int) {
  forward(x: complex[n]) -> real[n] = optics.photodetect(x)
}
network N {
  input x: real[4]
  h = x |> optics.amplitude_encode |> ‹mid›L(n: 4) |> dense(2)
  g = x |> optics.amplitude_encode |> ‹last›L(n: 4)
  output y = dense(h, 3) + dense(g, 3)
}
`);
    const doc = await open(m.text);
    expect(doc.diagnostics).toEqual([]);
    const hover = async (at: string) => (await client.request("textDocument/hover", { textDocument: { uri: doc.uri }, position: m.at[at] })).contents.value as string;
    const mid = await hover("mid");
    expect(mid).toContain("L → real[4]");
    expect(mid).not.toContain("dense");
    expect(mid).not.toContain("real[2]");
    expect(await hover("last")).toContain("L → real[4]");
  });
});

describe("2. renaming a layer parameter", () => {
  const src = `layer Scale(‹def›n: int) {
  forward(x: real[‹use›n]) -> real[n] = x * n
}
network N {
  input x: real[4]
  h = x |> Scale(‹arg›n: 4)
  output y = Scale(h, ‹arg2›n: 4)
}
`;
  it("renames the named argument at every call site, and the result checks clean", async () => {
    const m = markers(src);
    const doc = await open(m.text);
    expect(doc.diagnostics).toEqual([]);
    const edit = await client.request("textDocument/rename", { textDocument: { uri: doc.uri }, position: m.at.def, newName: "width" });
    const edits = edit.changes[doc.uri];
    expect(edits.map((e: any) => e.range.start)).toEqual(expect.arrayContaining([m.at.def, m.at.use, m.at.arg, m.at.arg2]));
    const renamed = applyEdits(m.text, edits);
    expect(renamed).toContain("Scale(width: int)");
    expect(renamed).toContain("Scale(h, width: 4)");
    const again = await open(renamed);
    expect(again.diagnostics).toEqual([]);
  });

  it("from the call site's `n:`: definition, references and rename", async () => {
    const m = markers(src);
    const doc = await open(m.text);
    const at = { textDocument: { uri: doc.uri }, position: m.at.arg };
    const def = await client.request("textDocument/definition", at);
    expect(def?.range.start).toEqual(m.at.def);
    const refs = (await client.request("textDocument/references", { ...at, context: { includeDeclaration: true } })) as any[];
    expect(refs.map((r) => r.range.start)).toEqual(expect.arrayContaining([m.at.def, m.at.use, m.at.arg, m.at.arg2]));
    const edit = await client.request("textDocument/rename", { ...at, newName: "k" });
    expect(edit.changes[doc.uri]).toHaveLength(refs.length);
  });
});

describe("3. rename checks clashes", () => {
  it("refuses another symbol's name in scope and a built-in's, accepts a free name", async () => {
    const m = markers(`layer ‹shift›Shift(k: real = 1) {
  forward(x: real[4]) -> real[4] = x + k
}
layer Scale(k: real = 2) {
  forward(x: real[4]) -> real[4] = x * k
}
const width = 4
network N {
  input x: real[4]
  ‹h›h = x |> Shift
  z = h |> Scale
  output y = dense(z, width)
}
`);
    const doc = await open(m.text);
    expect(doc.diagnostics).toEqual([]);
    const rename = (at: string, newName: string) => client.request("textDocument/rename", { textDocument: { uri: doc.uri }, position: m.at[at], newName });
    await expect(rename("shift", "Scale")).rejects.toThrow(/'Scale' is already (defined|used)/);
    await expect(rename("shift", "gain")).rejects.toThrow(/built-in/);
    await expect(rename("h", "z")).rejects.toThrow(/'z' is already/);
    await expect(rename("h", "width")).rejects.toThrow(/'width' is already/); // would hide the constant used below
    await expect(rename("h", "pi")).rejects.toThrow(/built-in/);
    const ok = await rename("shift", "Offset");
    expect(ok.changes[doc.uri]).toHaveLength(2);
  });
});

describe("4. train keys", () => {
  it("are offered on a blank line above the first key", async () => {
    const m = markers(`network N {
  input x: real[4]
  output y = dense(x, 3)
}
train N on iris() {
  ‹c›
  rule = backprop
}
`);
    const doc = await open(m.text);
    const items = (await client.request("textDocument/completion", { textDocument: { uri: doc.uri }, position: m.at.c })) as any[];
    expect(items.map((i) => i.label).sort()).toEqual(TRAIN_KEYS.map((k) => k.name).sort());
  });
});

describe("5. file watching", () => {
  it("registers for changes of .pnn files when the client supports dynamic registration", async () => {
    const deadline = Date.now() + 5000;
    while (!client.serverRequests.some((r) => r.method === "client/registerCapability") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const reg = client.serverRequests.find((r) => r.method === "client/registerCapability");
    const watch = reg?.params.registrations.find((r: any) => r.method === "workspace/didChangeWatchedFiles");
    expect(watch?.registerOptions.watchers.map((w: any) => w.globPattern)).toEqual(["**/*.pnn"]);
  });

  it("an imported file changed on disk re-checks its open importer", async () => {
    const dep = path.join(ws, "dep-watched.pnn");
    fs.writeFileSync(dep, "const width = 4\n");
    const doc = await open(`import dep from "./dep-watched.pnn"\nnetwork W {\n  input x: real[4]\n  output y = dense(x, dep.width)\n}\n`);
    expect(doc.diagnostics).toEqual([]);
    fs.writeFileSync(dep, "const depth = 4\n");
    const again = client.waitFor("textDocument/publishDiagnostics", (p) => p.uri === doc.uri && p.diagnostics.length > 0);
    client.notify("workspace/didChangeWatchedFiles", { changes: [{ uri: uriOf(dep), type: 2 }] });
    expect((await again).diagnostics[0].message).toContain("has no member 'width'");
  });
});

describe("6. one missing ')'", () => {
  it("publishes one diagnostic, at the end of the line that lacks it", async () => {
    const m = markers(`network N {\n  input x: real[4]\n  h = relu(dense(x, 4)‹at›\n  z = h |> relu\n  output y = dense(z, 3)\n}\n`);
    const doc = await open(m.text);
    expect(doc.diagnostics).toHaveLength(1);
    expect(doc.diagnostics[0].range.start).toEqual(m.at.at);
  });
});
