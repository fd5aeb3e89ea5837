// The language server as an editor drives it: the real `pnn lsp --stdio` process, spoken to in
// Content-Length framed JSON-RPC. Each feature is asserted on a real example with cursor
// markers (‹name›) in the source: diagnostics appear and clear after a fix, quick fix, hover,
// completion, definition, references, document symbols, rename, formatting, semantic tokens,
// imports across files, and files outside the workspace being ignored.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatSource } from "../../compiler/driver/format.js";
import { TOKEN_TYPES } from "../../lsp/semantic-tokens.js";
import { ensureBuilt, LspClient, markers, REPO, uriOf } from "./client.js";

let ws: string;
let client: LspClient;

beforeAll(async () => {
  ensureBuilt();
  ws = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-lsp-"));
  client = new LspClient();
  const init = await client.initialize(ws);
  expect(init.capabilities.hoverProvider).toBe(true);
}, 120_000);

afterAll(async () => {
  // Handlers catch their own failures and log them to the client: none may have happened.
  expect(client.notifications.filter((n) => n.method === "window/logMessage").map((n) => n.params.message)).toEqual([]);
  expect(await client.shutdown()).toBe(0);
  fs.rmSync(ws, { recursive: true, force: true });
});

/** Opens `name` in the workspace with `text` and returns the diagnostics the server publishes for it. */
async function openDoc(name: string, text: string) {
  const file = path.join(ws, name);
  fs.writeFileSync(file, text);
  const got = client.waitFor("textDocument/publishDiagnostics", (p) => p.uri === uriOf(file));
  client.open(file, text);
  return { file, uri: uriOf(file), diagnostics: (await got).diagnostics as any[] };
}

const OPTICAL = `import optics from "std/optics"

const ‹modesDef›modes = 16

/* a mesh whose
   ‹inComment›device phases drift */
layer ‹layerDef›PhotonicLayer(n: int) {
  param phases: real[n * (n - 1)] init uniform(0, 2 * pi)
  ‹devKw›device ‹devDef›phase_error: real[n * (n - 1)] ~ normal(0 rad, 0.02 ‹rad›rad)
  device drift: real ~ normal(0 mm, ‹mm›3 mm)
  forward(x: complex[n]) -> complex[n] = optics.‹mzi›mzi_mesh(
    x,
    phases + ‹devUse›phase_error,
    ‹topo›topology: clements,
    loss: 0.1 dB per mzi
  )
}

network OpticalMLP(classes: int = 10) {
  input x: real[196]
  enc = dense(x, ‹modesUse›modes) |> optics.amplitude_encode(bits: 8)
  ‹h1Def›h1 = enc |> ‹layerUse1›PhotonicLayer(n: modes)
  h2 = ‹h1Use›h1 |> PhotonicLayer(n: modes) |> optics.photodetect(adc_bits: 8)
  output y = dense(h2, classes)
}

train ‹netUse›OpticalMLP on ‹data›mnist(train: 8000, test: 2000, ‹size›size: 14) {
  rule = ‹rule›physics_aware
  loss = cross_entropy
  optimizer = adam(lr: 3e-3)
  epochs = 5
}
`;

describe("the process", () => {
  it("also starts without --stdio, and exits 0 after shutdown and exit", async () => {
    const plain = new LspClient(["lsp"]);
    const init = await plain.initialize(ws);
    expect(init.serverInfo.name).toBe("pnn");
    expect(init.capabilities.textDocumentSync.change).toBe(2); // incremental
    expect(await plain.shutdown()).toBe(0);
    expect(plain.stderr).toBe("");
  });
});

