/**
 * The checker's entry point: a parsed program in, a semantic model and diagnostics out.
 * It resolves imports (the standard library, or .pnn files under the importing file's folder,
 * symbolic links resolved: nothing outside is read, nor a FIFO or device, nor more than
 * MAX_SOURCE_BYTES), evaluates constants lazily (cycles are PNN2017), elaborates every network
 * into a typed DAG within the elaboration budget (PNN2080, diagnostics/limits.ts), and checks
 * train blocks (train.ts). Never throws on user input.
 */
import * as path from "node:path";
import type { Diagnostic } from "../../diagnostics/catalog.js";
import type { Span } from "../../diagnostics/span.js";
import type * as A from "../../grammar/ast.js";
import { MAX_IMPORT_DEPTH, MAX_SOURCE_BYTES } from "../../diagnostics/limits.js";
import { parse } from "../../grammar/parse.js";
import { confine, fileProblem, realPathOf } from "../../runtime/files.js";
import { STD_MODULES } from "../../stdlib/index.js";
import { showType } from "../../stdlib/types.js";
import { describeDim, isDimensionless } from "../units.js";
import { callStdLayer, checkArgs } from "./args.js";
import { Evaluator, type CheckContext } from "./evaluate.js";
import { expandUserLayer } from "./layers.js";
import { DEFAULT_COUPLING } from "../../stdlib/circuits.js";
import type { CouplingInfo, ExternalBlock, NetworkModel, SemanticModel, SymbolInfo, TrainModel } from "./model.js";
import { energyProblems } from "./energy-check.js";
import { NetworkBuilder } from "./network-builder.js";
import { closest, describeValue, Env, ERROR, type FileScope, type Value } from "./scope.js";
import { checkTrain } from "./train.js";

/** How the checker reads imported files (the CLI reads disk; the language server its open documents). */
export interface CheckHost {
  readFile(absolutePath: string): string | undefined;
}

export interface CheckResult {
  readonly model: SemanticModel;
  readonly diagnostics: readonly Diagnostic[];
}

/** What a command line may change in the checked file's train blocks (`pnn train --rule …`). */
export interface CheckOverrides {
  /** Replaces the value of `rule = …` (checked exactly as if written there). */
  readonly rule?: A.Expr;
  /** `--simulate`: external layers run on their own device model (sampled per chip) instead of their device. */
  readonly simulate?: boolean;
}

interface Session {
  readonly file: string;
  readonly overrides: CheckOverrides;
  readonly ctx: CheckContext;
  readonly ev: Evaluator;
  readonly host: CheckHost;
  readonly importing: string[];
  readonly modules: Map<string, Value>;
  readonly layerSymbols: Map<A.LayerDecl, SymbolInfo[]>;
}

/** Checks one parsed file. `file` is the path used in spans; imports resolve relative to it. */
export function check(program: A.Program, file: string, host: CheckHost, overrides: CheckOverrides = {}): CheckResult {
  const ctx: CheckContext = { diagnostics: [], symbols: [], facts: [] };
  const ev = new Evaluator(ctx);
  const session: Session = { file, overrides, ctx, ev, host, importing: [realPathOf(path.resolve(file)) ?? path.resolve(file)], modules: new Map(), layerSymbols: new Map() };
  ctx.callStdLayer = callStdLayer;
  if (overrides.simulate) ctx.simulateExternal = true;
  ctx.readFile = (p) => host.readFile(p);
  const { networks, trains, consts } = checkFileItems(session, program, file);
  // Where the parser recovered from a syntax error, that error is the one report (grammar/recovery.ts):
  // nothing inside the region, and no judgement of a whole construct (network, train block) around it.
  const recovered = program.recovered ?? [];
  const echo = (d: Diagnostic) =>
    recovered.some((r) => r.file === d.span.file && ((r.start <= d.span.start && d.span.start < r.end) || (d.span.start <= r.start && r.end <= d.span.end)));
  return {
    model: { file, networks, trains, consts, symbols: ctx.symbols, facts: ctx.facts },
    diagnostics: dedupe(ctx.diagnostics).filter((d) => !echo(d)),
  };
}

/** Parses and checks source text in one go (the CLI and the language server use this). */
export function checkSource(text: string, file: string, host: CheckHost): CheckResult & { syntax: readonly Diagnostic[] } {
  const parsed = parse(text, file);
  const result = check(parsed.program, file, host);
  return { ...result, syntax: parsed.diagnostics, diagnostics: orderDiagnostics([...parsed.diagnostics, ...result.diagnostics]) };
}

