/**
 * Reverse-mode autodiff as a graph transformation: grad(graph, loss, wrt) returns the forward
 * graph plus backward nodes, with outputs `grad:<name>` per wrt name and the original outputs.
 *
 * Conventions (docs/ir.md):
 * - The loss output must be real. If it is not a scalar, the seed is ones (the gradient of
 *   Σ loss).
 * - Complex values use the Wirtinger / PyTorch convention: the gradient stored for complex z is
 *   ∂L/∂Re z + i ∂L/∂Im z. For holomorphic f, ḡ_z = conj(f'(z)) · ḡ_y; for Y = AB,
 *   ḡ_A = ḡ_Y Bᴴ and ḡ_B = Aᴴ ḡ_Y. A real operand of a complex op gets Re of its gradient.
 * - Broadcasting is undone by summing over the stretched axes.
 * - Kinks: relu'(0) = 0; abs'(0) = 0 (sign(0) = 0; complex |z| at 0 gives 0); binary max/min
 *   send the gradient to the first operand at ties; reduce_max shares it equally among tied
 *   maxima; clip passes 1 on the closed interval [lo, hi]; quantize uses the straight-through
 *   estimator (1 on [lo, hi], 0 outside); stop_gradient, comparisons, sign, random draws,
 *   one_hot and anything i32 have zero gradient.
 * - A wrt name the loss does not depend on gets a zero gradient.
 * Each op's rule is an equation comment below; the rule is built from IR ops, so second-order
 * graphs are possible in principle (not tested).
 */
import { InternalError } from "../../diagnostics/internal.js";
import { F32_MIN_NORMAL } from "../../runtime/backend.js";
import { GraphBuilder, type Graph, type Node } from "./graph.js";
import { scanVjp } from "./autodiff-loop.js";
import { dependsOn, liveNodes } from "./liveness.js";
import { printGraph } from "./print.js";
import { isComplex, numel, realOf, shapeEq } from "./types.js";
import { assertValid } from "./verify.js";

/** The name of the gradient output for each wrt name: `grad:<name>`. */
export const GRAD_OUTPUT_PREFIX = "grad:";

type Vjp = (b: AD, n: Node, xs: readonly Node[], g: Node, need: readonly boolean[]) => (Node | null)[];

/** Builder plus the helpers the rules use. */
export class AD {
  constructor(readonly b: GraphBuilder) {}
  /** Real scalar constant with g's precision. */
  k(v: number, like: Node): Node {
    return this.b.scalar(v, realOf(like.dtype));
  }
  /** Zeros of x's dtype and shape. */
  zeros(x: { dtype: Node["dtype"]; shape: readonly number[] }): Node {
    const z = this.b.scalar(0, x.dtype);
    return x.shape.length ? this.b.broadcastTo(z, x.shape) : z;
  }
  cj(x: Node): Node {
    return isComplex(x.dtype) ? this.b.conj(x) : x;
  }
  /** g reshaped to x's rank with the reduced axes kept as 1, then broadcast to x's shape. */
  expand(g: Node, x: Node, axes: readonly number[]): Node {
    const keep = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const gk = shapeEq(g.shape, keep) ? g : this.b.reshape(g, keep);
    return shapeEq(keep, x.shape) ? gk : this.b.broadcastTo(gk, x.shape);
  }
  /** Makes g fit target's dtype (Re for real targets, precision cast) and shape (sum broadcasts). */
  fit(g: Node, t: Node): Node {
    const b = this.b;
    if (isComplex(g.dtype) && !isComplex(t.dtype)) g = b.real(g);
    if (!shapeEq(g.shape, t.shape)) {
      const lead = g.shape.length - t.shape.length;
      const axes: number[] = [];
      g.shape.forEach((d, i) => {
        if (i < lead || (t.shape[i - lead] === 1 && d !== 1)) axes.push(i);
      });
      if (axes.length) g = b.sum(g, axes, true);
      if (!shapeEq(g.shape, t.shape)) g = b.reshape(g, t.shape);
    }
    if (g.dtype !== t.dtype) g = b.cast(g, t.dtype);
    return g;
  }
  lastTwoT(x: Node): Node {
    const r = x.shape.length;
    const perm = x.shape.map((_, i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i));
    return this.b.transpose(x, perm);
  }
  mask01(x: Node, lo: number, hi: number): Node {
    const b = this.b;
    return b.mul(b.ge(x, b.scalar(lo, x.dtype)), b.ge(b.scalar(hi, x.dtype), x));
  }
}