describe("diagnostics", () => {
  it("publishes an error with its code and span, offers the quick fix, and clears after the fix", async () => {
    const m = markers(`network N {
  input x: real[4]
  output y = ‹bad›dens‹badEnd›(x, 3)
}
`);
    const doc = await openDoc("diag.pnn", m.text);
    expect(doc.diagnostics).toHaveLength(1);
    const d = doc.diagnostics[0];
    expect(d.code).toBe("PNN2001");
    expect(d.message).toContain("did you mean 'dense'");
    expect(d.range).toEqual({ start: m.at.bad, end: m.at.badEnd });

    const actions = await client.request("textDocument/codeAction", { textDocument: { uri: doc.uri }, range: d.range, context: { diagnostics: [d] } });
    expect(actions).toHaveLength(1);
    expect(actions[0].title).toBe("Change to 'dense'");
    const edit = actions[0].edit.changes[doc.uri][0];
    expect(edit).toEqual({ range: d.range, newText: "dense" });

    // Apply the fix as an incremental edit: the server must republish an empty list.
    const cleared = client.waitFor("textDocument/publishDiagnostics", (p) => p.uri === doc.uri && p.version === 2);
    client.notify("textDocument/didChange", { textDocument: { uri: doc.uri, version: 2 }, contentChanges: [{ range: edit.range, text: edit.newText }] });
    expect((await cleared).diagnostics).toEqual([]);
  });

  it("reports the same codes, messages and spans as pnn check --json", async () => {
    const text = `layer L(n: int) {
  device e: real[n] ~ normal(1 rad, 3 mm)
  forward(x: real[n]) -> real[n] = x + e
}
network N {
  input x: real[4]
  h = x |> L(n: 4)
  output y = dense(x, 3) + dense(x, 2)
}
`;
    const doc = await openDoc("units.pnn", text);
    const cli = spawnSync(process.execPath, [path.join(REPO, "bin/pnn.js"), "check", "--json", doc.file], { encoding: "utf8" });
    const expected = JSON.parse(cli.stdout).diagnostics as any[];
    expect(expected.map((d) => d.code).sort()).toEqual(["PNN2003", "PNN3001"]);
    const got = doc.diagnostics.map((d) => ({ code: d.code, message: d.message, line: d.range.start.line + 1, col: d.range.start.character + 1, endLine: d.range.end.line + 1, endCol: d.range.end.character + 1 }));
    expect(got).toEqual(expected.map((d) => ({ code: d.code, message: d.message, line: d.line, col: d.col, endLine: d.endLine, endCol: d.endCol })));
  });
});

