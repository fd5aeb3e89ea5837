/**
 * Lowering: an elaborated network (sema's SemanticModel) → IR graphs.
 *
 * Every semantic node lowers to a pair (twin value, device value):
 *   - device variables: twin = the distribution's mean; device = a chip input `chip:<path>`
 *     (static, sampled once per simulated chip by the runtime) or a per-shot random draw;
 *   - layers: twin = the ideal lowering at the twin arguments; device = the lowering with
 *     device-only effects (ADC/DAC, detector noise) at the device arguments.
 * Modes pick what a graph computes:
 *   twin    — only twin values (in-silico backprop; twin accuracy);
 *   device  — only device values (device accuracy; what a chip would measure);
 *   physics_aware — Wright et al. 2022: each activation is y = f_twin(x, θ) + sg(f_dev(x, θ′) − f_twin(x, θ)),
 *     so the forward value is the device's and the gradient flows through the twin evaluated at the
 *     device's own activation x (sg = stop_gradient).
 * Program graphs: `infer` (x → logits) and `train` (x, labels, weights → loss, logits, grad:<param>).
 */
import { diag, UserError } from "../../diagnostics/catalog.js";
import type { ChipVarSpec, InitSpec, ModelSpec, ParamSpec } from "../../runtime/model.js";
import { CHIP_PREFIX } from "../../runtime/model.js";
import type { Distribution } from "../../stdlib/types.js";
import { RULES } from "../../stdlib/rules.js";
import { grad } from "../ir/autodiff.js";
import { GraphBuilder, type Graph, type Node } from "../ir/graph.js";
import type { NetworkModel, SemNode, TrainModel } from "../sema/model.js";
import type { LayerArgs, LayerLowering, LowerCtx } from "./context.js";
import { energyModelSpec, energyStructure, lowerEnergyInfer } from "./energy.js";
import { LAYER_LOWERINGS } from "./layers/index.js";

export type LowerMode = "twin" | "device" | "physics_aware";