const R: Record<string, Vjp> = {
  // y = -x: ḡx = -ḡ
  neg: ({ b }, _n, _x, g) => [b.neg(g)],
  // y = e^x: ḡx = ḡ·conj(y)
  exp: (ad, n, _x, g) => [ad.b.mul(g, ad.cj(n))],
  // y = ln x: ḡx = ḡ / conj(x)
  log: (ad, _n, [x], g) => [ad.b.div(g, ad.cj(x!))],
  // y = √x: ḡx = ḡ / (2 conj(y))
  sqrt: (ad, n, _x, g) => [ad.b.div(g, ad.b.mul(ad.cj(n), ad.k(2, n)))],
  // y = |x|: ḡx = ḡ·sign(x) (real); ḡ·z/|z| with 0 at z = 0 (complex)
  abs: (ad, n, [x], g) => {
    const b = ad.b;
    if (!isComplex(x!.dtype)) return [b.mul(g, b.sign(x!))];
    return [b.mul(g, b.div(x!, b.max(n, ad.k(1e-300, n))))];
  },
  // ḡx = ḡ·cos x
  sin: ({ b }, _n, [x], g) => [b.mul(g, b.cos(x!))],
  // ḡx = -ḡ·sin x
  cos: ({ b }, _n, [x], g) => [b.neg(b.mul(g, b.sin(x!)))],
  // ḡx = ḡ·(1 - y²)
  tanh: (ad, n, _x, g) => [ad.b.mul(g, ad.b.sub(ad.k(1, n), ad.b.square(n)))],
  // ḡx = ḡ·y·(1 - y)
  sigmoid: (ad, n, _x, g) => [ad.b.mul(g, ad.b.mul(n, ad.b.sub(ad.k(1, n), n)))],
  // ḡx = ḡ·[x > 0]
  relu: (ad, _n, [x], g) => [ad.b.mul(g, ad.b.gt(x!, ad.k(0, x!)))],
  // y = x²: ḡx = 2ḡ·conj(x)
  square: (ad, _n, [x], g) => [ad.b.mul(g, ad.b.mul(ad.cj(x!), ad.k(2, g)))],
  // y = 1/x: ḡx = -ḡ·conj(y²)
  recip: (ad, n, _x, g) => [ad.b.neg(ad.b.mul(g, ad.cj(ad.b.square(n))))],
  // y = conj(z): ḡz = conj(ḡ)
  conj: (ad, _n, _x, g) => [ad.cj(g)],
  // y = Re z: ḡz = ḡ + 0i (fit widens)
  real: (_ad, _n, _x, g) => [g],
  // y = Im z: ḡz = 0 + iḡ (zero for real z)
  imag: (ad, _n, [x], g) => [isComplex(x!.dtype) ? ad.b.complex(ad.k(0, g), g) : null],
  // y = |z|²: ḡz = 2ḡ·z
  abs2: (ad, _n, [x], g) => [ad.b.mul(ad.b.mul(g, ad.k(2, g)), x!)],
  // y = e^{iθ}: ḡθ = Im(ḡ·conj(y))
  expi: (ad, n, _x, g) => [ad.b.imag(ad.b.mul(g, ad.b.conj(n)))],
  // θ = atan2(Im z, Re z): ḡz = ḡ·i z / |z|² (zero for real z)
  angle: (ad, _n, [x], g) => {
    if (!isComplex(x!.dtype)) return [null];
    const b = ad.b;
    return [b.mul(g, b.mul(b.scalar([0, 1], x!.dtype), b.div(x!, b.abs2(x!))))];
  },
  // ḡx = ḡ·[lo <= x <= hi]
  flush: (ad, _n, [x], g) => [ad.b.mul(g, ad.b.ge(ad.b.abs(x!), ad.k(F32_MIN_NORMAL, x!)))],
  clip: (ad, n, [x], g) => [ad.b.mul(g, ad.mask01(x!, n.attrs.lo as number, n.attrs.hi as number))],
  // straight-through estimator: ḡx = ḡ·[lo <= x <= hi]
  quantize: (ad, n, [x], g) => [ad.b.mul(g, ad.mask01(x!, n.attrs.lo as number, n.attrs.hi as number))],
  // y = re + i·im: ḡre = Re ḡ, ḡim = Im ḡ
  complex: ({ b }, _n, _x, g) => [b.real(g), b.imag(g)],
  add: (_ad, _n, _x, g) => [g, g],
  sub: ({ b }, _n, _x, g, need) => [g, need[1] ? b.neg(g) : null],
  // ḡa = ḡ·conj(b), ḡb = ḡ·conj(a)
  mul: (ad, _n, [x, y], g, need) => [need[0] ? ad.b.mul(g, ad.cj(y!)) : null, need[1] ? ad.b.mul(g, ad.cj(x!)) : null],
  // y = a/b: ḡa = ḡ / conj(b), ḡb = -ḡ·conj(y/b)
  div: (ad, n, [, y], g, need) => [
    need[0] ? ad.b.div(g, ad.cj(y!)) : null,
    need[1] ? ad.b.neg(ad.b.mul(g, ad.cj(ad.b.div(n, y!)))) : null,
  ],
  // y = a^b: ḡa = ḡ·b·a^(b-1), ḡb = ḡ·y·ln a
  pow: ({ b }, n, [x, y], g, need) => [
    need[0] ? b.mul(g, b.mul(y!, b.pow(x!, b.sub(y!, b.scalar(1, y!.dtype))))) : null,
    need[1] ? b.mul(g, b.mul(n, b.log(x!))) : null,
  ],
  // ḡa = ḡ·[a >= b], ḡb = ḡ·[a < b] (ties to a)
  max: (ad, _n, [x, y], g) => {
    const m = ad.b.ge(x!, y!);
    return [ad.b.mul(g, m), ad.b.mul(g, ad.b.sub(ad.k(1, m), m))];
  },
  // ḡa = ḡ·[a <= b], ḡb = ḡ·[a > b] (ties to a)
  min: (ad, _n, [x, y], g) => {
    const m = ad.b.ge(y!, x!);
    return [ad.b.mul(g, m), ad.b.mul(g, ad.b.sub(ad.k(1, m), m))];
  },
  // ḡx = broadcast(ḡ)
  reduce_sum: (ad, n, [x], g) => [ad.expand(g, x!, n.attrs.axes as number[])],
  // ḡx = broadcast(ḡ) / count
  reduce_mean: (ad, n, [x], g) => [
    ad.b.mul(ad.expand(g, x!, n.attrs.axes as number[]), ad.k(numel(n.shape) / numel(x!.shape), g)),
  ],
  // ḡx = broadcast(ḡ)·[x == max] / #ties
  reduce_max: (ad, n, [x], g) => {
    const b = ad.b, axes = n.attrs.axes as number[];
    const mask = b.eq(x!, ad.expand(n, x!, axes));
    const cnt = b.sum(mask, axes, true);
    return [b.mul(ad.expand(g, x!, axes), b.div(mask, cnt))];
  },
  reshape: ({ b }, _n, [x], g) => [b.reshape(g, x!.shape)],
  // ḡx = transpose(ḡ, perm⁻¹)
  transpose: ({ b }, n, _x, g) => {
    const perm = n.attrs.perm as number[];
    const inv = perm.map((_, i) => perm.indexOf(i));
    return [b.transpose(g, inv)];
  },
  // ḡx = pad(ḡ) with zeros where the slice dropped elements
  slice: ({ b }, n, [x], g) => {
    const begin = n.attrs.begin as number[], end = n.attrs.end as number[];
    return [b.pad(g, begin, x!.shape.map((d, i) => d - end[i]!))];
  },
  // ḡx = the interior of ḡ
  pad: ({ b }, n, [x], g) => {
    const before = n.attrs.before as number[];
    return [b.slice(g, before, before.map((p, i) => p + x!.shape[i]!))];
  },
  broadcast_to: (_ad, _n, _x, g) => [g], // fit sums the stretched axes
  cast: (_ad, _n, _x, g) => [g], // fit converts back
  // ḡx_q = the slice of ḡ that x_q filled
  concat: ({ b }, n, xs, g, need) => {
    const ax = n.attrs.axis as number;
    let at = 0;
    return xs.map((x, q) => {
      const begin = n.shape.map((_, i) => (i === ax ? at : 0));
      const end = n.shape.map((d, i) => (i === ax ? at + x.shape[ax]! : d));
      at += x.shape[ax]!;
      return need[q] ? b.slice(g, begin, end) : null;
    });
  },
  // Y = AB: ḡA = ḡ Bᴴ, ḡB = Aᴴ ḡ
  matmul: (ad, _n, [x, y], g, need) => [
    need[0] ? ad.b.matmul(g, ad.lastTwoT(ad.cj(y!))) : null,
    need[1] ? ad.b.matmul(ad.lastTwoT(ad.cj(x!)), g) : null,
  ],
  // Y = F x (F symmetric): ḡx = Fᴴ ḡ = N·ifft(ḡ)
  fft: (ad, n, _x, g) => {
    const d = n.attrs.dims as 1 | 2;
    return [ad.b.mul(ad.b.ifft(g, d), ad.k(numel(n.shape.slice(-d)), g))];
  },
  // x = (1/N) Fᴴ Y: ḡY = (1/N) F ḡ = fft(ḡ)/N
  ifft: (ad, n, _x, g) => {
    const d = n.attrs.dims as 1 | 2;
    return [ad.b.mul(ad.b.fft(g, d), ad.k(1 / numel(n.shape.slice(-d)), g))];
  },
  // y = d·x + o·x_p (p an involution, so the partner map is its own inverse):
  //   ḡx = the adjoint map on ḡ: conj(d)·ḡ + conj(o_p)·ḡ_p; ḡd = Σ ḡ·conj(x); ḡo = Σ ḡ·conj(x_p)
  // adjoint y = conj(d)·x + conj(o_p)·x_p: ḡx = the plain map on ḡ (the adjoint's adjoint);
  //   y depends on conj(d), so ḡd = conj(Σ ḡ·conj(x)); o_k enters y_{p_k} as conj(o_k)·x_k, so
  //   ḡo_k = conj(Σ ḡ_{p_k}·conj(x_k)) = conj(gather(Σ ḡ·conj(x_p), p))_k
  pair_mix: (ad, n, [x, d, o, p], g, need) => {
    const b = ad.b;
    const adjoint = n.attrs.adjoint === true;
    const gd = need[1] ? b.pairMixGrad(g, x!, p!, false) : null;
    const go = need[2] ? b.pairMixGrad(g, x!, p!, true) : null;
    return [
      need[0] ? b.pairMix(g, d!, o!, p!, !adjoint) : null,
      gd && adjoint ? ad.cj(gd) : gd,
      go && adjoint ? ad.cj(b.gather(go, p!, 0)) : go,
      null,
    ];
  },
  // y_j = Σ g_j·conj(x_{q_j}) (q = p or the identity): ḡg = ḡ_j·x_{q_j}; x_m enters conjugated in
  //   y_j for q_j = m, so ḡx_m = g_j·conj(ḡ_j) at j = q⁻¹(m) = q(m) (an involution)
  pair_mix_grad: (ad, n, [g, x, p], gy, need) => {
    const b = ad.b;
    const partner = n.attrs.partner === true;
    const last = x!.shape.length - 1;
    const xq = partner ? b.gather(x!, p!, last) : x!;
    const gx = need[1] ? b.mul(g!, ad.cj(gy)) : null;
    return [need[0] ? b.mul(gy, xq) : null, gx && partner ? b.gather(gx, p!, last) : gx, null];
  },
  // ḡx = scatter_add(ḡ, idx)
  gather: ({ b }, n, [x, idx], g) => [b.scatterAdd(g, idx!, n.attrs.axis as number, x!.shape[n.attrs.axis as number]!), null],
  // ḡg = gather(ḡ, idx)
  scatter_add: ({ b }, n, [, idx], g) => [b.gather(g, idx!, n.attrs.axis as number), null],
  // ḡx = y·(ḡ - Σ_axis ḡ·y)
  softmax: ({ b }, n, _x, g) => {
    const ax = n.attrs.axis as number;
    return [b.mul(n, b.sub(g, b.sum(b.mul(g, n), [ax], true)))];
  },
  // ḡx = ḡ - softmax(x)·Σ_axis ḡ
  log_softmax: ({ b }, n, _x, g) => {
    const ax = n.attrs.axis as number;
    return [b.sub(g, b.mul(b.exp(n), b.sum(g, [ax], true)))];
  },
  // ḡx[b,c] = ḡ[b]·(softmax(x)[b,c] - [c == label_b])
  softmax_cross_entropy: ({ b }, _n, [x, l], g) => {
    const [B, C] = x!.shape as [number, number];
    const p = b.softmax(x!, 1);
    return [b.mul(b.sub(p, b.oneHot(l!, C, x!.dtype)), b.reshape(g, [B, 1])), null];
  },
  // loss_b = (1/M) Σ |p - t|²: ḡp = (2/M)·ḡ_b·(p - t), ḡt = -ḡp
  mse: (ad, _n, [p, t], g, need) => {
    const b = ad.b;
    const M = numel(p!.shape) / p!.shape[0]!;
    const gcol = b.reshape(b.mul(g, ad.k(2 / M, g)), p!.shape.map((d, i) => (i === 0 ? d : 1)));
    const gp = b.mul(b.sub(p!, t!), gcol);
    return [need[0] ? gp : null, need[1] ? b.neg(gp) : null];
  },
};

