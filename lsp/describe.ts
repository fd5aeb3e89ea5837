/**
 * Markdown descriptions of standard-library things for hover and completion: a layer's or
 * coupling's signature and documentation, an argument's type and unit, a learning rule's
 * options and requirements, a unit. All read from the stdlib records (stdlib/*.ts).
 */
import { describeDim, isDimensionless, parseUnit } from "../compiler/units.js";
import type { DatasetDef } from "../stdlib/datasets.js";
import type { RuleDef } from "../compiler/rules/index.js";
import type { ArgSig, ArgType, ConstValue, StdSymbol } from "../stdlib/types.js";

export function describeArgType(t: ArgType): string {
  switch (t.kind) {
    case "int": return `int${bounds(t.min, t.max)}`;
    case "quantity": {
      const unit = isDimensionless(t.dim) ? "number" : describeDim(t.dim);
      return `${unit}${t.also?.length ? ` (or ${t.also.map((a) => describeDim(a.dim)).join(", ")}, converted)` : ""}${t.per ? ` per ${t.per}` : ""}${bounds(t.min, t.max, t.exclusiveMin)}`;
    }
    case "enum": return t.options.join(" | ");
    case "bool": return "true | false";
    case "string": return "string";
    case "file": return "file path (read at check time)";
    case "path": return "data file path (inside this file's folder)";
    case "range": return `range lo .. hi${isDimensionless(t.dim) ? "" : ` of ${describeDim(t.dim)}`}`;
    case "tensor": return `${t.dtype === "any" ? "real or complex" : t.dtype} tensor${t.dim && !isDimensionless(t.dim) ? ` of ${describeDim(t.dim)}` : ""}`;
  }
}

function bounds(min?: number, max?: number, exclusiveMin?: boolean): string {
  if (min === undefined && max === undefined) return "";
  if (max === undefined) return `, ${exclusiveMin ? ">" : "≥"} ${min}`;
  if (min === undefined) return `, ≤ ${max}`;
  return `, in [${min}, ${max}]`;
}

export function showConst(v: ConstValue | null | undefined): string {
  if (v === undefined) return "required";
  if (v === null) return "off";
  switch (v.kind) {
    case "num": return `${v.value}${v.per ? ` per ${v.per}` : ""}`;
    case "str": return JSON.stringify(v.value);
    case "bool": return String(v.value);
    case "enum": return v.value;
    case "range": return `${v.lo} .. ${v.hi}`;
    case "dist": return v.dist.kind;
  }
}

export function describeArg(a: ArgSig): string {
  return `\`${a.name}\`: ${describeArgType(a.type)} (${a.default === undefined ? "required" : `default ${showConst(a.default)}`}) — ${a.doc}`;
}

export function signature(qualified: string, sig: StdSymbol): string {
  const args = sig.args.map((a) => `${a.name}${a.default === undefined ? "" : "?"}: ${describeArgType(a.type)}`);
  if (sig.kind === "coupling") return `coupling ${qualified}(${args.join(", ")})`;
  return `layer ${qualified}(x: ${sig.input === "any" ? "real | complex" : sig.input}${args.length ? ", " : ""}${args.join(", ")})`;
}

export function describeStd(qualified: string, sig: StdSymbol): string {
  return [
    "```pnn\n" + signature(qualified, sig) + "\n```",
    sig.doc,
    sig.args.length ? sig.args.map((a) => `- ${describeArg(a)}`).join("\n") : "",
    `Capabilities: ${sig.capabilities.join(", ") || "none"}`,
  ].filter(Boolean).join("\n\n");
}

/** What a rule needs from the network, in the rule's own words (compiler/rules/; its plan enforces it). */
export function ruleRequirements(r: RuleDef): string {
  return r.requires;
}

export function describeRule(r: RuleDef, problems?: readonly string[]): string {
  const options = r.options.list;
  return [
    "```pnn\nrule = " + r.name + (options.length ? `(${options.map((o) => `${o.name}: ${showConst(o.default)}`).join(", ")})` : "") + "\n```",
    r.doc,
    options.length ? options.map((o) => `- ${describeArg(o)}`).join("\n") : "",
    `Requires ${ruleRequirements(r)}.`,
    problems === undefined ? "" : problems.length ? `This network does not qualify:\n${problems.map((p) => `- ${p}`).join("\n")}` : "This network meets the requirements.",
  ].filter(Boolean).join("\n\n");
}

/** A data set as declared in stdlib/datasets.ts (description, arguments) and what the checker knows of its shape. */
export function describeDataset(d: DatasetDef, shape?: { features: number; classes: number }): string {
  const args = d.args.list;
  return [
    "```pnn\n" + `${d.name}(${args.map((a) => `${a.name}: ${a.default === undefined ? "required" : showConst(a.default)}`).join(", ")})` + "\n```",
    d.description,
    args.map((a) => `- ${describeArg(a)}`).join("\n"),
    shape ? `Here: ${shape.features} features, ${shape.classes} classes.` : "",
  ].filter(Boolean).join("\n\n");
}

/** `rad` → "unit `rad`: an angle (rad)"; with the number it follows, also its value in SI units. */
export function describeUnit(text: string, per?: string, value?: number): string | undefined {
  const u = parseUnit(text);
  if (!u) return undefined;
  const kind = isDimensionless(u.dim) ? "dimensionless" : describeDim(u.dim);
  const si = value !== undefined && u.scale !== 1 ? `; ${value} ${text} = ${Number((value * u.scale).toPrecision(12))} in SI units` : u.scale !== 1 ? `; 1 ${text} = ${u.scale} in SI units` : "";
  return `unit \`${text}\`${per ? ` per ${per}` : ""}: ${kind}${si}`;
}
