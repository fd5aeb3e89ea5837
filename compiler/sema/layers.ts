/**
 * User-defined layers: checking a declaration and expanding a call into a fresh instance.
 * `x |> Mesh(n: 16)` binds the layer's parameters (n = 16), creates its `param` tensors
 * (trainable, path `<binding>.Mesh.<name>`) and `device` variables (sampled per chip or per
 * shot), evaluates its `let`s, checks the operand against `forward`'s input type, evaluates the
 * body and checks the result against the declared output type.
 */
import { MAX_LAYER_DEPTH } from "../../diagnostics/limits.js";
import type { Span } from "../../diagnostics/span.js";
import type * as A from "../../grammar/ast.js";
import { showType, type ConstValue, type Distribution, type TensorType } from "../../stdlib/types.js";
import * as path from "node:path";
import { describeDim, isDimensionless } from "../units.js";
import type { DeviceAddress, DeviceOptions } from "../../runtime/device/types.js";
import { findTransport, readTransport, TRANSPORTS } from "../../stdlib/devices.js";
import { checkArgs } from "./args.js";
import type { SymbolInfo } from "./model.js";
import { compatibleDims, unitNotes, type Evaluator, type NetContext } from "./evaluate.js";
import { describeValue, Env, ERROR, type FileScope, type Value } from "./scope.js";

/** Binds a layer's (or network's) declared parameters to call arguments or defaults. */
export function bindParams(ev: Evaluator, owner: string, params: readonly A.ParamDecl[], args: readonly A.Arg[], span: Span, env: Env, into: Env): boolean {
  let ok = true;
  const positional = args.filter((a) => !a.name);
  const given = new Map<string, A.Arg>();
  if (positional.length > params.length) {
    ev.error("PNN2005", positional[params.length].span, `${owner} takes ${params.length} parameter${params.length === 1 ? "" : "s"} after its input`);
    ok = false;
  }
  positional.slice(0, params.length).forEach((a, i) => given.set(params[i].name.name, a));
  const declared = new Set(params.map((p) => p.name.name));
  for (const a of args.filter((x) => x.name)) {
    if (!declared.has(a.name!.name)) {
      ev.error("PNN2005", a.name!.span, `${owner} has no parameter '${a.name!.name}'${ev.didYouMean(a.name!.name, declared)}`);
      ok = false;
    } else if (given.has(a.name!.name)) {
      ev.error("PNN2005", a.span, `${owner}'s parameter '${a.name!.name}' is given twice`);
      ok = false;
    } else given.set(a.name!.name, a);
  }
  for (const p of params) {
    const a = given.get(p.name.name);
    const expr = a?.value ?? p.default;
    if (!expr) {
      ev.error("PNN2004", span, `${owner} needs the parameter '${p.name.name}: ${p.type.base}'`);
      ok = false;
      into.set(p.name.name, { value: ERROR });
      continue;
    }
    const v = ev.eval(expr, a ? env : into);
    if (v.kind === "error") {
      ok = false;
      into.set(p.name.name, { value: ERROR });
      continue;
    }
    if (p.type.dims || p.type.base === "complex") {
      ev.error("PNN2010", p.type.span, `layer parameters are scalars (int or real); '${p.name.name}' is ${p.type.base}${p.type.dims ? "[…]" : ""}`);
      ok = false;
    } else if (p.type.base === "int" && (v.kind !== "num" || !v.isInt || !isDimensionless(v.dim))) {
      ev.error("PNN2010", expr.span, `${owner}'s '${p.name.name}' must be an integer, got ${v.kind === "num" ? v.value : describeValue(v)}`);
      ok = false;
    } else if (p.type.base === "real" && v.kind !== "num") {
      ev.error("PNN2010", expr.span, `${owner}'s '${p.name.name}' must be a number, got ${describeValue(v)}`);
      ok = false;
    }
    into.set(p.name.name, { value: v });
  }
  return ok;
}