/** Diagnostics without repeats, in reading order: by file, then position (stable, so one spot keeps its order). */
export function orderDiagnostics(all: readonly Diagnostic[]): Diagnostic[] {
  return dedupe([...all])
    .map((d, i) => ({ d, i }))
    .sort((a, b) => (a.d.span.file < b.d.span.file ? -1 : a.d.span.file > b.d.span.file ? 1 : a.d.span.start - b.d.span.start || a.i - b.i))
    .map((x) => x.d);
}

function checkFileItems(s: Session, program: A.Program, file: string) {
  const { ev, ctx } = s;
  const env = new Env();
  const scope: FileScope = { file, env };
  const consts = new Map<string, import("../../stdlib/types.js").ConstValue>();
  const define = (id: A.Ident, kind: SymbolInfo["kind"], value: Value, detail: string): SymbolInfo | undefined => {
    if (!id.name) return undefined;
    const prior = env.get(id.name);
    if (prior?.symbol) {
      ev.error("PNN2002", id.span, `'${id.name}' is already defined`, { related: [{ span: prior.symbol.def, message: "first defined here" }] });
      return undefined;
    }
    const sym: SymbolInfo = { name: id.name, kind, def: id.span, refs: [], detail };
    ctx.symbols.push(sym);
    env.set(id.name, { value, symbol: sym });
    return sym;
  };

  // Pass 1: imports, layers and networks are visible everywhere in the file; constants are lazy.
  const pendingConsts = new Map<string, A.ConstDecl>();
  for (const item of program.items) {
    switch (item.kind) {
      case "Import": define(item.name, "import", resolveImport(s, item, file), `import ${item.name.name} from "${item.from.value}"`); break;
      case "Layer": define(item.name, "layer", { kind: "callable", callable: { kind: "user", decl: item, file: scope } }, layerSignature(item)); break;
      case "Network": define(item.name, "network", { kind: "network", decl: item }, `network ${item.name.name}`); break;
      case "Const": if (define(item.name, "const", ERROR, "const")) pendingConsts.set(item.name.name, item); break;
      case "Train": break;
    }
  }
  // Constants may use constants declared later: a depth-first walk (with its own stack, so
  // a chain of 5,000 constants each naming the next costs no call stack) evaluates those first.
  const evaluating = new Set<string>();
  const done = new Set<string>();
  const finish = (name: string, decl: A.ConstDecl): void => {
    const v = ev.eval(decl.value, env);
    evaluating.delete(name);
    done.add(name);
    const sym = env.get(name)?.symbol;
    if (v.kind === "tensor" || v.kind === "callable" || v.kind === "module" || v.kind === "network") {
      ev.error("PNN2010", decl.value.span, `a constant must be a number, string, range or distribution, got ${describeValue(v)}`);
      return;
    }
    if (v.kind !== "error") consts.set(name, v);
    env.set(name, { value: v, symbol: sym });
    if (sym) sym.detail = `const ${name} = ${v.kind === "num" ? `${v.value}${isDimensionless(v.dim) ? "" : ` (${describeDim(v.dim)})`}` : describeValue(v)}`;
  };
  const evalConst = (root: string): void => {
    const stack: { name: string; decl: A.ConstDecl; deps: string[]; next: number }[] = [];
    const enter = (name: string) => {
      const decl = pendingConsts.get(name);
      if (!decl || done.has(name)) return;
      if (evaluating.has(name)) {
        ev.error("PNN2017", decl.name.span, `constant '${name}' depends on itself`);
        return;
      }
      evaluating.add(name);
      stack.push({ name, decl, deps: namesIn(decl.value).filter((n) => pendingConsts.has(n)), next: 0 });
    };
    enter(root);
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top.next < top.deps.length) enter(top.deps[top.next++]);
      else {
        stack.pop();
        finish(top.name, top.decl);
      }
    }
  };
  for (const name of pendingConsts.keys()) evalConst(name);

  ctx.expandUserLayer = (e, call, input, args, span, net) => expandUserLayer(e, call, input, args, span, net, env, s.layerSymbols);
  const networks = new Map<string, NetworkModel>();
  for (const item of program.items) if (item.kind === "Network" && item.name.name && !networks.has(item.name.name)) {
    const m = elaborateNetwork(s, item, env);
    if (m) networks.set(item.name.name, m);
  }
  const trains: TrainModel[] = [];
  for (const item of program.items) if (item.kind === "Train") {
    const t = checkTrain(ev, item, env, networks, file === s.file ? s.overrides.rule : undefined);
    if (t) trains.push(t);
  }
  // Layers never called in any network are still checked, with their parameters' defaults.
  for (const item of program.items) if (item.kind === "Layer" && !s.layerSymbols.has(item)) checkUncalledLayer(s, item, env);
  return { scope, networks, trains, consts };
}

