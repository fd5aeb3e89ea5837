/**
 * Hover: a binding's inferred type and shape, a quantity's unit, a standard-library layer's
 * signature and documentation (the equation it implements), a rule's options and requirements
 * (and whether this network meets them), a train key's meaning, a named argument's type and unit.
 */
import type { Hover } from "vscode-languageserver/node";
import type { SourceHost as CheckHost } from "../compiler/driver/session.js";
import type { Fact, NetworkModel, SymbolInfo } from "../compiler/sema/model.js";
import type * as A from "../grammar/ast.js";
import { BUILTIN_CONSTANTS, DISTRIBUTIONS } from "../stdlib/index.js";
import { LOSSES, TRAIN_KEYS } from "../stdlib/training.js";
import { showType } from "../stdlib/types.js";
import { occurrenceAt, type Analysis } from "./analysis.js";
import { itemAt, nodesAt } from "./ast-walk.js";
import { PnnLexer } from "../grammar/lexer.js";
import { findDataset } from "../stdlib/datasets.js";
import { KEYWORD_DOCS } from "./keywords.js";
import { describeArg, describeDataset, describeRule, describeStd, describeUnit } from "./describe.js";
import { toRange } from "./positions.js";
import { resolveCallee, type Callee } from "./resolve.js";

const KIND_LABEL: Record<SymbolInfo["kind"], string> = {
  import: "import", const: "constant", layer: "layer", network: "network", param: "trainable parameter",
  device: "device variable (sampled, not trained)", let: "local", binding: "binding", input: "network input",
  nodes: "node group", "layer-param": "parameter", "forward-input": "forward input",
};

const code = (s: string) => "```pnn\n" + s + "\n```";

