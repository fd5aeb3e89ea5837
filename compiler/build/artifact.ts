/**
 * An edge artifact's module: the same planned program the training backend runs. The twin
 * inference program, lowered at one row and at `batch` rows, is joined into one graph sharing
 * the parameters, the weights are folded in (fold.ts), the pass pipeline runs, and the wasm
 * backend compiles it into ONE module with two entries over the same folded weights: `run` (one
 * row) and `run_batch` (`batch` rows), so a loader runs full batches with the batched program and
 * the rest row by row. In: a lowering function, parameter values, options. Out: module bytes,
 * the loader's layout and what `--stats` reports. It never writes files (cli/build.ts does).
 */
import { GraphBuilder, type Graph, type Node } from "../ir/graph.js";
import { graphFlops } from "../ir/flops.js";
import { dependsOn } from "../ir/liveness.js";
import { runPipeline, type PassStat } from "../passes/pipeline.js";
import { countNodes } from "../passes/rewrite.js";
import { DETECTORS } from "../lower/names.js";
import { foldGraph } from "./fold.js";
import type { LoaderLayout, LoaderSlot } from "./loader.js";

/** The folded program reads something besides the data input (the CLI reports PNN5020). */
export class BuildUnsupported extends Error {}

export interface ArtifactOptions {
  /** Rows of the batched entry (≥ 1; 1 builds the one-row entry only). */
  readonly batch: number;
}

export interface BuiltArtifact {
  readonly bytes: Uint8Array;
  readonly layout: LoaderLayout;
  /** FLOPs of one row's inference (the op table's costs over the folded program). */
  readonly flops: number;
  /** IR nodes of the one-row program that folded to constants. */
  readonly foldedNodes: number;
  /** IR nodes of the optimised module graph (both entries). */
  readonly nodes: number;
  readonly memoryBytes: number;
  readonly planBytes: number;
  readonly passes: readonly PassStat[];
}

const ROW = "", BATCH = "@batch";

/** The last photodetection's intensities (the last `abs2`), an extra output when there is one. */
export function detectorOutput(g: Graph): { name: string; id: number } | undefined {
  const d = [...g.nodes].reverse().find((n) => n.op === "abs2");
  return d && !g.outputs.some((o) => o.id === d.id) ? { name: DETECTORS, id: d.id } : undefined;
}

/** Copies each part into one graph: inputs and outputs renamed with the part's suffix, params shared by name. */
function joinParts(parts: readonly { graph: Graph; suffix: string; extra?: { name: string; id: number } }[]): Graph {
  const b = new GraphBuilder();
  const params = new Map<string, Node>();
  for (const { graph, suffix, extra } of parts) {
    const map = new Array<Node>(graph.nodes.length);
    for (const n of graph.nodes) {
      if (n.op === "param") {
        const name = n.attrs.name as string;
        map[n.id] = params.get(name) ?? b.param(name, n.dtype, n.shape);
        params.set(name, map[n.id]!);
      } else if (n.op === "input") map[n.id] = b.input(`${n.attrs.name as string}${suffix}`, n.dtype, n.shape);
      else map[n.id] = b.op(n.op, n.inputs.map((i) => map[i]!), n.attrs, n.name, n.body);
    }
    for (const o of [...graph.outputs, ...(extra ? [extra] : [])]) b.output(`${o.name}${suffix}`, map[o.id]!);
  }
  return b.build();
}

export async function buildArtifact(lower: (batch: number) => Graph, params: ReadonlyMap<string, Float64Array>, opts: ArtifactOptions): Promise<BuiltArtifact> {
  const one = lower(1);
  const parts = [{ graph: one, suffix: ROW, extra: detectorOutput(one) }];
  if (opts.batch > 1) {
    const many = lower(opts.batch);
    parts.push({ graph: many, suffix: BATCH, extra: detectorOutput(many) });
  }
  // merge what both parts compute from the parameters alone before folding it once
  const joined = runPipeline(joinParts(parts), { passes: ["cse"] }).graph;
  const dataInputs = parts.map((p) => `x${p.suffix}`);
  const folded = foldGraph(joined, params, dataInputs);
  const { graph, stats } = runPipeline(folded.graph);
  const extraInputs = graph.inputs.filter((i) => !dataInputs.includes(i.name));
  if (extraInputs.length) throw new BuildUnsupported(`a program whose folded form reads inputs other than x (${extraInputs.map((i) => i.name).join(", ")})`);
  const batched = (name: string) => name.endsWith(BATCH);
  const entries = [
    { name: "run", outputs: graph.outputs.filter((o) => !batched(o.name)).map((o) => o.name) },
    ...(opts.batch > 1 ? [{ name: "run_batch", outputs: graph.outputs.filter((o) => batched(o.name)).map((o) => o.name) }] : []),
  ];
  const { compileToWasm } = await import("../backends/wasm/index.js");
  const art = await compileToWasm(graph, { entries });
  const slot = (name: string): LoaderSlot => {
    const s = [...art.layout.inputs, ...art.layout.outputs].find((x) => x.name === name)!;
    return { name: batched(name) ? name.slice(0, -BATCH.length) : name, offset: s.offset, length: s.length, storage: "f32" };
  };
  // the one-row program's cost: what its outputs need (the batched part shares no computation with it)
  const rowFlops = graphFlops({ ...graph, outputs: graph.outputs.filter((o) => !batched(o.name)) });
  const x = one.inputs.find((i) => i.name === "x");
  const dynamic = x ? dependsOn(one, [x.id]) : [];
  const layout: LoaderLayout = {
    input: slot("x"),
    outputs: entries[0]!.outputs.map(slot),
    imports: art.layout.imports,
    entry: "run",
    ...(opts.batch > 1 ? { batch: { rows: opts.batch, entry: "run_batch", input: slot(`x${BATCH}`), outputs: entries[1]!.outputs.map(slot) } } : {}),
  };
  return {
    bytes: art.bytes,
    layout,
    flops: rowFlops,
    foldedNodes: one.nodes.filter((n) => !dynamic[n.id]).length,
    nodes: countNodes(graph),
    memoryBytes: art.layout.memoryBytes,
    planBytes: art.layout.planBytes,
    passes: stats,
  };
}

/** Bytes of a module's data section (id 11), by walking its sections; the rest is code and headers. */
export function dataSectionBytes(bytes: Uint8Array): number {
  let at = 8;
  let data = 0;
  while (at < bytes.length) {
    const id = bytes[at++]!;
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[at++]!;
      size += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    if (id === 11) data += size;
    at += size;
  }
  return data;
}
