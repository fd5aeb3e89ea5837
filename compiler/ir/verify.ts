/**
 * The IR verifier: run after building and after every pass (in tests). Checks ids are positions
 * (so topological), operands precede their users, arity and attributes match the op table,
 * stored dtype/shape equal what the op table infers, leaf names are unique, and the named
 * inputs/params/outputs point at the right nodes. Returns the problems; assertValid throws an
 * InternalError with the dump.
 */
import { InternalError } from "../../diagnostics/internal.js";
import type { Graph } from "./graph.js";
import { opDef } from "./ops.js";
import { printGraph } from "./print.js";
import { OpError, shapeEq, type TypeShape } from "./types.js";

export function verifyGraph(g: Graph): string[] {
  const errs: string[] = [];
  const names = new Set<string>();
  g.nodes.forEach((n, i) => {
    const at = `%${i} (${n.op})`;
    const before = errs.length;
    if (n.id !== i) errs.push(`${at}: id ${n.id} is not its position ${i}`);
    const def = opDef(n.op);
    if (!def) return void errs.push(`${at}: unknown op`);
    if (def.arity === "variadic" ? n.inputs.length < 1 : n.inputs.length !== def.arity)
      errs.push(`${at}: ${n.inputs.length} operands, op takes ${def.arity}`);
    const ins: TypeShape[] = [];
    for (const x of n.inputs) {
      if (!(Number.isInteger(x) && x >= 0 && x < i)) errs.push(`${at}: operand %${x} does not precede it`);
      else ins.push(g.nodes[x]!);
    }
    for (const s of def.attrs) if (!(s.name in n.attrs)) errs.push(`${at}: missing attribute ${s.name}`);
    for (const k of Object.keys(n.attrs))
      if (!def.attrs.some((s) => s.name === k)) errs.push(`${at}: unknown attribute ${k}`);
    if (ins.length === n.inputs.length && errs.length === before) {
      try {
        if (!!def.region !== !!n.body) errs.push(`${at}: ${def.region ? "needs a body" : "takes no body"}`);
        else {
          if (n.body) for (const e of verifyGraph(n.body)) errs.push(`${at} body: ${e}`);
          const inf = def.infer(ins, n.attrs, n.body);
          if (inf.dtype !== n.dtype || !shapeEq(inf.shape, n.shape))
            errs.push(`${at}: stored ${n.dtype}[${n.shape}] but op table infers ${inf.dtype}[${inf.shape}]`);
        }
      } catch (e) {
        if (!(e instanceof OpError)) throw e;
        errs.push(`${at}: ${e.message}`);
      }
    }
    if (n.op === "input" || n.op === "param") {
      const nm = n.attrs.name as string;
      if (names.has(nm)) errs.push(`${at}: duplicate input/param name ${nm}`);
      names.add(nm);
    }
  });
  const checkNamed = (kind: string, list: Graph["inputs"], op?: string) => {
    const seen = new Set<string>();
    for (const o of list) {
      const n = g.nodes[o.id];
      if (!n) errs.push(`${kind} ${o.name}: no node %${o.id}`);
      else if (op && (n.op !== op || n.attrs.name !== o.name)) errs.push(`${kind} ${o.name}: %${o.id} is not that ${op}`);
      if (seen.has(o.name)) errs.push(`${kind} ${o.name}: duplicate`);
      seen.add(o.name);
    }
  };
  checkNamed("input", g.inputs, "input");
  checkNamed("param", g.params, "param");
  checkNamed("output", g.outputs);
  const count = (op: string) => g.nodes.filter((n) => n.op === op).length;
  if (count("input") !== g.inputs.length) errs.push("inputs list does not cover every input node");
  if (count("param") !== g.params.length) errs.push("params list does not cover every param node");
  return errs;
}

export function assertValid(g: Graph, stage = "IR"): void {
  const errs = verifyGraph(g);
  if (errs.length) {
    let dump: string;
    try {
      dump = printGraph(g);
    } catch {
      dump = JSON.stringify(g);
    }
    throw new InternalError(`${stage} failed verification:\n  ${errs.join("\n  ")}`, dump);
  }
}
