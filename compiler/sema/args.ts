/**
 * Generic argument checking against a standard-library signature: positional then named
 * arguments, kinds, units and legal ranges. Also the standard-library layer call itself:
 * after the arguments check, the signature's `infer` gives the output type and `params` the
 * parameters the new instance owns. No layer is special-cased here.
 */
import * as path from "node:path";
import type { DiagnosticCode } from "../../diagnostics/catalog.js";
import { MAX_MATRIX_FILE_BYTES, MAX_TENSOR_ELEMENTS } from "../../diagnostics/limits.js";
import type { Span } from "../../diagnostics/span.js";
import { confine, fileProblem } from "../../runtime/files.js";
import type * as A from "../../grammar/ast.js";
import type { LayerDef } from "../../stdlib/element.js";
import type { ArgSig, ArgType, CheckedArgs, ConstValue, TensorType } from "../../stdlib/types.js";
import { showType } from "../../stdlib/types.js";
import { describeDim, isDimensionless, sameDim } from "../units.js";
import { compatibleDims, unitNotes, type Evaluator, type NetContext } from "./evaluate.js";
import { describeValue, didYouMean, type Env, type Value } from "./scope.js";

export interface ArgCheckResult {
  readonly ok: boolean;
  readonly args: { consts: Record<string, ConstValue | null>; tensors: Record<string, TensorType>; tensorNodes: Record<string, number> };
}

/**
 * Checks `args` (already without the operand) against `sigArgs`; `owner` names the callee in
 * messages. `code`, when given, replaces the diagnostic code of every argument mistake (data-set
 * arguments keep their documented PNN6006).
 */
export function checkArgs(ev0: Evaluator, owner: string, sigArgs: readonly ArgSig[], positional: readonly A.Arg[], named: readonly A.Arg[], span: Span, env: Env, net?: NetContext, code?: DiagnosticCode): ArgCheckResult {
  const ev = code ? recoded(ev0, code) : ev0;
  // a data file that cannot be read keeps its own code (PNN6001), under any override
  const consts: Record<string, ConstValue | null> = {};
  const tensors: Record<string, TensorType> = {};
  const tensorNodes: Record<string, number> = {};
  let ok = true;
  const given = new Map<string, A.Arg>();
  if (positional.length > sigArgs.length) {
    ev.error("PNN2005", positional[sigArgs.length].span, `${owner} takes at most ${sigArgs.length} argument${sigArgs.length === 1 ? "" : "s"} after its input${sigArgs.length ? ` (${sigArgs.map((a) => a.name).join(", ")})` : ""}`);
    ok = false;
  }
  positional.slice(0, sigArgs.length).forEach((a, i) => given.set(sigArgs[i].name, a));
  for (const a of named) {
    const name = a.name!.name;
    const sig = sigArgs.find((s) => s.name === name);
    if (!sig) {
      const hint = didYouMean(name, sigArgs.map((s) => s.name));
      ev.error("PNN2005", a.name!.span, `${owner} has no argument '${name}'${hint || (sigArgs.length ? `; it takes ${sigArgs.map((s) => s.name).join(", ")}` : "")}`);
      ev.eval(a.value, env, net);
      ok = false;
      continue;
    }
    if (given.has(name)) {
      ev.error("PNN2005", a.span, `${owner}'s argument '${name}' is given twice`);
      ok = false;
      continue;
    }
    given.set(name, a);
  }
  for (const s of sigArgs) {
    const a = given.get(s.name);
    if (!a) {
      if (s.default === undefined) {
        ev.error("PNN2004", span, `${owner} needs the argument '${s.name}' (${s.doc})`);
        ok = false;
      } else consts[s.name] = s.default;
      continue;
    }
    const v = checkArg(ev, owner, s, a, env, net);
    if (v === undefined) ok = false;
    else if (v.kind === "tensor") {
      tensors[s.name] = v.type;
      tensorNodes[s.name] = v.node;
    } else consts[s.name] = v as ConstValue;
  }
  return { ok, args: { consts, tensors, tensorNodes } };
}

