/**
 * Completion. The context comes from the text before the cursor (so it works while the line is
 * half-typed and does not parse): members after `optics.`, rule / loss / optimizer names after
 * `rule =` etc., named arguments (with their units) inside a call of a known layer, enum options
 * after `topology:`, units after a number, train keys inside a train block; otherwise keywords,
 * the standard core layers and distributions, and the names in scope at the cursor.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CompletionItemKind, InsertTextFormat, type CompletionItem } from "vscode-languageserver/node";
import type { SourceHost as CheckHost } from "../compiler/driver/session.js";
import type { SymbolInfo } from "../compiler/sema/model.js";
import { KEYWORDS } from "../grammar/lexer.js";
import { CORE_LAYERS, DISTRIBUTIONS, STD_MODULES } from "../stdlib/index.js";
import { RULES } from "../compiler/rules/index.js";
import { LOSSES, OPTIMIZERS, TRAIN_KEYS } from "../stdlib/training.js";
import type { Analysis } from "./analysis.js";
import { itemAt } from "./ast-walk.js";
import { DATASETS } from "../stdlib/datasets.js";
import { describeArgType, describeDataset, describeRule, describeStd, showConst } from "./describe.js";
import { argsOf, openCall } from "./call-context.js";
import { moduleMembers } from "./resolve.js";

const UNITS = ["rad", "mrad", "deg", "dB", "nm", "um", "mm", "cm", "m", "S", "mS", "uS", "ohm", "kohm", "V", "mV", "A", "mA", "s", "ms", "us", "ns", "Hz", "kHz", "MHz", "GHz", "W", "mW", "K"];

const SYMBOL_KIND: Record<SymbolInfo["kind"], CompletionItemKind> = {
  import: CompletionItemKind.Module, const: CompletionItemKind.Constant, layer: CompletionItemKind.Function,
  network: CompletionItemKind.Class, param: CompletionItemKind.Field, device: CompletionItemKind.Field,
  let: CompletionItemKind.Variable, binding: CompletionItemKind.Variable, input: CompletionItemKind.Variable,
  nodes: CompletionItemKind.Variable, "layer-param": CompletionItemKind.TypeParameter, "forward-input": CompletionItemKind.Variable,
};

const doc = (value: string) => ({ kind: "markdown" as const, value });

export function complete(a: Analysis, offset: number, host: CheckHost, fallback?: Analysis): CompletionItem[] {
  const before = a.text.slice(Math.max(0, offset - 4000), offset);
  const line = before.slice(before.lastIndexOf("\n") + 1);

  const importPath = /\bfrom\s+"([^"]*)$/.exec(line);
  if (importPath) return importPaths(a.path);

  const member = /([A-Za-z_]\w*)\s*\.\s*(\w*)$/.exec(line);
  if (member && !/\d\.\w*$/.test(line)) {
    const owner = a.imports.has(member[1]) ? a : fallback?.imports.has(member[1]) ? fallback : a;
    return moduleMembers(owner, member[1], host).map((m) => ({
      label: m.name,
      kind: m.std || m.decl?.kind === "Layer" ? CompletionItemKind.Function : CompletionItemKind.Constant,
      ...(m.std ? { documentation: doc(describeStd(`${member[1]}.${m.name}`, m.std)), detail: `${member[1]}.${m.name}` } : {}),
    }));
  }

  const setting = /^\s*(rule|loss|optimizer)\s*=\s*(\w*)$/.exec(line);
  if (setting) {
    if (setting[1] === "rule") return RULES.map((r) => ({ label: r.name, kind: CompletionItemKind.EnumMember, detail: "learning rule", documentation: doc(describeRule(r)) }));
    if (setting[1] === "loss") return LOSSES.map((l) => ({ label: l.name, kind: CompletionItemKind.EnumMember, documentation: l.doc }));
    return OPTIMIZERS.map((o) => ({ label: o.name, kind: CompletionItemKind.Function, documentation: o.doc }));
  }

  if (/^\s*train\s+[A-Za-z_]\w*\s+on\s+\w*$/.test(line))
    return DATASETS.map((d) => ({ label: d.name, kind: CompletionItemKind.Module, detail: "data set", documentation: doc(describeDataset(d)) }));

  if (/\d\s+[A-Za-z]*$/.test(line) && !/\b(per)\s+\w*$/.test(line))
    return UNITS.map((u) => ({ label: u, kind: CompletionItemKind.Unit }));

  const call = openCall(before);
  if (call) {
    const args = argsOf(a, call.callee, call.setting, host);
    const enumAt = /([A-Za-z_]\w*)\s*:\s*(\w*)$/.exec(call.inside);
    if (enumAt && args) {
      const sig = args.find((x) => x.name === enumAt[1]);
      if (sig?.type.kind === "enum") return sig.type.options.map((o) => ({ label: o, kind: CompletionItemKind.EnumMember }));
      if (sig?.type.kind === "bool") return ["true", "false"].map((o) => ({ label: o, kind: CompletionItemKind.Keyword }));
    }
    if (args && /(^|,)\s*\w*$/.test(call.inside)) {
      const given = new Set([...call.inside.matchAll(/([A-Za-z_]\w*)\s*:/g)].map((m) => m[1]));
      const named = args.filter((x) => !given.has(x.name)).map((x, i) => ({
        label: `${x.name}:`,
        kind: CompletionItemKind.Field,
        detail: describeArgType(x.type) + (x.default === undefined ? " (required)" : ` = ${showConst(x.default)}`),
        documentation: x.doc,
        insertText: `${x.name}: `,
        sortText: `0${String(i).padStart(3, "0")}`,
      }));
      return [...named, ...names(a, offset, fallback)];
    }
  }

  const item = itemAt(a.program, offset);
  // Inside a train block's braces (after its data set), on a line with at most a half-typed key.
  if (item?.kind === "Train" && offset > item.data.span.end && /^\s*\w*$/.test(line))
    return TRAIN_KEYS.map((k) => ({ label: k.name, kind: CompletionItemKind.Property, documentation: k.doc, insertText: `${k.name} = `, insertTextFormat: InsertTextFormat.PlainText }));

  return [
    ...KEYWORDS.map((k) => ({ label: k, kind: CompletionItemKind.Keyword })),
    ...names(a, offset, fallback),
  ];
}

/** After `from "`: the standard modules and the .pnn files next to this one (imports may not leave its folder). */
function importPaths(file: string): CompletionItem[] {
  const std = [...STD_MODULES.keys()].map((m) => ({ label: m, kind: CompletionItemKind.Module, detail: "standard library" }));
  let local: CompletionItem[] = [];
  try {
    local = fs.readdirSync(path.dirname(file)).filter((f) => f.endsWith(".pnn") && f !== path.basename(file)).map((f) => ({ label: `./${f}`, kind: CompletionItemKind.File }));
  } catch {
    // an unreadable folder offers only the standard library
  }
  return [...std, ...local];
}