/** Rule-specific rewrites of the train step (compiler/lower/rules/): feedback alignment's layers, DFA's surrogate. */
export interface LowerHooks {
  /** Lowers one layer instead of `lower` (its registry lowering), e.g. dense with a feedback matrix. */
  readonly layer?: (key: string, ctx: LowerCtx, x: Node, args: LayerArgs, lower: LayerLowering) => Node;
  /** An objective whose parameter gradient replaces the loss's (the reported loss is unchanged). */
  readonly surrogate?: (b: GraphBuilder, loss: Node, logits: Node, labels: Node, weights: Node) => Node;
  /** Inputs the train step also differentiates with respect to (grad:<name> outputs), e.g. in-situ probes. */
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

/** Refuses (PNN5001) what this compiler cannot lower yet, before any graph is built. */
export function checkLowerable(net: NetworkModel, train?: TrainModel): void {
  if (net.kind !== "feedforward") energyStructure(net, train); // PNN5070 for what compiler/lower/energy.ts cannot run
  if (train && !train.rule.sig.implemented)
    throw new UserError(diag("PNN5001", train.rule.span, `rule ${train.rule.sig.name} is checked but not implemented yet; implemented rules: ${RULES.filter((r) => r.implemented).map((r) => r.name).join(", ")}`));
  for (const n of net.nodes) {
    if (n.op !== "layer") continue;
    const key = n.qualified.includes(".") ? `${n.sig.module}.${n.sig.name}` : n.sig.name;
    if (!LAYER_LOWERINGS[key]) throw new UserError(diag("PNN5001", n.span, `${n.qualified} is declared in the standard library but cannot be lowered yet`));
  }
}

const layerKey = (n: Extract<SemNode, { op: "layer" }>) => (n.qualified.includes(".") ? `${n.sig.module}.${n.sig.name}` : n.sig.name);

const DEVICE_ONLY_ARGS = ["bits", "adc_bits", "photons", "noise", "levels", "phase_bits", "crosstalk", "dac_bits", "out_bound", "weight_noise", "out_noise", "pcm", "stuck_rate"];

export function modelSpec(net: NetworkModel, batch: number): ModelSpec {
  if (net.kind === "energy_based") return energyModelSpec(net, batch);
  const out = net.output !== undefined ? net.nodes[net.output].type : { shape: [1] };
  const hasDeviceOnlyArgs = net.nodes.some((n) => n.op === "layer" && n.sig.capabilities.includes("physical") && Object.entries(n.consts).some(([k, v]) => v !== null && DEVICE_ONLY_ARGS.includes(k) && !(v.kind === "num" && v.value === 0) && !(v.kind === "bool" && !v.value)));
  return {
    network: net.name,
    params: net.params.map((p): ParamSpec => ({ path: p.path, shape: p.type.shape, init: toInit(p.init), ...(p.range ? { range: p.range } : {}) })),
    chipVars: [...net.deviceVars.filter((d) => !d.perShot).map((d): ChipVarSpec => ({ path: d.path, shape: d.type.shape, dist: toInit(d.dist) }))],
    hasDevice: net.deviceVars.length > 0 || hasDeviceOnlyArgs,
    features: net.inputs[0].type.shape.reduce((a, b) => a * b, 1),
    classes: out.shape.reduce((a, b) => a * b, 1),
    batch,
  };
}

/** Options of the device model: `time` = seconds after programming (drift; default 0). */
export interface LowerOptions extends LowerHooks {
  readonly time?: number;
  /** The train block (energy-based networks take their relaxation steps from its rule). */
  readonly train?: TrainModel;
}

/** Builds the forward pass of `net` for a batch; returns the builder, logits and the input node. */
function forward(net: NetworkModel, mode: LowerMode, batch: number, opts: LowerOptions = {}) {
  const hooks: LowerHooks = opts;
  const b = new GraphBuilder();
  const input = net.inputs[0];
  const x = b.input("x", "f32", [batch, ...input.type.shape]);
  const key = b.input("key", "i32", [4]);
  const paramNodes = net.params.map((p) => b.param(p.path, p.type.dtype === "complex" ? "c64" : "f32", p.type.shape));
  let stream = 0;
  const wantT = mode !== "device";
  const wantD = mode !== "twin";
  const ctxT: LowerCtx = { b, device: false, batch, key, nextStream: () => ++stream };
  const ctxD: LowerCtx = { b, device: true, batch, key, nextStream: () => ++stream, time: opts.time ?? 0 };
  const chipInputs = new Map<number, Node>();
  const pairs: Pair[] = [];
  const same = (n: Node, activation: boolean): Pair => ({ t: n, d: n, activation });
  const combine = (t: Node, d: Node): Node => b.add(t, b.stopGradient(b.sub(d, t)));

  const lowerNode = (n: SemNode): Pair => {
    switch (n.op) {
      case "input": return same(x, true);
      case "param": return same(paramNodes[n.param], false);
      case "const": return same(b.scalar(n.value, "f32"), false);
      case "device": {
        const v = net.deviceVars[n.device];
        const dtype = v.type.dtype === "complex" ? "c64" : "f32";
        const t = wantT ? b.const(mean(v.dist), dtype, []) : undefined;
        let d: Node | undefined;
        if (wantD) {
          if (!v.perShot) {
            d = chipInputs.get(n.device) ?? b.input(CHIP_PREFIX + v.path, dtype, v.type.shape);
            chipInputs.set(n.device, d);
          } else {
            const draw = (): Node => {
              const dist = v.dist;
              const shape = [batch, ...v.type.shape];
              if (dist.kind === "uniform") return b.add(b.scalar(dist.lo, "f32"), b.mul(b.scalar(dist.hi - dist.lo, "f32"), b.randomUniform(key, shape, ++stream)));
              if (dist.kind === "normal") return b.add(b.scalar(dist.mean, "f32"), b.mul(b.scalar(dist.std, "f32"), b.randomNormal(key, shape, ++stream)));
              return b.broadcastTo(b.scalar(mean(dist), "f32"), shape);
            };
            d = draw();
          }
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
        const key2 = layerKey(n);
        const registered = LAYER_LOWERINGS[key2];
        const lower: LayerLowering = hooks.layer ? (c, xx, aa) => hooks.layer!(key2, c, xx, aa, registered) : registered;
        const operand = pairs[n.operand];
        const owned = Object.fromEntries(Object.entries(n.owned).map(([k, id]) => [k, pairs[id].t]));
        // an instance's own device variables (e.g. a mesh's coupler errors) arrive as tensors: their mean on the twin, a sample on the device
        const tensorArgs = { ...n.tensorArgs, ...(n.devices ?? {}) };
        const tensorsT = Object.fromEntries(Object.entries(tensorArgs).map(([k, id]) => [k, pairs[id].t]));
        const tensorsD = Object.fromEntries(Object.entries(tensorArgs).map(([k, id]) => [k, pairs[id].d]));
        const t = wantT ? lower(ctxT, operand.t, { tensors: tensorsT, consts: n.consts, owned }) : undefined;
        const d = wantD ? lower(ctxD, operand.d, { tensors: tensorsD, consts: n.consts, owned }) : undefined;
        return finish(t ?? d!, d ?? t!, true);
      }
    }
  };
  // In physics-aware mode an activation carries the device's value and the twin's gradient.
  const finish = (t: Node, d: Node, activation: boolean): Pair => {
    if (mode === "physics_aware" && activation && t !== d) {
      const c = combine(t, d);
      return { t: c, d: c, activation };
    }
    return { t, d, activation };
  };
  for (const n of net.nodes) pairs.push(lowerNode(n));
  const out = pairs[net.output!];
  const logits = mode === "device" ? out.d : out.t;
  return { b, logits, x };
}

/** `opts.train` only matters for energy-based networks (the rule's relaxation steps). */
export function lowerInfer(net: NetworkModel, mode: LowerMode, batch: number, opts: LowerOptions = {}): Graph {
  if (net.kind === "energy_based") return lowerEnergyInfer(net, mode === "device", batch, opts.train);
  const { b, logits } = forward(net, mode, batch, opts);
  b.output("logits", logits);
  return b.build();
}

export function lowerTrainStep(net: NetworkModel, train: TrainModel, mode: LowerMode, batch: number, opts: LowerOptions = {}): Graph {
  const { b, logits } = forward(net, mode, batch, opts);
  const labels = b.input("labels", "i32", [batch]);
  const weights = b.input("weights", "f32", [batch]);
  const classes = logits.shape[logits.shape.length - 1];
  const perSample = train.loss === "mse" ? b.mse(logits, b.oneHot(labels, classes, "f32")) : b.softmaxCrossEntropy(logits, labels);
  const loss = b.sum(b.mul(perSample, weights));
  b.output("loss", loss);
  b.output("logits", logits);
  if (opts.surrogate) b.output("surrogate", opts.surrogate(b, loss, logits, labels, weights));
  return grad(b.build(), opts.surrogate ? "surrogate" : "loss", [...net.params.map((p) => p.path), ...(opts.extraWrt?.() ?? [])]);
}
