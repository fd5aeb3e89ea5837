/**
 * Lowering of feed-forward networks: an elaborated network (sema's NetworkModel) → IR graphs.
 * (Energy-based networks lower in energy.ts.)
 *
 * Every semantic node lowers to a pair (twin value, device value):
 *   - device variables: twin = the distribution's mean; device = a chip input (static, sampled
 *     once per simulated chip by the runtime) or a per-shot random draw;
 *   - elements: twin = the element's lowering on the twin context; device = the same lowering on
 *     the device context (device-only effects, the device's time after programming).
 * Modes pick what a graph computes:
 *   twin    — only twin values (in-silico backprop; twin accuracy);
 *   device  — only device values (device accuracy; what a chip would measure);
 *   physics_aware — Wright et al. 2022: each activation is y = f_twin(x, θ) + sg(f_dev(x, θ′) − f_twin(x, θ)),
 *     so the forward value is the device's and the gradient flows through the twin evaluated at the
 *     device's own activation x (sg = stop_gradient).
 * Learning rules change a program only through `ElementHooks` (the elements' extension points)
 * and `StepHooks` (a surrogate objective, extra differentiation targets); they never re-implement
 * an element. `LowerOptions` carry the device settings the driver passes to every program alike.
 */
import { InternalError } from "../../diagnostics/internal.js";
import type { ChipVarSpec, InitSpec, ModelSpec, ParamSpec } from "../../runtime/model.js";
import { PER_SHOT_BASE } from "../../runtime/streams.js";
import { isActive } from "../../stdlib/schema.js";
import type { Distribution } from "../../stdlib/types.js";
import { grad } from "../ir/autodiff.js";
import { GraphBuilder, type Graph, type Node } from "../ir/graph.js";
import type { NetworkModel, SemNode } from "../sema/model.js";
import type { ElementHooks, LowerCtx, MeshForm } from "./context.js";
import { energyModelSpec } from "./energy.js";
import { deviceSpecs, nodeBlocks, twinVarSpecs } from "./external.js";
import { KEY, LABELS, LOGITS, LOSS, names, SURROGATE, WEIGHTS, X } from "./names.js";

export type LowerMode = "twin" | "device" | "physics_aware";
export type Loss = "cross_entropy" | "mse";

/** Device settings every program of a session is lowered with (the driver owns them). */
export interface LowerOptions {
  /** Seconds after programming at which the device is evaluated (drift; `pnn eval --time`). */
  readonly time?: number;
  /**
   * The twin's estimates of external devices' variables as constants, by path (for programs that
   * run without pnn's runtime: edge artifacts, reports); absent: they are `twin-var` inputs.
   */
  readonly twin?: ReadonlyMap<string, ArrayLike<number>>;
  /** How MZI meshes lower; default: the cheaper form by the cost model (layers/mesh-form.ts). Tests force one. */
  readonly meshForm?: MeshForm;
}

/** A rule's changes to a train step besides element hooks. */
export interface StepHooks {
  readonly elements?: ElementHooks;
  /** An objective whose parameter gradient replaces the loss's (the reported loss is unchanged). */
  readonly surrogate?: (b: GraphBuilder, loss: Node, logits: Node, labels: Node, weights: Node) => Node;
  /** Inputs the train step also differentiates with respect to (e.g. in-situ probes). */
  readonly extraWrt?: () => readonly string[];
}

interface Pair {
  readonly t: Node;
  readonly d: Node;
  /** Depends on the network input (an activation), as opposed to parameters only. */
  readonly activation: boolean;
}

function toInit(d: Distribution): InitSpec {
  switch (d.kind) {
    case "normal": return { kind: "normal", mean: d.mean, std: d.std };
    case "uniform": return { kind: "uniform", lo: d.lo, hi: d.hi };
    case "constant": return { kind: "constant", value: d.value };
    case "glorot": return { kind: "glorot" };
  }
}

function mean(d: Distribution): number {
  switch (d.kind) {
    case "normal": return d.mean;
    case "uniform": return (d.lo + d.hi) / 2;
    case "constant": return d.value;
    case "glorot": return 0;
  }
}

/** A physical element with a device-only argument switched on (an ADC, noise…) makes the device differ from the twin. */
function hasDeviceOnlyEffects(net: NetworkModel): boolean {
  return net.nodes.some((n) => n.op === "layer" && n.sig.capabilities.includes("physical") && n.sig.args.some((a) => a.deviceOnly && isActive(n.consts[a.name])));
}

export function modelSpec(net: NetworkModel, batch: number): ModelSpec {
  if (net.kind === "energy_based") return energyModelSpec(net, batch);
  const out = net.output !== undefined ? net.nodes[net.output].type : { shape: [1] };
  const estimated = new Set(net.externals.flatMap((e) => e.deviceVars));
  return {
    network: net.name,
    params: net.params.map((p): ParamSpec => ({ path: p.path, shape: p.type.shape, init: toInit(p.init), ...(p.range ? { range: p.range } : {}) })),
    chipVars: net.deviceVars.filter((d, i) => !d.perShot && !estimated.has(i)).map((d): ChipVarSpec => ({ path: d.path, shape: d.type.shape, dist: toInit(d.dist) })),
    twinVars: twinVarSpecs(net, (d, start) => (start === "draw" ? toInit(d) : { kind: "constant", value: mean(d) })),
    externals: deviceSpecs(net),
    hasDevice: net.deviceVars.length > 0 || hasDeviceOnlyEffects(net) || net.externals.length > 0,
    features: net.inputs[0].type.shape.reduce((a, b) => a * b, 1),
    classes: out.shape.reduce((a, b) => a * b, 1),
    batch,
  };
}