export function hover(a: Analysis, offset: number, host: CheckHost): Hover | null {
  const chain = nodesAt(a.program, offset);
  const inner = chain[chain.length - 1];
  const parent = chain[chain.length - 2];
  const md = (value: string, span: A.AnyNode["span"]): Hover => ({ contents: { kind: "markdown", value }, range: toRange(span) });

  // A unit after a number.
  if (inner?.kind === "Unit") {
    const d = describeUnit(inner.text, inner.per);
    if (d) return md(d, inner.span);
  }
  if (inner?.kind === "Num" && inner.unit) {
    const d = describeUnit(inner.unit.text, inner.unit.per, inner.value);
    if (d) return md(d, inner.span);
  }
  // Train block: keys, and the rule / optimizer / loss names.
  const item = itemAt(a.program, offset);
  if (item?.kind === "Train") {
    const setting = item.settings.find((s) => s.span.start <= offset && offset <= s.span.end);
    if (setting && setting.key.span.start <= offset && offset <= setting.key.span.end) {
      const k = TRAIN_KEYS.find((x) => x.name === setting.key.name);
      if (k) return md(`${code(`${k.name} = …`)}\n\n${k.doc}${k.default !== undefined ? ` (default ${k.default})` : ""}`, setting.key.span);
    }
    const dataCallee = item.data.kind === "Call" ? item.data.callee : item.data;
    if (inner?.kind === "Name" && inner === dataCallee) {
      const c = resolveCallee(a, inner, host, "data");
      const t = a.model.trains.find((x) => x.span.start === item.span.start);
      const shape = t ? findDataset(t.data.name)?.info(t.data.args) : undefined;
      if (c?.kind === "dataset") return md(describeDataset(c.entry, shape), inner.span);
    }
    if (setting && inner?.kind === "Name" && parent?.kind !== "Arg") {
      const c = resolveCallee(a, inner, host, setting.key.name);
      if (c?.kind === "rule") {
        const net = a.model.networks.get(item.network.name);
        const t = a.model.trains.find((x) => x.span.start === item.span.start);
        const problems = net ? c.sig.plan(net, t?.rule.def === c.sig ? t.rule.options : c.sig.options.read({})).map((p) => p.message) : undefined;
        return md(describeRule(c.sig, problems), inner.span);
      }
      if (setting.key.name === "loss") {
        const loss = LOSSES.find((l) => l.name === inner.name);
        if (loss) return md(`${code(`loss = ${loss.name}`)}\n\n${loss.doc}. The losses are ${LOSSES.map((l) => `\`${l.name}\``).join(", ")}.`, inner.span);
      }
      if (c?.kind === "optimizer") return md(`${code(`optimizer = ${c.sig.name}(${c.sig.args.map((x) => x.name).join(", ")})`)}\n\n${c.sig.doc}\n\n${c.sig.args.map((x) => `- ${describeArg(x)}`).join("\n")}`, inner.span);
    }
  }
  // A named argument: its callee's documentation of it.
  if (inner?.kind === "Ident" && parent?.kind === "Arg" && parent.name === inner) {
    const call = chain[chain.length - 3];
    if (call?.kind === "Call") {
      const inData = item?.kind === "Train" && item.data.span.start <= offset && offset <= item.data.span.end;
      const setting = inData ? "data" : item?.kind === "Train" ? item.settings.find((s) => s.span.start <= offset && offset <= s.span.end)?.key.name : undefined;
      const arg = calleeArg(resolveCallee(a, call.callee, host, setting), inner.name);
      if (arg) return md(arg, inner.span);
    }
  }
  // A standard-library member (`optics.mzi_mesh`) or core layer (`dense`).
  const calleeExpr = inner?.kind === "Ident" && parent?.kind === "Member" ? parent : inner?.kind === "Name" ? inner : undefined;
  const occ = occurrenceAt(a, offset);
  if (calleeExpr && !(occ && calleeExpr.kind === "Name")) {
    const c = resolveCallee(a, calleeExpr, host);
    if (c?.kind === "std") {
      const here = callFactAt(a, inner.span.start);
      return md(describeStd(c.qualified, c.sig) + (here ? `\n\nHere: \`${here}\`` : ""), inner.span);
    }
    if (c?.kind === "dist") return md(`${code(`${c.name}(${DISTRIBUTIONS[c.name].params.join(", ")})`)}\n\n${DISTRIBUTIONS[c.name].doc}`, inner.span);
  }
  // A symbol: its kind and what the checker inferred.
  if (occ) {
    const s = occ.symbol;
    const fact = s.kind === "layer" ? callFactAt(a, occ.start) : undefined;
    const detail = s.detail || s.name;
    if (s.kind === "network") {
      const net = a.model.networks.get(s.name);
      if (net) return md(`${code(detail)}\n\n${describeNetwork(net)}`, occ.span);
    }
    return md(`${code(detail)}\n\n${KIND_LABEL[s.kind]}${fact && !detail.includes(fact) ? ` · ${fact}` : ""}`, occ.span);
  }
  if (inner?.kind === "Name" && inner.name in BUILTIN_CONSTANTS)
    return md(`${code(`const ${inner.name} = ${BUILTIN_CONSTANTS[inner.name]}`)}\n\nbuilt-in constant π, a plain number (angles are in radians: \`2 * pi\` is a full turn)`, inner.span);
  const fact = factAt(a, offset);
  if (fact && inner) return md(code(fact), inner.span);
  return keywordHover(a, offset);
}

/** A keyword under the cursor (outside comments and strings): what it means. */
function keywordHover(a: Analysis, offset: number): Hover | null {
  if (a.program.comments.some((c) => c.span.start <= offset && offset < c.span.end)) return null;
  const tok = PnnLexer.tokenize(a.lines.lineText(a.lines.position(offset).line)).tokens;
  const col = a.lines.position(offset).col - 1;
  const t = tok.find((x) => x.startOffset <= col && col <= x.endOffset! + 1 && x.tokenType.name.startsWith("Kw_"));
  const docText = t && KEYWORD_DOCS[t.image];
  if (!t || !docText) return null;
  const lineStart = offset - col;
  const s = a.lines.position(lineStart + t.startOffset);
  return { contents: { kind: "markdown", value: docText }, range: { start: { line: s.line - 1, character: s.col - 1 }, end: { line: s.line - 1, character: s.col - 1 + t.image.length } } };
}

