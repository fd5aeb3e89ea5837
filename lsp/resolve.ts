/**
 * What a callee expression names, for hover and completion: a standard-library layer or
 * coupling (`dense`, `optics.mzi_mesh`), a user layer (its declaration, possibly in an imported
 * file), a distribution, a learning rule or an optimizer (inside a train block's settings), or a
 * data set (after `train Net on`; the setting name "data" stands for that position).
 */
import type { SourceHost as CheckHost } from "../compiler/driver/session.js";
import type * as A from "../grammar/ast.js";
import { parse } from "../grammar/parse.js";
import { DATASETS } from "../stdlib/datasets.js";
import { CORE_LAYERS, DISTRIBUTIONS, STD_MODULES } from "../stdlib/index.js";
import { findRule, type RuleDef } from "../compiler/rules/index.js";
import { OPTIMIZERS, type OptimizerSig } from "../stdlib/training.js";
import type { StdSymbol } from "../stdlib/types.js";
import type { Analysis } from "./analysis.js";

export type Callee =
  | { readonly kind: "std"; readonly qualified: string; readonly sig: StdSymbol }
  | { readonly kind: "user"; readonly decl: A.LayerDecl }
  | { readonly kind: "dist"; readonly name: keyof typeof DISTRIBUTIONS }
  | { readonly kind: "rule"; readonly sig: RuleDef }
  | { readonly kind: "optimizer"; readonly sig: OptimizerSig }
  | { readonly kind: "dataset"; readonly entry: (typeof DATASETS)[number] };

/** The members of an imported module, by alias: std signatures or the imported file's layers and constants. */
export function moduleMembers(a: Analysis, alias: string, host: CheckHost): { name: string; std?: StdSymbol; decl?: A.LayerDecl | A.ConstDecl }[] {
  const imp = a.imports.get(alias);
  if (!imp) return [];
  const std = STD_MODULES.get(imp.spec);
  if (std) return [...std.values()].map((s) => ({ name: s.name, std: s }));
  const text = imp.target ? host.readFile(imp.target) : undefined;
  if (text === undefined || !imp.target) return [];
  return parse(text, imp.target).program.items.flatMap((i) => (i.kind === "Layer" || i.kind === "Const") && i.name.name ? [{ name: i.name.name, decl: i }] : []);
}

export function resolveCallee(a: Analysis, e: A.Expr, host: CheckHost, setting?: string): Callee | undefined {
  if (setting === "rule" && e.kind === "Name") {
    const sig = findRule(e.name);
    return sig ? { kind: "rule", sig } : undefined;
  }
  if (setting === "data" && e.kind === "Name") {
    const entry = DATASETS.find((d) => d.name === e.name);
    return entry ? { kind: "dataset", entry } : undefined;
  }
  if (setting === "optimizer" && e.kind === "Name") {
    const sig = OPTIMIZERS.find((o) => o.name === e.name);
    return sig ? { kind: "optimizer", sig } : undefined;
  }
  if (e.kind === "Member" && e.object.kind === "Name") {
    const m = moduleMembers(a, e.object.name, host).find((x) => x.name === e.member.name);
    if (m?.std) return { kind: "std", qualified: `${e.object.name}.${m.name}`, sig: m.std };
    if (m?.decl?.kind === "Layer") return { kind: "user", decl: m.decl };
    return undefined;
  }
  if (e.kind !== "Name") return undefined;
  const local = a.program.items.find((i): i is A.LayerDecl => i.kind === "Layer" && i.name.name === e.name);
  if (local) return { kind: "user", decl: local };
  const core = CORE_LAYERS.get(e.name);
  if (core) return { kind: "std", qualified: e.name, sig: core };
  if (e.name in DISTRIBUTIONS) return { kind: "dist", name: e.name as keyof typeof DISTRIBUTIONS };
  return undefined;
}

