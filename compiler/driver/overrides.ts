/**
 * Command-line and sweep overrides of a program: `name=value` assignments (`--set seed=3`, a
 * sweep axis `NoisyMesh.sigma = 0.02 rad`) applied to the parsed program before it is checked,
 * so an overridden value is checked exactly as if it were written in the file. The value is pnn
 * expression text (`0.02 rad`, `physics_aware`, `adam(lr: 0.01)`); its diagnostics point into it
 * (pseudo-file `--set NAME`). What a name may set, in the first matching order:
 *   - a train key of the chosen train block: rule, loss, optimizer, epochs, batch, seed, chips, shards;
 *   - one argument of a train setting or of the data set: `rule.c`, `optimizer.lr`, `data.train`;
 *   - a top-level constant of the file: `modes`;
 *   - a parameter default of a layer or network declared in the file: `NoisyMesh.sigma`.
 * Constants and parameter defaults change the network without changing the source, so they are
 * part of the run's identity (Program.configHash) — `networkOverrides` lists them. Nothing here
 * reads files or runs the checker.
 */
import { diag, type Diagnostic } from "../../diagnostics/catalog.js";
import { fileSpan, type Span } from "../../diagnostics/span.js";
import type * as A from "../../grammar/ast.js";
import { parse } from "../../grammar/parse.js";
import { DATASETS } from "../../stdlib/datasets.js";
import { DEFAULT_OPTIMIZER, TRAIN_KEYS } from "../../stdlib/training.js";
import { closest } from "../sema/scope.js";
import { UsageError } from "./errors.js";

/** One `name=value` assignment; `value` is pnn expression text. */
export interface Assignment {
  readonly name: string;
  readonly value: string;
}

/** Where the diagnostics of an assignment's value point (its own pseudo-file). */
export const overrideOrigin = (name: string): string => `--set ${name}`;

/** `seed=3` → { name: "seed", value: "3" }; `flag` names the option in the usage error. */
export function parseAssignment(text: string, flag = "--set"): Assignment {
  const eq = text.indexOf("=");
  const name = eq < 0 ? "" : text.slice(0, eq).trim();
  const value = eq < 0 ? "" : text.slice(eq + 1).trim();
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(name) || !value)
    throw new UsageError(`${flag} takes NAME=VALUE, such as seed=3, "rule=spsa(c: 0.02)", "NoisyMesh.sigma=0.02 rad" or optimizer.lr=0.01; got '${text}'`);
  return { name, value };
}

/** The canonical text of an assignment list (identity hashes, run ids). */
export const assignmentText = (a: Assignment): string => `${a.name}=${a.value}`;

/**
 * Parses expression text as written after `const x =`, with spans pointing into the text itself
 * (file `origin`). Returns the expression, or the diagnostics when it does not parse.
 */
export function parseExpressionText(text: string, origin: string): { expr?: A.Expr; diagnostics: readonly Diagnostic[] } {
  const prefix = "const value =\n";
  const parsed = parse(prefix + text, origin);
  const shift = <T>(x: T): T => {
    if (Array.isArray(x)) return x.map(shift) as T;
    if (!x || typeof x !== "object") return x;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) {
      if (k === "span" && v && typeof v === "object") {
        const s = v as { start: number; end: number; line: number; endLine: number };
        out[k] = { ...s, start: Math.max(0, s.start - prefix.length), end: Math.max(0, s.end - prefix.length), line: Math.max(1, s.line - 1), endLine: Math.max(1, s.endLine - 1) };
      } else out[k] = shift(v);
    }
    return out as T;
  };
  const items = parsed.program.items;
  const item = items[0];
  // Only what the user wrote: a diagnostic on the wrapper's own line is an echo of recovery (the
  // parser repairing `const value =`), and positions quoted in messages ("the '(' at 2:5") move up
  // with the text.
  const diagnostics = parsed.diagnostics
    .filter((d) => d.span.line > 1)
    .map((d) => ({ ...shift(d), message: d.message.replace(/\bat (\d+):(\d+)/g, (_, l: string, c: string) => `at ${Number(l) - 1}:${c}`) }));
  if (!diagnostics.length && (items.length !== 1 || item?.kind !== "Const"))
    return { diagnostics: [diag("PNN1001", fileSpan(origin), `'${text}' is not one expression`)] };
  return { ...(item?.kind === "Const" && !diagnostics.length ? { expr: shift(item.value) } : {}), diagnostics };
}

