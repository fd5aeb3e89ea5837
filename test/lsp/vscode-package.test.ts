// The VS Code package (editors/vscode): the manifest is vsce-shaped (repository, icon, commands,
// snippets, settings incl. pnn.trace.server) and points at files that exist; the extension source
// starts `pnn lsp --stdio` and registers its commands (run with stand-ins for the `vscode` and
// `vscode-languageclient` modules, which only exist inside the editor); the snippets expand to
// programs that check clean and offer only real rules, data sets and modules; the custom
// semantic token types match the server's legend; the TextMate grammar is valid JSON whose every
// regex compiles, and a small TextMate-style tokenizer (first match wins, begin/end rules,
// captures, #includes) gives an example's keywords, device variables, units and rules the right
// scopes. The .vsix that `.ci/run` builds (`npm run package` in editors/vscode) is opened and must
// hold the bundle and no node_modules; without it the test is skipped, loudly, unless
// PNN_VSIX_REQUIRED=1 (set by .ci/run), where it fails.
import { createRequire } from "node:module";
import * as fs from "node:fs";
import * as path from "node:path";
import { inflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { checkSource } from "../../compiler/sema/check.js";
import { LEGEND } from "../../lsp/semantic-tokens.js";
import { DATASETS } from "../../stdlib/datasets.js";
import { STD_MODULES } from "../../stdlib/index.js";
import { RULES } from "../../compiler/rules/index.js";
import { LOSSES } from "../../stdlib/training.js";
import { REPO } from "./client.js";

const PKG = path.join(REPO, "editors/vscode");
const manifest = JSON.parse(fs.readFileSync(path.join(PKG, "package.json"), "utf8"));
const grammar = JSON.parse(fs.readFileSync(path.join(PKG, "syntaxes/pnn.tmLanguage.json"), "utf8"));

describe("manifest", () => {
  it("has the fields vsce needs and every file it names exists", () => {
    for (const key of ["name", "publisher", "version", "engines", "main", "displayName", "description", "icon"]) expect(manifest[key], key).toBeTruthy();
    expect(manifest.repository.url).toMatch(/^https:\/\//);
    expect(manifest.engines.vscode).toMatch(/^\^1\.\d+\.\d+$/);
    expect(manifest.activationEvents).toContain("onLanguage:pnn");
    expect(manifest.contributes.languages[0]).toMatchObject({ id: "pnn", extensions: [".pnn"] });
    for (const rel of [manifest.contributes.languages[0].configuration, manifest.contributes.grammars[0].path, manifest.contributes.snippets[0].path, manifest.icon, "src/extension.js", "README.md", "LICENSE", ".vscodeignore", "package-lock.json"])
      expect(fs.existsSync(path.join(PKG, rel)), rel).toBe(true);
    expect(manifest.main).toBe("./dist/extension.js"); // the esbuild bundle
    expect(manifest.contributes.grammars[0].scopeName).toBe(grammar.scopeName);
    // Every dependency is pinned, and bundled (nothing is installed with the extension).
    expect(manifest.dependencies).toBeUndefined();
    for (const [name, version] of Object.entries(manifest.devDependencies)) expect(version, name).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Object.keys(manifest.devDependencies).sort()).toEqual(["@vscode/vsce", "esbuild", "vscode-languageclient"]);
    const lock = JSON.parse(fs.readFileSync(path.join(PKG, "package-lock.json"), "utf8"));
    expect(lock.packages[""].devDependencies).toEqual(manifest.devDependencies);
  });

  it("the icon is a 128×128 PNG", () => {
    const png = fs.readFileSync(path.join(PKG, manifest.icon));
    expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([128, 128]);
  });

  it("contributes the four commands, the trace and inlay-hint settings", () => {
    expect(manifest.contributes.commands.map((c: { command: string }) => c.command).sort()).toEqual(["pnn.check", "pnn.format", "pnn.restartServer", "pnn.train"]);
    const props = manifest.contributes.configuration.properties;
    expect(props["pnn.trace.server"]).toMatchObject({ enum: ["off", "messages", "verbose"], default: "off" });
    expect(props["pnn.inlayHints.bindings"].default).toBe(true);
    expect(props["pnn.inlayHints.pipeStages"].default).toBe(true);
  });

  it("declares the server's custom semantic token types", () => {
    const standard = new Set(["namespace", "class", "function", "parameter", "variable", "property", "enumMember", "keyword", "number", "string", "comment", "type"]);
    const custom = LEGEND.tokenTypes.filter((t) => !standard.has(t));
    expect(custom.sort()).toEqual(manifest.contributes.semanticTokenTypes.map((t: { id: string }) => t.id).sort());
  });

  it("language configuration: // and /* */ comments, the three bracket pairs", () => {
    const conf = JSON.parse(fs.readFileSync(path.join(PKG, "language-configuration.json"), "utf8"));
    expect(conf.comments).toEqual({ lineComment: "//", blockComment: ["/*", "*/"] });
    expect(conf.brackets).toEqual([["{", "}"], ["[", "]"], ["(", ")"]]);
    expect(new RegExp(conf.wordPattern).exec("  phase_error ")?.[0]).toBe("phase_error");
  });

  it("the extension starts `pnn lsp --stdio` for .pnn files and registers its commands", async () => {
    const require = createRequire(import.meta.url);
    const Module = require("node:module");
    const started: LanguageClient[] = [];
    const registered = new Map<string, (...args: unknown[]) => unknown>();
    const executed: string[] = [];
    class LanguageClient {
      restarts = 0;
      constructor(readonly id: string, readonly name: string, readonly server: unknown, readonly client: any) { started.push(this); }
      start() { return Promise.resolve(); }
      stop() { return Promise.resolve(); }
      restart() { this.restarts++; return Promise.resolve(); }
    }
    const settings: Record<string, unknown> = { "server.command": "node", "server.args": ["/opt/pnn/bin/pnn.js"], "inlayHints.pipeStages": false };
    const fakes: Record<string, unknown> = {
      vscode: {
        workspace: {
          getConfiguration: (section: string) => ({ get: (k: string, d?: unknown) => (section === "pnn" && k in settings ? settings[k] : d) }),
          createFileSystemWatcher: (glob: string) => ({ glob, dispose() {} }),
        },
        window: { createOutputChannel: () => ({ appendLine() {}, append() {}, clear() {}, show() {}, dispose() {} }), activeTextEditor: undefined, showWarningMessage() {} },
        commands: {
          registerCommand: (id: string, run: (...args: unknown[]) => unknown) => (registered.set(id, run), { dispose() {} }),
          executeCommand: (id: string) => (executed.push(id), Promise.resolve()),
        },
      },
      "vscode-languageclient/node": { LanguageClient },
    };
    const load = Module._load;
    Module._load = (request: string, ...rest: unknown[]) => (request in fakes ? fakes[request] : load(request, ...rest));
    try {
      const ext = require(path.join(PKG, "src/extension.js"));
      const context = { subscriptions: [] as unknown[] };
      await ext.activate(context);
      expect(started).toHaveLength(1);
      const c = started[0];
      expect(c.id).toBe("pnn"); // so vscode-languageclient reads the pnn.trace.server setting
      expect(c.server).toEqual({ run: { command: "node", args: ["/opt/pnn/bin/pnn.js", "lsp", "--stdio"] }, debug: { command: "node", args: ["/opt/pnn/bin/pnn.js", "lsp", "--stdio"] } });
      expect(c.client).toMatchObject({ documentSelector: [{ scheme: "file", language: "pnn" }], synchronize: { fileEvents: { glob: "**/*.pnn" }, configurationSection: "pnn" } });
      expect(c.client.initializationOptions).toEqual({ inlayHints: { bindings: true, pipeStages: false } });
      expect([...registered.keys()].sort()).toEqual(manifest.contributes.commands.map((x: { command: string }) => x.command).sort());
      await registered.get("pnn.format")!();
      expect(executed).toEqual(["editor.action.formatDocument"]);
      await registered.get("pnn.restartServer")!();
      expect(c.restarts).toBe(1);
      await registered.get("pnn.check")!(); // no .pnn editor open: a warning, no crash
      expect(ext.serverOptions(undefined).run).toEqual({ command: "pnn", args: ["lsp", "--stdio"] });
      expect(ext.shellQuote("/my files/it's.pnn", false)).toBe("'/my files/it'\\''s.pnn'");
      expect(ext.shellQuote("/plain/path.pnn", false)).toBe("/plain/path.pnn");
    } finally {
      Module._load = load;
    }
  });
});

// ── snippets ──
/** A snippet body with every placeholder at its default (a choice: its first option). */
function expand(body: string[]): string {
  const values = new Map<string, string>();
  let text = body.join("\n").replace(/\t/g, "  ");
  text = text.replace(/\$\{(\d+)\|([^|]*)\|\}/g, (_, n: string, opts: string) => (values.set(n, opts.split(",")[0]), opts.split(",")[0]));
  for (let i = 0; i < 5; i++) text = text.replace(/\$\{(\d+):([^{}]*)\}/g, (_, n: string, def: string) => (values.set(n, def), def));
  return text.replace(/\$\{(\d+)\}|\$(\d+)/g, (_, a?: string, b?: string) => values.get(a ?? b!) ?? "");
}

describe("snippets", () => {
  const snippets = JSON.parse(fs.readFileSync(path.join(PKG, "snippets/pnn.json"), "utf8")) as Record<string, { prefix: string; body: string[] }>;
  it("layer, network and train expand to a program that checks clean", () => {
    const program = [`import optics from "std/optics"`, expand(snippets.layer.body), expand(snippets.network.body), expand(snippets.train.body)].join("\n");
    expect(checkSource(program, "/virtual/snippets.pnn", { readFile: () => undefined }).diagnostics.map((d) => d.message)).toEqual([]);
    const energy = [`import circuits from "std/circuits"`, expand(snippets["network (energy-based)"].body)].join("\n");
    expect(checkSource(energy, "/virtual/energy.pnn", { readFile: () => undefined }).diagnostics.map((d) => d.message)).toEqual([]);
  });

  it("offer only real rules, losses, data sets and modules", () => {
    const choices = (name: string, n: number) => new RegExp(`\\$\\{${n}\\|([^|]*)\\|\\}`).exec(snippets[name].body.join("\n"))![1].split(",");
    expect(choices("train", 3).sort()).toEqual(RULES.map((r) => r.name).sort());
    expect(choices("train", 4).sort()).toEqual(LOSSES.map((l) => l.name).sort());
    for (const d of choices("train", 2)) expect(DATASETS.map((x) => x.name)).toContain(d);
    expect(choices("import", 2).map((m) => `std/${m}`).sort()).toEqual([...STD_MODULES.keys()].sort());
  });
});

// ── the packaged .vsix ──
/** The names of a zip archive's entries (its central directory), and a reader for one entry. */
function zipEntries(zip: Buffer): Map<string, () => Buffer> {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error("not a zip archive");
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const out = new Map<string, () => Buffer>();
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLen = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    const comment = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLen).toString("utf8");
    out.set(name, () => {
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + size);
      return method === 8 ? inflateRawSync(data) : data;
    });
    at += 46 + nameLen + extra + comment;
  }
  return out;
}

