/**
 * Pass `simplify`: canonicalisation and algebraic simplification, as a table of rewrite rules.
 * Each rule names the ops it looks at and states its rewrite as an equation; every equation is
 * an identity of the values AND of their gradients (autodiff.ts), so the pass may run before or
 * after autodiff. In: a graph. Out: an equal-valued graph where identities are gone (x + 0,
 * x · 1, conj(conj z), reshape/transpose/slice chains, no-op casts and broadcasts, concats of
 * adjacent slices); nodes left unused are removed by `dce`. It never rewrites arithmetic whose
 * result could differ in IEEE corner cases (x · 0 is kept: it is NaN for x = ∞).
 */
import type { GraphBuilder, Node } from "../ir/graph.js";
import { numel, promote } from "../ir/types.js";
import { fitTo, isConstEqual, isIdentityPerm, uniformConst } from "./patterns.js";
import { rebuild } from "./rewrite.js";
import type { Pass } from "./pass.js";

export interface Rule {
  readonly name: string;
  /** The rewrite, as an identity. */
  readonly equation: string;
  readonly ops: readonly string[];
  /** The replacement (a node of the new graph, n's dtype and shape), or undefined. */
  apply(b: GraphBuilder, n: Node, xs: readonly Node[]): Node | undefined;
}

const ints = (n: Node, k: string): readonly number[] => n.attrs[k] as readonly number[];
const isZero = (x: Node) => isConstEqual(x, 0);
const isOne = (x: Node) => isConstEqual(x, 1);

/** For each output position of a slice/concat chain, whether two slices are adjacent along `axis`. */
function sliceParts(x: Node, axis: number): { src: number; lo: number; hi: number } | undefined {
  if (x.op !== "slice") return undefined;
  const begin = ints(x, "begin"), end = ints(x, "end");
  return { src: x.inputs[0]!, lo: begin[axis]!, hi: end[axis]! };
}

