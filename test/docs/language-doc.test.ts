// docs/language.md says what the code has: its reserved words (grammar/lexer.ts) and reference tables are compared, row by row, with
// the registries that own that knowledge — the layer catalogue with the standard library
// (stdlib/index.ts: every layer and coupling, its description, input type, capabilities, and each
// argument's name, default and meaning), the train keys, optimizers and losses with
// stdlib/training.ts, the data sets with stdlib/datasets.ts, the rule table with compiler/rules
// (name, options with defaults, requirements, meaning). Adding, removing or renaming an element,
// an argument, a default or a rule fails here until the page says so. Units and type columns are
// prose and not compared.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { RULES } from "../../compiler/rules/index.js";
import { DATASETS } from "../../stdlib/datasets.js";
import { CORE_LAYERS, STD_MODULES } from "../../stdlib/index.js";
import { LOSSES, OPTIMIZERS, TRAIN_KEYS } from "../../stdlib/training.js";
import type { ArgSig, ConstValue, StdSymbol } from "../../stdlib/types.js";
import { parseUnit } from "../../compiler/units.js";
import { KEYWORDS } from "../../grammar/lexer.js";
import { REPO } from "./markdown.js";

const DOC = "docs/language.md";
const text = fs.readFileSync(path.join(REPO, DOC), "utf8");
const lines = text.split("\n");
/** `\|` is how a page writes a `|` that is text (in a table, and by habit elsewhere). */
const unescape = (t: string) => t.replaceAll("\\|", "|");

