/**
 * THE pass pipeline, in order, and the entry the driver calls. Every program (inference, train
 * step, relaxation…) goes through `runPipeline` after lowering and autodiff and before a
 * backend compiles it. In: a graph and options (which passes, which pass to print after).
 * Out: the optimised graph, per-pass node counts and times, and the requested dump.
 * Each pass is pure and keeps the program's interface; the verifier runs after every pass.
 */
import { InternalError } from "../../diagnostics/internal.js";
import type { Graph } from "../ir/graph.js";
import { printGraph } from "../ir/print.js";
import { verifyGraph } from "../ir/verify.js";
import { cse } from "./cse.js";
import { dce } from "./dce.js";
import { fftDecompose } from "./fft-decompose.js";
import { foldConstants } from "./fold-constants.js";
import { loopInvariant } from "./loop-invariant.js";
import { scanMerge } from "./scan-merge.js";
import type { Pass } from "./pass.js";
import { countNodes } from "./rewrite.js";
import { simplify } from "./simplify.js";
import { unrollLoops } from "./unroll-loops.js";
import { expandPairMix } from "./expand-pair-mix.js";

/** Every pass, by name (`unroll-loops` is not in PIPELINE: backends without loops run it). */
export const PASSES: Readonly<Record<string, Pass>> = Object.fromEntries(
  [scanMerge, fftDecompose, simplify, foldConstants, cse, loopInvariant, dce, unrollLoops, expandPairMix].map((p) => [p.name, p]),
);

/** The default pipeline, read top to bottom. */
export const PIPELINE: readonly string[] = [
  "scan-merge",      // a loop's gradient reads its stored carries from the forward loop itself
  "fft-decompose",   // non-power-of-two FFTs as radix-2 FFTs and small DFT products (then simplified)
  "simplify",        // identities and canonical forms first: they expose constants and duplicates
  "fold-constants",  // constant subgraphs (e.g. coupler coefficients) to one constant each
  "cse",             // merge what lowering and autodiff computed twice
  "simplify",        // merging exposes more identities (x − (−y), reshape chains through CSE'd nodes)
  "loop-invariant",  // per-step work that does not change moves before its loop (constants too)
  "cse",
  "dce",             // drop everything the outputs no longer read
];

export interface PassStat {
  readonly pass: string;
  /** Node counts (loop bodies included) before and after the pass. */
  readonly nodesBefore: number;
  readonly nodesAfter: number;
  readonly ms: number;
}

export interface PipelineOptions {
  /** Pass names to run instead of PIPELINE, or "none". */
  readonly passes?: readonly string[] | "none";
  /** Return the graph's text after the first run of this pass. */
  readonly printAfter?: string;
  /** Verify the graph after every pass (default true). */
  readonly verify?: boolean;
}

export interface PipelineResult {
  readonly graph: Graph;
  readonly stats: readonly PassStat[];
  /** The text requested by printAfter (undefined when that pass did not run). */
  readonly printed?: string;
}

/** Names that are not passes, from a user's list (empty when all are known). */
export function unknownPasses(names: readonly string[]): string[] {
  return names.filter((n) => !(n in PASSES));
}

export function runPipeline(graph: Graph, opts: PipelineOptions = {}): PipelineResult {
  const names = opts.passes === "none" ? [] : opts.passes ?? PIPELINE;
  const bad = unknownPasses(names);
  if (bad.length) throw new RangeError(`unknown pass ${bad.join(", ")}; passes: ${Object.keys(PASSES).join(", ")}`);
  if (opts.printAfter !== undefined && !(opts.printAfter in PASSES)) throw new RangeError(`unknown pass ${opts.printAfter}; passes: ${Object.keys(PASSES).join(", ")}`);
  const stats: PassStat[] = [];
  let g = graph;
  let printed: string | undefined;
  for (const name of names) {
    const before = countNodes(g);
    const t0 = performance.now();
    const next = PASSES[name]!.run(g);
    const ms = performance.now() - t0;
    if (opts.verify ?? true) {
      const errs = verifyGraph(next);
      if (errs.length) throw new InternalError(`pass ${name} produced invalid IR:\n  ${errs.join("\n  ")}`, printGraph(g));
    }
    g = next;
    stats.push({ pass: name, nodesBefore: before, nodesAfter: countNodes(g), ms });
    if (printed === undefined && name === opts.printAfter) printed = printGraph(g);
  }
  return { graph: g, stats, ...(printed !== undefined ? { printed } : {}) };
}
