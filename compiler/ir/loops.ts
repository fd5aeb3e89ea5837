/**
 * Building and taking apart loops (`scan`, ops-loop.ts): `buildScan` makes a body graph from a
 * step function and adds the scan (what lowerings call for time stepping, relaxations and mesh
 * columns); `inlineGraph` copies a graph's computation into another builder with its inputs
 * replaced (autodiff re-runs a body inside the backward body; passes move nodes in and out of
 * bodies); `withOutputs` is a body with other outputs. In: builders and graphs. Out: nodes.
 */
import { GraphBuilder, type Graph, type NamedId, type Node } from "./graph.js";

export interface ScanSpec {
  readonly length: number;
  readonly carries: readonly Node[];
  /** Values every step reads unchanged. */
  readonly invariants?: readonly Node[];
  /** Sequences: step idx reads x[idx] (leading axis = length). */
  readonly xs?: readonly Node[];
  /** Steps from the last index to the first. */
  readonly reverse?: boolean;
}

export interface StepValues {
  readonly carries: readonly Node[];
  readonly invariants: readonly Node[];
  readonly xs: readonly Node[];
}

/** One step: the new carries and the per-step outputs, built in the body's builder `b`. */
export type StepFn = (b: GraphBuilder, v: StepValues) => { carries: readonly Node[]; ys?: readonly Node[] };

/** A scan whose body is `step`; returns the final carries and the stacked per-step outputs. */
export function buildScan(b: GraphBuilder, spec: ScanSpec, step: StepFn): { carries: Node[]; ys: Node[] } {
  const bb = new GraphBuilder();
  const carries = spec.carries.map((c, k) => bb.input(`carry${k}`, c.dtype, c.shape));
  const invariants = (spec.invariants ?? []).map((c, k) => bb.input(`inv${k}`, c.dtype, c.shape));
  const xs = (spec.xs ?? []).map((x, k) => bb.input(`x${k}`, x.dtype, x.shape.slice(1)));
  const r = step(bb, { carries, invariants, xs });
  r.carries.forEach((c, k) => bb.output(`carry${k}`, c));
  (r.ys ?? []).forEach((y, k) => bb.output(`y${k}`, y));
  const results = b.scan({ carries: spec.carries, invariants: spec.invariants ?? [], xs: spec.xs ?? [] }, bb.build(), spec.length, spec.reverse ?? false);
  return { carries: results.slice(0, spec.carries.length), ys: results.slice(spec.carries.length) };
}

/**
 * Copies g's computation into `b`: input k of g (in g.inputs order) becomes `inputs[k]`,
 * every other node is rebuilt on its copied operands. Returns the copy of every node.
 */
export function inlineGraph(b: GraphBuilder, g: Graph, inputs: readonly Node[]): Node[] {
  const map = new Array<Node>(g.nodes.length);
  g.inputs.forEach((l, k) => (map[l.id] = inputs[k]!));
  for (const n of g.nodes) {
    if (map[n.id]) continue;
    if (n.op === "input" || n.op === "param") throw new Error(`inlineGraph: no value for ${n.op} ${n.attrs.name as string}`);
    map[n.id] = b.op(n.op, n.inputs.map((i) => map[i]!), n.attrs, n.name, n.body);
  }
  return map;
}

/** The same body with another output list. */
export function withOutputs(g: Graph, outputs: readonly NamedId[]): Graph {
  return Object.freeze({ ...g, outputs: Object.freeze([...outputs]) });
}
