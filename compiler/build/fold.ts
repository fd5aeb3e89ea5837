/**
 * Weight folding for edge artifacts: with the parameters fixed, every node that does not depend
 * on the data input is a constant. foldGraph evaluates those the dynamic part reads (with the
 * reference interpreter, once) and returns a smaller graph: the input, `const` nodes for the
 * folded values, the dynamic nodes, and the outputs (plus any extra outputs asked for).
 * flopsOf counts floating-point operations of a graph's dynamic nodes (the cost of one run).
 */
import type { Graph, Node } from "../ir/graph.js";
import { GraphBuilder } from "../ir/graph.js";
import { isComplex, numel } from "../ir/types.js";
import { compileInterp } from "../backends/interp/index.js";
import type { Tensor } from "../../runtime/backend.js";

export class FoldError extends Error {}

export interface Folded {
  readonly graph: Graph;
  /** nodes of the original graph that were folded into constants */
  readonly foldedNodes: number;
}

/** Which nodes depend on `input`, which the outputs need, and the folded frontier. */
export function analyse(g: Graph, inputName: string, outputs: readonly { name: string; id: number }[]) {
  const inputNode = g.inputs.find((i) => i.name === inputName);
  if (!inputNode) throw new FoldError(`the inference program has no input '${inputName}'`);
  const dynamic = new Array<boolean>(g.nodes.length).fill(false);
  dynamic[inputNode.id] = true;
  for (const n of g.nodes) if (n.inputs.some((i) => dynamic[i])) dynamic[n.id] = true;
  const needed = new Array<boolean>(g.nodes.length).fill(false);
  for (const o of outputs) needed[o.id] = true;
  for (let id = g.nodes.length - 1; id >= 0; id--) if (needed[id] && dynamic[id]) for (const i of g.nodes[id]!.inputs) needed[i] = true;
  const frontier = g.nodes.filter((n) => needed[n.id] && !dynamic[n.id]);
  return { inputNode, dynamic, needed, frontier };
}

/** Values of `nodes` with the given parameters (integer inputs such as random keys are zero). */
export function evaluate(g: Graph, nodes: readonly Node[], params: ReadonlyMap<string, Float64Array>, skipInput: string): Map<number, Tensor> {
  if (!nodes.length) return new Map();
  const b = GraphBuilder.from(g);
  for (const n of nodes) b.output(`fold:${n.id}`, b.node(n.id));
  const exe = compileInterp(b.build());
  const feeds: Record<string, Tensor> = {};
  for (const s of exe.inputs) {
    const count = numel(s.shape) * (isComplex(s.dtype) ? 2 : 1);
    const given = params.get(s.name);
    if (s.name !== skipInput && !given && s.dtype !== "i32") throw new FoldError(`no value for program input '${s.name}'`);
    feeds[s.name] = { dtype: s.dtype, shape: s.shape, data: s.dtype === "i32" ? new Int32Array(count) : given ?? new Float64Array(count) };
  }
  const out = exe.run(feeds);
  return new Map(nodes.map((n) => [n.id, out[`fold:${n.id}`]!]));
}

export function foldGraph(g: Graph, params: ReadonlyMap<string, Float64Array>, inputName = "x", extraOutputs: readonly { name: string; id: number }[] = []): Folded {
  const outputs = [...g.outputs, ...extraOutputs];
  const { dynamic, needed, frontier } = analyse(g, inputName, outputs);
  const values = evaluate(g, frontier, params, inputName);
  const b = new GraphBuilder();
  const map = new Map<number, Node>();
  for (const n of g.nodes) {
    if (!needed[n.id]) continue;
    if (!dynamic[n.id]) {
      map.set(n.id, b.const(Array.from(values.get(n.id)!.data), n.dtype, n.shape));
    } else if (n.op === "input") {
      map.set(n.id, b.input(n.attrs.name as string, n.dtype, n.shape));
    } else {
      map.set(n.id, b.op(n.op, n.inputs.map((i) => map.get(i)!), n.attrs, n.name));
    }
  }
  for (const o of outputs) b.output(o.name, map.get(o.id)!);
  return { graph: b.build(), foldedNodes: g.nodes.filter((n) => !dynamic[n.id]).length };
}

const PER_ELEMENT: Record<string, [number, number]> = {
  // [real, complex] floating-point operations per output element
  add: [1, 2], sub: [1, 2], mul: [1, 6], div: [1, 11], neg: [1, 2], abs2: [3, 3], exp: [1, 4], expi: [2, 2],
  sigmoid: [3, 3], relu: [1, 1], square: [1, 3], recip: [1, 6], max: [1, 1], min: [1, 1], clip: [2, 2],
  quantize: [5, 5], sqrt: [1, 8], log: [1, 5], abs: [1, 4], sin: [1, 1], cos: [1, 1], tanh: [1, 1], pow: [1, 1],
  angle: [1, 1], conj: [0, 1], eq: [1, 1], ge: [1, 1], gt: [1, 1], softmax: [4, 4], log_softmax: [4, 4],
};

/** FLOPs of one run of `g`'s non-constant nodes (matmul 2·M·N·K per batch, ×4 if complex). */
export function flopsOf(g: Graph): number {
  let total = 0;
  const isConst = new Array<boolean>(g.nodes.length).fill(false);
  for (const n of g.nodes) {
    if (n.op === "const" || n.op === "param") isConst[n.id] = true;
    else if (n.op !== "input" && n.inputs.every((i) => isConst[i])) isConst[n.id] = true;
    if (isConst[n.id] || n.op === "input") continue;
    const c = isComplex(n.dtype) || n.inputs.some((i) => isComplex(g.nodes[i]!.dtype)) ? 1 : 0;
    if (n.op === "matmul") {
      const a = g.nodes[n.inputs[0]!]!;
      total += 2 * numel(n.shape) * a.shape[a.shape.length - 1]! * (c ? 4 : 1);
    } else if (n.op.startsWith("reduce_")) total += numel(g.nodes[n.inputs[0]!]!.shape) * (c ? 2 : 1);
    else total += (PER_ELEMENT[n.op]?.[c] ?? 0) * numel(n.shape);
  }
  return total;
}
