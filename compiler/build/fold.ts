/**
 * Weight folding for edge artifacts: with the parameters fixed, every node that does not depend
 * on the data inputs is a constant. foldGraph evaluates those the dynamic part reads (with the
 * reference interpreter, once) and returns a smaller graph: the input, `const` nodes for the
 * folded values, the dynamic nodes, and the outputs (plus any extra outputs asked for).
 */
import type { Graph, Node } from "../ir/graph.js";
import { GraphBuilder } from "../ir/graph.js";
import { dependsOn, liveNodes } from "../ir/liveness.js";
import { isComplex, numel } from "../ir/types.js";
import { compileInterp } from "../backends/interp/index.js";
import type { Tensor } from "../../runtime/backend.js";

export class FoldError extends Error {}

export interface Folded {
  readonly graph: Graph;
  /** nodes of the original graph that were folded into constants */
  readonly foldedNodes: number;
}

/** Which nodes depend on the data inputs, which the outputs need, and the folded frontier. */
export function analyse(g: Graph, inputNames: readonly string[], outputs: readonly { name: string; id: number }[]) {
  const inputNodes = inputNames.map((name) => g.inputs.find((i) => i.name === name) ?? fail(`the inference program has no input '${name}'`));
  const dynamic = dependsOn(g, inputNodes.map((i) => i.id));
  // a transpose of folded values that only matmuls read stays a transpose: the backend reads it
  // as swapped strides (x·Wᵀ kernels, as in training), which folding it into a copy would lose
  const readers = g.nodes.map((): Node[] => []);
  for (const n of g.nodes) for (const i of n.inputs) readers[i]!.push(n);
  for (const n of g.nodes)
    if (!dynamic[n.id] && n.op === "transpose" && readers[n.id]!.length && readers[n.id]!.every((r) => r.op === "matmul" && dynamic[r.id])) dynamic[n.id] = true;
  // what the outputs need, through dynamic nodes only: a constant one is folded, its operands are not read
  const needed = liveNodes(g, { roots: outputs.map((o) => o.id), keepLeaves: false, reads: (n) => (dynamic[n.id] ? n.inputs : []) });
  const frontier = g.nodes.filter((n) => needed[n.id] && !dynamic[n.id]);
  return { inputNodes, dynamic, needed, frontier };
}

function fail(msg: string): never {
  throw new FoldError(msg);
}

/** Values of `nodes` with the given parameters (integer inputs such as random keys are zero). */
export function evaluate(g: Graph, nodes: readonly Node[], params: ReadonlyMap<string, Float64Array>, skipInputs: readonly string[]): Map<number, Tensor> {
  if (!nodes.length) return new Map();
  const b = GraphBuilder.from(g);
  for (const n of nodes) b.output(`fold:${n.id}`, b.node(n.id));
  const exe = compileInterp(b.build());
  const feeds: Record<string, Tensor> = {};
  for (const s of exe.inputs) {
    const count = numel(s.shape) * (isComplex(s.dtype) ? 2 : 1);
    const given = params.get(s.name);
    if (!skipInputs.includes(s.name) && !given && s.dtype !== "i32") throw new FoldError(`no value for program input '${s.name}'`);
    feeds[s.name] = { dtype: s.dtype, shape: s.shape, data: s.dtype === "i32" ? new Int32Array(count) : given ?? new Float64Array(count) };
  }
  const out = exe.run(feeds);
  return new Map(nodes.map((n) => [n.id, out[`fold:${n.id}`]!]));
}

/** `inputNames`: the data inputs (everything else is a parameter or a key, folded). */
export function foldGraph(g: Graph, params: ReadonlyMap<string, Float64Array>, inputNames: readonly string[] = ["x"], extraOutputs: readonly { name: string; id: number }[] = []): Folded {
  const outputs = [...g.outputs, ...extraOutputs];
  const { dynamic, needed, frontier } = analyse(g, inputNames, outputs);
  const values = evaluate(g, frontier, params, inputNames);
  const b = new GraphBuilder();
  const map = new Map<number, Node>();
  for (const n of g.nodes) {
    if (!needed[n.id]) continue;
    if (!dynamic[n.id]) {
      map.set(n.id, b.const(Array.from(values.get(n.id)!.data), n.dtype, n.shape));
    } else if (n.op === "input") {
      map.set(n.id, b.input(n.attrs.name as string, n.dtype, n.shape));
    } else {
      map.set(n.id, b.op(n.op, n.inputs.map((i) => map.get(i)!), n.attrs, n.name, n.body));
    }
  }
  for (const o of outputs) b.output(o.name, map.get(o.id)!);
  return { graph: b.build(), foldedNodes: g.nodes.filter((n) => !dynamic[n.id]).length };
}
