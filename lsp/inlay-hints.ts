/**
 * Inlay hints: the shape (and unit, when the value has one) the checker inferred, after each
 * binding's or let's name (`h: complex[12] = …`) and, optionally, after each pipeline stage
 * (`|> NoisyMesh(n: modes): complex[12]`). They are the checker's own facts (compiler/sema,
 * `SemanticModel.facts`), so they say exactly what `pnn check` inferred. A layer instantiated with
 * different sizes shows every size (`real[4] | real[8]`). A stage that ends its binding's value is
 * not hinted (the binding's hint says it). Statements that do not check have no facts, so no hints.
 */
import { InlayHintKind, type InlayHint } from "vscode-languageserver/node";
import type { Fact } from "../compiler/sema/model.js";
import { describeDim } from "../compiler/units.js";
import { showType } from "../stdlib/types.js";
import type { Analysis } from "./analysis.js";
import { walk } from "./ast-walk.js";

export interface InlayOptions {
  /** After each binding's and let's name (default on). */
  readonly bindings: boolean;
  /** After each stage of a `|>` pipeline (default on). */
  readonly pipeStages: boolean;
}

export const DEFAULT_INLAY: InlayOptions = { bindings: true, pipeStages: true };

/** `real[132] (rad)`: the type, and the unit of a dimensioned value. */
export function typeLabel(f: Fact): string {
  if (!f.type) return f.text;
  const unit = f.dim ? /\(([^)]+)\)$/.exec(describeDim(f.dim))?.[1] ?? describeDim(f.dim).replace(/^a quantity in /, "") : "";
  return `${showType(f.type)}${unit ? ` (${unit})` : ""}`;
}

/** The hints between offsets `from` and `to`. */
export function inlayHints(a: Analysis, from: number, to: number, opts: InlayOptions): InlayHint[] {
  // Ends of bindings' values: a stage ending there is already described by the binding's hint.
  const valueEnds = new Set<number>();
  walk(a.program, (n) => {
    if (n.kind === "Binding" || n.kind === "Let") valueEnds.add(n.value.span.end);
  });
  const byPlace = new Map<number, { kind: "binding" | "stage"; labels: string[] }>();
  for (const f of a.model.facts) {
    if (f.span.file !== a.path || !f.type || (f.kind !== "binding" && f.kind !== "stage")) continue;
    if (f.kind === "binding" ? !opts.bindings : !opts.pipeStages || valueEnds.has(f.span.end)) continue;
    const at = f.span.end;
    if (at < from || at > to) continue;
    const place = byPlace.get(at) ?? { kind: f.kind, labels: [] };
    const label = typeLabel(f);
    if (!place.labels.includes(label)) place.labels.push(label);
    byPlace.set(at, place);
  }
  return [...byPlace.entries()]
    .sort((p, q) => p[0] - q[0])
    .map(([at, place]) => {
      const p = a.lines.position(at);
      return { position: { line: p.line - 1, character: p.col - 1 }, label: `: ${place.labels.join(" | ")}`, kind: InlayHintKind.Type, tooltip: place.kind === "binding" ? "inferred by pnn check" : "this stage's output, inferred by pnn check" };
    });
}
