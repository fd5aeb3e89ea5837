/**
 * The optimizer update as IR, appended to a train-step graph so one program does forward,
 * backward and update (runtime/optim.ts is the reference; the formulas and their order of
 * operations are the same, so the float64 interpreter reproduces it to rounding).
 *
 * Added inputs, per parameter p: `opt:m:<p>` (momentum, adam) and `opt:v:<p>` (adam); scalar
 * hyperparameters computed on the host each step (runtime/rules/fused-optim.ts):
 *   sgd       opt:lr
 *   momentum  opt:lr, opt:beta
 *   adam      opt:lr, opt:b1, opt:1-b1, opt:b2, opt:1-b2, opt:eps, opt:c1, opt:c2
 *             (c1 = 1 − b1^t, c2 = 1 − b2^t at the step t being taken)
 * Added outputs: `new:<p>` (clipped to the parameter's range, if any), `new:opt:m:<p>`,
 * `new:opt:v:<p>`. The `grad:<p>` outputs stay. Complex parameters are not fused (the JS
 * optimizer treats their re/im parts as separate reals, which elementwise complex IR ops do not):
 * a graph with one is returned unchanged and the trainer's optimizer steps it.
 */
import type { Graph, Node } from "../ir/graph.js";
import { GraphBuilder } from "../ir/graph.js";

export const OPT_STATE_M = "opt:m:";
export const OPT_STATE_V = "opt:v:";
export const NEW_PREFIX = "new:";
const GRAD = "grad:";

export type FusedOptimizer = "sgd" | "momentum" | "adam";

/** The scalar host inputs of each optimizer, in the order the runtime fills them. */
export const OPTIMIZER_SCALARS: Readonly<Record<FusedOptimizer, readonly string[]>> = {
  sgd: ["opt:lr"],
  momentum: ["opt:lr", "opt:beta"],
  adam: ["opt:lr", "opt:b1", "opt:1-b1", "opt:b2", "opt:1-b2", "opt:eps", "opt:c1", "opt:c2"],
};

export interface ParamRange {
  readonly path: string;
  readonly range?: { readonly lo: number; readonly hi: number };
}

/** Optimizer names the runtime knows; anything else is adam there (runtime/optim.ts), so here too. */
export function fusedOptimizerName(name: string): FusedOptimizer {
  return name === "sgd" || name === "momentum" ? name : "adam";
}

/** Appends the update of `optimizer` for every `grad:<p>` output of `g`; see the file comment. */
export function appendOptimizerUpdate(g: Graph, optimizer: string, params: readonly ParamRange[]): Graph {
  const kind = fusedOptimizerName(optimizer);
  const b = GraphBuilder.from(g);
  const paramNode = (path: string): Node => {
    const leaf = g.params.find((q) => q.name === path) ?? g.inputs.find((q) => q.name === path);
    if (!leaf) throw new Error(`optimizer update: no parameter ${path} in the train graph`);
    return b.node(leaf.id);
  };
  const pairs = params.map((p) => {
    const out = g.outputs.find((o) => o.name === GRAD + p.path);
    if (!out) throw new Error(`optimizer update: no ${GRAD}${p.path} output`);
    return { p, param: paramNode(p.path), grad: b.node(out.id) };
  });
  if (pairs.some(({ param, grad }) => param.dtype !== "f32" || grad.dtype !== "f32")) return g;
  const s = Object.fromEntries(OPTIMIZER_SCALARS[kind].map((name) => [name, b.input(name, "f32", [])]));
  for (const { p, param, grad } of pairs) {
    const shape = param.shape;
    let next: Node;
    if (kind === "sgd") {
      next = b.sub(param, b.mul(s["opt:lr"]!, grad));
    } else if (kind === "momentum") {
      const m = b.input(OPT_STATE_M + p.path, "f32", shape);
      const m1 = b.add(b.mul(s["opt:beta"]!, m), grad);
      next = b.sub(param, b.mul(s["opt:lr"]!, m1));
      b.output(NEW_PREFIX + OPT_STATE_M + p.path, m1);
    } else {
      const m = b.input(OPT_STATE_M + p.path, "f32", shape);
      const v = b.input(OPT_STATE_V + p.path, "f32", shape);
      const m1 = b.add(b.mul(s["opt:b1"]!, m), b.mul(s["opt:1-b1"]!, grad));
      const v1 = b.add(b.mul(s["opt:b2"]!, v), b.mul(b.mul(s["opt:1-b2"]!, grad), grad));
      const step = b.div(b.mul(s["opt:lr"]!, b.div(m1, s["opt:c1"]!)), b.add(b.sqrt(b.div(v1, s["opt:c2"]!)), s["opt:eps"]!));
      next = b.sub(param, step);
      b.output(NEW_PREFIX + OPT_STATE_M + p.path, m1);
      b.output(NEW_PREFIX + OPT_STATE_V + p.path, v1);
    }
    if (p.range) next = b.clip(next, p.range.lo, p.range.hi);
    b.output(NEW_PREFIX + p.path, next);
  }
  return b.build();
}
