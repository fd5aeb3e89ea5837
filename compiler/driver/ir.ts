/**
 * `pnn ir`'s product: the IR text of a run's programs — the twin or device inference program
 * (the same graphs `eval` and `build` use), the physics-aware forward pass (a view for
 * debugging: device values with twin derivatives), or the rule's own programs (`train`) — as
 * the pass pipeline leaves them (compiler/passes), or with other passes (`none`: as lowered),
 * or as they stand right after one pass (`printAfter`).
 */
import type { Graph } from "../ir/graph.js";
import { printGraph } from "../ir/print.js";
import { lowerInfer } from "../lower/lower.js";
import { PASSES, runPipeline, unknownPasses, type PipelineOptions } from "../passes/pipeline.js";
import { UsageError } from "./errors.js";
import type { DeviceSettings, Program } from "./program.js";

export const IR_MODES = ["twin", "device", "physics_aware", "train"] as const;
export type IrMode = (typeof IR_MODES)[number];

export interface IrRequest {
  readonly mode: string;
  readonly batch: number;
  readonly settings?: DeviceSettings;
  /** Passes to run instead of the pipeline, or "none". */
  readonly passes?: PipelineOptions["passes"];
  /** Show the graph right after this pass (its first run) instead of the result. */
  readonly printAfter?: string;
}

/** `--passes` text: "none", or pass names separated by commas. */
export function parsePassList(text: string): PipelineOptions["passes"] {
  return text.trim() === "none" ? "none" : text.split(",").map((x) => x.trim()).filter((x) => x !== "");
}

export function irProduct(p: Program, r: IrRequest): string {
  const { mode, batch, settings = {} } = r;
  if (!(IR_MODES as readonly string[]).includes(mode)) throw new UsageError(`--mode must be one of ${IR_MODES.join(", ")}`);
  const named = [...(r.passes === "none" || r.passes === undefined ? [] : r.passes), ...(r.printAfter !== undefined ? [r.printAfter] : [])];
  const bad = unknownPasses(named);
  if (bad.length) throw new UsageError(`unknown pass ${bad.join(", ")} (passes: ${Object.keys(PASSES).join(", ")})`);
  const shown = (g: Graph): string => {
    const out = runPipeline(g, { ...(r.passes !== undefined ? { passes: r.passes } : {}), ...(r.printAfter !== undefined ? { printAfter: r.printAfter } : {}) });
    if (r.printAfter === undefined) return printGraph(out.graph) + "\n";
    return out.printed !== undefined ? out.printed + (out.printed.endsWith("\n") ? "" : "\n") : `; pass ${r.printAfter} did not run\n`;
  };
  if (mode === "twin" || mode === "device") return shown(p.inferGraph(mode === "device", batch, settings));
  if (mode === "physics_aware") {
    if (p.net.kind !== "feedforward") throw new UsageError(`--mode physics_aware shows a feed-forward pass; ${p.net.name} is energy-based (try --mode train)`);
    return shown(lowerInfer(p.net, "physics_aware", batch, settings));
  }
  const own = Object.entries(p.graphs(batch, settings, { passes: "none" }).rule);
  return own.map(([name, g]) => (own.length > 1 ? `; program ${name}\n` : "") + shown(g)).join("");
}