export const RULES: readonly Rule[] = [
  {
    name: "add-zero", equation: "x + 0 → x;  0 + x → x", ops: ["add"],
    apply: (b, n, [x, y]) => (isZero(y!) ? fitTo(b, x!, n) : isZero(x!) ? fitTo(b, y!, n) : undefined),
  },
  {
    name: "sub-zero", equation: "x − 0 → x;  0 − x → −x", ops: ["sub"],
    apply: (b, n, [x, y]) => (isZero(y!) ? fitTo(b, x!, n) : isZero(x!) && y!.dtype === n.dtype ? fitTo(b, b.neg(y!), n) : undefined),
  },
  {
    name: "mul-one", equation: "x · 1 → x;  1 · x → x;  x · (−1) → −x", ops: ["mul"],
    apply: (b, n, [x, y]) => {
      if (isOne(y!)) return fitTo(b, x!, n);
      if (isOne(x!)) return fitTo(b, y!, n);
      if (isConstEqual(y!, -1) && x!.dtype === n.dtype) return fitTo(b, b.neg(x!), n);
      if (isConstEqual(x!, -1) && y!.dtype === n.dtype) return fitTo(b, b.neg(y!), n);
      return undefined;
    },
  },
  {
    name: "div-one", equation: "x / 1 → x", ops: ["div"],
    apply: (b, n, [x, y]) => (isOne(y!) ? fitTo(b, x!, n) : undefined),
  },
  {
    name: "scale-scale", equation: "a · (c · x) → (a·c) · x  (a, c scalar constants)", ops: ["mul"],
    apply: (b, n, [x, y]) => {
      const scalar = (v: Node) => v.op === "const" && v.shape.length === 0 ? uniformConst(v) : undefined;
      for (const [k, inner] of [[x!, y!], [y!, x!]] as const) {
        const a = scalar(k);
        if (!a || inner.op !== "mul") continue;
        const [p, q] = inner.inputs.map((i) => b.node(i)) as [Node, Node];
        for (const [kk, rest] of [[p, q], [q, p]] as const) {
          const c = scalar(kk);
          if (!c) continue;
          const dt = promote(k.dtype, kk.dtype);
          const re = a.re * c.re - a.im * c.im, im = a.re * c.im + a.im * c.re;
          const merged = b.scalar(dt === "c64" || dt === "c128" ? [re, im] : re, dt);
          return fitTo(b, b.mul(merged, rest), n);
        }
      }
      return undefined;
    },
  },
  {
    name: "neg-neg", equation: "−(−x) → x", ops: ["neg"],
    apply: (b, _n, [x]) => (x!.op === "neg" ? b.node(x!.inputs[0]!) : undefined),
  },
  {
    name: "add-neg", equation: "x + (−y) → x − y;  (−y) + x → x − y", ops: ["add"],
    apply: (b, n, [x, y]) => {
      if (y!.op === "neg") return fitTo(b, b.sub(x!, b.node(y!.inputs[0]!)), n);
      if (x!.op === "neg") return fitTo(b, b.sub(y!, b.node(x!.inputs[0]!)), n);
      return undefined;
    },
  },
  {
    name: "sub-neg", equation: "x − (−y) → x + y", ops: ["sub"],
    apply: (b, n, [x, y]) => (y!.op === "neg" ? fitTo(b, b.add(x!, b.node(y!.inputs[0]!)), n) : undefined),
  },
  {
    name: "conj-conj", equation: "conj(conj z) → z;  conj x → x, Re x → x  (x real)", ops: ["conj", "real"],
    apply: (b, n, [x]) => {
      if (x!.dtype === n.dtype && (x!.dtype === "f32" || x!.dtype === "f64" || x!.dtype === "i32")) return x;
      if (n.op === "conj" && x!.op === "conj") return b.node(x!.inputs[0]!);
      return undefined;
    },
  },
  {
    name: "part-of-complex", equation: "Re(complex(a, b)) → a;  Im(complex(a, b)) → b", ops: ["real", "imag"],
    apply: (b, n, [x]) => (x!.op === "complex" ? fitTo(b, b.node(x!.inputs[n.op === "real" ? 0 : 1]!), n) : undefined),
  },
  {
    name: "reshape-chain", equation: "reshape(x, shape x) → x;  reshape(reshape(x, s), t) → reshape(x, t)", ops: ["reshape"],
    apply: (b, n, [x]) => {
      if (x!.op === "reshape") return b.reshape(b.node(x!.inputs[0]!), n.shape);
      return sameShape(x!, n) ? x : undefined;
    },
  },
  {
    name: "reduce-keepdims", equation: "reshape(Σ_axes x keepdims, shape without them) → Σ_axes x", ops: ["reshape"],
    apply: (b, n, [x]) => {
      if (!["reduce_sum", "reduce_mean", "reduce_max"].includes(x!.op) || x!.attrs.keepdims !== true) return undefined;
      const axes = ints(x!, "axes");
      const dropped = x!.shape.filter((_, i) => !axes.includes(i));
      if (dropped.length !== n.shape.length || !dropped.every((d, i) => d === n.shape[i])) return undefined;
      return b.op(x!.op, [b.node(x!.inputs[0]!)], { axes, keepdims: false });
    },
  },
  {
    name: "transpose-chain",
    equation: "transpose(x, id) → x;  transpose(transpose(x, p), q) → transpose(x, p∘q);  a transpose moving only unit axes → reshape",
    ops: ["transpose"],
    apply: (b, n, [x]) => {
      const q = ints(n, "perm");
      if (isIdentityPerm(q)) return x;
      if (x!.op === "transpose") {
        const p = ints(x!, "perm");
        return b.transpose(b.node(x!.inputs[0]!), q.map((k) => p[k]!));
      }
      const moved = q.filter((k) => x!.shape[k] !== 1);
      if (moved.every((k, i) => i === 0 || k > moved[i - 1]!)) return b.reshape(x!, n.shape);
      return undefined;
    },
  },
  {
    name: "slice-chain",
    equation: "x[full] → x;  x[b₁:e₁][b₂:e₂] → x[b₁+b₂ : b₁+e₂];  concat(…, xᵢ, …)[within xᵢ] → xᵢ[…]",
    ops: ["slice"],
    apply: (b, n, [x]) => {
      const begin = ints(n, "begin"), end = ints(n, "end");
      if (sameShape(x!, n)) return x;
      if (x!.op === "slice") {
        const b0 = ints(x!, "begin");
        return b.slice(b.node(x!.inputs[0]!), begin.map((v, i) => v + b0[i]!), end.map((v, i) => v + b0[i]!));
      }
      if (x!.op === "concat") {
        const ax = x!.attrs.axis as number;
        let at = 0;
        for (const id of x!.inputs) {
          const part = b.node(id);
          const size = part.shape[ax]!;
          if (begin[ax]! >= at && end[ax]! <= at + size)
            return b.slice(part, begin.map((v, i) => (i === ax ? v - at : v)), end.map((v, i) => (i === ax ? v - at : v)));
          at += size;
        }
      }
      return undefined;
    },
  },
  {
    name: "concat-chain", equation: "concat(x) → x;  concat(x[a:b], x[b:c]) → x[a:c] (along the concat axis)", ops: ["concat"],
    apply: (b, n, xs) => {
      if (xs.length === 1) return xs[0];
      const ax = n.attrs.axis as number;
      const merged: Node[] = [];
      let changed = false;
      for (const x of xs) {
        const prev = merged[merged.length - 1];
        const p = prev && sliceParts(prev, ax), c = sliceParts(x, ax);
        if (prev && p && c && p.src === c.src && p.hi === c.lo && sameOffAxis(prev, x, ax)) {
          const src = b.node(p.src);
          const begin = ints(prev, "begin"), end = ints(prev, "end");
          merged[merged.length - 1] = b.slice(src, begin, end.map((v, i) => (i === ax ? c.hi : v)));
          changed = true;
        } else merged.push(x);
      }
      if (!changed) return undefined;
      return merged.length === 1 ? merged[0] : b.concat(merged, ax);
    },
  },
  {
    name: "pad-zero", equation: "pad(x, 0, 0) → x", ops: ["pad"],
    apply: (_b, n, [x]) => (sameShape(x!, n) ? x : undefined),
  },
  {
    name: "broadcast-chain", equation: "broadcast_to(x, shape x) → x;  broadcast_to(broadcast_to(x, s), t) → broadcast_to(x, t)", ops: ["broadcast_to"],
    apply: (b, n, [x]) => {
      if (sameShape(x!, n)) return x;
      if (x!.op === "broadcast_to") return b.broadcastTo(b.node(x!.inputs[0]!), n.shape);
      if (numel(x!.shape) === numel(n.shape)) return b.reshape(x!, n.shape); // only leading unit axes added
      return undefined;
    },
  },
  {
    name: "cast-noop", equation: "cast(x, dtype x) → x", ops: ["cast"],
    apply: (_b, n, [x]) => (x!.dtype === n.dtype ? x : undefined),
  },
  {
    name: "stop-gradient-twice", equation: "sg(sg(x)) → sg(x)", ops: ["stop_gradient"],
    apply: (_b, _n, [x]) => (x!.op === "stop_gradient" ? x : undefined),
  },
  {
    name: "reduce-unit", equation: "Σ/mean/max over axes of size 1 → reshape", ops: ["reduce_sum", "reduce_mean", "reduce_max"],
    apply: (b, n, [x]) => (numel(x!.shape) === numel(n.shape) ? b.reshape(x!, n.shape) : undefined),
  },
  {
    name: "const-uniform", equation: "const [v, v, …, v] → const v (filled)", ops: ["const"],
    apply: (b, n) => {
      const v = n.attrs.value as readonly number[];
      const per = n.dtype === "c64" || n.dtype === "c128" ? 2 : 1;
      if (v.length === per) return undefined;
      const u = uniformConst(n);
      return u ? b.const(per === 2 ? [u.re, u.im] : [u.re], n.dtype, n.shape) : undefined;
    },
  },
];