/** The names an expression mentions, in reading order (without recursion: chains may be long). */
function namesIn(e: A.Expr): string[] {
  const out: string[] = [];
  const todo: A.Expr[] = [e];
  while (todo.length) {
    const x = todo.pop()!;
    switch (x.kind) {
      case "Name": out.push(x.name); break;
      case "Binary": todo.push(x.right, x.left); break;
      case "Unary": todo.push(x.operand); break;
      case "Range": todo.push(x.hi, x.lo); break;
      case "Call": for (let i = x.args.length - 1; i >= 0; i--) todo.push(x.args[i].value); todo.push(x.callee); break;
      case "Pipe": todo.push(x.target, x.input); break;
      case "Member": todo.push(x.object); break;
      default: break;
    }
  }
  return out;
}

function layerSignature(l: A.LayerDecl): string {
  const f = l.members.find((m): m is A.ForwardDecl => m.kind === "Forward");
  return `layer ${l.name.name}(${l.params.map((p) => `${p.name.name}: ${p.type.base}`).join(", ")})${f ? ` forward(${f.input.name}: ${f.inputType.base}[…]) -> ${f.outputType.base}[…]` : ""}`;
}

function resolveImport(s: Session, item: A.ImportDecl, file: string): Value {
  const spec = item.from.value;
  const std = STD_MODULES.get(spec);
  if (std) {
    const members = new Map<string, Value>();
    for (const [name, sig] of std) members.set(name, { kind: "callable", callable: { kind: "std", sig, qualified: `${item.name.name}.${name}` } });
    return { kind: "module", path: spec, members };
  }
  if (spec.startsWith("std/")) {
    const best = closest(spec, STD_MODULES.keys());
    return s.ev.error("PNN2007", item.from.span, `no standard module '${spec}'${best ? `; did you mean '${best}'?` : `; the standard library has ${[...STD_MODULES.keys()].join(", ")}`}`);
  }
  // A user file: must stay under the importing file's folder, as written and with symbolic
  // links resolved (runtime/files.ts confine). Nothing outside is read; nor is a FIFO or device.
  const dir = path.dirname(path.resolve(file));
  const where = confine(dir, spec);
  if (!where.ok)
    return s.ev.error("PNN2008", item.from.span, `import '${spec}' points outside this file's folder: ${where.problem}. Imports may name the standard library (std/…) or a .pnn file under ${path.basename(dir)}/`);
  const target = where.path;
  if (!target.endsWith(".pnn")) return s.ev.error("PNN2007", item.from.span, `import '${spec}' is not a .pnn file`);
  const key = where.real ?? target;
  if (s.importing.includes(key)) return s.ev.error("PNN2017", item.from.span, `import cycle: ${[...s.importing, key].map((p) => path.relative(dir, p) || ".").join(" → ")}`);
  if (s.importing.length > MAX_IMPORT_DEPTH) return s.ev.error("PNN2080", item.from.span, `imports are nested more than ${MAX_IMPORT_DEPTH} files deep`);
  const cached = s.modules.get(key);
  if (cached) return cached;
  const unfit = fileProblem(target, MAX_SOURCE_BYTES);
  if (unfit) return s.ev.error(unfit.kind === "too-large" ? "PNN1004" : "PNN2007", item.from.span, `cannot import '${spec}': ${unfit.problem}`);
  const text = s.host.readFile(target);
  if (text === undefined) return s.ev.error("PNN2007", item.from.span, `cannot read '${spec}': no such file`);
  const shown = path.relative(process.cwd(), target) || target;
  const parsed = parse(text, shown);
  if (parsed.diagnostics.length) {
    s.ctx.diagnostics.push(...parsed.diagnostics);
    return s.ev.error("PNN2007", item.from.span, `'${spec}' has syntax errors`);
  }
  s.importing.push(key);
  const sub = checkFileItems(s, parsed.program, shown);
  s.importing.pop();
  const members = new Map<string, Value>();
  for (const it of parsed.program.items) {
    if (it.kind === "Layer" || it.kind === "Const") {
      const b = sub.scope.env.get(it.name.name);
      if (b) members.set(it.name.name, b.value);
    }
  }
  const mod: Value = { kind: "module", path: spec, members };
  s.modules.set(key, mod);
  return mod;
}