/** Names visible at the cursor: the file's top-level symbols, the enclosing item's locals defined so far, core layers, distributions. */
function names(a: Analysis, offset: number, fallback?: Analysis): CompletionItem[] {
  const out = new Map<string, CompletionItem>();
  const item = itemAt(a.program, offset);
  const local = (s: SymbolInfo) => item && s.def.start >= item.span.start && s.def.end <= item.span.end && s.def.start < offset;
  const add = (s: SymbolInfo) => {
    if (!out.has(s.name)) out.set(s.name, { label: s.name, kind: SYMBOL_KIND[s.kind], detail: s.detail });
  };
  const top = (s: SymbolInfo) => s.kind === "import" || s.kind === "const" || s.kind === "layer" || s.kind === "network";
  for (const s of a.model.symbols) if (s.def.file === a.path && (top(s) || local(s))) add(s);
  if (fallback && fallback !== a) for (const s of fallback.model.symbols) if (s.def.file === fallback.path && top(s)) add(s);
  for (const [name, sig] of CORE_LAYERS) if (!out.has(name)) out.set(name, { label: name, kind: CompletionItemKind.Function, detail: "core layer", documentation: doc(describeStd(name, sig)) });
  for (const [name, d] of Object.entries(DISTRIBUTIONS)) if (!out.has(name)) out.set(name, { label: name, kind: CompletionItemKind.Function, detail: `distribution(${d.params.join(", ")})`, documentation: d.doc });
  if (!out.has("pi")) out.set("pi", { label: "pi", kind: CompletionItemKind.Constant, detail: "π" });
  return [...out.values()];
}
