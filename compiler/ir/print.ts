/**
 * IR -> text. One node per line, operands by id, attributes in op-table order:
 *
 *   graph {
 *     %0: f32[64,784] = input {name="x"}
 *     %1 "w1": f32[784,128] = param {name="w1"}
 *     %2: f32[64,128] = matmul %0, %1
 *     %3: f32[] = const {value=[0.5]}
 *     output "y" = %2
 *   }
 *
 * A `dtype` or `shape` attribute equal to the node's own dtype/shape is left out (the parser puts
 * it back from the annotation). A loop's body follows its node as `body { … }`, one level deeper.
 * parse-text.ts reads this back to an equal graph.
 */
import type { Graph, Node } from "./graph.js";
import { opDef } from "./ops.js";
import { shapeEq, type AttrValue } from "./types.js";

export function formatNumber(v: number): string {
  return Object.is(v, -0) ? "-0" : String(v);
}

export function formatAttr(v: AttrValue): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number") return formatNumber(v);
  if (typeof v === "boolean") return String(v);
  return `[${v.map(formatNumber).join(",")}]`;
}

export function printNode(n: Node): string {
  const def = opDef(n.op);
  const keys = def ? def.attrs.map((s) => s.name).filter((k) => k in n.attrs) : Object.keys(n.attrs);
  for (const k of Object.keys(n.attrs)) if (!keys.includes(k)) keys.push(k);
  const attrs = keys
    .filter((k) => {
      const v = n.attrs[k]!;
      if (k === "dtype" && v === n.dtype) return false;
      if (k === "shape" && Array.isArray(v) && shapeEq(v, n.shape)) return false;
      return true;
    })
    .map((k) => `${k}=${formatAttr(n.attrs[k]!)}`);
  const label = n.name !== undefined ? ` ${JSON.stringify(n.name)}` : "";
  const ops = n.inputs.length ? " " + n.inputs.map((i) => `%${i}`).join(", ") : "";
  const at = attrs.length ? ` {${attrs.join(", ")}}` : "";
  return `%${n.id}${label}: ${n.dtype}[${n.shape.join(",")}] = ${n.op}${ops}${at}`;
}

/** The lines of a graph's nodes and outputs at one indentation (a loop body nests one deeper). */
function bodyLines(g: Graph, indent: string): string[] {
  const lines: string[] = [];
  for (const n of g.nodes) {
    if (!n.body) {
      lines.push(indent + printNode(n));
      continue;
    }
    lines.push(`${indent}${printNode(n)} body {`, ...bodyLines(n.body, indent + "  "), `${indent}}`);
  }
  for (const o of g.outputs) lines.push(`${indent}output ${JSON.stringify(o.name)} = %${o.id}`);
  return lines;
}

export function printGraph(g: Graph): string {
  return ["graph {", ...bodyLines(g, "  "), "}"].join("\n") + "\n";
}
