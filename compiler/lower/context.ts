/**
 * What an element's lowering receives (stdlib/element.ts): the IR builder, whether it is being
 * lowered as the ideal twin or as the simulated device (device-only effects — DAC/ADC
 * quantization, detector noise — apply only then), the batch, the random key and stream ids,
 * the device's time after programming, and the hooks a learning rule installs at the elements'
 * extension points (a trainable linear map; a mesh of phase shifters).
 */
import type { GraphBuilder, Node } from "../ir/graph.js";

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
  /** Rule hooks at the elements' extension points (absent: every element lowers as it is). */
  readonly hooks?: ElementHooks;
  /** A forced lowering of MZI meshes (absent: the cost model picks per mesh; layers/mesh-form.ts). */
  readonly meshForm?: MeshForm;
}

/** How an MZI mesh lowers: per-sample column rotations, or its transfer matrix and one matmul per batch. */
export type MeshForm = "columns" | "transfer";

/** One trainable linear map being lowered: its operand, parameters, and the element's own lowering of it. */
export interface LinearSite {
  readonly x: Node;
  readonly weight: Node;
  readonly bias?: Node;
  /** The element's lowering applied to an operand (y = x·Wᵀ + b for dense). */
  apply(x: Node): Node;
}

/** One phase shifter column of a mesh: the field just after the shifters of one kind ([.., k]). */
export interface ShifterSite {
  /** Index of the first of these shifters in the mesh's phase vector; shifter j is at `offset + 2j` (θ) or `offset + 2j + 1` (φ). */
  readonly offset: number;
  readonly which: "theta" | "phi";
}

/** A rule's probe inside one mesh: sees the field after every phase shifter and returns the field that continues. */
export interface MeshProbe {
  at(field: Node, site: ShifterSite): Node;
  /** Called once after the mesh's last column. */
  finish?(): void;
}

/** Hooks a learning rule installs at the elements' extension points (stdlib/element.ts `Extensions`). */
export interface ElementHooks {
  /** Every element with `extensions.linear` lowers through this when set. */
  linear?(ctx: LowerCtx, site: LinearSite): Node;
  /** Every element with `extensions.phaseShifters` asks for a probe (undefined: none) once per instance. */
  mesh?(ctx: LowerCtx, phases: Node): MeshProbe | undefined;
}

/** Slices the last axis [start, end) of a tensor of any rank. */
export function sliceLast(b: GraphBuilder, x: Node, start: number, end: number): Node {
  const begin = x.shape.map((_, i) => (i === x.shape.length - 1 ? start : 0));
  const stop = x.shape.map((d, i) => (i === x.shape.length - 1 ? end : d));
  return b.slice(x, begin, stop);
}