describe("the packaged extension", () => {
  const vsix = path.join(PKG, `${manifest.name}-${manifest.version}.vsix`);
  const required = process.env.PNN_VSIX_REQUIRED === "1";
  if (!fs.existsSync(vsix) && !required)
    console.warn(`SKIPPED: ${path.relative(REPO, vsix)} is not built (run \`npm ci && npm run package\` in editors/vscode, as .ci/run does)`);
  it.skipIf(!fs.existsSync(vsix) && !required)("holds the esbuild bundle, the contributions, and no node_modules", () => {
    expect(fs.existsSync(vsix), `${vsix} was not built`).toBe(true);
    const entries = zipEntries(fs.readFileSync(vsix));
    const names = [...entries.keys()];
    for (const f of ["extension/package.json", "extension/dist/extension.js", "extension/syntaxes/pnn.tmLanguage.json", "extension/snippets/pnn.json", `extension/${manifest.icon}`, "extension/language-configuration.json"]) expect(names, f).toContain(f);
    expect(names.filter((n) => n.includes("node_modules/") || n.startsWith("extension/src/"))).toEqual([]);
    const bundle = entries.get("extension/dist/extension.js")!().toString("utf8");
    expect(bundle).toContain("lsp"); // the server arguments
    expect(bundle).not.toMatch(/require\("vscode-languageclient/); // bundled in, not required
    expect(bundle).toMatch(/require\("vscode"\)/);
    expect(JSON.parse(entries.get("extension/package.json")!().toString("utf8")).main).toBe("./dist/extension.js");
  });
});

// ── a small TextMate tokenizer (the subset the grammar uses) ──
type Rule = { match?: string; begin?: string; end?: string; name?: string; include?: string; patterns?: Rule[]; captures?: Captures; beginCaptures?: Captures; endCaptures?: Captures };
type Captures = Record<string, { name: string }>;
interface Token { text: string; scopes: string[] }

function flatten(rules: Rule[], seen = new Set<string>()): Rule[] {
  return rules.flatMap((r) => {
    if (!r.include) return [r];
    const key = r.include.slice(1);
    if (seen.has(key)) return [];
    const target = grammar.repository[key] as Rule;
    if (!target) throw new Error(`missing repository entry ${key}`);
    return flatten(target.patterns ?? [target], new Set([...seen, key]));
  });
}

function allRegexes(): string[] {
  const out: string[] = [];
  const visit = (r: Rule) => {
    for (const k of ["match", "begin", "end"] as const) if (r[k]) out.push(r[k]!);
    r.patterns?.forEach(visit);
  };
  grammar.patterns.forEach(visit);
  Object.values(grammar.repository as Record<string, Rule>).forEach(visit);
  return out;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const top = flatten(grammar.patterns);
  let open: { rule: Rule; inner: Rule[] } | undefined;
  const push = (s: string, scopes: string[]) => { if (s) tokens.push({ text: s, scopes }); };
  const emit = (m: RegExpExecArray, captures: Captures | undefined, base: string[]) => {
    const idx = (m as RegExpExecArray & { indices: [number, number][] }).indices;
    let pos = idx[0][0];
    const parts = Object.keys(captures ?? {}).map(Number).filter((n) => n > 0 && idx[n]).sort((a, b) => idx[a][0] - idx[b][0]);
    if (captures?.["0"]) { push(m[0], [...base, captures["0"].name]); return; }
    for (const n of parts) {
      push(m.input.slice(pos, idx[n][0]), base);
      push(m[n], [...base, captures![String(n)].name]);
      pos = idx[n][1];
    }
    push(m.input.slice(pos, idx[0][1]), base);
  };
  for (const line of text.split("\n")) {
    let pos = 0;
    while (pos <= line.length) {
      const base = open?.rule.name ? [open.rule.name] : [];
      const candidates = open ? [{ end: true, re: open.rule.end! }, ...open.inner.map((r) => ({ end: false, rule: r, re: (r.match ?? r.begin)! }))] : top.map((r) => ({ end: false, rule: r, re: (r.match ?? r.begin)! }));
      let best: { m: RegExpExecArray; c: (typeof candidates)[number] } | undefined;
      for (const c of candidates) {
        const re = new RegExp(c.re, "gmd");
        re.lastIndex = pos;
        const m = re.exec(line);
        if (m && (!best || m.index < best.m.index)) best = { m, c };
      }
      if (!best) { push(line.slice(pos), base); break; }
      push(line.slice(pos, best.m.index), base);
      const { m, c } = best;
      if (c.end) {
        emit(m, open!.rule.endCaptures, base);
        open = undefined;
      } else if ("rule" in c && c.rule!.begin) {
        open = { rule: c.rule!, inner: flatten(c.rule!.patterns ?? []) };
        emit(m, c.rule!.beginCaptures, c.rule!.name ? [c.rule!.name] : []);
      } else if ("rule" in c) {
        emit(m, c.rule!.captures, c.rule!.name ? [...base, c.rule!.name] : base);
      }
      const next = m.index + m[0].length;
      if (next === pos && m[0].length === 0) { push(line.slice(pos, pos + 1), base); pos++; } else pos = next;
      if (pos >= line.length) break;
    }
  }
  return tokens.filter((t) => t.text.trim() !== "");
}

describe("TextMate grammar", () => {
  it("every regex compiles", () => {
    const res = allRegexes();
    expect(res.length).toBeGreaterThan(20);
    for (const r of res) expect(() => new RegExp(r, "d"), r).not.toThrow();
  });

  it("tokenizes an example: keywords, device variables, units, rules, comments, strings", () => {
    const text = fs.readFileSync(path.join(REPO, "examples/optical_mlp_mnist.pnn"), "utf8");
    const tokens = tokenize(text);
    const scopeOf = (t: string) => [...new Set(tokens.filter((x) => x.text.trim() === t).map((x) => x.scopes.join(" ")))];
    expect(scopeOf("device")).toEqual(["storage.type.device.pnn"]);
    expect(scopeOf("phase_error")).toContain("variable.other.device.pnn");
    expect(scopeOf("rad")).toEqual(["keyword.other.unit.pnn"]);
    expect(scopeOf("dB")).toEqual(["keyword.other.unit.pnn"]);
    expect(scopeOf("per")).toEqual(["keyword.other.unit.per.pnn"]);
    expect(scopeOf("physics_aware")).toEqual(["support.function.rule.pnn"]);
    expect(scopeOf("network")).toEqual(["storage.type.network.pnn"]);
    expect(scopeOf("OpticalMLP")).toEqual(["entity.name.type.network.pnn"]);
    expect(scopeOf("mzi_mesh")).toEqual(["support.function.pnn"]);
    expect(scopeOf("std/optics")).toEqual(["string.quoted.double.pnn"]);
    expect(scopeOf("complex")).toEqual(["storage.type.primitive.pnn"]);
    expect(scopeOf("|>")).toEqual(["keyword.operator.pipe.pnn"]);
    expect(scopeOf("topology")).toEqual(["variable.parameter.pnn"]);
    // Header comments stay comments even when they mention code words.
    const first = tokens[0];
    expect(first.scopes).toEqual(["comment.line.double-slash.pnn"]);
    expect(tokens.filter((t) => t.text.includes("Wright et al.")).every((t) => t.scopes[0] === "comment.line.double-slash.pnn")).toBe(true);
    // Plain numbers are numbers; a number before a unit too.
    expect(scopeOf("16")).toEqual(["constant.numeric.pnn"]);
    expect(scopeOf("0.02")).toEqual(["constant.numeric.pnn"]);
  });

  it("block comments span lines; a name after a number is not taken for a unit", () => {
    const tokens = tokenize("/* a\n device x */ const k = 3 modes\nlet y = 2 mm");
    expect(tokens.slice(0, 3).map((t) => t.scopes[0])).toEqual(["comment.block.pnn", "comment.block.pnn", "comment.block.pnn"]);
    expect(tokens.find((t) => t.text.trim() === "modes")?.scopes ?? []).not.toContain("keyword.other.unit.pnn");
    expect(tokens.find((t) => t.text === "mm")?.scopes).toEqual(["keyword.other.unit.pnn"]);
  });
});