/** Builds the forward pass of `net` for a batch; returns the builder and the logits. */
function forward(net: NetworkModel, mode: LowerMode, batch: number, opts: LowerOptions, hooks?: ElementHooks) {
  if (net.kind !== "feedforward") throw new InternalError(`lowerInfer/lowerTrainStep take feed-forward networks; ${net.name} is energy-based (compiler/lower/energy.ts)`);
  const b = new GraphBuilder();
  const input = net.inputs[0];
  const x = b.input(X, "f32", [batch, ...input.type.shape]);
  const key = b.input(KEY, "i32", [4]);
  const paramNodes = net.params.map((p) => b.param(p.path, p.type.dtype === "complex" ? "c64" : "f32", p.type.shape));
  let stream = 0;
  const nextStream = () => PER_SHOT_BASE + ++stream;
  const wantT = mode !== "device";
  const wantD = mode !== "twin";
  const form = opts.meshForm ? { meshForm: opts.meshForm } : {};
  const ctxT: LowerCtx = { b, device: false, batch, key, nextStream, ...form, ...(hooks ? { hooks } : {}) };
  const ctxD: LowerCtx = { b, device: true, batch, key, nextStream, time: opts.time ?? 0, ...form, ...(hooks ? { hooks } : {}) };
  const chipInputs = new Map<number, Node>();
  const pairs: Pair[] = [];
  const same = (n: Node, activation: boolean): Pair => ({ t: n, d: n, activation });
  const combine = (t: Node, d: Node): Node => b.add(t, b.stopGradient(b.sub(d, t)));

  const perShotDraw = (dist: Distribution, shape: number[]): Node => {
    if (dist.kind === "uniform") return b.add(b.scalar(dist.lo, "f32"), b.mul(b.scalar(dist.hi - dist.lo, "f32"), b.randomUniform(key, shape, nextStream())));
    if (dist.kind === "normal") return b.add(b.scalar(dist.mean, "f32"), b.mul(b.scalar(dist.std, "f32"), b.randomNormal(key, shape, nextStream())));
    return b.broadcastTo(b.scalar(mean(dist), "f32"), shape);
  };

  // External devices (compiler/lower/external.ts): a block's nodes lower on the twin only; on the
  // device its output is what the device returned (an `external` input), sent the device-side
  // value of its operand (an `external-operand` output the runtime computes first).
  const blockOf = nodeBlocks(net);
  const twinInputs = new Map<number, Node>();
  const externalInputs = new Map<number, Node>();
  const externalInput = (k: number): Node => {
    let x = externalInputs.get(k);
    if (!x) externalInputs.set(k, (x = b.input(names.external(k), "f32", [batch, ...net.externals[k]!.outputType.shape])));
    return x;
  };

  /**
   * `where`: outside any external layer; inside one served by a device ("device": twin only, its
   * device variables the twin's estimates); or inside one --simulate'd ("simulated": twin and
   * device, the variables estimated on the twin and sampled on the device, no physics-aware
   * combination until the layer's output — the device shows nothing else).
   */
  const lowerNode = (n: SemNode, wt: boolean, wd: boolean, where: "outside" | "device" | "simulated"): Pair => {
    const finish = (t: Node, d: Node, activation: boolean) => (where === "outside" ? finishPair(t, d, activation) : { t, d, activation });
    switch (n.op) {
      case "input": return same(x, true);
      case "param": return same(paramNodes[n.param], false);
      case "const": return same(b.scalar(n.value, "f32"), false);
      case "device": {
        const v = net.deviceVars[n.device];
        const dtype = v.type.dtype === "complex" ? "c64" : "f32";
        // inside an external device the twin holds an estimate of the variable (calibration refits it)
        const fixed = opts.twin?.get(v.path);
        const constant = () => b.const(dtype === "c64" ? Array.from(fixed!).flatMap((re) => [re, 0]) : Array.from(fixed!), dtype, v.type.shape);
        const estimate = () => twinInputs.get(n.device) ?? twinInputs.set(n.device, fixed ? constant() : b.input(names.twinVar(v.path), dtype, v.type.shape)).get(n.device)!;
        if (where === "device") return same(estimate(), v.perShot);
        const t = wt ? (where === "simulated" ? estimate() : b.const(mean(v.dist), dtype, [])) : undefined;
        let d: Node | undefined;
        if (wd) {
          if (!v.perShot) {
            d = chipInputs.get(n.device) ?? b.input(names.chip(v.path), dtype, v.type.shape);
            chipInputs.set(n.device, d);
          } else d = perShotDraw(v.dist, [batch, ...v.type.shape]);
        }
        return { t: t ?? d!, d: d ?? t!, activation: v.perShot };
      }
      case "neg": {
        const a = pairs[n.a];
        const t = b.neg(a.t);
        return { t, d: a.t === a.d ? t : b.neg(a.d), activation: a.activation };
      }
      case "binary": {
        const l = pairs[n.a], r = pairs[n.b];
        const op = (x1: Node, y1: Node) => (n.fn === "+" ? b.add(x1, y1) : n.fn === "-" ? b.sub(x1, y1) : n.fn === "*" ? b.mul(x1, y1) : b.div(x1, y1));
        const t = op(l.t, r.t);
        const d = l.t === l.d && r.t === r.d ? t : op(l.d, r.d);
        return finish(t, d, l.activation || r.activation);
      }
      case "layer": {
        const operand = pairs[n.operand];
        const owned = Object.fromEntries(Object.entries(n.owned).map(([k, id]) => [k, pairs[id].t]));
        // an instance's own device variables (e.g. a mesh's coupler errors) arrive as tensors: their mean on the twin, a sample on the device
        const tensorArgs = { ...n.tensorArgs, ...(n.devices ?? {}) };
        const tensorsT = Object.fromEntries(Object.entries(tensorArgs).map(([k, id]) => [k, pairs[id].t]));
        const tensorsD = Object.fromEntries(Object.entries(tensorArgs).map(([k, id]) => [k, pairs[id].d]));
        const values = n.sig.schema.read(n.consts);
        const t = wt ? n.sig.lower(ctxT, operand.t, { values, tensors: tensorsT, owned }) : undefined;
        const d = wd ? n.sig.lower(ctxD, operand.d, { values, tensors: tensorsD, owned }) : undefined;
        return finish(t ?? d!, d ?? t!, true);
      }
    }
  };
  /** A node of external device k: the twin only; on the device, the device's output (or nothing). */
  const lowerInBlock = (n: SemNode, id: number, k: number): Pair | undefined => {
    const simulated = k >= net.externals.length;
    const e = simulated ? net.simulated[k - net.externals.length]! : net.externals[k]!;
    if (simulated) {
      const p = lowerNode(n, wantT, wantD, "simulated");
      if (id !== e.output || mode !== "physics_aware" || p.t === p.d) return p;
      const c = combine(p.t, p.d);
      return { t: c, d: c, activation: true };
    }
    if (mode === "device") return id === e.output ? same(externalInput(k), true) : undefined;
    const p = lowerNode(n, true, false, "device");
    if (id !== e.output || mode === "twin") return p;
    const c = combine(p.t, externalInput(k));
    return { t: c, d: c, activation: true };
  };
  // In physics-aware mode an activation carries the device's value and the twin's gradient.
  const finishPair = (t: Node, d: Node, activation: boolean): Pair => {
    if (mode === "physics_aware" && activation && t !== d) {
      const c = combine(t, d);
      return { t: c, d: c, activation };
    }
    return { t, d, activation };
  };
  net.nodes.forEach((n, id) => {
    const k = blockOf[id]!;
    pairs.push((k >= 0 ? lowerInBlock(n, id, k) : lowerNode(n, wantT, wantD, "outside")) as Pair);
  });
  if (wantD) net.externals.forEach((e, k) => b.output(names.externalOperand(k), pairs[e.operand]!.d));
  const out = pairs[net.output!];
  return { b, logits: mode === "device" ? out.d : out.t };
}

