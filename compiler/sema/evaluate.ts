/**
 * Expression evaluation for the checker: constants with units (`0.02 rad` → 0.02 in SI with an
 * angle dimension), shapes, distributions, and — inside a network — tensors, which become nodes
 * of the network being elaborated. Calls of standard-library layers are checked generically
 * against their signatures (args.ts); calls of user layers are inlined as fresh instances.
 * Every user mistake becomes a diagnostic and an ERROR value; nothing here throws.
 */
import { diag, type Diagnostic, type DiagnosticCode } from "../../diagnostics/catalog.js";
import { MAX_ELABORATION_STEPS, MAX_TENSOR_ELEMENTS } from "../../diagnostics/limits.js";
import type { Span } from "../../diagnostics/span.js";
import type * as A from "../../grammar/ast.js";
import { BUILTIN_CONSTANTS, CORE_LAYERS, DISTRIBUTIONS } from "../../stdlib/index.js";
import { showType, type ConstValue, type Distribution, type TensorType } from "../../stdlib/types.js";
import { addDims, ANGLE, DIMENSIONLESS, describeDim, isDimensionless, parseUnit, sameDim, scaleDim, subDims, type Dim } from "../units.js";
import type { NetworkBuilder } from "./network-builder.js";
import type { Fact, SymbolInfo } from "./model.js";
import { closest, describeValue, didYouMean, Env, ERROR, type Value } from "./scope.js";

/** Tensors larger than this many elements are refused at check time. */
export { MAX_TENSOR_ELEMENTS };

export interface NetContext {
  readonly builder: NetworkBuilder;
  /** Instance path prefix: the binding name, then nested layer names. */
  readonly prefix: string;
  /** User layers being expanded (recursion guard). */
  readonly stack: readonly string[];
  /** The `external` layer being expanded, if any (an external layer cannot hold another). */
  readonly external?: string;
}

export interface CheckContext {
  readonly diagnostics: Diagnostic[];
  readonly symbols: SymbolInfo[];
  readonly facts: Fact[];
  /** Expands a user layer call; supplied by layers.ts to keep this file about expressions. */
  expandUserLayer?(ev: Evaluator, call: { decl: A.LayerDecl; file: import("./scope.js").FileScope }, input: Value, args: readonly A.Arg[], span: Span, net: NetContext): Value;
  /** Reads a file an argument names (`file` arguments); supplied by check.ts from its host. */
  readFile?(absolutePath: string): string | undefined;
  /** `--simulate`: external layers run on their own device model (no ExternalBlock is recorded). */
  simulateExternal?: boolean;
  /** Checks a standard-library layer call; supplied by args.ts. */
  callStdLayer?(ev: Evaluator, callee: Extract<Value, { kind: "callable" }>, input: Value, positional: readonly A.Arg[], named: readonly A.Arg[], span: Span, env: Env, net: NetContext): Value;
}

export const isDimless = (d: Dim | undefined) => !d || isDimensionless(d);

/** Notes pointing at where units were written (`mm written here`), for a unit mismatch. */
export function unitNotes(...sides: readonly { readonly dim?: Dim; readonly unitAt?: Span }[]): { span: Span; message: string }[] {
  const out: { span: Span; message: string }[] = [];
  for (const s of sides) if (s.unitAt && s.dim && !isDimensionless(s.dim) && !out.some((o) => o.span.start === s.unitAt!.start && o.span.file === s.unitAt!.file)) out.push({ span: s.unitAt, message: `${describeDim(s.dim)} written here` });
  return out;
}

/** A plain zero (no unit) fits any unit: `normal(0, 3 mm)`, `x + 0`. */
const unitlessZero = (v: { readonly value: number; readonly dim: Dim }) => v.value === 0 && isDimensionless(v.dim);
/** Plain numbers are accepted where angles are expected (radians are the natural unit). */
export function compatibleDims(expected: Dim, got: Dim | undefined): boolean {
  if (!got) return true;
  if (sameDim(expected, got)) return true;
  return (sameDim(expected, ANGLE) && isDimensionless(got)) || (isDimensionless(expected) && sameDim(got, ANGLE));
}

