/**
 * The standard library's registry: which module path (`std/optics`) holds which symbols, plus the
 * global core layers and distributions. Sema, lowering and the language server all look
 * symbols up here.
 */
import { ANALOG } from "./analog.js";
import { CIRCUITS } from "./circuits.js";
import { CORE } from "./core.js";
import { FREESPACE } from "./freespace.js";
import { OPTICS } from "./optics.js";
import { MECHANICS } from "./mechanics.js";
import { RESERVOIR } from "./reservoir.js";
import type { StdSymbol } from "./types.js";

export const STD_MODULES: ReadonlyMap<string, ReadonlyMap<string, StdSymbol>> = new Map(
  (
    [
      ["std/optics", OPTICS],
      ["std/freespace", FREESPACE],
      ["std/analog", ANALOG],
      ["std/circuits", CIRCUITS],
      ["std/reservoir", RESERVOIR],
      ["std/mechanics", MECHANICS],
    ] as [string, StdSymbol[]][]
  ).map(([path, syms]) => [path, new Map(syms.map((s) => [s.name, s]))]),
);

export const CORE_LAYERS: ReadonlyMap<string, StdSymbol> = new Map(CORE.map((s) => [s.name, s]));

/** Distributions usable after `~` and `init`, with their parameters. */
export const DISTRIBUTIONS = {
  normal: { params: ["mean", "std"], doc: "Gaussian N(mean, std²)" },
  uniform: { params: ["lo", "hi"], doc: "uniform on [lo, hi)" },
  constant: { params: ["value"], doc: "always `value`" },
  glorot: { params: [], doc: "uniform ±√(6/(fan_in + fan_out)) (weights)" },
} as const;

/** Named constants available everywhere. */
export const BUILTIN_CONSTANTS: Readonly<Record<string, number>> = { pi: Math.PI };

/** `optics.mzi_mesh` → its signature, by qualified name. */
export function stdSymbol(qualified: string): StdSymbol | undefined {
  const dot = qualified.indexOf(".");
  if (dot < 0) return CORE_LAYERS.get(qualified);
  return STD_MODULES.get(`std/${qualified.slice(0, dot)}`)?.get(qualified.slice(dot + 1));
}
