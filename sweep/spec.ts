/**
 * What a sweep is (docs/scaling.md): a program and a list of runs, each run a list of `name=value`
 * overrides (compiler/driver/overrides.ts: train keys, rule options, data arguments, constants,
 * layer parameter defaults such as a phase-error σ, seeds). Declared in a sweep file (JSON) or on
 * the command line:
 *   { "program": "vowels_mzi.pnn",                    the .pnn file, relative to the sweep file
 *     "set":  { "epochs": 20 },                         every run
 *     "runs": [ { "rule": "spsa(c: 0.02)" }, … ],       a list (default: one empty run)
 *     "grid": { "rule": ["backprop", "physics_aware"], "seed": "1..6" } }   × every combination
 * Runs = list × grid (grid axes in order, the last one fastest), each with `set` first. Values
 * are pnn expression text (`0.02 rad`, `adam(lr: 0.01)`); JSON numbers and booleans are written as
 * numbers and booleans; "a..b" (integers) is the list a, a+1, …, b. A run's id is a readable slug
 * of its values and a hash of the program (its text and the files its checker read) and the
 * values: the same run of the same program has the same id, so a finished run is found again and
 * never run twice. Problems are PNN6010 at the sweep file, or usage errors for flags.
 */
import { createHash } from "node:crypto";
import * as path from "node:path";
import { diag, UserError } from "../diagnostics/catalog.js";
import { fileSpan } from "../diagnostics/span.js";
import { UsageError } from "../compiler/driver/errors.js";
import { assignmentText, parseAssignment, type Assignment } from "../compiler/driver/overrides.js";

export interface SweepRun {
  /** 1-based position in the sweep's order. */
  readonly index: number;
  readonly id: string;
  /** The overrides of this run, `set` first, then its list entry, then its grid values. */
  readonly set: readonly Assignment[];
  /** The values that vary between runs (the table's axis columns), by name. */
  readonly axes: Readonly<Record<string, string>>;
}

export interface SweepDefinition {
  /** The .pnn program (absolute path). */
  readonly program: string;
  /** Overrides of every run. */
  readonly set: readonly Assignment[];
  /** Explicit runs (each a partial assignment list); [] means one run with nothing of its own. */
  readonly runs: readonly (readonly Assignment[])[];
  /** Grid axes in order: name and values. */
  readonly grid: readonly { readonly name: string; readonly values: readonly string[] }[];
}

/** A sweep expanded for one program text: its runs in order, with ids. */
export interface Sweep {
  readonly definition: SweepDefinition;
  /** Hash of the program and every run: names the sweep's jobs in a queue. */
  readonly id: string;
  /** The axis names, in column order (list names first, then grid axes). */
  readonly axes: readonly string[];
  readonly runs: readonly SweepRun[];
}

/** Splits `a,b(c, d),"e,f"` at top-level commas (not inside parentheses or quotes). */
export function splitValues(text: string): string[] {
  const out: string[] = [];
  let depth = 0, quote = "", start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = "";
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "(" || c === "[") depth++;
    else if (c === ")" || c === "]") depth--;
    else if (c === "," && depth === 0) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(text.slice(start).trim());
  return out.filter((v) => v !== "");
}

/** `3..6` → 3, 4, 5, 6; anything else → undefined. */
function intRange(text: string): string[] | undefined {
  const m = /^\s*(-?\d+)\s*\.\.\s*(-?\d+)\s*$/.exec(text);
  if (!m) return undefined;
  const [a, b] = [Number(m[1]), Number(m[2])];
  if (b < a || b - a > 100_000) return undefined;
  return Array.from({ length: b - a + 1 }, (_, i) => String(a + i));
}

/** A grid axis from the command line: `seed=1..6` or `rule=backprop,physics_aware`. */
export function parseGridAxis(text: string): { name: string; values: string[] } {
  const a = parseAssignment(text, "--grid");
  const values = intRange(a.value) ?? splitValues(a.value);
  if (!values.length) throw new UsageError(`--grid ${a.name} has no values`);
  return { name: a.name, values };
}

// ── the sweep file ────────────────────────────────────────────────────────────

function valueText(v: unknown): string | undefined {
  if (typeof v === "string" && v.trim()) return v.trim();
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  if (typeof v === "boolean") return String(v);
  return undefined;
}