export class Evaluator {
  /** "Did you mean" over user-defined names, this many times per check (a file of 10,000 typos stays fast). */
  private suggestionsLeft = 200;
  /** Elaboration steps left for this check (one per expression evaluated). */
  private stepsLeft: number;
  /**
   * True once the budget is spent: every evaluation is then ERROR and no other diagnostic is
   * added (they would only be echoes of the cut-off), so the check ends quickly with PNN2080.
   */
  exhausted = false;

  constructor(readonly ctx: CheckContext, budget = MAX_ELABORATION_STEPS) {
    this.stepsLeft = budget;
  }

  error(code: DiagnosticCode, span: Span, message: string, extra?: Parameters<typeof diag>[3]): Value {
    if (!this.exhausted) this.ctx.diagnostics.push(diag(code, span, message, extra));
    return ERROR;
  }

  /** The closest of `candidates` (read lazily) to `name`, while this check's suggestion budget lasts. */
  suggest(name: string, candidates: Iterable<string>): string | undefined {
    return this.suggestionsLeft-- > 0 ? closest(name, candidates) : undefined;
  }

  /** `; did you mean 'x'?` or "", within the suggestion budget. */
  didYouMean(name: string, candidates: Iterable<string>): string {
    const c = this.suggest(name, candidates);
    return c ? `; did you mean '${c}'?` : "";
  }

  /** Spends one step; false once the budget is gone (the first time, with PNN2080 at `span`). */
  spend(span: Span, net?: NetContext): boolean {
    if (this.stepsLeft-- > 0) return true;
    if (!this.exhausted) {
      const stack = net?.stack ?? [];
      const inside = stack.length ? ` (inside ${stack.length > 6 ? [...stack.slice(0, 3), "…", ...stack.slice(-2)].join(" → ") : stack.join(" → ")})` : "";
      this.error("PNN2080", span, `checking stopped here${inside}: the program needs more than ${MAX_ELABORATION_STEPS.toLocaleString("en-US")} elaboration steps. Every call of a layer evaluates its body again, so layers that call a layer twice, nested n deep, cost 2^n: call such a layer once, or pass its result on`);
      this.exhausted = true;
    }
    return false;
  }

  // ── names ──────────────────────────────────────────────────────────────────
  lookup(name: string, span: Span, env: Env): Value {
    const b = env.get(name);
    if (b) {
      b.symbol?.refs.push(span);
      return b.value;
    }
    if (name in BUILTIN_CONSTANTS) return { kind: "num", value: BUILTIN_CONSTANTS[name], dim: DIMENSIONLESS, isInt: false };
    const core = CORE_LAYERS.get(name);
    if (core) return { kind: "callable", callable: { kind: "std", sig: core, qualified: name } };
    if (name in DISTRIBUTIONS) return { kind: "callable", callable: { kind: "dist", name: name as keyof typeof DISTRIBUTIONS } };
    const best = this.suggest(name, candidateNames(env));
    return this.error("PNN2001", span, `unknown name '${name}'${best ? `; did you mean '${best}'?` : ""}`, best ? { fix: { span, replacement: best } } : {});
  }

  // ── expressions ────────────────────────────────────────────────────────────
  /**
   * Chains nest to the left (`a + b + c` is (a + b) + c; so are `f(x)(y)`, `m.a.b` and
   * `x |> f |> g`): their spine is walked with a loop and only the other operands recurse, so a
   * chain of any length costs no stack. Every node evaluated spends one step of the budget.
   */
  eval(e: A.Expr, env: Env, net?: NetContext): Value {
    const spine: (A.BinaryExpr | A.MemberExpr | A.CallExpr | A.PipeExpr)[] = [];
    let cur: A.Expr = e;
    for (;;) {
      if (cur.kind === "Binary" && cur.op !== "^") (spine.push(cur), (cur = cur.left));
      else if (cur.kind === "Member") (spine.push(cur), (cur = cur.object));
      else if (cur.kind === "Call") (spine.push(cur), (cur = cur.callee));
      else if (cur.kind === "Pipe") (spine.push(cur), (cur = cur.input));
      else break;
    }
    if (!this.spend(cur.span, net)) return ERROR;
    let v = this.leaf(cur, env, net);
    for (let i = spine.length - 1; i >= 0; i--) {
      const s = spine[i];
      if (!this.spend(s.span, net)) return ERROR;
      switch (s.kind) {
        case "Binary": v = this.binary(s, v, env, net); break;
        case "Member": v = this.member(s, v); break;
        case "Call": v = this.typed("call", s.callee, s.span, this.callValue(v, s.callee, undefined, s.args, s.span, env, net)); break;
        case "Pipe": v = this.pipe(s, v, env, net); break;
      }
    }
    return v;
  }