function sameType(a: TensorType, b: TensorType): boolean {
  return a.dtype === b.dtype && a.shape.join(",") === b.shape.join(",");
}

export function expandUserLayer(ev: Evaluator, call: { decl: A.LayerDecl; file: FileScope }, input: Value, args: readonly A.Arg[], span: Span, net: NetContext, callerEnv: Env, symbols: Map<A.LayerDecl, SymbolInfo[]>): Value {
  const decl = call.decl;
  const name = decl.name.name;
  if (net.stack.includes(name)) return ev.error("PNN2017", span, `layer ${name} uses itself (${[...net.stack, name].join(" → ")})`);
  if (net.stack.length >= MAX_LAYER_DEPTH) {
    const chain = [...net.stack.slice(0, 3), "…", ...net.stack.slice(-2), name].join(" → ");
    return ev.error("PNN2080", span, `layers call layers more than ${MAX_LAYER_DEPTH} deep (${chain})`);
  }
  const scope = new Env(call.file.env);
  const first = !symbols.has(decl);
  const syms: SymbolInfo[] = symbols.get(decl) ?? [];
  symbols.set(decl, syms);
  // The symbols of this declaration by where they are defined (every call of the layer reuses them).
  const byDef = new Map(syms.map((sym) => [sym.def.start, sym]));
  const define = (n: A.Ident, kind: SymbolInfo["kind"], value: Value, detail: string) => {
    let sym = byDef.get(n.span.start);
    if (!sym) {
      sym = { name: n.name, kind, def: n.span, refs: [], detail };
      syms.push(sym);
      byDef.set(n.span.start, sym);
      ev.ctx.symbols.push(sym);
    }
    scope.set(n.name, { value, symbol: first ? sym : undefined });
  };
  const paramsOk = bindParams(ev, name, decl.params, args, span, callerEnv, scope);
  for (const p of decl.params) {
    const b = scope.get(p.name.name);
    define(p.name, "layer-param", b?.value ?? ERROR, `${p.name.name}: ${p.type.base}`);
  }
  if (!paramsOk) return ERROR;
  const instance = net.builder.instancePath(net.prefix, name);
  const external = decl.members.find((m): m is A.ExternalDecl => m.kind === "External");
  const inner: NetContext = { builder: net.builder, prefix: instance, stack: [...net.stack, name], ...(external || net.external ? { external: external ? name : net.external } : {}) };
  const start = { node: net.builder.nodes.length, param: net.builder.params.length, device: net.builder.deviceVars.length };
  let forward: A.ForwardDecl | undefined;
  for (const m of decl.members) {
    if (m.kind === "External") {
      if (m !== external) ev.error("PNN2002", m.span, `layer ${name} has more than one external declaration`);
      continue;
    }
    if (scope.hasOwn(m.kind === "Forward" ? m.input.name : m.name.name) && m.kind !== "Forward") {
      ev.error("PNN2002", m.name.span, `'${m.name.name}' is already defined in layer ${name}`);
      continue;
    }
    switch (m.kind) {
      case "Trainable": {
        const type = ev.tensorType(m.type, scope);
        let init: Distribution = m.type.dims ? { kind: "glorot" } : { kind: "constant", value: 0, dim: [0, 0, 0, 0, 0, 0, 0] };
        let unitAt: Span | undefined;
        if (m.init) {
          const v = ev.eval(m.init, scope);
          if (v.kind === "dist") (init = v.dist), (unitAt = v.unitAt);
          else if (v.kind === "num") (init = { kind: "constant", value: v.value, dim: v.dim }), (unitAt = v.unitAt);
          else if (v.kind !== "error") ev.error("PNN2010", m.init.span, `init must be a distribution like uniform(0, 2 * pi) or a number, got ${describeValue(v)}`);
        }
        let range: { lo: number; hi: number } | undefined;
        if (m.range) {
          const r = ev.eval(m.range, scope);
          if (r.kind === "range") {
            range = { lo: r.lo, hi: r.hi };
            // the range and the initial values are the same quantity
            const initDim = init.kind === "glorot" ? undefined : init.dim;
            if (initDim && !isDimensionless(r.dim) && !isDimensionless(initDim) && !compatibleDims(initDim, r.dim))
              ev.error("PNN3001", m.range.span, `the range of '${m.name.name}' is ${describeDim(r.dim)} but its init is ${describeDim(initDim)}`, { related: unitNotes({ dim: r.dim, unitAt: r.unitAt }, { dim: initDim, unitAt }) });
            else if (init.kind === "glorot" || isDimensionless(initDim!)) unitAt ??= r.unitAt;
          } else if (r.kind !== "error") ev.error("PNN2010", m.range.span, `range must be written lo .. hi, got ${describeValue(r)}`);
        }
        if (!type) {
          define(m.name, "param", ERROR, "");
          break;
        }
        const node = inner.builder.addParam({ path: `${instance}.${m.name.name}`, type, init, ...(range ? { range } : {}), span: m.name.span });
        const dim = init.kind !== "glorot" && !isDimensionless(init.dim) ? init.dim : undefined;
        define(m.name, "param", { kind: "tensor", node, type, ...(dim ? { dim, origin: unitAt ?? m.span } : {}) }, `param ${m.name.name}: ${showType(type)}`);
        break;
      }
      case "Device": {
        const type = ev.tensorType(m.type, scope);
        const v = ev.eval(m.dist, scope);
        if (v.kind !== "dist") {
          if (v.kind !== "error") ev.error("PNN3004", m.dist.span, `a device variable needs a distribution like normal(0 rad, 0.02 rad), got ${describeValue(v)}`);
          define(m.name, "device", ERROR, "");
          break;
        }
        if (!type) {
          define(m.name, "device", ERROR, "");
          break;
        }
        const node = inner.builder.addDevice({ path: `${instance}.${m.name.name}`, type, dist: v.dist, perShot: m.perShot, span: m.name.span });
        const dim = v.dist.kind !== "glorot" && !isDimensionless(v.dist.dim) ? v.dist.dim : undefined;
        define(m.name, "device", { kind: "tensor", node, type, ...(dim ? { dim, origin: v.unitAt ?? m.dist.span } : {}) }, `device ${m.name.name}: ${showType(type)} ${m.perShot ? "(per shot)" : "(per chip)"}`);
        break;
      }
      case "Let": {
        const v = ev.eval(m.value, scope, inner);
        define(m.name, "let", v, v.kind === "tensor" ? showType(v.type) : describeValue(v));
        if (v.kind === "tensor") ev.fact(m.name.span, showType(v.type), { kind: "binding", type: v.type, ...(v.dim && !isDimensionless(v.dim) ? { dim: v.dim } : {}) });
        break;
      }
      case "Forward":
        if (forward) ev.error("PNN2002", m.span, `layer ${name} has more than one forward`);
        else forward = m;
        break;
    }
  }
  if (!forward) {
    if (first) ev.error("PNN2004", decl.name.span, `layer ${name} has no forward(x: …) -> … = …`);
    return ERROR;
  }
  const inType = ev.tensorType(forward.inputType, scope);
  const outType = ev.tensorType(forward.outputType, scope);
  if (input.kind !== "tensor") return ev.error("PNN2010", span, `${name} needs a tensor input, got ${describeValue(input)}`);
  define(forward.input, "forward-input", input, inType ? showType(inType) : "");
  if (inType && !sameType(inType, input.type))
    ev.error("PNN2003", span, `${name} expects ${showType(inType)}, got ${showType(input.type)}`, { related: [{ span: forward.inputType.span, message: "declared here" }] });
  const out = ev.eval(forward.body, scope, inner);
  if (out.kind === "tensor" && outType && !sameType(outType, out.type))
    ev.error("PNN2003", forward.body.span, `${name}'s forward returns ${showType(out.type)} but declares ${showType(outType)}`, { related: [{ span: forward.outputType.span, message: "declared here" }] });
  if (out.kind !== "tensor" && out.kind !== "error") ev.error("PNN2010", forward.body.span, `forward must return a tensor, got ${describeValue(out)}`);
  if (external && inType && outType) {
    const device = checkExternal(ev, external, scope);
    // (after an error in the body, nothing more is said about it)
    const ok = out.kind === "tensor" && externalProblems(ev, name, external, forward, inType, outType, net, out.node >= start.node) && device !== undefined;
    if (ok) {
      const b = net.builder;
      const params = b.params.slice(start.param).map((p, i) => ({ param: start.param + i, name: p.path.slice(instance.length + 1) }));
      const deviceVars = b.deviceVars.slice(start.device).map((_, i) => start.device + i);
      (ev.ctx.simulateExternal ? b.simulated : b.externals).push({ name, instance, operand: input.node, output: out.node, first: start.node, end: b.nodes.length, params, deviceVars, inputType: inType, outputType: outType, ...device, span: external.span });
    }
  }
  return out.kind === "tensor" ? out : ERROR;
}