/** Ops with a gradient rule (the table-driven test checks this against the op table); loops: autodiff-loop.ts. */
export const VJP_OPS: ReadonlySet<string> = new Set([...Object.keys(R), "scan", "scan_result"]);

/** Values autodiff can carry a gradient through (a scan's own value is an empty i32 placeholder). */
export const differentiable = (n: Node): boolean => n.dtype !== "i32" || n.op === "scan";

/** Gradient accumulators of one reverse sweep, by node id. */
export class Accumulator {
  readonly acc = new Map<number, Node>();
  /** Per scan: the gradient of each of its results. */
  readonly results = new Map<number, (Node | undefined)[]>();
  constructor(private readonly b: GraphBuilder) {}
  push(id: number, g: Node): void {
    const prev = this.acc.get(id);
    this.acc.set(id, prev ? this.b.add(prev, g) : g);
  }
}

/**
 * The reverse sweep: from node `from` down to 0 of the builder's graph, each needed node with a
 * gradient passes it to its operands by its rule (summed where a value has several readers).
 * A `scan_result`'s gradient is kept for its scan, whose rule (scanVjp) takes them all at once.
 */
export function backprop(ad: AD, from: number, needed: (id: number) => boolean, s: Accumulator): void {
  const b = ad.b;
  for (let id = from; id >= 0; id--) {
    const node = b.node(id);
    if (!needed(id) || node.op === "input" || node.op === "param") continue;
    const xs = node.inputs.map((i) => b.node(i));
    const need = node.inputs.map((i) => needed(i));
    if (node.op === "scan_result") {
      const g = s.acc.get(id);
      if (!g) continue;
      const list = s.results.get(node.inputs[0]!) ?? [];
      const k = node.attrs.index as number;
      list[k] = list[k] ? b.add(list[k]!, g) : g;
      s.results.set(node.inputs[0]!, list);
      continue;
    }
    if (node.op === "scan") {
      const gs = s.results.get(id);
      if (!gs || !need.some((v) => v)) continue;
      scanVjp(ad, node, xs, gs, need).forEach((gi, q) => {
        if (gi && need[q]) s.push(node.inputs[q]!, ad.fit(gi, xs[q]!));
      });
      continue;
    }
    const g = s.acc.get(id);
    if (!g) continue;
    const rule = R[node.op];
    if (!rule) continue; // ops with no gradient (stop_gradient, comparisons, random, ...)
    if (!need.some((v) => v)) continue;
    const gs = rule(ad, node, xs, g, need);
    gs.forEach((gi, q) => {
      if (gi && need[q]) s.push(node.inputs[q]!, ad.fit(gi, xs[q]!));
    });
  }
}