  /** Everything but the chain links eval() walks itself. */
  private leaf(e: A.Expr, env: Env, net?: NetContext): Value {
    switch (e.kind) {
      case "Num": return this.number(e);
      case "Str": return { kind: "str", value: e.value };
      case "Bool": return { kind: "bool", value: e.value };
      case "Name": return this.lookup(e.name, e.span, env);
      case "Error": return ERROR;
      case "Range": {
        const lo = this.eval(e.lo, env, net);
        const hi = this.eval(e.hi, env, net);
        if (lo.kind === "error" || hi.kind === "error") return ERROR;
        if (lo.kind !== "num" || hi.kind !== "num") return this.error("PNN2010", e.span, "a range needs numbers at both ends");
        if (!compatibleDims(lo.dim, hi.dim) && !(unitlessZero(lo) || unitlessZero(hi)))
          return this.error("PNN3001", e.span, `range ends differ in units: ${describeDim(lo.dim)} .. ${describeDim(hi.dim)}`, { related: unitNotes(lo, hi) });
        if (lo.value > hi.value) return this.error("PNN3003", e.span, `range is empty: ${lo.value} > ${hi.value}`);
        const from = isDimensionless(lo.dim) ? hi : lo;
        return { kind: "range", lo: lo.value, hi: hi.value, dim: from.dim, ...(from.unitAt ? { unitAt: from.unitAt } : {}) };
      }
      case "Unary": {
        const v = this.eval(e.operand, env, net);
        if (v.kind === "error") return ERROR;
        if (v.kind === "num") return { ...v, value: -v.value };
        if (v.kind === "tensor" && net) return { ...v, node: net.builder.add({ op: "neg", a: v.node, type: v.type, span: e.span }) };
        return this.error("PNN2010", e.span, `cannot negate ${describeValue(v)}`);
      }
      // `^` nests to the right (a ^ b ^ c); the parser bounds how deep.
      case "Binary": return this.binary(e, this.eval(e.left, env, net), env, net);
      case "Member": return this.member(e, this.eval(e.object, env, net));
      case "Call": return this.typed("call", e.callee, e.span, this.callExpr(e.callee, undefined, e.args, e.span, env, net));
      case "Pipe": return this.pipe(e, this.eval(e.input, env, net), env, net);
    }
  }

  private member(e: A.MemberExpr, obj: Value): Value {
    if (obj.kind === "error") return ERROR;
    if (obj.kind !== "module") return this.error("PNN2006", e.span, `${describeValue(obj)} has no members`);
    const m = obj.members.get(e.member.name);
    if (!m) {
      const best = this.suggest(e.member.name, obj.members.keys());
      return this.error("PNN2012", e.member.span, `${obj.path} has no member '${e.member.name}'${best ? `; did you mean '${best}'?` : ""}`, best ? { fix: { span: e.member.span, replacement: best } } : {});
    }
    return m;
  }

  /** `input |> target`; the stage's type is recorded as a fact at the target (hover, inlay hints). */
  private pipe(e: A.PipeExpr, input: Value, env: Env, net?: NetContext): Value {
    const callee = e.target.kind === "Call" ? e.target.callee : e.target;
    if (e.target.kind === "Call") return this.typed("stage", callee, e.target.span, this.callExpr(e.target.callee, input, e.target.args, e.span, env, net));
    if (e.target.kind === "Name" || e.target.kind === "Member") return this.typed("stage", callee, e.target.span, this.callExpr(e.target, input, [], e.span, env, net));
    return this.error("PNN2006", e.target.span, "the right side of '|>' must be a layer or a call");
  }

