/**
 * What a layer's lowering receives: the IR builder, its operand, its argument tensors and
 * owned parameters (as IR nodes), its constant arguments, and whether it is being lowered as
 * the ideal twin or as the simulated device (device-only effects — DAC/ADC quantization,
 * detector noise — apply only then). Each standard-library layer has exactly one lowering
 * function; adding a layer is one entry in layers/.
 */
import type { GraphBuilder, Node } from "../ir/graph.js";
import type { ConstValue } from "../../stdlib/types.js";

export interface LowerCtx {
  readonly b: GraphBuilder;
  /** true: the simulated device; false: the ideal twin. */
  readonly device: boolean;
  /** Batch size (the leading axis of every activation). */
  readonly batch: number;
  /** The per-query random key (i32[4]); per-shot noise draws from it. */
  readonly key: Node;
  /** A fresh random-stream id for each random op, stable across compilations of one program. */
  nextStream(): number;
  /** Seconds after programming at which the device is evaluated (drift; `pnn eval --time`); default 0. */
  readonly time?: number;
}

export interface LayerArgs {
  readonly tensors: Readonly<Record<string, Node>>;
  readonly consts: Readonly<Record<string, ConstValue | null>>;
  readonly owned: Readonly<Record<string, Node>>;
}

export type LayerLowering = (ctx: LowerCtx, x: Node, args: LayerArgs) => Node;

export function numConst(args: LayerArgs, name: string): number | null {
  const v = args.consts[name];
  return v && v.kind === "num" ? v.value : null;
}

export function boolConst(args: LayerArgs, name: string): boolean {
  const v = args.consts[name];
  return !!v && v.kind === "bool" && v.value;
}

/** Slices the last axis [start, end) of a tensor of any rank. */
export function sliceLast(b: GraphBuilder, x: Node, start: number, end: number): Node {
  const begin = x.shape.map((_, i) => (i === x.shape.length - 1 ? start : 0));
  const stop = x.shape.map((d, i) => (i === x.shape.length - 1 ? end : d));
  return b.slice(x, begin, stop);
}
