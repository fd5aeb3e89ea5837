// The VS Code package (editors/vscode): the manifest is vsce-shaped and points at files that
// exist; the extension starts `pnn lsp --stdio` (run with stand-ins for the `vscode` and
// `vscode-languageclient` modules, which only exist inside the editor); the custom semantic
// token types match the server's legend; the TextMate grammar is valid JSON whose every regex
// compiles, and a small TextMate-style tokenizer (first match wins, begin/end rules, captures,
// #includes) gives an example's keywords, device variables, units and rules the right scopes.
import { createRequire } from "node:module";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { LEGEND } from "../../lsp/semantic-tokens.js";
import { REPO } from "./client.js";

const PKG = path.join(REPO, "editors/vscode");
const manifest = JSON.parse(fs.readFileSync(path.join(PKG, "package.json"), "utf8"));
const grammar = JSON.parse(fs.readFileSync(path.join(PKG, "syntaxes/pnn.tmLanguage.json"), "utf8"));

describe("manifest", () => {
  it("has the fields vsce needs and every file it names exists", () => {
    for (const key of ["name", "publisher", "version", "engines", "main", "displayName", "description"]) expect(manifest[key], key).toBeTruthy();
    expect(manifest.engines.vscode).toMatch(/^\^1\.\d+\.\d+$/);
    expect(manifest.activationEvents).toContain("onLanguage:pnn");
    expect(manifest.contributes.languages[0]).toMatchObject({ id: "pnn", extensions: [".pnn"] });
    for (const rel of [manifest.main, manifest.contributes.languages[0].configuration, manifest.contributes.grammars[0].path, "README.md", "LICENSE", ".vscodeignore"])
      expect(fs.existsSync(path.join(PKG, rel)), rel).toBe(true);
    expect(manifest.contributes.grammars[0].scopeName).toBe(grammar.scopeName);
    expect(manifest.dependencies).toHaveProperty("vscode-languageclient");
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

  it("the extension starts `pnn lsp --stdio` for .pnn files", async () => {
    const require = createRequire(import.meta.url);
    const Module = require("node:module");
    const started: unknown[] = [];
    class LanguageClient {
      constructor(readonly id: string, readonly name: string, readonly server: unknown, readonly client: unknown) { started.push(this); }
      start() { return Promise.resolve(); }
      stop() { return Promise.resolve(); }
    }
    const settings: Record<string, unknown> = { "server.command": "node", "server.args": ["/opt/pnn/bin/pnn.js"] };
    const fakes: Record<string, unknown> = {
      vscode: {
        workspace: {
          getConfiguration: (section: string) => ({ get: (k: string) => (section === "pnn" ? settings[k] : undefined) }),
          createFileSystemWatcher: (glob: string) => ({ glob, dispose() {} }),
        },
      },
      "vscode-languageclient/node": { LanguageClient },
    };
    const load = Module._load;
    Module._load = (request: string, ...rest: unknown[]) => (request in fakes ? fakes[request] : load(request, ...rest));
    try {
      const ext = require(path.join(PKG, "extension.js"));
      const context = { subscriptions: [] as unknown[] };
      await ext.activate(context);
      expect(started).toHaveLength(1);
      const c = started[0] as LanguageClient;
      expect(c.server).toEqual({ run: { command: "node", args: ["/opt/pnn/bin/pnn.js", "lsp", "--stdio"] }, debug: { command: "node", args: ["/opt/pnn/bin/pnn.js", "lsp", "--stdio"] } });
      expect(c.client).toMatchObject({ documentSelector: [{ scheme: "file", language: "pnn" }], synchronize: { fileEvents: { glob: "**/*.pnn" } } });
      expect(context.subscriptions).toHaveLength(2);
      expect(ext.serverOptions(undefined).run).toEqual({ command: "pnn", args: ["lsp", "--stdio"] });
    } finally {
      Module._load = load;
    }
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
