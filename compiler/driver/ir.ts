/**
 * `pnn ir`'s product: the IR text of a run's programs — the twin or device inference program
 * (the same graphs `eval` and `build` use), the physics-aware forward pass (a view for
 * debugging: device values with twin derivatives), or the rule's own programs (`train`).
 */
import { printGraph } from "../ir/print.js";
import { lowerInfer } from "../lower/lower.js";
import { UsageError } from "./errors.js";
import type { DeviceSettings, Program } from "./program.js";

export const IR_MODES = ["twin", "device", "physics_aware", "train"] as const;
export type IrMode = (typeof IR_MODES)[number];

export function irProduct(p: Program, mode: string, batch: number, settings: DeviceSettings = {}): string {
  if (!(IR_MODES as readonly string[]).includes(mode)) throw new UsageError(`--mode must be one of ${IR_MODES.join(", ")}`);
  if (mode === "twin" || mode === "device") return printGraph(p.inferGraph(mode === "device", batch, settings)) + "\n";
  if (mode === "physics_aware") {
    if (p.net.kind !== "feedforward") throw new UsageError(`--mode physics_aware shows a feed-forward pass; ${p.net.name} is energy-based (try --mode train)`);
    return printGraph(lowerInfer(p.net, "physics_aware", batch, settings)) + "\n";
  }
  const own = Object.entries(p.graphs(batch, settings).rule);
  return own.map(([name, g]) => (own.length > 1 ? `; program ${name}\n` : "") + printGraph(g) + "\n").join("");
}