/** The lines of the section under `heading` (a whole heading line), up to the next heading of the same or a higher level. */
function section(heading: string, from = 0): string[] {
  const start = lines.findIndex((l, i) => i >= from && l === heading);
  if (start < 0) throw new Error(`${DOC} has no heading '${heading}'`);
  const level = heading.indexOf(" ");
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && l.indexOf(" ") <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** A table row's cells, split at the `|`s that are not written `\|`, each unescaped. */
function splitRow(l: string): string[] {
  return l.slice(1, -1).split(/(?<!\\)\|/).map((c) => unescape(c.trim()));
}

/** The cells of the body rows of every table in `ls` (each table's header and separator dropped); `\|` in a cell is a `|`. */
function rows(ls: readonly string[]): string[][] {
  return ls
    .filter((l, i) => l.startsWith("|") && ls[i - 1]?.startsWith("|") && ls[i - 2]?.startsWith("|"))
    .map((l) => splitRow(l));
}

const code = (name: string) => "`" + name + "`";

/** A default as the page writes it in a default column. */
function shownDefault(v: ConstValue | null | undefined): string {
  if (v === undefined) return "**required**";
  if (v === null) return "off";
  switch (v.kind) {
    case "num":
      return String(v.value);
    case "str":
      return v.value === "" ? '""' : v.value;
    case "bool":
      return String(v.value);
    case "enum":
      return v.value;
    default:
      return "?";
  }
}

/** A number as the page writes it, with an optional unit (`25 uS`, `0 dB per mzi`, `5 µS/V²`), in SI. */
function siValue(cell: string): number | undefined {
  const m = /^(-?[\d.]+(?:e-?\d+)?)(?: (\S+))?/.exec(cell.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? "").replaceAll("µ", "u").replace(/\/(\w+)²$/, "/$1/$1");
  return Number(m[1]) * (unit ? (parseUnit(unit)?.scale ?? 1) : 1);
}

/** Equal up to the page's rounding (it may show 4 significant digits: `6.283 rad/s`). */
const close = (a: number | undefined, b: number) => a !== undefined && Math.abs(a - b) <= 1e-4 * Math.max(Math.abs(a), Math.abs(b)) + 1e-300;

/** Whether the page's default cell says `v` (a number may be in display units: `25 uS`, `3.14159 rad`). */
function sameDefault(cell: string, v: ConstValue | null | undefined): boolean {
  if (cell === shownDefault(v)) return true;
  // an optional argument that is unset unless given: the page may say what unset means
  if (v === null) return cell === "automatic";
  if (v?.kind === "num") return close(siValue(cell), v.value);
  if (v?.kind === "range") {
    const [lo, hi] = cell.split("..");
    return close(siValue(lo ?? ""), v.lo) && close(siValue(hi ?? ""), v.hi);
  }
  return false;
}

/** What is wrong with an argument table against the arguments `args` (rows `as X` stand for X's arguments of those names). */
function argProblems(where: string, table: string[][], args: readonly ArgSig[], withType: boolean): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const row of table) {
    const names = row[0]!.split(",").map((n) => n.trim().replace(/^`|`$/g, ""));
    const [dflt, meaning] = withType ? [row[2]!, row[3]!] : [row[1]!, row[2]!];
    const shared = withType && /^as `/.test(row[1]!);
    for (const n of names) {
      const a = args.find((x) => x.name === n);
      if (!a) {
        problems.push(`${where}: the page lists argument '${n}', the code has ${args.map((x) => x.name).join(", ") || "none"}`);
        continue;
      }
      seen.add(n);
      if (shared) continue;
      if (!sameDefault(dflt, a.default)) problems.push(`${where}: '${n}' defaults to ${shownDefault(a.default)} in the code, the page says ${dflt}`);
      if (meaning !== a.doc) problems.push(`${where}: '${n}' means "${a.doc}" in the code, the page says "${meaning}"`);
    }
  }
  for (const a of args) if (!seen.has(a.name)) problems.push(`${where}: argument '${a.name}' is not on the page`);
  return problems;
}

/** Every standard-library symbol by the name the page uses (`dense`, `optics.mzi_mesh`). */
const symbols = new Map<string, StdSymbol>([
  ...[...CORE_LAYERS].map(([n, s]) => [n, s] as const),
  ...[...STD_MODULES].flatMap(([mod, syms]) => [...syms].map(([n, s]) => [`${mod.slice("std/".length)}.${n}`, s] as const)),
]);

describe(`${DOC} against the code`, () => {
  it("the reserved words are the lexer's", () => {
    const m = /Keywords are reserved where a name is declared:\s*`([^`]+)`/.exec(text);
    expect(m?.[1]?.split(/\s+/)).toEqual([...KEYWORDS]);
  });

  it("the layer catalogue has every layer and coupling, as the standard library defines it", () => {
    const catalogue = section("## Layer catalogue");
    const headings = catalogue.map((l) => /^#### `([\w.]+)`$/.exec(l)?.[1]).filter((n): n is string => !!n);
    const problems: string[] = [];
    for (const n of symbols.keys()) if (!headings.includes(n)) problems.push(`${n} is not in the catalogue`);
    for (const n of headings) if (!symbols.has(n)) problems.push(`${n} is in the catalogue, not in the standard library`);
    for (const name of headings.filter((n) => symbols.has(n))) {
      const s = symbols.get(name)!;
      const body = section(`#### ${code(name)}`, lines.indexOf("## Layer catalogue"));
      const paragraphs = body.filter((l) => l.trim() !== "").map(unescape);
      if (!paragraphs[0]?.startsWith(s.doc)) problems.push(`${name}: described as "${s.doc}" in the code, the page says "${paragraphs[0]}"`);
      const header = body.find((l) => /capabilities:/.test(l)) ?? "";
      const caps = [...(header.split("capabilities:")[1] ?? "").split(" · ")[0]!.matchAll(/`(\w+)`/g)].map((m) => m[1]);
      if (caps.join(",") !== s.capabilities.join(",")) problems.push(`${name}: capabilities ${s.capabilities.join(", ")} in the code, the page says ${caps.join(", ")}`);
      if (s.kind === "layer") {
        const input = /^Input: `([\w |]+)`/.exec(header)?.[1];
        const want = s.input;
        if (input !== want) problems.push(`${name}: input ${want} in the code, the page says ${input}`);
        if (!!s.transducer !== /transducer/.test(header)) problems.push(`${name}: transducer ${!!s.transducer} in the code`);
      }
      problems.push(...argProblems(name, rows(body), s.args, true));
    }
    expect(problems).toEqual([]);
  });

  it("the train keys, optimizers and losses are the code's", () => {
    const keys = rows(section("### Keys"));
    expect(keys.map((r) => r[0])).toEqual(TRAIN_KEYS.map((k) => code(k.name)));
    const problems: string[] = [];
    for (const k of TRAIN_KEYS) {
      const row = keys.find((r) => r[0] === code(k.name))!;
      const dflt = k.default === undefined ? "**required**" : String(k.default);
      // the page may qualify a default: `5 (1 with an external device)`
      if (row[2] !== dflt && !row[2]!.startsWith(`${dflt} (`)) problems.push(`key ${k.name}: default ${dflt} in the code, the page says ${row[2]}`);
    }
    const tables = section("### Optimizers and losses");
    const split = tables.findIndex((l) => /^\| loss /.test(l));
    const [optimizers, losses] = [rows(tables.slice(0, split)), rows(tables.slice(split))];
    expect(optimizers.map((r) => r[0])).toEqual(OPTIMIZERS.map((o) => code(o.name)));
    for (const o of OPTIMIZERS) {
      const row = optimizers.find((r) => r[0] === code(o.name))!;
      const args = o.args.map((a) => `${code(a.name)} (${shownDefault(a.default)})`).join(", ");
      if (row[1] !== args) problems.push(`optimizer ${o.name}: arguments ${args} in the code, the page says ${row[1]}`);
      if (row[2] !== o.doc) problems.push(`optimizer ${o.name}: "${o.doc}" in the code, the page says "${row[2]}"`);
    }
    expect(losses.map((r) => [r[0], r[1]])).toEqual(LOSSES.map((l) => [code(l.name), l.doc]));
    expect(problems).toEqual([]);
  });

  it("the data sets are the code's", () => {
    const sets = section("### Data sets");
    const headings = sets.map((l) => /^#### `(\w+)\(…\)`$/.exec(l)?.[1]).filter((n): n is string => !!n);
    expect(headings).toEqual(DATASETS.map((d) => d.name));
    const problems: string[] = [];
    for (const d of DATASETS) {
      const body = section(`#### ${code(`${d.name}(…)`)}`, lines.indexOf("### Data sets"));
      const first = unescape(body.find((l) => l.trim() !== "") ?? "");
      if (!first.startsWith(d.description)) problems.push(`${d.name}: described as "${d.description}" in the code, the page says "${first}"`);
      problems.push(...argProblems(`${d.name}(…)`, rows(body), d.args.list, false));
    }
    expect(problems).toEqual([]);
  });

  it("the rule table is the code's", () => {
    const table = rows(section("## Rules and capabilities")).filter((r) => r.length >= 4);
    expect(table.map((r) => r[0])).toEqual(RULES.map((r) => code(r.name)));
    const problems: string[] = [];
    for (const r of RULES) {
      const row = table.find((x) => x[0] === code(r.name))!;
      const options = r.options.list.length ? r.options.list.map((o) => `${code(o.name)} (${shownDefault(o.default)})`).join(", ") : "—";
      const [opts, needs, meaning] = row.slice(-3) as [string, string, string];
      // `name` (default) pairs; a default may be in display units (`5 µS/V²`)
      const shown = opts === "—" ? [] : [...opts.matchAll(/`(\w+)` \(([^)]*)\)/g)].map((m) => ({ name: m[1]!, dflt: m[2]! }));
      const same = shown.length === r.options.list.length && r.options.list.every((o, i) => shown[i]?.name === o.name && sameDefault(shown[i].dflt, o.default));
      if (!same) problems.push(`${r.name}: options ${options} in the code, the page says ${opts}`);
      if (needs !== r.requires) problems.push(`${r.name}: requires "${r.requires}" in the code, the page says "${needs}"`);
      if (meaning !== r.doc) problems.push(`${r.name}: "${r.doc}" in the code, the page says "${meaning}"`);
    }
    expect(problems).toEqual([]);
  });
});