/** The evaluator, reporting every error under `code`. */
function recoded(ev: Evaluator, code: DiagnosticCode): Evaluator {
  return new Proxy(ev, {
    get(target, prop, receiver) {
      if (prop === "error") return (c: DiagnosticCode, ...rest: unknown[]) => (target.error as (...a: unknown[]) => unknown).call(target, c === "PNN6001" ? c : code, ...rest);
      const v = Reflect.get(target, prop, receiver);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

function checkArg(ev: Evaluator, owner: string, s: ArgSig, a: A.Arg, env: Env, net?: NetContext, converted?: Value): Value | undefined {
  const where = `${owner}'s ${s.name}`;
  const t: ArgType = s.type;
  if (t.kind === "enum") {
    if (a.value.kind === "Name" && t.options.includes(a.value.name)) return { kind: "enum", value: a.value.name };
    const shown = a.value.kind === "Name" ? `'${a.value.name}'` : "this";
    const hint = a.value.kind === "Name" ? didYouMean(a.value.name, t.options) : "";
    ev.error("PNN2010", a.value.span, `${where} must be one of ${t.options.join(", ")}, got ${shown}${hint}`);
    return undefined;
  }
  const v = converted ?? ev.eval(a.value, env, net);
  if (v.kind === "error") return undefined;
  const bad = (msg: string, code: "PNN2010" | "PNN3001" | "PNN3003" | "PNN2040" | "PNN6001" | "PNN6006" = "PNN2010") => {
    ev.error(code, a.value.span, msg);
    return undefined;
  };
  switch (t.kind) {
    case "int":
      if (v.kind !== "num" || !v.isInt || !isDimensionless(v.dim)) return bad(`${where} must be an integer, got ${v.kind === "num" ? v.value : describeValue(v)}`);
      if (t.min !== undefined && v.value < t.min) return bad(`${where} = ${v.value} is out of range: it must be at least ${t.min}`, "PNN3003");
      if (t.max !== undefined && v.value > t.max) return bad(`${where} = ${v.value} is out of range: it must be at most ${t.max}`, "PNN3003");
      if (t.choices && !t.choices.includes(v.value)) return bad(`${where} must be one of ${t.choices.join(", ")}, got ${v.value}`, "PNN3003");
      return v;
    case "quantity": {
      if (v.kind !== "num") return bad(`${where} must be ${describeDim(t.dim)}, got ${describeValue(v)}`);
      // another accepted unit (an angular frequency in Hz): convert into the argument's own unit
      const also = t.also?.find((x) => sameDim(x.dim, v.dim) && !isDimensionless(v.dim));
      if (also) return checkArg(ev, owner, s, a, env, net, { ...v, value: v.value * also.scale, dim: t.dim });
      if (!compatibleDims(t.dim, v.dim) && v.value !== 0) {
        const got = isDimensionless(v.dim) ? "a plain number" : describeDim(v.dim);
        const or = (t.also ?? []).map((x) => ` or ${v.value} ${unitHint(x.dim)}`).join("");
        return bad(`${where} expects ${describeDim(t.dim)}${t.also?.length ? ` or ${t.also.map((x) => describeDim(x.dim)).join(" or ")}` : ""}, got ${got}${isDimensionless(v.dim) ? ` (write a unit, e.g. ${v.value} ${unitHint(t.dim)}${or})` : ""}`, "PNN3001");
      }
      if (v.per && t.per && v.per !== t.per) return bad(`${where} is a rate per ${t.per}, got per ${v.per}`, "PNN3001");
      if (t.min !== undefined && (v.value < t.min || (t.exclusiveMin && v.value === t.min)))
        return bad(`${where} = ${v.value} is out of range: it must be ${t.exclusiveMin ? "greater than" : "at least"} ${t.min}`, "PNN3003");
      if (t.max !== undefined && v.value > t.max) return bad(`${where} = ${v.value} is out of range: it must be at most ${t.max}`, "PNN3003");
      return v;
    }
    case "bool":
      return v.kind === "bool" ? v : bad(`${where} must be true or false, got ${describeValue(v)}`);
    case "string":
      return v.kind === "str" ? v : bad(`${where} must be a string, got ${describeValue(v)}`);
    case "file": {
      if (v.kind !== "str") return bad(`${where} must be a file name in quotes, got ${describeValue(v)}`);
      // Inside this file's folder, symbolic links resolved; a regular file of bounded size.
      const at = confine(path.dirname(path.resolve(a.value.span.file)), v.value);
      if (!at.ok) return bad(`${where}: ${at.problem}; it must be a file under this file's folder`, "PNN2040");
      const unfit = fileProblem(at.path, MAX_MATRIX_FILE_BYTES);
      if (unfit) return bad(`${where}: cannot read '${v.value}': ${unfit.problem}`, "PNN2040");
      const text = ev.ctx.readFile?.(at.path);
      return text === undefined ? bad(`${where}: cannot read '${v.value}'`, "PNN2040") : { kind: "str", value: text };
    }
    case "path": {
      if (v.kind !== "str") return bad(`${where} must be a file name in quotes, got ${describeValue(v)}`);
      if (v.value.trim() === "") return bad(`${where} is empty`);
      // Inside this file's folder, symbolic links resolved; if it exists, a regular file of bounded size (read when loaded).
      const at = confine(path.dirname(path.resolve(a.value.span.file)), v.value);
      if (!at.ok) return bad(`${where}: ${at.problem}; data files must be inside it`, "PNN6006");
      const unfit = fileProblem(at.path, t.maxBytes);
      if (unfit) return bad(`${where}: cannot read '${v.value}': ${unfit.problem}`, "PNN6001");
      return v;
    }
    case "range":
      if (v.kind !== "range") return bad(`${where} must be a range like 0.1 ${unitHint(t.dim)} .. 1 ${unitHint(t.dim)}, got ${describeValue(v)}`);
      if (!compatibleDims(t.dim, v.dim) && !(v.lo === 0 && v.hi === 0)) return bad(`${where} expects ${describeDim(t.dim)}, got ${describeDim(v.dim)}`, "PNN3001");
      if (t.min !== undefined && v.lo < t.min) return bad(`${where} must not go below ${t.min}`, "PNN3003");
      return v;
    case "tensor":
      if (v.kind !== "tensor") return bad(`${where} must be a tensor, got ${describeValue(v)}`);
      if (t.dtype !== "any" && v.type.dtype !== t.dtype) return bad(`${where} must be ${t.dtype}, got ${showType(v.type)}`);
      if (t.dim && v.dim && !compatibleDims(t.dim, v.dim)) {
        ev.error("PNN3001", a.value.span, `${where} expects ${describeDim(t.dim)}, got ${describeDim(v.dim)}`, { related: unitNotes({ dim: v.dim, unitAt: v.origin }) });
        return undefined;
      }
      return v;
  }
}

function unitHint(d: import("../units.js").Dim): string {
  const m = /\((.*)\)$/.exec(describeDim(d));
  return m ? m[1] : "";
}

/** A call of a standard-library layer inside a network: check, infer, create the instance. */
export function callStdLayer(ev: Evaluator, callee: Extract<Value, { kind: "callable" }>, input: Value, positional: readonly A.Arg[], named: readonly A.Arg[], span: Span, env: Env, net: NetContext): Value {
  const c = callee.callable;
  if (c.kind !== "std" || c.sig.kind !== "layer") return { kind: "error" };
  const sig: LayerDef = c.sig;
  const name = c.qualified;
  const result = checkArgs(ev, name, sig.args, positional, named, span, env, net);
  if (input.kind === "error") return input; // already reported; the arguments were still checked
  if (input.kind !== "tensor") return ev.error("PNN2010", span, `${name} needs a tensor input, got ${describeValue(input)}`);
  if (sig.input !== "any" && input.type.dtype !== sig.input) {
    const hint = sig.input === "complex" ? "; encode it first, e.g. with optics.amplitude_encode" : "; detect it first, e.g. with optics.photodetect";
    return ev.error("PNN2010", span, `${name} expects a ${sig.input} input, got ${showType(input.type)}${hint}`);
  }
  if (!result.ok) return { kind: "error" };
  if (sig.learned && (!net.external || ev.ctx.simulateExternal))
    return ev.error("PNN2091", span, net.external
      ? `${name} is a learned twin with no device model of its own: --simulate cannot run the external device ${net.external}; run it on the device, or write its physics as the layer's forward`
      : `${name} is a learned twin of an external device (its weights are fitted to the device's measurements by pnn calibrate): use it as the forward of a layer with an \`external\` declaration`);
  const checked: CheckedArgs = { consts: result.args.consts, tensors: result.args.tensors };
  const out = sig.infer(input.type, checked);
  if ("error" in out) {
    const argExpr = out.arg ? [...positional, ...named].find((a, i) => (a.name ? a.name.name === out.arg : sig.args[i]?.name === out.arg)) : undefined;
    return ev.error(out.code ?? "PNN2003", argExpr?.value.span ?? span, out.error);
  }
  const count = out.shape.reduce((a, b) => a * b, 1);
  if (count > MAX_TENSOR_ELEMENTS) return ev.error("PNN2009", span, `${name} would produce ${count} elements per sample; the limit is ${MAX_TENSOR_ELEMENTS}`);
  const instance = net.builder.instancePath(net.prefix, sig.name);
  const owned: Record<string, number> = {};
  for (const p of sig.params?.(input.type, checked) ?? []) {
    const size = p.type.shape.reduce((a, b) => a * b, 1);
    if (size > MAX_TENSOR_ELEMENTS) return ev.error("PNN2009", span, `${name}'s ${p.name} would have ${size} elements; the limit is ${MAX_TENSOR_ELEMENTS}`);
    owned[p.name] = net.builder.addParam({ path: `${instance}.${p.name}`, type: p.type, init: p.init, ...(p.range ? { range: p.range } : {}), span });
  }
  const devices: Record<string, number> = {};
  for (const d of sig.deviceVars?.(input.type, checked) ?? [])
    devices[d.name] = net.builder.addDevice({ path: `${instance}.${d.name}`, type: d.type, dist: d.dist, perShot: d.perShot, ...(d.twinStart ? { twinStart: d.twinStart } : {}), span });
  const node = net.builder.add({ op: "layer", sig, qualified: name, operand: input.node, tensorArgs: result.args.tensorNodes, consts: result.args.consts, owned, instance, type: out, span, ...(Object.keys(devices).length ? { devices } : {}) });
  ev.fact(span, `${name} → ${showType(out)}`);
  return { kind: "tensor", node, type: out };
}