  number(e: A.NumLit): Value {
    if (!Number.isFinite(e.value)) return ERROR; // 1e400: the parser reported it (PNN1006)
    if (!e.unit) return { kind: "num", value: e.value, dim: DIMENSIONLESS, isInt: Number.isInteger(e.value) && !/[.eE]/.test(e.raw) };
    const u = parseUnit(e.unit.text);
    if (!u) return this.error("PNN3002", e.unit.span, `unknown unit '${e.unit.text}'${didYouMean(e.unit.text, ["rad", "deg", "dB", "nm", "um", "mm", "m", "S", "uS", "ohm", "V", "A", "s", "ms", "Hz", "W", "mW"])}`);
    const value = e.value * u.scale;
    if (!Number.isFinite(value)) return this.error("PNN3003", e.span, `${e.raw.length > 24 ? `${e.raw.slice(0, 20)}…` : e.raw} ${e.unit.text} is too large: in SI units it is beyond 1.8e308`);
    return { kind: "num", value, dim: u.dim, isInt: false, ...(e.unit.per ? { per: e.unit.per } : {}), unitAt: e.unit.span };
  }

  /** `e` with its left operand already evaluated to `a`. */
  private binary(e: A.BinaryExpr, a: Value, env: Env, net?: NetContext): Value {
    const b = this.eval(e.right, env, net);
    if (a.kind === "error" || b.kind === "error") return ERROR;
    if (a.kind === "num" && b.kind === "num") {
      const r = this.arithmetic(e, a, b);
      // 1e300 * 1e300 or (-1) ^ 0.5: a constant must stay a finite real number.
      if (r.kind === "num" && !Number.isFinite(r.value))
        return this.error("PNN3003", e.span, Number.isNaN(r.value) ? `the result of '${e.op}' is not a real number` : `the result of '${e.op}' overflows (it is beyond ±1.8e308)`);
      return r;
    }
    const ta = a.kind === "tensor" ? a : undefined;
    const tb = b.kind === "tensor" ? b : undefined;
    if ((ta || tb) && net && e.op !== "^") {
      const toNode = (v: Value, other: Value, span: Span): { node: number; type: TensorType; dim?: Dim; origin?: Span; zero?: boolean } | undefined => {
        if (v.kind === "tensor") return v;
        if (v.kind === "num")
          return { node: net.builder.addConst(v.value, span), type: { dtype: "real", shape: [] }, ...(isDimensionless(v.dim) ? { zero: v.value === 0 } : { dim: v.dim }), ...(v.unitAt ? { origin: v.unitAt } : {}) };
        this.error("PNN2010", span, `cannot combine ${describeValue(v)} with ${describeValue(other)}`);
        return undefined;
      };
      const l = toNode(a, b, e.left.span);
      const r = toNode(b, a, e.right.span);
      if (!l || !r) return ERROR;
      const ls = l.type.shape, rs = r.type.shape;
      if (ls.length && rs.length && ls.join(",") !== rs.join(","))
        return this.error("PNN2003", e.span, `shapes differ: ${l.type.dtype}[${ls.join(",")}] ${e.op} ${r.type.dtype}[${rs.join(",")}]`);
      let dim: Dim | undefined;
      let origin: Span | undefined;
      if (e.op === "+" || e.op === "-") {
        // a tensor without a unit is a plain number: adding it to millimetres is as wrong as adding 1 to 3 mm (a plain zero is fine)
        const ld = l.dim ?? DIMENSIONLESS, rd = r.dim ?? DIMENSIONLESS;
        if (!compatibleDims(ld, rd) && !l.zero && !r.zero) {
          const what = (d: Dim) => (isDimensionless(d) ? "a plain number" : describeDim(d));
          return this.error("PNN3001", e.span, `cannot ${e.op === "+" ? "add" : "subtract"} ${what(ld)} and ${what(rd)}`, {
            related: unitNotes({ dim: ld, unitAt: l.origin }, { dim: rd, unitAt: r.origin }),
          });
        }
        [dim, origin] = l.dim && !isDimensionless(l.dim) ? [l.dim, l.origin] : [r.dim, r.origin];
      } else if (e.op === "*") {
        dim = l.dim && r.dim ? addDims(l.dim, r.dim) : (l.dim ?? r.dim);
        origin = l.origin ?? r.origin;
      } else {
        dim = l.dim && r.dim ? subDims(l.dim, r.dim) : l.dim ?? (r.dim ? subDims(DIMENSIONLESS, r.dim) : undefined);
        origin = l.origin ?? r.origin;
      }
      const type: TensorType = { dtype: l.type.dtype === "complex" || r.type.dtype === "complex" ? "complex" : "real", shape: ls.length ? ls : rs };
      const node = net.builder.add({ op: "binary", fn: e.op, a: l.node, b: r.node, type, span: e.span });
      return { kind: "tensor", node, type, ...(dim && !isDimensionless(dim) ? { dim, ...(origin ? { origin } : {}) } : {}) };
    }
    return this.error("PNN2010", e.span, `'${e.op}' does not apply to ${describeValue(a)} and ${describeValue(b)}`);
  }

