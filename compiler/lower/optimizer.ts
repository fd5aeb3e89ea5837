/**
 * The optimizer update as IR, appended to a train-step graph so one program does forward,
 * backward and update. runtime/optim.ts is the reference and owns the per-step scalars and the
 * state slots; the formulas and their order of operations are the same here, so the float64
 * interpreter reproduces it to rounding.
 *
 * Added inputs, per parameter p: optimizer state `m` (momentum, adam) and `v` (adam); the scalar
 * hyperparameters of runtime/optim.ts OPTIMIZER_SCALARS, computed on the host each step:
 *   sgd       lr
 *   momentum  lr, beta
 *   adam      lr, b1, 1-b1, b2, 1-b2, eps, c1, c2   (c1 = 1 − b1^t, c2 = 1 − b2^t at step t)
 * State is flushed to zero below f32's smallest normal (`flush`), as runtime/optim.ts does.
 * Added outputs: the new parameter (clipped to its range, if any) and new state. The gradient
 * outputs stay. Complex parameters are not fused (the JS optimizer treats their re/im parts as
 * separate reals, which elementwise complex IR ops do not): a graph with one is returned
 * unchanged and the trainer's optimizer steps it. Names come from names.ts.
 */
import { InternalError } from "../../diagnostics/internal.js";
import { OPTIMIZER_SCALARS, type OptimizerConfig } from "../../runtime/optim.js";
import type { Graph, Node } from "../ir/graph.js";
import { GraphBuilder } from "../ir/graph.js";
import { names } from "./names.js";

export interface ParamRange {
  readonly path: string;
  readonly range?: { readonly lo: number; readonly hi: number };
}

/** Appends the update of `optimizer` for every parameter's gradient output of `g`; see the file comment. */
export function appendOptimizerUpdate(g: Graph, optimizer: OptimizerConfig["name"], params: readonly ParamRange[]): Graph {
  const b = GraphBuilder.from(g);
  const paramNode = (path: string): Node => {
    const leaf = g.params.find((q) => q.name === path) ?? g.inputs.find((q) => q.name === path);
    if (!leaf) throw new InternalError(`optimizer update: no parameter ${path} in the train graph`);
    return b.node(leaf.id);
  };
  const pairs = params.map((p) => {
    const out = g.outputs.find((o) => o.name === names.grad(p.path));
    if (!out) throw new InternalError(`optimizer update: no gradient output for ${p.path}`);
    return { p, param: paramNode(p.path), grad: b.node(out.id) };
  });
  if (pairs.some(({ param, grad }) => param.dtype !== "f32" || grad.dtype !== "f32")) return g;
  const s: Record<string, Node> = Object.fromEntries(OPTIMIZER_SCALARS[optimizer].map((name) => [name, b.input(names.optimizerScalar(name), "f32", [])]));
  for (const { p, param, grad } of pairs) {
    const shape = param.shape;
    let next: Node;
    if (optimizer === "sgd") {
      next = b.sub(param, b.mul(s.lr!, grad));
    } else if (optimizer === "momentum") {
      const m = b.input(names.optimizerState("m", p.path), "f32", shape);
      const m1 = b.flush(b.add(b.mul(s.beta!, m), grad));
      next = b.sub(param, b.mul(s.lr!, m1));
      b.output(names.newState("m", p.path), m1);
    } else {
      const m = b.input(names.optimizerState("m", p.path), "f32", shape);
      const v = b.input(names.optimizerState("v", p.path), "f32", shape);
      const m1 = b.flush(b.add(b.mul(s.b1!, m), b.mul(s["1-b1"]!, grad)));
      const v1 = b.flush(b.add(b.mul(s.b2!, v), b.mul(b.mul(s["1-b2"]!, grad), grad)));
      const step = b.div(b.mul(s.lr!, b.div(m1, s.c1!)), b.add(b.sqrt(b.div(v1, s.c2!)), s.eps!));
      next = b.sub(param, step);
      b.output(names.newState("m", p.path), m1);
      b.output(names.newState("v", p.path), v1);
    }
    if (p.range) next = b.clip(next, p.range.lo, p.range.hi);
    b.output(names.newParam(p.path), next);
  }
  return b.build();
}
