/**
 * The registry of layer lowerings, keyed like the standard library (`dense`,
 * `optics.mzi_mesh`). A layer declared in stdlib/ without an entry here is refused at lowering
 * with PNN5001 rather than failing at run time.
 */
import type { LayerLowering } from "../context.js";
import { CORE_LOWERING } from "./core.js";
import { OPTICS_LOWERING } from "./optics.js";

export const LAYER_LOWERINGS: Readonly<Record<string, LayerLowering>> = {
  ...CORE_LOWERING,
  ...Object.fromEntries(Object.entries(OPTICS_LOWERING).map(([k, v]) => [`optics.${k}`, v])),
};