  private arithmetic(e: A.BinaryExpr, a: Extract<Value, { kind: "num" }>, b: Extract<Value, { kind: "num" }>): Value {
    const unitFrom = (...vs: Extract<Value, { kind: "num" }>[]) => {
      const v = vs.find((x) => !isDimensionless(x.dim) && x.unitAt);
      return v?.unitAt ? { unitAt: v.unitAt } : {};
    };
    switch (e.op) {
      case "+":
      case "-": {
        if (!compatibleDims(a.dim, b.dim) && !unitlessZero(a) && !unitlessZero(b) && !(a.value === 0 && b.value === 0))
          return this.error("PNN3001", e.span, `cannot ${e.op === "+" ? "add" : "subtract"} ${isDimensionless(a.dim) ? "a plain number" : describeDim(a.dim)} and ${isDimensionless(b.dim) ? "a plain number" : describeDim(b.dim)}`, { related: unitNotes(a, b) });
        const value = e.op === "+" ? a.value + b.value : a.value - b.value;
        const dim = isDimensionless(a.dim) ? b.dim : a.dim;
        return { kind: "num", value, dim, isInt: a.isInt && b.isInt, ...unitFrom(a, b) };
      }
      case "*": return { kind: "num", value: a.value * b.value, dim: addDims(a.dim, b.dim), isInt: a.isInt && b.isInt, ...unitFrom(a, b) };
      case "/": {
        if (b.value === 0) return this.error("PNN2010", e.right.span, "division by zero");
        const value = a.value / b.value;
        return { kind: "num", value, dim: subDims(a.dim, b.dim), isInt: a.isInt && b.isInt && Number.isInteger(value), ...unitFrom(a, b) };
      }
      case "^": {
        if (!isDimensionless(b.dim)) return this.error("PNN3001", e.right.span, `an exponent must be a plain number, got ${describeDim(b.dim)}`, { related: unitNotes(b) });
        const value = a.value ** b.value;
        if (!Number.isFinite(value)) return this.error("PNN3003", e.span, "the power overflows");
        return { kind: "num", value, dim: scaleDim(a.dim, b.value), isInt: a.isInt && b.isInt && b.value >= 0, ...unitFrom(a) };
      }
    }
  }

  // ── calls ──────────────────────────────────────────────────────────────────
  callExpr(calleeExpr: A.Expr, input: Value | undefined, args: readonly A.Arg[], span: Span, env: Env, net?: NetContext): Value {
    return this.callValue(this.eval(calleeExpr, env, net), calleeExpr, input, args, span, env, net);
  }

