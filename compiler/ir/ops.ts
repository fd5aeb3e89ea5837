/**
 * THE op table: every IR op, by name. Families live in ops-elementwise.ts, ops-structural.ts,
 * ops-nn.ts and ops-loop.ts; this index joins them and checks names are unique. Add an op here (its family file),
 * then its kernel in compiler/backends/interp and its rule in autodiff.ts; the table-driven
 * gradient test fails until the op has a gradient case.
 */
import type { OpDef } from "./op-def.js";
import { ELEMENTWISE_OPS } from "./ops-elementwise.js";
import { LOOP_OPS } from "./ops-loop.js";
import { NN_OPS } from "./ops-nn.js";
import { STRUCTURAL_OPS } from "./ops-structural.js";

export type { OpDef, AttrSpec, AttrKind, GradKind } from "./op-def.js";

export const OP_LIST: readonly OpDef[] = [...STRUCTURAL_OPS, ...ELEMENTWISE_OPS, ...NN_OPS, ...LOOP_OPS];

export const OPS: ReadonlyMap<string, OpDef> = (() => {
  const m = new Map<string, OpDef>();
  for (const op of OP_LIST) {
    if (m.has(op.name)) throw new Error(`duplicate op ${op.name}`);
    m.set(op.name, op);
  }
  return m;
})();

export function opDef(name: string): OpDef | undefined {
  return OPS.get(name);
}