function describeNetwork(net: NetworkModel): string {
  const lines = [
    `${net.kind === "energy_based" ? "Energy-based" : "Feed-forward"} network`,
    `inputs: ${net.inputs.map((i) => `${i.name}: ${showType(i.type)}`).join(", ") || "none"}`,
  ];
  if (net.output !== undefined) lines.push(`output: ${showType(net.nodes[net.output].type)}`);
  for (const n of net.stateNodes) lines.push(`${n.isOutput ? "output nodes" : "nodes"} ${n.name}: ${showType(n.type)}`);
  const count = (xs: readonly { type: { shape: readonly number[] } }[]) => xs.reduce((t, p) => t + p.type.shape.reduce((a, b) => a * b, 1), 0);
  if (net.params.length || net.deviceVars.length || !net.couplings.length)
    lines.push(`${net.params.length} trainable tensors (${count(net.params)} values), ${net.deviceVars.length} device variables (${count(net.deviceVars)} values)`);
  for (const c of net.couplings) lines.push(`couple ${c.from} ${c.symmetric ? "<->" : "->"} ${c.to}${c.via ? ` via ${c.via}` : ""}`);
  return lines.map((l) => `- ${l}`).join("\n");
}

function calleeArg(c: Callee | undefined, name: string): string | undefined {
  if (!c) return undefined;
  if (c.kind === "dataset") {
    const d = c.entry.args.list.find((x) => x.name === name);
    return d ? describeArg(d) : undefined;
  }
  const args = c.kind === "std" ? c.sig.args : c.kind === "rule" ? c.sig.options.list : c.kind === "optimizer" ? c.sig.args : undefined;
  const a = args?.find((x) => x.name === name);
  if (a) return describeArg(a);
  if (c.kind === "user") {
    const p = c.decl.params.find((x) => x.name.name === name);
    if (p) return `\`${name}\`: ${p.type.base} — parameter of layer ${c.decl.name.name}`;
  }
  return undefined;
}

/**
 * What the call whose callee is at `calleeStart` returned (`L → real[4]`): the innermost call or
 * pipeline-stage fact that starts there (or at its module, `optics.` / `lib.`). Distinct results of
 * the same call site (a layer used with two sizes) are listed together.
 */
function callFactAt(a: Analysis, calleeStart: number): string | undefined {
  let best: Fact | undefined;
  const texts = new Set<string>();
  for (const f of a.model.facts) {
    if ((f.kind !== "stage" && f.kind !== "call") || f.span.file !== a.path || f.span.start > calleeStart || calleeStart >= f.span.end) continue;
    if (f.span.start !== calleeStart && !/^[A-Za-z_]\w*\s*\.\s*$/.test(a.text.slice(f.span.start, calleeStart))) continue;
    if (best && (f.span.start !== best.span.start || f.span.end !== best.span.end)) {
      if (f.span.end - f.span.start >= best.span.end - best.span.start) continue;
      texts.clear();
    }
    best = f;
    texts.add(f.text);
  }
  return best ? [...texts].join(" | ") : undefined;
}

/** The innermost checker fact (inferred type of a call or binding) covering `offset`. */
function factAt(a: Analysis, offset: number): string | undefined {
  let best: { span: { start: number; end: number; file: string }; text: string } | undefined;
  for (const f of a.model.facts)
    if (f.span.file === a.path && f.span.start <= offset && offset <= f.span.end && (!best || f.span.end - f.span.start < best.span.end - best.span.start)) best = f;
  return best?.text;
}