describe("the language-doc checks can fail", () => {
  const args: ArgSig[] = [
    { name: "g_max", type: { kind: "quantity", dim: [0, 0, 0, 0, 0, 0, 0] }, default: { kind: "num", value: 25e-6, dim: [-2, -1, 3, 2, 0, 0, 0], isInt: false }, doc: "largest conductance" },
    { name: "bits", type: { kind: "int" }, default: null, doc: "DAC resolution" },
  ];
  it("a missing, extra or changed argument is a problem; display units are understood", () => {
    expect(argProblems("x", [["`g_max`", "", "25 uS", "largest conductance"], ["`bits`", "", "off", "DAC resolution"]], args, true)).toEqual([]);
    expect(argProblems("x", [["`g_max`", "", "25 mS", "largest conductance"]], args, true)).toEqual([
      "x: 'g_max' defaults to 0.000025 in the code, the page says 25 mS",
      "x: argument 'bits' is not on the page",
    ]);
    expect(argProblems("x", [["`g_max`, `bits`, `gone`", "as `other`", "", ""]], args, true)).toEqual(["x: the page lists argument 'gone', the code has g_max, bits"]);
    expect(argProblems("x", [["`bits`", "off", "DAC bits"]], args.slice(1), false)).toEqual([`x: 'bits' means "DAC resolution" in the code, the page says "DAC bits"`]);
  });
});