describe("requests on the optical MLP example", () => {
  let m: ReturnType<typeof markers>;
  let uri: string;
  const at = (name: string) => ({ textDocument: { uri }, position: m.at[name] });
  beforeAll(async () => {
    m = markers(OPTICAL);
    const doc = await openDoc("optical.pnn", m.text);
    uri = doc.uri;
    expect(doc.diagnostics).toEqual([]);
  });

  it("hover: binding type, device variable, std layer doc, unit, named argument, rule requirements", async () => {
    const text = async (name: string) => (await client.request("textDocument/hover", at(name)))?.contents.value as string;
    expect(await text("h1Use")).toContain("h1: complex[16]");
    expect(await text("devUse")).toMatch(/device phase_error: real\[240\] \(per chip\)[\s\S]*device variable/);
    const mzi = await text("mzi");
    expect(mzi).toContain("layer optics.mzi_mesh(x: complex");
    expect(mzi).toContain("Clements et al.");
    expect(mzi).toMatch(/`loss`: .*decibels.* per mzi/);
    expect(await text("rad")).toMatch(/unit `rad`: an angle/);
    expect(await text("mm")).toBe("unit `mm`: a length (mm); 3 mm = 0.003 in SI units");
    expect(await text("topo")).toContain("clements | reck (default clements)");
    const rule = await text("rule");
    expect(rule).toContain("Wright et al.");
    expect(rule).toContain("layers are all differentiable");
    expect(rule).toContain("This network meets the requirements.");
    expect(await text("modesUse")).toContain("const modes = 16");
    expect(await text("devKw")).toContain("a device variable — sampled once per simulated chip");
    expect(await text("inComment")).toBeUndefined();
    expect(mzi).toContain("Here: `optics.mzi_mesh → complex[16]`");
    const data = await text("data");
    expect(data).toContain("Handwritten digits");
    expect(data).toContain("Here: 196 features, 10 classes.");
    expect(await text("size")).toContain("image side: 28, or 14 / 7");
    const net = await text("netUse");
    expect(net).toContain("Feed-forward network");
    expect(net).toContain("inputs: x: real[196]");
    expect(net).toContain("output: real[10]");
    // dense 196→16 (3152) + two meshes of 240 phases + dense 16→10 (170); per mesh a 240-value and a scalar device variable.
    expect(net).toContain("trainable tensors (3802 values), 4 device variables (482 values)");
  });

  it("completion: module members, rules, named arguments with units, names in scope", async () => {
    const labels = async (src: string) => {
      const c = markers(src);
      const file = path.join(ws, "complete.pnn");
      const u = uriOf(file);
      client.notify("textDocument/didOpen", { textDocument: { uri: u, languageId: "pnn", version: 1, text: c.text } });
      const items = (await client.request("textDocument/completion", { textDocument: { uri: u }, position: c.at.c })) as any[];
      client.notify("textDocument/didClose", { textDocument: { uri: u } });
      return items;
    };
    const members = await labels(`import optics from "std/optics"\nnetwork N {\n  input x: real[4]\n  y = x |> optics.‹c›\n}\n`);
    expect(members.map((i) => i.label)).toEqual(expect.arrayContaining(["mzi_mesh", "amplitude_encode", "photodetect"]));
    expect(members.map((i) => i.label)).not.toContain("dense");

    const paths = (await labels(`import lib from "‹c›`)).map((i) => i.label);
    expect(paths).toEqual(expect.arrayContaining(["std/optics", "std/circuits", "./optical.pnn"]));

    const datasets = (await labels(m.text.replace("on mnist(train: 8000, test: 2000, size: 14)", "on ‹c›"))).map((i) => i.label);
    expect(datasets).toEqual(expect.arrayContaining(["mnist", "vowels", "iris", "moons"]));
    const dataArgs = (await labels(m.text.replace("mnist(train: 8000, test: 2000, size: 14)", "mnist(train: 8000, ‹c›"))).map((i) => i.label);
    expect(dataArgs).toEqual(expect.arrayContaining(["test:", "size:"]));
    expect(dataArgs).not.toContain("train:");

    const rules = await labels(m.text.replace("rule = physics_aware", "rule = ‹c›"));
    expect(rules.map((i) => i.label)).toEqual(expect.arrayContaining(["backprop", "physics_aware", "equilibrium_propagation"]));

    const args = await labels(m.text.replace("optics.photodetect(adc_bits: 8)", "optics.photodetect(adc_bits: 8, ‹c›"));
    const noise = args.find((i) => i.label === "noise:");
    expect(noise?.detail).toContain("number");
    expect(args.map((i) => i.label)).not.toContain("adc_bits:"); // already given
    const loss = (await labels(m.text.replace("topology: clements,", "topology: clements, ‹c›"))).find((i) => i.label === "loss:");
    expect(loss?.detail).toMatch(/decibels.*per mzi/);

    const scope = await labels(m.text.replace("output y = dense(h2, classes)", "output y = ‹c›"));
    const names = scope.map((i) => i.label);
    expect(names).toEqual(expect.arrayContaining(["enc", "h1", "h2", "modes", "PhotonicLayer", "dense", "optics", "network", "classes"]));
    expect(names).not.toContain("phase_error"); // a layer's device variable is not in a network's scope
  });

  it("signature help: parameters with units, the current one by position or by name", async () => {
    const help = async (src: string) => {
      const c = markers(src);
      const file = path.join(ws, "signature.pnn");
      const u = uriOf(file);
      client.notify("textDocument/didOpen", { textDocument: { uri: u, languageId: "pnn", version: 1, text: c.text } });
      const r = await client.request("textDocument/signatureHelp", { textDocument: { uri: u }, position: c.at.c });
      client.notify("textDocument/didClose", { textDocument: { uri: u } });
      return r;
    };
    const direct = await help(m.text.replace("optics.mzi_mesh(\n    x,\n    phases + phase_error,", "optics.mzi_mesh(\n    x,\n    ‹c›phases + phase_error,"));
    const sig = direct.signatures[0];
    expect(sig.label).toMatch(/^optics\.mzi_mesh\(x, phases\?: real tensor of an angle \(rad\), topology\?: clements \| reck, loss\?: .*per mzi/);
    expect(sig.parameters[direct.activeParameter].label).toMatch(/^phases\?/);
    const byName = await help(m.text.replace("loss: 0.1 dB per mzi", "loss: ‹c›0.1 dB per mzi"));
    expect(byName.signatures[0].parameters[byName.activeParameter].label).toMatch(/^loss\?/);
    const piped = await help(m.text.replace("optics.photodetect(adc_bits: 8)", "optics.photodetect(‹c›adc_bits: 8)"));
    expect(piped.signatures[0].label).toMatch(/^optics\.photodetect\(adc_bits\?: int/); // input piped in: no x
    const rule = await help(m.text.replace("rule = physics_aware", "rule = equilibrium_propagation(beta: 0.5, ‹c›"));
    expect(rule.signatures[0].label).toMatch(/^equilibrium_propagation\(beta\?: number/);
    expect(rule.activeParameter).toBe(1);
  });

  it("definition: a constant's use goes to its declaration", async () => {
    const loc = await client.request("textDocument/definition", at("modesUse"));
    expect(loc.uri).toBe(uri);
    expect(loc.range.start).toEqual(m.at.modesDef);
  });

  it("references: a layer's declaration and both uses", async () => {
    const refs = (await client.request("textDocument/references", { ...at("layerUse1"), context: { includeDeclaration: true } })) as any[];
    expect(refs).toHaveLength(3);
    expect(refs[0].range.start).toEqual(m.at.layerDef);
    expect(refs[1].range.start).toEqual(m.at.layerUse1);
    const noDecl = (await client.request("textDocument/references", { ...at("layerUse1"), context: { includeDeclaration: false } })) as any[];
    expect(noDecl).toHaveLength(2);
    const dev = (await client.request("textDocument/references", { ...at("devDef"), context: { includeDeclaration: true } })) as any[];
    expect(dev.map((r) => r.range.start)).toEqual([m.at.devDef, m.at.devUse]);
  });

  it("document highlights: the definition is a write, uses are reads", async () => {
    const hl = (await client.request("textDocument/documentHighlight", at("h1Use"))) as any[];
    expect(hl.map((h) => [h.range.start, h.kind])).toEqual([[m.at.h1Def, 3], [m.at.h1Use, 2]]);
  });

  it("document symbols: the outline of layers, networks and train blocks", async () => {
    const syms = (await client.request("textDocument/documentSymbol", { textDocument: { uri } })) as any[];
    expect(syms.map((s) => s.name)).toEqual(["optics", "modes", "PhotonicLayer", "OpticalMLP", "train OpticalMLP"]);
    expect(syms[2].children.map((c: any) => c.name)).toEqual(["phases", "phase_error", "drift", "forward"]);
    expect(syms[3].children.map((c: any) => c.name)).toEqual(["x", "enc", "h1", "h2", "y"]);
    expect(syms[4].children.map((c: any) => c.name)).toEqual(["rule", "loss", "optimizer", "epochs"]);
  });

  it("semantic tokens: device variables, units and rules stand out", async () => {
    const data = (await client.request("textDocument/semanticTokens/full", { textDocument: { uri } })).data as number[];
    const lines = m.text.split("\n");
    const tokens: { text: string; type: string }[] = [];
    let line = 0, ch = 0;
    for (let i = 0; i < data.length; i += 5) {
      line += data[i];
      ch = data[i] === 0 ? ch + data[i + 1] : data[i + 1];
      tokens.push({ text: lines[line].slice(ch, ch + data[i + 2]), type: TOKEN_TYPES[data[i + 3]] });
    }
    const typesOf = (t: string) => [...new Set(tokens.filter((x) => x.text === t).map((x) => x.type))];
    expect(typesOf("phase_error")).toEqual(["device"]);
    expect(typesOf("rad")).toEqual(["unit"]);
    expect(typesOf("dB")).toEqual(["unit"]);
    expect(typesOf("physics_aware")).toEqual(["rule"]);
    expect(typesOf("network")).toEqual(["keyword"]);
    expect(typesOf("mzi_mesh")).toEqual(["function"]);
    expect(typesOf("OpticalMLP")).toEqual(["class"]);
  });

  it("rename: a binding is renamed at its definition and every use; bad names are refused", async () => {
    const prep = await client.request("textDocument/prepareRename", at("h1Use"));
    expect(prep.start).toEqual(m.at.h1Use);
    const edit = await client.request("textDocument/rename", { ...at("h1Use"), newName: "hidden" });
    const edits = edit.changes[uri] as any[];
    expect(edits.map((e) => e.range.start)).toEqual([m.at.h1Def, m.at.h1Use]);
    expect(edits.every((e) => e.newText === "hidden")).toBe(true);
    await expect(client.request("textDocument/rename", { ...at("h1Use"), newName: "network" })).rejects.toThrow(/not a valid name/);
    await expect(client.request("textDocument/rename", { ...at("h1Use"), newName: "2x" })).rejects.toThrow(/not a valid name/);
  });
});

describe("while the network is broken", () => {
  it("a layer never expanded by the checker still has hover, references and device highlighting", async () => {
    const m = markers(OPTICAL.replace("enc = dense(x, ‹modesUse›modes)", "enc = dens(x, modes)"));
    const doc = await openDoc("broken-net.pnn", m.text);
    expect(doc.diagnostics.map((d) => d.code)).toEqual(["PNN2001"]);
    const pos = { textDocument: { uri: doc.uri }, position: m.at.devUse };
    const h = await client.request("textDocument/hover", pos);
    expect(h.contents.value).toContain("device phase_error: real[n * (n - 1)] (per chip)");
    const refs = (await client.request("textDocument/references", { ...pos, context: { includeDeclaration: true } })) as any[];
    expect(refs.map((r) => r.range.start)).toEqual([m.at.devDef, m.at.devUse]);
    const def = await client.request("textDocument/definition", pos);
    expect(def.range.start).toEqual(m.at.devDef);
  });
});

describe("formatting", () => {
  it("returns the same text as pnn fmt, and nothing for a file with syntax errors", async () => {
    const messy = `network   N{\ninput x:real[4]\n  output y=dense(x,3)  }\n`;
    const doc = await openDoc("messy.pnn", messy);
    const edits = (await client.request("textDocument/formatting", { textDocument: { uri: doc.uri }, options: { tabSize: 2, insertSpaces: true } })) as any[];
    expect(edits).toHaveLength(1);
    expect(edits[0].range.start).toEqual({ line: 0, character: 0 });
    expect(edits[0].range.end).toEqual({ line: 3, character: 0 });
    expect(edits[0].newText).toBe(await formatSource(messy, doc.file));
    expect(edits[0].newText).toContain("network N {\n  input x: real[4]\n");

    const broken = await openDoc("broken.pnn", "network N {\n  input x: real[4\n}\n");
    expect(broken.diagnostics.some((d) => d.code === "PNN1001")).toBe(true);
    expect(await client.request("textDocument/formatting", { textDocument: { uri: broken.uri }, options: { tabSize: 2, insertSpaces: true } })).toEqual([]);
  });
});

describe("several files", () => {
  it("follows imports: definition and references across files, diagnostics update when the import changes", async () => {
    const lib = markers(`layer ‹def›Scale(k: real = 2) {\n  forward(x: real[4]) -> real[4] = x * k\n}\n`);
    const libDoc = await openDoc("lib.pnn", lib.text);
    expect(libDoc.diagnostics).toEqual([]);
    const main = markers(`import ‹alias›lib from "./‹path›lib.pnn"\nnetwork N {\n  input x: real[4]\n  output y = x |> lib.‹use›Scale(k: 3)\n}\n`);
    const mainDoc = await openDoc("main.pnn", main.text);
    expect(mainDoc.diagnostics).toEqual([]);

    const loc = await client.request("textDocument/definition", { textDocument: { uri: mainDoc.uri }, position: main.at.use });
    expect(loc.uri).toBe(libDoc.uri);
    expect(loc.range.start).toEqual(lib.at.def);
    const file = await client.request("textDocument/definition", { textDocument: { uri: mainDoc.uri }, position: main.at.path });
    expect(file).toEqual({ uri: libDoc.uri, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } });
    const aliasRefs = (await client.request("textDocument/references", { textDocument: { uri: mainDoc.uri }, position: main.at.alias, context: { includeDeclaration: true } })) as any[];
    expect(aliasRefs.map((r) => r.range.start.line)).toEqual([0, 3]);
    const refs = (await client.request("textDocument/references", { textDocument: { uri: libDoc.uri }, position: lib.at.def, context: { includeDeclaration: true } })) as any[];
    expect(refs.map((r) => r.uri).sort()).toEqual([libDoc.uri, mainDoc.uri].sort());
    const renamed = await client.request("textDocument/rename", { textDocument: { uri: mainDoc.uri }, position: main.at.use, newName: "Amplify" });
    expect(renamed.changes[libDoc.uri].map((e: any) => e.range.start)).toEqual([lib.at.def]);
    expect(renamed.changes[mainDoc.uri].map((e: any) => e.range.start)).toEqual([main.at.use]);
    const hover = await client.request("textDocument/hover", { textDocument: { uri: mainDoc.uri }, position: main.at.use });
    expect(hover.contents.value).toContain("layer Scale(k: real)");

    // Rename the layer in lib.pnn (unsaved): main.pnn must now report the missing member.
    const broken = client.waitFor("textDocument/publishDiagnostics", (p) => p.uri === mainDoc.uri && p.diagnostics.length > 0);
    client.notify("textDocument/didChange", { textDocument: { uri: libDoc.uri, version: 2 }, contentChanges: [{ text: lib.text.replace("Scale", "Scaler") }] });
    const d = (await broken).diagnostics;
    expect(d[0].code).toBe("PNN2012");
    expect(d[0].message).toContain("did you mean 'Scaler'");
  });

  it("re-checks open importers when an imported file changes on disk", async () => {
    const dep = path.join(ws, "dep.pnn");
    fs.writeFileSync(dep, "const width = 4\n");
    const m = markers(`import dep from "./dep.pnn"\nnetwork W {\n  input x: real[4]\n  output y = dense(x, dep.width)\n}\n`);
    const doc = await openDoc("uses-dep.pnn", m.text);
    expect(doc.diagnostics).toEqual([]);
    fs.writeFileSync(dep, "const widht = 4\n");
    const again = client.waitFor("textDocument/publishDiagnostics", (p) => p.uri === doc.uri && p.diagnostics.length > 0);
    client.notify("workspace/didChangeWatchedFiles", { changes: [{ uri: uriOf(dep), type: 2 }] });
    const d = (await again).diagnostics;
    expect(d[0].code).toBe("PNN2012");
    expect(d[0].message).toContain("has no member 'width'");
  });

  it("an edit re-checks the edited document and its importers only", async () => {
    const a = await openDoc("alone-a.pnn", "const a = 1\n");
    const b = await openDoc("alone-b.pnn", "const b = 2\n");
    const count = (uri: string) => client.notifications.filter((n) => n.method === "textDocument/publishDiagnostics" && n.params.uri === uri).length;
    const before = count(b.uri);
    const done = client.waitFor("textDocument/publishDiagnostics", (p) => p.uri === a.uri && p.version === 2);
    client.notify("textDocument/didChange", { textDocument: { uri: a.uri, version: 2 }, contentChanges: [{ text: "const a = 3\n" }] });
    await done;
    await new Promise((r) => setTimeout(r, 200));
    expect(count(b.uri)).toBe(before);
  });

  it("ignores documents outside the workspace", async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-outside-"));
    const file = path.join(outside, "x.pnn");
    const text = "network N {\n  input x: real[4]\n  output y = dens(x, 3)\n}\n";
    fs.writeFileSync(file, text);
    client.open(file, text);
    const inside = await openDoc("after.pnn", text); // diagnostics for a later document arrive; none for the outside one
    expect(inside.diagnostics).toHaveLength(1);
    expect(client.notifications.some((n) => n.params?.uri === uriOf(file))).toBe(false);
    expect(await client.request("textDocument/hover", { textDocument: { uri: uriOf(file) }, position: { line: 2, character: 14 } })).toBeNull();
    expect(await client.request("textDocument/completion", { textDocument: { uri: uriOf(file) }, position: { line: 2, character: 14 } })).toEqual([]);
    fs.rmSync(outside, { recursive: true, force: true });
  });
});