function checkUncalledLayer(s: Session, decl: A.LayerDecl, env: Env): void {
  const f = decl.members.find((m): m is A.ForwardDecl => m.kind === "Forward");
  if (!f || decl.params.some((p) => !p.default)) return; // needs arguments we do not have: checked when called
  const builder = new NetworkBuilder();
  const probe = new Env(env);
  const inType = s.ev.tensorType(f.inputType, probe);
  if (!inType) return;
  const input = builder.add({ op: "input", name: f.input.name, type: inType, span: f.input.span });
  s.ctx.expandUserLayer!(s.ev, { decl, file: { file: decl.span.file, env } }, { kind: "tensor", node: input, type: inType }, [], decl.name.span, { builder, prefix: "_", stack: [] });
}

function elaborateNetwork(s: Session, decl: A.NetworkDecl, fileEnv: Env): NetworkModel | undefined {
  const { ev, ctx } = s;
  const env = new Env(fileEnv);
  const builder = new NetworkBuilder();
  // Network parameters take their defaults (a train block cannot pass arguments).
  for (const p of decl.params) {
    if (!p.default) {
      ev.error("PNN2004", p.span, `network parameter '${p.name.name}' needs a default value (train blocks pass no arguments)`);
      env.set(p.name.name, { value: ERROR });
      continue;
    }
    const v = ev.eval(p.default, fileEnv);
    const sym: SymbolInfo = { name: p.name.name, kind: "layer-param", def: p.name.span, refs: [], detail: `${p.name.name}: ${p.type.base} = ${v.kind === "num" ? v.value : describeValue(v)}` };
    ctx.symbols.push(sym);
    env.set(p.name.name, { value: v, symbol: sym });
  }
  const inputs: NetworkModel["inputs"][number][] = [];
  const stateNodes: NetworkModel["stateNodes"][number][] = [];
  const couplings: CouplingInfo[] = [];
  const bindings = new Map<string, number>();
  let output: number | undefined;
  let outputSpan: Span | undefined;
  /** A node group or coupling was already reported (or unreadable): whole-network rules wait for it. */
  let incomplete = false;
  const define = (id: A.Ident, kind: SymbolInfo["kind"], value: Value, detail: string) => {
    if (!id.name) return;
    if (env.hasOwn(id.name)) {
      const prior = env.get(id.name)?.symbol;
      ev.error("PNN2002", id.span, `'${id.name}' is already defined in network ${decl.name.name}`, prior ? { related: [{ span: prior.def, message: "first defined here" }] } : {});
      return;
    }
    const sym: SymbolInfo = { name: id.name, kind, def: id.span, refs: [], detail };
    ctx.symbols.push(sym);
    env.set(id.name, { value, symbol: sym });
  };
  for (const item of decl.items) {
    switch (item.kind) {
      case "Input":
      case "Nodes":
      case "OutputNodes": {
        const type = ev.tensorType(item.type, env);
        if (!type) {
          incomplete = true;
          define(item.name, item.kind === "Input" ? "input" : "nodes", ERROR, "");
          break;
        }
        const node = builder.add({ op: "input", name: item.name.name, type, span: item.name.span });
        if (item.kind === "Input") inputs.push({ name: item.name.name, type, span: item.name.span });
        else stateNodes.push({ name: item.name.name, type, isOutput: item.kind === "OutputNodes", span: item.name.span });
        define(item.name, item.kind === "Input" ? "input" : "nodes", { kind: "tensor", node, type }, `${item.kind === "Input" ? "input" : item.kind === "Nodes" ? "nodes" : "output"} ${item.name.name}: ${showType(type)}`);
        break;
      }
      case "Binding": {
        const v = ev.eval(item.value, env, { builder, prefix: item.name.name, stack: [] });
        define(item.name, "binding", v, v.kind === "tensor" ? `${item.name.name}: ${showType(v.type)}` : describeValue(v));
        if (v.kind === "tensor") {
          bindings.set(item.name.name, v.node);
          ev.fact(item.name.span, showType(v.type), { kind: "binding", type: v.type, ...(v.dim && !isDimensionless(v.dim) ? { dim: v.dim } : {}) });
        }
        if (item.isOutput) {
          if (outputSpan) ev.error("PNN2002", item.name.span, `network ${decl.name.name} already has an output`, { related: [{ span: outputSpan, message: "the first output" }] });
          else if (v.kind === "tensor") {
            output = v.node;
            outputSpan = item.name.span;
          } else {
            outputSpan = item.name.span;
            if (v.kind !== "error") ev.error("PNN2010", item.value.span, `the output must be a tensor, got ${describeValue(v)}`);
          }
        }
        break;
      }
      case "Couple": {
        let broken = false; // an end or the element is already reported (or unreadable)
        for (const id of [item.from, item.to]) {
          const b = env.get(id.name);
          if (!b) ev.lookup(id.name, id.span, env);
          else b.symbol?.refs.push(id.span);
          if (!b || b.value.kind === "error") broken = true;
        }
        let via: string | undefined;
        let consts: CouplingInfo["consts"] = {};
        if (item.via) {
          const call = item.via.kind === "Call" ? item.via : undefined;
          const calleeExpr = call ? call.callee : item.via;
          const callee = ev.eval(calleeExpr, env);
          if (callee.kind === "error") broken = true;
          if (callee.kind === "callable" && callee.callable.kind === "std" && callee.callable.sig.kind === "coupling") {
            via = `${callee.callable.sig.module}.${callee.callable.sig.name}`;
            const named = (call?.args ?? []).filter((a) => a.name);
            const positional = (call?.args ?? []).filter((a) => !a.name);
            consts = checkArgs(ev, callee.callable.qualified, callee.callable.sig.args, positional, named, item.via.span, env).args.consts;
          } else if (callee.kind !== "error") ev.error("PNN2006", calleeExpr.span, `'via' needs a coupling element such as circuits.resistor(…), got ${describeValue(callee)}`);
        }
        if (!item.via && item.symmetric) {
          // `couple a <-> b` alone: the default symmetric coupling, a trainable Hopfield-like weight with its default arguments
          via = `${DEFAULT_COUPLING.module}.${DEFAULT_COUPLING.name}`;
          consts = Object.fromEntries(DEFAULT_COUPLING.args.map((a) => [a.name, a.default ?? null]));
        }
        incomplete ||= broken;
        if (!broken) couplings.push({ from: item.from.name, to: item.to.name, symmetric: item.symmetric, ...(via ? { via } : {}), consts, span: item.span });
        break;
      }
    }
  }
  const energy = stateNodes.length > 0 || couplings.some((c) => c.symmetric);
  if (!energy && output === undefined && !outputSpan)
    ev.error("PNN2013", decl.name.span, `network ${decl.name.name} has no output; mark its result with 'output y = …'`);
  if (energy && !incomplete && !stateNodes.some((n) => n.isOutput) && output === undefined)
    ev.error("PNN2013", decl.name.span, `energy-based network ${decl.name.name} has no output nodes; declare 'output y: real[k]'`);
  const model: NetworkModel = {
    name: decl.name.name,
    span: decl.span,
    kind: energy ? "energy_based" : "feedforward",
    inputs,
    nodes: builder.nodes,
    params: builder.params,
    deviceVars: builder.deviceVars,
    ...(output !== undefined ? { output } : {}),
    bindings,
    stateNodes,
    couplings,
    externals: externalsNamed(builder.externals),
    simulated: externalsNamed(builder.simulated),
  };
  if (energy && !incomplete) for (const pr of energyProblems(model)) ev.error("PNN2070", pr.span, pr.message);
  return model;
}

/** A layer used as an external device twice is named by its instance path; otherwise by its name. */
function externalsNamed(blocks: readonly ExternalBlock[]): ExternalBlock[] {
  const count = new Map<string, number>();
  for (const b of blocks) count.set(b.name, (count.get(b.name) ?? 0) + 1);
  return blocks.map((b) => (count.get(b.name)! > 1 ? { ...b, name: b.instance } : b));
}

function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of ds) {
    const k = `${d.code}|${d.span.file}|${d.span.start}|${d.message}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(d);
    }
  }
  return out;
}