  /** A call whose callee `calleeExpr` has already been evaluated to `callee`. */
  private callValue(callee: Value, calleeExpr: A.Expr, input: Value | undefined, args: readonly A.Arg[], span: Span, env: Env, net?: NetContext): Value {
    if (callee.kind === "error") {
      // The arguments are evaluated so their names are recorded as uses (navigation, rename), but
      // not judged: what they may be (`topology: clements`) only the unknown callee could say.
      const reported = this.ctx.diagnostics.length;
      for (const a of args) this.eval(a.value, env, net);
      this.ctx.diagnostics.length = reported;
      return ERROR;
    }
    if (callee.kind !== "callable") return this.error("PNN2006", calleeExpr.span, `${describeValue(callee)} cannot be called`);
    const named = args.filter((a) => a.name);
    const positional = args.filter((a) => !a.name);
    const firstNamed = args.findIndex((a) => a.name);
    const lastPositional = args.map((a) => !a.name).lastIndexOf(true);
    if (firstNamed >= 0 && lastPositional > firstNamed)
      return this.error("PNN2005", args[lastPositional].span, "positional arguments must come before named ones");
    const c = callee.callable;
    if (c.kind === "dist") return this.distribution(c.name, positional, named, span, env);
    if (!net) return this.error("PNN2006", span, "layers can only be called inside a network or a layer's forward");
    let operand = input;
    let rest = positional;
    if (!operand) {
      if (positional.length === 0) return this.error("PNN2004", span, `${calleeName(callee)} needs an input (call it as ${calleeName(callee)}(x, …) or x |> ${calleeName(callee)}(…))`);
      operand = this.eval(positional[0].value, env, net);
      rest = positional.slice(1);
    }
    if (operand.kind === "error" && c.kind === "user") return ERROR;
    if (c.kind === "user") return this.ctx.expandUserLayer!(this, { decl: c.decl, file: c.file }, operand, [...rest, ...named], span, net);
    if (c.sig.kind === "coupling") return this.error("PNN2006", span, `${c.qualified} is a coupling: use it as 'couple a <-> b via ${c.qualified}(…)'`);
    return this.ctx.callStdLayer!(this, callee, operand, rest, named, span, env, net);
  }

  /** `normal(mean, std)`, `uniform(lo, hi)`, `constant(v)`, `glorot()`. */
  distribution(name: string, positional: readonly A.Arg[], named: readonly A.Arg[], span: Span, env: Env): Value {
    const spec = DISTRIBUTIONS[name as keyof typeof DISTRIBUTIONS];
    const params: readonly string[] = spec.params;
    const values: (Extract<ConstValue, { kind: "num" }> | undefined)[] = params.map(() => undefined);
    if (positional.length > params.length) return this.error("PNN2005", positional[params.length].span, `${name} takes ${params.length} arguments (${params.join(", ")})`);
    const put = (i: number, a: A.Arg) => {
      const v = this.eval(a.value, env);
      if (v.kind === "error") return false;
      if (v.kind !== "num") return !this.error("PNN2010", a.value.span, `${name}'s ${params[i]} must be a number, got ${describeValue(v)}`);
      values[i] = v;
      return true;
    };
    let ok = true;
    positional.forEach((a, i) => (ok = put(i, a) && ok));
    for (const a of named) {
      const i = params.indexOf(a.name!.name);
      if (i < 0) ok = !this.error("PNN2005", a.name!.span, `${name} has no argument '${a.name!.name}'${didYouMean(a.name!.name, params)}`) && ok;
      else ok = put(i, a) && ok;
    }
    if (!ok) return ERROR;
    const missing = params.findIndex((_, i) => !values[i]);
    if (missing >= 0) return this.error("PNN2004", span, `${name} needs ${params[missing]}`);
    const [a, b] = values as Extract<ConstValue, { kind: "num" }>[];
    let dist: Distribution;
    // the mean and the std (the bounds) share one unit; a plain zero fits any
    const mixed = !!a && !!b && !compatibleDims(a.dim, b.dim) && !unitlessZero(a) && !unitlessZero(b);
    const from = a && b && isDimensionless(a.dim) ? b : a;
    switch (name) {
      case "normal":
        if (mixed) return this.error("PNN3001", span, `normal's mean is ${describeDim(a.dim)} but its std is ${describeDim(b.dim)}; write both in one unit`, { related: unitNotes(a, b) });
        if (b.value < 0) return this.error("PNN3004", positional[1]?.span ?? span, `normal's std must be ≥ 0, got ${b.value}`);
        dist = { kind: "normal", mean: a.value, std: b.value, dim: from.dim };
        break;
      case "uniform":
        if (mixed) return this.error("PNN3001", span, `uniform's bounds differ in units: ${describeDim(a.dim)} and ${describeDim(b.dim)}`, { related: unitNotes(a, b) });
        if (a.value > b.value) return this.error("PNN3004", span, `uniform needs lo ≤ hi, got ${a.value} > ${b.value}`);
        dist = { kind: "uniform", lo: a.value, hi: b.value, dim: from.dim };
        break;
      case "constant":
        dist = { kind: "constant", value: a.value, dim: a.dim };
        break;
      default:
        dist = { kind: "glorot" };
    }
    return { kind: "dist", dist, ...(from && !isDimensionless(from.dim) && from.unitAt ? { unitAt: from.unitAt } : {}) };
  }