/** The transport of an `external` declaration, checked against its schema (stdlib/devices.ts); undefined after a diagnostic. */
function checkExternal(ev: Evaluator, decl: A.ExternalDecl, scope: Env): { address: DeviceAddress; options: DeviceOptions } | undefined {
  const e = decl.transport;
  const call = e.kind === "Call" && e.callee.kind === "Name" ? { name: e.callee.name, span: e.callee.span, args: e.args } : e.kind === "Name" ? { name: e.name, span: e.span, args: [] as readonly A.Arg[] } : undefined;
  const def = call && findTransport(call.name);
  if (!call || !def) {
    if (e.kind !== "Error")
      ev.error("PNN2090", call?.span ?? e.span, `${call ? `unknown device transport '${call.name}'` : "expected a device transport"}; write stdio("command"), tcp("host:port") or replay("log.jsonl")${call ? ev.didYouMean(call.name, TRANSPORTS.map((t) => t.name)) : ""}`);
    return undefined;
  }
  const res = checkArgs(ev, def.name, def.args.list, call.args.filter((a) => !a.name), call.args.filter((a) => a.name), e.span, scope);
  if (!res.ok) return undefined;
  const read = readTransport(def, def.args.read(res.args.consts), path.dirname(path.resolve(decl.span.file)));
  if (typeof read === "string") {
    ev.error("PNN2090", e.span, read);
    return undefined;
  }
  return read;
}

