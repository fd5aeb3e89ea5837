/**
 * Pass `fold-constants`: a node whose operands are all constants is replaced by a constant
 * holding its value, computed by the reference interpreter (the definition of every op), so
 *   f(const a, const b) → const f(a, b).
 * Valid because ops are pure functions of their operands (random draws read a key input and so
 * never have constant operands only), and the gradient of a constant is zero either way.
 * The value is the interpreter's float64 result, stored at the node's dtype (a backend computing
 * in f32 gets the more accurate value). Results whose elements are all equal become one filled
 * number; other results are folded only up to MAX_FOLDED_ELEMENTS (a constant's numbers are
 * carried in the IR and in the module's data). A transpose read only by matmuls is kept (it is
 * a free strided read, and it picks the matmul kernel).
 */
import { compileInterp } from "../backends/interp/index.js";
import { GraphBuilder, type Node } from "../ir/graph.js";
import { readersOf } from "../ir/liveness.js";
import { isComplex, numel } from "../ir/types.js";
import type { Pass } from "./pass.js";
import { uniformConst } from "./patterns.js";
import { copyNode, rebuild } from "./rewrite.js";

/** Largest non-uniform result folded (elements). */
export const MAX_FOLDED_ELEMENTS = 1 << 14;
/** Largest result evaluated at all (a uniform one may be bigger than MAX_FOLDED_ELEMENTS). */
const MAX_EVALUATED_ELEMENTS = 1 << 20;

const NEVER = new Set(["input", "param", "const", "random_uniform", "random_normal", "scan", "scan_result"]);

/** The value of `n` applied to constant operands `xs`, or undefined when it is not folded. */
export function foldNode(b: GraphBuilder, n: Node, xs: readonly Node[]): Node | undefined {
  if (NEVER.has(n.op) || n.body || !xs.every((x) => x.op === "const")) return undefined;
  const size = numel(n.shape);
  if (size > MAX_EVALUATED_ELEMENTS) return undefined;
  const mini = new GraphBuilder();
  const ins = xs.map((x) => mini.const(x.attrs.value as readonly number[], x.dtype, x.shape));
  mini.output("y", copyNode(mini, n, ins));
  const y = compileInterp(mini.build()).run({}).y!;
  const values = Array.from(y.data);
  const per = isComplex(n.dtype) ? 2 : 1;
  const probe = { op: "const", dtype: n.dtype, attrs: { value: values } } as unknown as Node;
  const u = values.length ? uniformConst(probe) : undefined;
  if (u) return b.const(per === 2 ? [u.re, u.im] : [u.re], n.dtype, n.shape);
  if (size > MAX_FOLDED_ELEMENTS || values.length === 0) return size === 0 ? b.const(per === 2 ? [0, 0] : [0], n.dtype, n.shape) : undefined;
  return b.const(values, n.dtype, n.shape);
}

export const foldConstants: Pass = {
  name: "fold-constants",
  summary: "evaluate nodes whose operands are all constants (interpreter values; uniform results filled)",
  run: (g) => {
    // a transpose read only by matmuls stays: backends read it through swapped strides (no copy),
    // and the x·Wᵀ form of a layer is the faster kernel (bench/results-passes.md)
    const readers = readersOf(g);
    const keep = new Set(g.nodes.filter((n) => n.op === "transpose" && readers[n.id]!.length > 0 && readers[n.id]!.every((r) => g.nodes[r]!.op === "matmul")).map((n) => n.id));
    return rebuild(g, (b, n, xs) => (keep.has(n.id) ? undefined : foldNode(b, n, xs)), undefined, foldConstants.run);
  },
};