function sameShape(x: Node, n: Node): boolean {
  return x.dtype === n.dtype && x.shape.length === n.shape.length && x.shape.every((d, i) => d === n.shape[i]);
}

function sameOffAxis(p: Node, q: Node, ax: number): boolean {
  const pb = ints(p, "begin"), qb = ints(q, "begin"), pe = ints(p, "end"), qe = ints(q, "end");
  return pb.every((v, i) => i === ax || (v === qb[i] && pe[i] === qe[i]));
}

const BY_OP = new Map<string, Rule[]>();
for (const r of RULES) for (const op of r.ops) BY_OP.set(op, [...(BY_OP.get(op) ?? []), r]);

/** Applies the rules to one node until none fires (a replacement is simplified again). */
export function simplifyNode(b: GraphBuilder, n: Node, xs: readonly Node[]): Node | undefined {
  let cur: Node | undefined;
  let node = n, ops = xs;
  for (let round = 0; round < 16; round++) {
    const rules = BY_OP.get(node.op);
    let next: Node | undefined;
    for (const r of rules ?? []) if ((next = r.apply(b, node, ops))) break;
    if (!next || next === cur) return cur;
    cur = next;
    // the replacement is a node of the new graph: simplify it in turn (its operands are final)
    node = next;
    ops = next.inputs.map((i) => b.node(i));
  }
  return cur;
}

export const simplify: Pass = {
  name: "simplify",
  summary: "algebraic identities and canonical forms (x+0, x·1, double conj/neg, reshape/transpose/slice chains, no-op casts)",
  run: (g) => rebuild(g, simplifyNode, undefined, simplify.run),
};