/** x → logits of a feed-forward network. */
export function lowerInfer(net: NetworkModel, mode: LowerMode, batch: number, opts: LowerOptions = {}, hooks?: ElementHooks): Graph {
  const { b, logits } = forward(net, mode, batch, opts, hooks);
  b.output(LOGITS, logits);
  return b.build();
}

/** The train block's loss Σ w·loss(logits, labels) of a batch. */
export function batchLoss(b: GraphBuilder, loss: Loss, logits: Node, labels: Node, weights: Node): Node {
  const classes = logits.shape[logits.shape.length - 1];
  const perSample = loss === "mse" ? b.mse(logits, b.oneHot(labels, classes, "f32")) : b.softmaxCrossEntropy(logits, labels);
  return b.sum(b.mul(perSample, weights));
}

/** x, labels, weights → loss, logits, grad:<param> (and the rule's extra gradients). */
export function lowerTrainStep(net: NetworkModel, loss: Loss, mode: LowerMode, batch: number, opts: LowerOptions = {}, hooks: StepHooks = {}): Graph {
  const { b, logits } = forward(net, mode, batch, opts, hooks.elements);
  const labels = b.input(LABELS, "i32", [batch]);
  const weights = b.input(WEIGHTS, "f32", [batch]);
  const total = batchLoss(b, loss, logits, labels, weights);
  b.output(LOSS, total);
  b.output(LOGITS, logits);
  if (hooks.surrogate) b.output(SURROGATE, hooks.surrogate(b, total, logits, labels, weights));
  return grad(b.build(), hooks.surrogate ? SURROGATE : LOSS, [...net.params.map((p) => p.path), ...(hooks.extraWrt?.() ?? [])]);
}
