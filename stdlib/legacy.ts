/**
 * TEMPORARY bridge while the remaining families move to `defineLayer` (stdlib/element.ts): wraps
 * an old-style signature and its lowering-table entry into one element definition.
 */
import type { LayerLowering } from "../compiler/lower/context.js";
import type { LayerDef } from "./element.js";
import type { ArgSpec, Schema, SpecRecord } from "./schema.js";
import type { ConstValue, LayerSig } from "./types.js";

export function fromLegacy(sig: LayerSig, lowering: LayerLowering | undefined): LayerDef {
  if (!lowering) throw new Error(`${sig.module}.${sig.name} has no lowering`);
  const specs: Record<string, ArgSpec<unknown>> = {};
  for (const a of sig.args) specs[a.name] = { type: a.type, ...(a.default !== undefined ? { default: a.default } : {}), doc: a.doc, read: (v: ConstValue | null | undefined) => v ?? null };
  const schema: Schema<SpecRecord> = {
    specs,
    list: sig.args,
    deviceOnly: sig.args.filter((a) => a.deviceOnly).map((a) => a.name),
    read: (consts) => Object.fromEntries(sig.args.map((a) => [a.name, a.name in consts ? consts[a.name] : a.default ?? null])) as never,
  };
  return { ...sig, schema, extensions: {}, lower: (ctx, x, a) => lowering(ctx, x, { consts: a.values as Record<string, ConstValue | null>, tensors: a.tensors, owned: a.owned }) };
}