/**
 * What the device protocol needs of an external layer, checked where the layer is called: real
 * rows in and out (JSON numbers carry no complex values; detect a field before it leaves), an
 * output computed inside the layer, and no external layer inside another.
 */
function externalProblems(ev: Evaluator, name: string, decl: A.ExternalDecl, forward: A.ForwardDecl, inType: TensorType, outType: TensorType, net: NetContext, computed: boolean): boolean {
  let ok = true;
  for (const [what, t, span] of [["input", inType, forward.inputType.span], ["output", outType, forward.outputType.span]] as const)
    if (t.dtype !== "real") {
      ev.error("PNN2091", span, `the external device ${name} exchanges real numbers, but its forward's ${what} is ${showType(t)}: ${what === "input" ? "encode inside the layer (e.g. x |> optics.amplitude_encode)" : "detect inside the layer (e.g. |> optics.photodetect)"}`, { related: [{ span: decl.span, message: "external declared here" }] });
      ok = false;
    }
  if (net.external) {
    ev.error("PNN2091", decl.span, `layer ${name} is external, but it is called inside the external layer ${net.external}: the outer device serves the whole block`);
    ok = false;
  }
  if (!computed) {
    ev.error("PNN2091", forward.body.span, `the external device ${name} must compute its output from its input; this forward returns a value from outside the layer`);
    ok = false;
  }
  return ok;
}

export type { ConstValue };