const TRAIN_KEY_NAMES = TRAIN_KEYS.map((k) => k.name);
/** Train settings whose value is a call with named arguments that `key.arg` may set. */
const CALL_SETTINGS = ["rule", "optimizer"];

/** What an assignment sets, found in the program; `network` marks those that change the network. */
type Target =
  | { readonly kind: "setting"; readonly key: string }
  | { readonly kind: "setting-arg"; readonly key: string; readonly arg: string }
  | { readonly kind: "data-arg"; readonly arg: string }
  | { readonly kind: "const"; readonly name: string }
  | { readonly kind: "param-default"; readonly owner: string; readonly param: string };

function resolve(program: A.Program, a: Assignment): Target | string {
  const [head, tail] = a.name.split(".") as [string, string | undefined];
  if (tail === undefined) {
    if (TRAIN_KEY_NAMES.includes(head)) return { kind: "setting", key: head };
    if (program.items.some((i) => i.kind === "Const" && i.name.name === head)) return { kind: "const", name: head };
    const consts = program.items.flatMap((i) => (i.kind === "Const" ? [i.name.name] : []));
    const best = closest(head, [...TRAIN_KEY_NAMES, ...consts]);
    return `'${head}' is neither a train key (${TRAIN_KEY_NAMES.join(", ")}) nor a constant of this file${best ? `; did you mean '${best}'?` : ""}`;
  }
  if (CALL_SETTINGS.includes(head)) return { kind: "setting-arg", key: head, arg: tail };
  if (head === "data") return { kind: "data-arg", arg: tail };
  const owner = program.items.find((i): i is A.LayerDecl | A.NetworkDecl => (i.kind === "Layer" || i.kind === "Network") && i.name.name === head);
  if (!owner) {
    const owners = program.items.flatMap((i) => (i.kind === "Layer" || i.kind === "Network" ? [i.name.name] : []));
    const best = closest(head, [...CALL_SETTINGS, "data", ...owners]);
    return `'${a.name}': '${head}' is not rule, optimizer, data or a layer or network declared in this file${best ? `; did you mean '${best}'?` : ""}`;
  }
  if (!owner.params.some((p) => p.name.name === tail)) {
    const best = closest(tail, owner.params.map((p) => p.name.name));
    return `${owner.kind === "Layer" ? "layer" : "network"} ${head} has no parameter '${tail}'${best ? `; did you mean '${best}'?` : owner.params.length ? `; its parameters are ${owner.params.map((p) => p.name.name).join(", ")}` : ""}`;
  }
  return { kind: "param-default", owner: head, param: tail };
}

/** A call expression `name(args)` from a bare name or a call; undefined for anything else. */
function asCall(e: A.Expr): A.CallExpr | undefined {
  if (e.kind === "Call" && e.callee.kind === "Name") return e;
  if (e.kind === "Name") return { kind: "Call", callee: e, args: [], span: e.span };
  return undefined;
}

function withArg(call: A.CallExpr, arg: string, value: A.Expr): A.CallExpr {
  const named: A.Arg = { kind: "Arg", name: { kind: "Ident", name: arg, span: value.span }, value, span: value.span };
  const at = call.args.findIndex((x) => x.name?.name === arg);
  return { ...call, args: at >= 0 ? call.args.map((x, i) => (i === at ? named : x)) : [...call.args, named] };
}

export interface Overridden {
  readonly program: A.Program;
  readonly diagnostics: readonly Diagnostic[];
  /** The pseudo-files of the values (for printing their diagnostics). */
  readonly sources: Readonly<Record<string, string>>;
  /** Assignments that change the network (constants, parameter defaults): part of the run's identity. */
  readonly networkOverrides: readonly string[];
}

