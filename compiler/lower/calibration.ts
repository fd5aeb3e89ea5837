/**
 * The twin of one external device alone, as the program calibration runs (runtime/device/
 * calibrate.ts, docs/hardware.md): the device's layer cut out of the network — its operand
 * becomes the program's `x`, its nodes are lowered on the twin exactly as in every other
 * program (lower.ts), its device variables are the twin's estimates (`twin-var` inputs) — and
 * scored against measured rows:
 *   inputs   x [B, in], the device's parameters, the twin's estimates, target [B, out], weights [B];
 *   outputs  logits = the twin's prediction [B, out];
 *            loss = Σ_b w_b Σ_j (prediction_bj − target_bj)²;
 *            ∂loss/∂estimate for every estimate (twin-grad) and ∂loss/∂θ for every parameter (grad).
 * The parameter gradients serve the gradient-fidelity check: with target = prediction − v/2 the
 * loss gradient is Σ_b w_b v_b·∂prediction_b/∂θ, the twin's gradient of a random projection.
 */
import { InternalError } from "../../diagnostics/internal.js";
import { grad } from "../ir/autodiff.js";
import { GraphBuilder, type Graph } from "../ir/graph.js";
import type { NetworkModel, SemNode } from "../sema/model.js";
import { lowerInfer } from "./lower.js";
import { LOGITS, LOSS, names, TARGET, WEIGHTS, X } from "./names.js";

/** External device k's layer as a network of its own: input x (the operand), its nodes, its parameters and device variables. */
export function deviceNetwork(net: NetworkModel, k: number): NetworkModel {
  const e = net.externals[k];
  if (!e) throw new InternalError(`network ${net.name} has no external device ${k}`);
  const ids = new Map<number, number>([[e.operand, 0]]);
  const paramIds = new Map(e.params.map((p, i) => [p.param, i]));
  const deviceIds = new Map(e.deviceVars.map((d, i) => [d, i]));
  const id = (n: number) => {
    const v = ids.get(n);
    if (v === undefined) throw new InternalError(`external device ${e.name}: node ${n} is used inside the layer but made outside it`);
    return v;
  };
  const all = (r: Readonly<Record<string, number>>) => Object.fromEntries(Object.entries(r).map(([k2, v]) => [k2, id(v)]));
  const remap = (n: SemNode): SemNode => {
    switch (n.op) {
      case "input": return n;
      case "const": return n;
      case "param": return { ...n, param: paramIds.get(n.param)! };
      case "device": return { ...n, device: deviceIds.get(n.device)! };
      case "neg": return { ...n, a: id(n.a) };
      case "binary": return { ...n, a: id(n.a), b: id(n.b) };
      case "layer": return { ...n, operand: id(n.operand), tensorArgs: all(n.tensorArgs), owned: all(n.owned), ...(n.devices ? { devices: all(n.devices) } : {}) };
    }
  };
  const nodes: SemNode[] = [{ op: "input", name: X, type: e.inputType, span: e.span }];
  for (let i = e.first; i < e.end; i++) {
    ids.set(i, nodes.length);
    nodes.push(remap(net.nodes[i]!));
  }
  return {
    name: `${net.name}.${e.name}`,
    span: e.span,
    kind: "feedforward",
    inputs: [{ name: X, type: e.inputType, span: e.span }],
    nodes,
    params: e.params.map((p) => net.params[p.param]!),
    deviceVars: e.deviceVars.map((d) => net.deviceVars[d]!),
    output: id(e.output),
    bindings: new Map(),
    stateNodes: [],
    couplings: [],
    simulated: [],
    externals: [{ ...e, operand: 0, output: id(e.output), first: 1, end: nodes.length, params: e.params.map((p, i) => ({ param: i, name: p.name })), deviceVars: e.deviceVars.map((_, i) => i) }],
  };
}

/** The calibration program of external device k at `batch` rows (see the file comment). */
export function calibrationGraph(net: NetworkModel, k: number, batch: number): Graph {
  const sub = deviceNetwork(net, k);
  const b = GraphBuilder.from(lowerInfer(sub, "twin", batch));
  const g0 = b.build();
  const pred = b.node(g0.outputs.find((o) => o.name === LOGITS)!.id);
  const target = b.input(TARGET, pred.dtype, pred.shape);
  const weights = b.input(WEIGHTS, "f32", [batch]);
  const diff = b.sub(pred, target);
  const perRow = b.sum(b.reshape(b.square(diff), [batch, pred.shape.slice(1).reduce((p, q) => p * q, 1)]), [1]);
  b.output(LOSS, b.sum(b.mul(perRow, weights)));
  const estimates = sub.deviceVars.map((v) => names.twinVar(v.path));
  return grad(b.build(), LOSS, [...estimates, ...sub.params.map((p) => p.path)]);
}