/** Reads a sweep file's JSON text; `resolve` turns its program path into an absolute one. */
export function parseSweepFile(file: string, text: string, resolve: (p: string) => string): SweepDefinition {
  const bad = (why: string): never => {
    throw new UserError(diag("PNN6010", fileSpan(file), `${file}: ${why}`));
  };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return bad(`not valid JSON (${(e as Error).message})`);
  }
  if (!json || typeof json !== "object" || Array.isArray(json)) return bad(`a sweep file is a JSON object with "program" and "grid", "runs" or "set"`);
  const o = json as Record<string, unknown>;
  const known = ["program", "set", "runs", "grid"];
  for (const k of Object.keys(o)) if (!known.includes(k)) bad(`unknown key "${k}" (the keys are ${known.join(", ")})`);
  if (typeof o.program !== "string" || !o.program.trim()) return bad(`"program" must name the .pnn file (relative to the sweep file)`);
  const assignments = (what: string, x: unknown): Assignment[] => {
    if (x === undefined) return [];
    if (!x || typeof x !== "object" || Array.isArray(x)) return bad(`${what} must be an object of NAME: VALUE`);
    return Object.entries(x as Record<string, unknown>).map(([name, v]) => {
      const value = valueText(v);
      if (value === undefined) return bad(`${what}.${name} must be a value (a number, true/false, or pnn text such as "0.02 rad"), got ${JSON.stringify(v)}`);
      return parseAssignment(`${name}=${value}`, `${file}: ${what}`);
    });
  };
  const runs = o.runs === undefined ? [] : Array.isArray(o.runs) ? o.runs.map((r, i) => assignments(`runs[${i}]`, r)) : bad(`"runs" must be a list of objects`);
  const grid: { name: string; values: string[] }[] = [];
  if (o.grid !== undefined) {
    if (!o.grid || typeof o.grid !== "object" || Array.isArray(o.grid)) bad(`"grid" must be an object of NAME: [values] (or "a..b")`);
    for (const [name, vs] of Object.entries(o.grid as Record<string, unknown>)) {
      const values = typeof vs === "string" ? (intRange(vs) ?? [vs]) : Array.isArray(vs) ? vs.map(valueText) : undefined;
      if (!values || !values.length || values.some((v) => v === undefined)) bad(`grid.${name} must be a non-empty list of values, or "a..b" for the integers a to b`);
      parseAssignment(`${name}=${values![0]}`, `${file}: grid`);
      grid.push({ name, values: values as string[] });
    }
  }
  return { program: resolve(o.program), set: assignments("set", o.set), runs, grid };
}

// ── expansion ────────────────────────────────────────────────────────────────

const hash = (text: string, n = 12) => createHash("sha256").update(text).digest("hex").slice(0, n);

function slug(axes: Readonly<Record<string, string>>): string {
  const s = Object.entries(axes)
    .map(([k, v]) => `${k}-${v}`)
    .join("_")
    .replace(/[^A-Za-z0-9.+-]+/g, "_")
    .slice(0, 80);
  return s || "run";
}

/**
 * The runs of a definition for a program whose content (source and the files its checker read)
 * hashes to `programHash`. A name given twice in one run is PNN6010 (`where` names the sweep).
 */
export function expandSweep(d: SweepDefinition, programHash: string, where: string): Sweep {
  const list = d.runs.length ? d.runs : [[]];
  const combos: Assignment[][] = [[]];
  for (const axis of d.grid) {
    const next: Assignment[][] = [];
    for (const c of combos) for (const value of axis.values) next.push([...c, { name: axis.name, value }]);
    combos.splice(0, combos.length, ...next);
  }
  const axisNames: string[] = [];
  const addAxis = (n: string) => {
    if (!axisNames.includes(n)) axisNames.push(n);
  };
  for (const r of d.runs) for (const a of r) addAxis(a.name);
  for (const g of d.grid) addAxis(g.name);
  const runs: SweepRun[] = [];
  for (const entry of list)
    for (const combo of combos) {
      const set = [...d.set, ...entry, ...combo];
      const names = new Set<string>();
      for (const a of set) {
        if (names.has(a.name)) throw new UserError(diag("PNN6010", fileSpan(where), `${where}: '${a.name}' is given twice in one run (in "set", a list entry or a grid axis); give each name once`));
        names.add(a.name);
      }
      const axes = Object.fromEntries([...entry, ...combo].map((a) => [a.name, a.value]));
      const id = `${slug(axes)}-${hash(programHash + "\n" + set.map(assignmentText).join("\n"), 10)}`;
      runs.push({ index: runs.length + 1, id, set, axes });
    }
  const ids = new Set(runs.map((r) => r.id));
  if (ids.size !== runs.length) throw new UserError(diag("PNN6010", fileSpan(where), `${where}: two runs have the same values; every run of a sweep must differ`));
  return { definition: d, id: hash(programHash + "\n" + runs.map((r) => r.id).join("\n")), axes: axisNames, runs };
}

/** Hash of a program's content: its source and every file its checker read (named relative to the program's folder). */
export function programHash(file: string, source: string, reads: ReadonlyMap<string, string>): string {
  const dir = path.dirname(path.resolve(file));
  const files = [...reads].map(([p, t]) => [path.relative(dir, p), t] as const).sort(([a], [b]) => (a < b ? -1 : 1));
  return hash([source, ...files.map(([p, t]) => `${p}\n${t}`)].join("\n\0"), 16);
}