  // ── shapes ─────────────────────────────────────────────────────────────────
  /** A positive integer constant (shape dimension, int parameter), or undefined after a diagnostic. */
  positiveInt(e: A.Expr, env: Env, what: string): number | undefined {
    const v = this.eval(e, env);
    if (v.kind === "error") return undefined;
    if (v.kind !== "num" || !isDimensionless(v.dim) || !Number.isInteger(v.value) || v.value < 1) {
      this.error("PNN2011", e.span, `${what} must be a positive integer constant, got ${v.kind === "num" ? v.value : describeValue(v)}`);
      return undefined;
    }
    return v.value;
  }

  /** A tensor type from `real[n * (n - 1)]`; undefined (after a diagnostic) when a dim is bad. */
  tensorType(t: A.TypeRef, env: Env): TensorType | undefined {
    if (t.base === "int") {
      this.error("PNN2010", t.span, "tensors hold real or complex numbers, not int");
      return undefined;
    }
    const dims: number[] = [];
    for (const d of t.dims ?? []) {
      const n = this.positiveInt(d, env, "a shape dimension");
      if (n === undefined) return undefined;
      dims.push(n);
    }
    const count = dims.reduce((a, b) => a * b, 1);
    if (count > MAX_TENSOR_ELEMENTS) {
      this.error("PNN2009", t.span, `${t.base}[${dims.join(",")}] has ${count} elements; the limit is ${MAX_TENSOR_ELEMENTS}`);
      return undefined;
    }
    return { dtype: t.base, shape: dims };
  }

  fact(span: Span, text: string, about?: Omit<Fact, "span" | "text">): void {
    this.ctx.facts.push({ span, text, ...about });
  }

  /** Records a layer call's (or pipeline stage's) output type: `L → real[4]`. */
  private typed(kind: "stage" | "call", callee: A.Expr, span: Span, v: Value): Value {
    if (v.kind === "tensor") {
      const name = callee.kind === "Name" ? callee.name : callee.kind === "Member" && callee.object.kind === "Name" ? `${callee.object.name}.${callee.member.name}` : "";
      this.fact(span, `${name ? `${name} → ` : ""}${showType(v.type)}`, { kind, type: v.type, ...(v.dim && !isDimensionless(v.dim) ? { dim: v.dim } : {}) });
    }
    return v;
  }
}

function* candidateNames(env: Env): Generator<string> {
  yield* env.allNames();
  yield* CORE_LAYERS.keys();
  yield* Object.keys(DISTRIBUTIONS);
  yield "pi";
}

function calleeName(v: Extract<Value, { kind: "callable" }>): string {
  const c = v.callable;
  return c.kind === "std" ? c.qualified : c.kind === "user" ? c.decl.name.name : c.name;
}

export { calleeName, Env };
