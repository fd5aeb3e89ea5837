/**
 * The gradient of a loop (`scan`, ops-loop.ts), by reverse-mode through time with stored
 * carries. For (cₜ₊₁, yₜ) = f(cₜ, k, xₜ), t = 0 … T−1, and result gradients ḡc_T, ḡY:
 *   1. the carries entering each step, H = [c₀ … c_{T−1}], come from the same scan with them as
 *      extra per-step outputs (a pass, scan-merge, folds it into the forward scan itself);
 *   2. a second scan runs the steps backwards; its carries are ḡc and one accumulator per
 *      invariant, its sequences H, X and ḡY; each step re-runs the body at (cₜ, k, xₜ) and
 *      back-propagates through it:
 *        ḡcₜ = (∂f_c/∂c)ᴴ ḡcₜ₊₁ + (∂f_y/∂c)ᴴ ḡyₜ,   ḡk += (∂f/∂k)ᴴ (ḡcₜ₊₁, ḡyₜ),   ḡxₜ = (∂f/∂x)ᴴ (ḡcₜ₊₁, ḡyₜ);
 *   3. its results are ḡc₀ (the initial carries' gradient), ḡk and the stacked ḡX.
 * Memory: the stored carries, T × the carry size (the body's intermediate values are recomputed
 * in the backward step, not stored). Nested loops differentiate the same way (backprop calls
 * back here for a scan inside a body).
 */
import { Accumulator, AD, backprop, differentiable, neededFor } from "./autodiff.js";
import { GraphBuilder, type Node } from "./graph.js";
import { inlineGraph, withOutputs } from "./loops.js";
import { scanCounts } from "./ops-loop.js";

export function scanVjp(ad: AD, s: Node, ops: readonly Node[], gOut: readonly (Node | undefined)[], need: readonly boolean[]): (Node | null)[] {
  const b = ad.b;
  const body = s.body!;
  const T = s.attrs.length as number, reverse = s.attrs.reverse === true;
  const { nc, ni, nx } = scanCounts(s.attrs, ops.length);
  const ny = body.outputs.length - nc;
  const carries = ops.slice(0, nc), invs = ops.slice(nc, nc + ni), seqs = ops.slice(nc + ni);

  // 1. stored carries: the forward scan again, with each step's incoming carries as outputs
  const taken = new Set(body.outputs.map((o) => o.name));
  const fresh = (base: string) => { let nm = base; for (let i = 1; taken.has(nm); i++) nm = `${base}_${i}`; taken.add(nm); return nm; };
  const hist = b.scan({ carries, invariants: invs, xs: seqs },
    withOutputs(body, [...body.outputs, ...body.inputs.slice(0, nc).map((l, k) => ({ name: fresh(`carry_in${k}`), id: l.id }))]),
    T, reverse).slice(nc + ny);

  // 2. the backward scan
  const fc = carries.map((c, k) => (differentiable(c) ? k : -1)).filter((k) => k >= 0);
  const ai = invs.map((c, j) => (need[nc + j] && differentiable(c) ? j : -1)).filter((j) => j >= 0);
  const gx = seqs.map((x, i) => (need[nc + ni + i] && differentiable(x) ? i : -1)).filter((i) => i >= 0);
  const gy = Array.from({ length: ny }, (_, j) => (gOut[nc + j] ? j : -1)).filter((j) => j >= 0);

  // a backward scan needs a carry: a scalar placeholder when nothing else is carried
  const dummy = fc.length + ai.length === 0;
  const bb = new GraphBuilder();
  const dummyIn = dummy ? bb.input("unused", "f32", []) : undefined;
  const gIn = fc.map((k) => bb.input(`g_carry${k}`, carries[k]!.dtype, carries[k]!.shape));
  const accIn = ai.map((j) => bb.input(`acc${j}`, invs[j]!.dtype, invs[j]!.shape));
  const invIn = invs.map((c, j) => bb.input(`inv${j}`, c.dtype, c.shape));
  const hIn = carries.map((c, k) => bb.input(`carry_in${k}`, c.dtype, c.shape));
  const xIn = seqs.map((x, i) => bb.input(`x${i}`, x.dtype, x.shape.slice(1)));
  const gyIn = gy.map((j) => {
    const y = body.nodes[body.outputs[nc + j]!.id]!;
    return bb.input(`g_y${j}`, y.dtype, y.shape);
  });
  // re-run the step on this step's values, then back-propagate the seeds through it
  const fwd = inlineGraph(bb, body, [...hIn, ...invIn, ...xIn]);
  const last = bb.size - 1;
  const bad = new AD(bb);
  const acc = new Accumulator(bb);
  const outNode = (k: number) => fwd[body.outputs[k]!.id]!;
  const seeds: [number, Node][] = [...fc.map((k, q): [number, Node] => [outNode(k).id, gIn[q]!]), ...gy.map((j, q): [number, Node] => [outNode(nc + j).id, gyIn[q]!])];
  const wrt = [...fc.map((k) => hIn[k]!.id), ...ai.map((j) => invIn[j]!.id), ...gx.map((i) => xIn[i]!.id)];
  const needed = neededFor(bb.build(), wrt, seeds.map(([id]) => id));
  for (const [id, g] of seeds) if (needed(id)) acc.push(id, g);
  backprop(bad, last, needed, acc);
  const gradOf = (leaf: Node) => bad.fit(acc.acc.get(leaf.id) ?? bad.zeros(leaf), leaf);
  if (dummyIn) bb.output("unused", dummyIn);
  fc.forEach((k) => bb.output(`g_carry${k}`, gradOf(hIn[k]!)));
  ai.forEach((j, q) => {
    const g = acc.acc.get(invIn[j]!.id);
    bb.output(`acc${j}`, g ? bb.add(accIn[q]!, bad.fit(g, invIn[j]!)) : accIn[q]!);
  });
  gx.forEach((i) => bb.output(`g_x${i}`, gradOf(xIn[i]!)));

  const res = b.scan({
    carries: [...(dummy ? [b.scalar(0, "f32")] : []), ...fc.map((k) => gOut[k] ?? ad.zeros(carries[k]!)), ...ai.map((j) => ad.zeros(invs[j]!))],
    invariants: invs,
    xs: [...hist, ...seqs, ...gy.map((j) => gOut[nc + j]!)],
  }, bb.build(), T, !reverse);

  // 3. operand gradients: carries, invariants, sequences
  const out: (Node | null)[] = ops.map(() => null);
  const r = dummy ? res.slice(1) : res;
  fc.forEach((k, q) => (out[k] = r[q]!));
  ai.forEach((j, q) => (out[nc + j] = r[fc.length + q]!));
  gx.forEach((i, q) => (out[nc + ni + i] = r[fc.length + ai.length + q]!));
  return out;
}
