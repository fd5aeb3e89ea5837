/**
 * The registry of layer lowerings, keyed like the standard library (`dense`,
 * `optics.mzi_mesh`). A layer declared in stdlib/ without an entry here is refused at lowering
 * with PNN5001 rather than failing at run time.
 */
import type { LayerLowering } from "../context.js";
import { ANALOG_LOWERING } from "./analog.js";
import { CORE_LOWERING } from "./core.js";
import { OPTICS_LOWERING } from "./optics.js";
import { RESERVOIR_LOWERING } from "./reservoir.js";
import { FREESPACE_LOWERING } from "./freespace.js";
import { MECHANICS_LOWERING } from "./mechanics.js";

export const LAYER_LOWERINGS: Readonly<Record<string, LayerLowering>> = {
  ...CORE_LOWERING,
  ...Object.fromEntries(Object.entries(OPTICS_LOWERING).map(([k, v]) => [`optics.${k}`, v])),
  ...Object.fromEntries(Object.entries(ANALOG_LOWERING).map(([k, v]) => [`analog.${k}`, v])),
  ...Object.fromEntries(Object.entries(RESERVOIR_LOWERING).map(([k, v]) => [`reservoir.${k}`, v])),
  ...Object.fromEntries(Object.entries(FREESPACE_LOWERING).map(([k, v]) => [`freespace.${k}`, v])),
  ...Object.fromEntries(Object.entries(MECHANICS_LOWERING).map(([k, v]) => [`mechanics.${k}`, v])),
};

