// The navigation and editing features beyond the basics, on the real server: workspace symbols
// (open and unopened files, fuzzy query), folding ranges, selection ranges, range formatting
// (only the declarations the range touches, same text as `pnn fmt` for them), document links
// for imports, definition on standard-library layers (a generated read-only view of their
// declarations), and hover for `pi`, losses and `from`.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatSource } from "../../compiler/driver/format.js";
import { ensureBuilt, LspClient, markers, REPO, uriOf } from "./client.js";

let ws: string;
let cache: string;
let client: LspClient;
beforeAll(async () => {
  ensureBuilt();
  ws = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-lsp-features-"));
  cache = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-lsp-cache-"));
  client = new LspClient(["lsp", "--stdio"], REPO, { ...process.env, XDG_CACHE_HOME: cache });
  await client.initialize(ws, { debounceMs: 10 });
}, 120_000);
afterAll(async () => {
  expect(client.notifications.filter((n) => n.method === "window/logMessage").map((n) => n.params.message)).toEqual([]);
  expect(await client.shutdown()).toBe(0);
  for (const d of [ws, cache]) {
    fs.chmodSync(d, 0o755);
    fs.rmSync(d, { recursive: true, force: true });
  }
});

async function open(name: string, text: string) {
  const file = path.join(ws, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  const got = client.waitFor("textDocument/publishDiagnostics", (p) => p.uri === uriOf(file));
  client.open(file, text);
  return { file, uri: uriOf(file), diagnostics: (await got).diagnostics as any[] };
}

const FLAGSHIP = fs.readFileSync(path.join(REPO, "examples/vowels_mzi.pnn"), "utf8");

describe("workspace symbols", () => {
  it("finds declarations in open and unopened files by a fuzzy query", async () => {
    fs.mkdirSync(path.join(ws, "lib"), { recursive: true });
    fs.writeFileSync(path.join(ws, "lib/unopened.pnn"), "layer SpectralFilter(n: int) {\n  forward(x: real[n]) -> real[n] = x\n}\n");
    await open("flagship.pnn", FLAGSHIP);
    const find = async (query: string) => (await client.request("workspace/symbol", { query })) as any[];
    const mesh = await find("nmesh");
    expect(mesh.map((s) => s.name)).toContain("NoisyMesh");
    expect(mesh.find((s) => s.name === "NoisyMesh").location.uri).toBe(uriOf(path.join(ws, "flagship.pnn")));
    const spectral = await find("Spectral");
    expect(spectral.map((s) => [s.name, s.location.uri])).toEqual([["SpectralFilter", uriOf(path.join(ws, "lib/unopened.pnn"))]]);
    const members = await find("phase_err");
    expect(members.map((s) => `${s.containerName}.${s.name}`)).toContain("NoisyMesh.phase_error");
  });
});

describe("folding and selection", () => {
  it("folds blocks, multi-line calls and pipelines, comment runs", async () => {
    const doc = await open("fold.pnn", FLAGSHIP);
    const folds = (await client.request("textDocument/foldingRange", { textDocument: { uri: doc.uri } })) as any[];
    const lines = FLAGSHIP.split("\n");
    const lineOf = (re: RegExp) => lines.findIndex((l) => re.test(l));
    const has = (start: number, end: number) => folds.some((f) => f.startLine === start && f.endLine === end);
    // layer NoisyMesh { … }: from its header to the line before its closing brace
    const layer = lineOf(/^layer NoisyMesh/);
    const layerEnd = lines.findIndex((l, i) => i > layer && l === "}");
    expect(has(layer, layerEnd - 1)).toBe(true);
    // optics.mzi_mesh( … ) spans lines: folded without its closing parenthesis line
    const call = lineOf(/optics\.mzi_mesh\($/);
    expect(folds.some((f) => f.startLine === call && f.endLine === lineOf(/^ {2}\)$/) - 1)).toBe(true);
    // the pipeline `h = field ⏎ |> … ⏎ |> …`
    expect(has(lineOf(/^ {2}h = field$/), lineOf(/saturable_absorber/))).toBe(true);
    // the header comment run
    expect(folds.some((f) => f.startLine === 0 && f.kind === "comment" && f.endLine >= 5)).toBe(true);
  });

  it("expands from a name to its call, statement, block and the document", async () => {
    const m = markers(FLAGSHIP.replace("phases + phase_error,", "phases + ‹c›phase_error,"));
    const doc = await open("select.pnn", m.text);
    const [sel] = (await client.request("textDocument/selectionRange", { textDocument: { uri: doc.uri }, positions: [m.at.c] })) as any[];
    const chain: string[] = [];
    const lines = m.text.split("\n");
    const textOf = (r: any) => (r.start.line === r.end.line ? lines[r.start.line].slice(r.start.character, r.end.character) : `${r.start.line + 1}-${r.end.line + 1}`);
    for (let s = sel; s; s = s.parent) chain.push(textOf(s.range));
    expect(chain[0]).toBe("phase_error");
    expect(chain[1]).toBe("phases + phase_error");
    expect(chain).toContain(`${lines.findIndex((l) => l.startsWith("layer NoisyMesh")) + 1}-${lines.findIndex((l, i) => i > 13 && l === "}") + 1}`);
    expect(chain[chain.length - 1]).toBe(`1-${lines.length}`);
  });
});

describe("range formatting", () => {
  it("formats only the declarations the range touches, as pnn fmt does", async () => {
    const messy = `const   a=1\n\nnetwork   N{\ninput x:real[4]\n  output y=dense(x,3)  }\n\nconst b   =   2\n`;
    const doc = await open("range.pnn", messy);
    const edits = (await client.request("textDocument/rangeFormatting", { textDocument: { uri: doc.uri }, range: { start: { line: 3, character: 0 }, end: { line: 3, character: 5 } }, options: { tabSize: 2, insertSpaces: true } })) as any[];
    expect(edits).toHaveLength(1);
    expect(edits[0].range).toEqual({ start: { line: 2, character: 0 }, end: { line: 4, character: 24 } });
    const full = await formatSource(messy, doc.file);
    expect(full).toContain(edits[0].newText);
    expect(edits[0].newText).toBe("network N {\n  input x: real[4]\n  output y = dense(x, 3)\n}");
  });
});

describe("range formatting, declaration by declaration", () => {
  it("over a whole unindented flagship gives what pnn fmt gives the file", async () => {
    const mangled = FLAGSHIP.split("\n").map((l) => l.trimStart().replace(/ = /g, "=")).join("\n");
    const doc = await open("mangled.pnn", mangled);
    expect(doc.diagnostics).toEqual([]);
    const lines = mangled.split("\n");
    const edits = (await client.request("textDocument/rangeFormatting", { textDocument: { uri: doc.uri }, range: { start: { line: 0, character: 0 }, end: { line: lines.length - 1, character: 0 } }, options: { tabSize: 2, insertSpaces: true } })) as any[];
    expect(edits.length).toBeGreaterThanOrEqual(5);
    const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
    const applied = [...edits].sort((x, y) => offset(y.range.start) - offset(x.range.start)).reduce((t, e) => t.slice(0, offset(e.range.start)) + e.newText + t.slice(offset(e.range.end)), mangled);
    expect(applied).toBe(await formatSource(mangled, doc.file));
  });
});

describe("links and the standard library", () => {
  it("links an import to its file, and a std import to the module's read-only view", async () => {
    fs.writeFileSync(path.join(ws, "parts.pnn"), "const k = 2\n");
    const m = markers(`import optics from "‹std›std/optics"\nimport parts from "‹local›./parts.pnn"\nconst w = parts.k\n`);
    const doc = await open("links.pnn", m.text);
    const links = (await client.request("textDocument/documentLink", { textDocument: { uri: doc.uri } })) as any[];
    expect(links).toHaveLength(2);
    expect(links[0].range.start).toEqual(m.at.std);
    expect(links[1]).toMatchObject({ range: { start: m.at.local }, target: uriOf(path.join(ws, "parts.pnn")) });
    const view = new URL(links[0].target).pathname;
    expect(view.startsWith(cache)).toBe(true);
    expect(fs.readFileSync(view, "utf8")).toContain("layer mzi_mesh(");
    expect(fs.statSync(view).mode & 0o222).toBe(0); // read-only
  });

  it("goes to a standard layer's declaration in the view (module members and core layers)", async () => {
    const m = markers(FLAGSHIP.replace("optics.mzi_mesh(", "optics.‹mzi›mzi_mesh(").replace("|> take(classes) |> gain", "|> ‹take›take(classes) |> gain"));
    const doc = await open("stddef.pnn", m.text);
    for (const [at, name] of [["mzi", "mzi_mesh"], ["take", "take"]] as const) {
      const loc = await client.request("textDocument/definition", { textDocument: { uri: doc.uri }, position: m.at[at] });
      const file = new URL(loc.uri).pathname;
      const line = fs.readFileSync(file, "utf8").split("\n")[loc.range.start.line];
      expect(line.slice(loc.range.start.character)).toMatch(new RegExp(`^${name}\\(`));
      // the lines above it carry the documentation the hover shows
      const hover = await client.request("textDocument/hover", { textDocument: { uri: doc.uri }, position: m.at[at] });
      const firstDocWords = hover.contents.value.split("\n\n")[1].split(/\s+/).slice(0, 4).join(" ");
      expect(fs.readFileSync(file, "utf8")).toContain(firstDocWords);
    }
  });
});

describe("hover on pi, losses and from", () => {
  it("explains each", async () => {
    const m = markers(`import optics ‹from›from "std/optics"\nlayer L(n: int) {\n  param p: real[n] init uniform(0, 2 * ‹pi›pi)\n  forward(x: real[n]) -> real[n] = x + p\n}\nnetwork N {\n  input x: real[4]\n  output y = x |> L(n: 4) |> dense(3)\n}\ntrain N on iris() {\n  rule = backprop\n  loss = ‹loss›cross_entropy\n}\n`);
    const doc = await open("hover-more.pnn", m.text);
    expect(doc.diagnostics).toEqual([]);
    const text = async (at: string) => (await client.request("textDocument/hover", { textDocument: { uri: doc.uri }, position: m.at[at] }))?.contents.value as string;
    expect(await text("pi")).toContain("const pi = 3.141592653589793");
    expect(await text("loss")).toMatch(/softmax cross-entropy[\s\S]*`mse`/);
    expect(await text("from")).toContain("standard library");
  });
});