/** needed(id): depends on some wrt node and reaches one of the roots, through differentiable values. */
export function neededFor(g: Graph, wrtIds: readonly number[], roots: readonly number[]): (id: number) => boolean {
  const fwd = dependsOn(g, wrtIds, differentiable);
  const bwd = liveNodes(g, { roots, keepLeaves: false });
  return (id) => fwd[id]! && bwd[id]! && differentiable(g.nodes[id]!);
}

export function grad(graph: Graph, lossOutputName: string, wrt: readonly string[]): Graph {
  const bug = (msg: string): never => {
    throw new InternalError(`grad: ${msg}`, printGraph(graph));
  };
  const lossOut = graph.outputs.find((o) => o.name === lossOutputName) ?? bug(`no output named ${lossOutputName}`);
  const loss = graph.nodes[lossOut.id]!;
  if (isComplex(loss.dtype) || loss.dtype === "i32") bug(`loss ${lossOutputName} must be real float, is ${loss.dtype}`);
  const leaves = [...graph.inputs, ...graph.params];
  const wrtIds = wrt.map((w) => (leaves.find((l) => l.name === w) ?? bug(`no input or param named ${w}`)).id);
  for (const id of wrtIds) if (graph.nodes[id]!.dtype === "i32") bug(`cannot differentiate with respect to i32 ${graph.nodes[id]!.attrs.name}`);

  const needed = neededFor(graph, wrtIds, [loss.id]);
  const b = GraphBuilder.from(graph);
  const ad = new AD(b);
  const s = new Accumulator(b);
  if (needed(loss.id)) {
    const one = b.scalar(1, loss.dtype);
    s.push(loss.id, loss.shape.length ? b.broadcastTo(one, loss.shape) : one);
  }
  backprop(ad, loss.id, needed, s);
  wrt.forEach((name, q) => {
    const id = wrtIds[q]!;
    const leaf = graph.nodes[id]!;
    b.output(GRAD_OUTPUT_PREFIX + name, ad.fit(s.acc.get(id) ?? ad.zeros(leaf), leaf));
  });
  const out = b.build();
  assertValid(out, "grad");
  return out;
}