/**
 * Applies `assignments` to train block `train` (0-based) of a parsed program. Every problem is a
 * diagnostic: a value that does not parse (PNN1xxx, in its pseudo-file) or a name that sets
 * nothing (PNN2021); the program is then returned unchanged.
 */
export function applyOverrides(program: A.Program, assignments: readonly Assignment[], train = 0): Overridden {
  const diagnostics: Diagnostic[] = [];
  const sources: Record<string, string> = {};
  const networkOverrides: string[] = [];
  const seen = new Set<string>();
  let items = [...program.items];
  const trainAt = items.map((it, i) => (it.kind === "Train" ? i : -1)).filter((i) => i >= 0)[train];
  for (const a of assignments) {
    const origin = overrideOrigin(a.name);
    sources[origin] = a.value;
    const span: Span = fileSpan(origin);
    if (seen.has(a.name)) {
      diagnostics.push(diag("PNN2021", span, `'${a.name}' is set twice`));
      continue;
    }
    seen.add(a.name);
    const target = resolve(program, a);
    if (typeof target === "string") {
      diagnostics.push(diag("PNN2021", span, `cannot set ${target}`));
      continue;
    }
    const parsed = parseExpressionText(a.value, origin);
    if (!parsed.expr) {
      diagnostics.push(...parsed.diagnostics);
      continue;
    }
    const value = parsed.expr;
    if (target.kind === "const") {
      items = items.map((it) => (it.kind === "Const" && it.name.name === target.name ? { ...it, value } : it));
      networkOverrides.push(assignmentText(a));
      continue;
    }
    if (target.kind === "param-default") {
      items = items.map((it) => ((it.kind === "Layer" || it.kind === "Network") && it.name.name === target.owner ? { ...it, params: it.params.map((p) => (p.name.name === target.param ? { ...p, default: value } : p)) } : it));
      networkOverrides.push(assignmentText(a));
      continue;
    }
    if (trainAt === undefined) {
      diagnostics.push(diag("PNN2021", span, `cannot set '${a.name}': the file has no train block${train ? ` number ${train + 1}` : ""}`));
      continue;
    }
    const t = items[trainAt] as A.TrainDecl;
    if (target.kind === "data-arg") {
      const call = asCall(t.data);
      if (!call) {
        diagnostics.push(diag("PNN2021", span, `cannot set '${a.name}': the train block's data set is not written as a call such as mnist(train: 8000)`));
        continue;
      }
      const known = call.callee.kind === "Name" ? DATASETS.find((d) => d.name === (call.callee as A.NameRef).name) : undefined;
      if (known && !known.args.list.some((x) => x.name === target.arg)) {
        const names = known.args.list.map((x) => x.name);
        const best = closest(target.arg, names);
        diagnostics.push(diag("PNN2021", span, `cannot set '${a.name}': ${known.name}() has no argument '${target.arg}'${best ? `; did you mean '${best}'?` : names.length ? `; its arguments are ${names.join(", ")}` : ""}`));
        continue;
      }
      items[trainAt] = { ...t, data: withArg(call, target.arg, value) };
      continue;
    }
    const existing = t.settings.find((s) => s.key.name === target.key);
    let newValue: A.Expr = value;
    if (target.kind === "setting-arg") {
      const base = existing ? asCall(existing.value) : target.key === "optimizer" ? asCall({ kind: "Name", name: DEFAULT_OPTIMIZER, span: value.span }) : undefined;
      if (!base) {
        diagnostics.push(diag("PNN2021", span, existing ? `cannot set '${a.name}': the train block's ${target.key} is not written as a name or a call` : `cannot set '${a.name}': the train block has no ${target.key}`));
        continue;
      }
      newValue = withArg(base, target.arg, value);
    }
    const setting: A.Setting = { kind: "Setting", key: existing?.key ?? { kind: "Ident", name: target.key, span: value.span }, value: newValue, span: existing?.span ?? value.span };
    items[trainAt] = { ...t, settings: existing ? t.settings.map((s) => (s === existing ? setting : s)) : [...t.settings, setting] };
  }
  if (diagnostics.length) return { program, diagnostics, sources, networkOverrides: [] };
  return { program: { ...program, items }, diagnostics, sources, networkOverrides };
}
