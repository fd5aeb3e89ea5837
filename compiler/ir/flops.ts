/**
 * Digital cost of running a graph: an estimate of real floating-point operations, used for the
 * per-rule accounting that `pnn train` reports (a rule's cost on hardware is device queries plus
 * this digital work). Conventions: one real add or multiply = 1 FLOP; a complex multiply-add = 8;
 * matmul [m,k]·[k,n] = 2mkn (×4 when complex); an FFT of N points = 5·N·log2 N; structural ops
 * (reshape, slice, transpose, broadcast, inputs, constants) are free.
 */
import type { Graph, Node } from "./graph.js";
import { isComplex, numel } from "./types.js";

const FREE = new Set(["input", "param", "const", "reshape", "transpose", "slice", "concat", "broadcast_to", "stop_gradient", "pad", "gather", "one_hot", "cast"]);

function nodeFlops(n: Node, g: Graph): number {
  if (FREE.has(n.op)) return 0;
  const c = isComplex(n.dtype) ? 4 : 1;
  if (n.op === "matmul") {
    const a = g.nodes[n.inputs[0]].shape;
    const k = a[a.length - 1];
    return 2 * numel(n.shape) * k * c;
  }
  if (n.op === "fft" || n.op === "ifft") {
    const N = numel(n.shape);
    return 5 * N * Math.log2(Math.max(2, N)) ;
  }
  if (n.op.startsWith("reduce_")) return numel(g.nodes[n.inputs[0]].shape) * c;
  return numel(n.shape) * c;
}

export function graphFlops(g: Graph): number {
  let total = 0;
  for (const n of g.nodes) total += nodeFlops(n, g);
  return total;
}
