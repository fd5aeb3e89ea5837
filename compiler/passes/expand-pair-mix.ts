/**
 * Pass `expand-pair-mix`: pair_mix and pair_mix_grad (compiler/ir/ops-nn.ts) written with the
 * ops they stand for, for a backend with no kernel of its own for them (WGSL). Not in PIPELINE.
 *   pair_mix(x, d, o, p)            = d·x + o·gather(x, p, last)
 *   pair_mix(x, d, o, p, adjoint)   = conj(d)·x + conj(gather(o, p))·gather(x, p, last)
 *   pair_mix_grad(g, x, p, partner) = reduce_sum(g·conj(gather(x, p, last)), leading axes)
 *   pair_mix_grad(g, x, p)          = reduce_sum(g·conj(x), leading axes)
 * Valid because these are the ops' definitions (their `meaning` lines): the same values, the
 * coefficients [N] broadcast over the leading axes. Applies inside loop bodies too.
 */
import type { GraphBuilder, Graph, Node } from "../ir/graph.js";
import { isComplex } from "../ir/types.js";
import type { Pass } from "./pass.js";
import { rebuild } from "./rewrite.js";

function expand(b: GraphBuilder, n: Node, xs: readonly Node[]): Node | undefined {
  const cj = (v: Node) => (isComplex(v.dtype) ? b.conj(v) : v);
  if (n.op === "pair_mix") {
    const [x, d, o, p] = xs as [Node, Node, Node, Node];
    const partners = b.gather(x, p, x.shape.length - 1);
    return n.attrs.adjoint === true
      ? b.add(b.mul(cj(d), x), b.mul(cj(b.gather(o, p, 0)), partners))
      : b.add(b.mul(d, x), b.mul(o, partners));
  }
  if (n.op === "pair_mix_grad") {
    const [g, x, p] = xs as [Node, Node, Node];
    const last = x.shape.length - 1;
    const terms = b.mul(g, cj(n.attrs.partner === true ? b.gather(x, p, last) : x));
    return last === 0 ? terms : b.sum(terms, Array.from({ length: last }, (_, k) => k));
  }
  return undefined;
}

function run(g: Graph): Graph {
  const has = (h: Graph): boolean => h.nodes.some((n) => n.op === "pair_mix" || n.op === "pair_mix_grad" || (n.body !== undefined && has(n.body)));
  return has(g) ? rebuild(g, expand, () => true, run) : g;
}

export const expandPairMix: Pass = {
  name: "expand-pair-mix",
  summary: "pair_mix and pair_mix_grad as gathers, products and sums (for backends without their kernels)",
  run,
};
