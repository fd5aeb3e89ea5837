/**
 * `in_situ_adjoint(noise)` (Hughes, Minkov, Shi & Fan, Optica 5, 864 (2018)), compiler side.
 *
 * Every optics.mzi_mesh is lowered phase shifter by phase shifter — MZI = diag(e^{iφ}, 1)·BS·
 * diag(e^{iθ}, 1)·BS with BS = (1/√2)[[1, i], [i, 1]] (the same T(θ, φ) as layers/optics.ts) — and
 * at each shifter k the field a_k (just after it) is an output and a zero "probe" input is added to
 * it. The train program (device mode: the chip's forward) differentiates the loss with respect to
 * the probes too, so grad:probe:<m> holds ḡ_k = 2 ∂L/∂ā_k, i.e. the adjoint field a_k^adj =
 * ∂L/∂a_k = conj(ḡ_k)/2 — the field that the conjugated output error, sent back through the
 * reciprocal mesh (transfer matrix Tᵀ), sets up at shifter k. In simulation the backward
 * propagation is this vector-Jacobian product; the runtime (runtime/rules/in-situ.ts) forms the
 * three intensities a device would measure and recovers ∂L/∂φ_k from them.
 *
 * Outputs: loss, logits, grad:<param> (autodiff, all parameters), field:<m>:<param> (c64 [B, P_m],
 * in the mesh's phase order) and grad:probe:<m>:<param>, for mesh m driven by <param>. The mesh's phases must be one parameter (plus terms without
 * parameters, e.g. a device phase error): that parameter receives the measured gradient (PNN5080).
 * A network without any mesh is refused (PNN5083) rather than silently trained on autodiff gradients.
 */
import { diag, UserError } from "../../../diagnostics/catalog.js";
import type { GraphBuilder, Node } from "../../ir/graph.js";
import type { NetworkModel, TrainModel } from "../../sema/model.js";
import { sliceLast, type LayerArgs, type LowerCtx } from "../context.js";
import { clementsColumns } from "../layers/optics.js";
import { lowerTrainStep, type LowerHooks } from "../lower.js";
import { inferGraphs } from "./gradient.js";
import type { RuleLowering } from "./index.js";

export const PROBE_PREFIX = "probe:";
export const FIELD_PREFIX = "field:";
const MESH = "optics.mzi_mesh";

/** The parameter path that sets a mesh's phases, or undefined when they are not `param (+ parameter-free terms)`. */
function phaseParam(net: NetworkModel, id: number): string | undefined {
  const dependsOnParam = (i: number): boolean => {
    const n = net.nodes[i];
    if (n.op === "param") return true;
    if (n.op === "binary") return dependsOnParam(n.a) || dependsOnParam(n.b);
    if (n.op === "neg") return dependsOnParam(n.a);
    if (n.op === "layer") return Object.keys(n.owned).length > 0 || dependsOnParam(n.operand) || Object.values(n.tensorArgs).some(dependsOnParam);
    return false;
  };
  const n = net.nodes[id];
  if (n.op === "param") return net.params[n.param].path;
  if (n.op === "binary" && n.fn === "+") {
    const [l, r] = [phaseParam(net, n.a), phaseParam(net, n.b)];
    if (l && !dependsOnParam(n.b)) return l;
    if (r && !dependsOnParam(n.a)) return r;
  }
  return undefined;
}

/** The parameter of every mesh of `net`, in lowering order; PNN5080 at a mesh whose phases are not one. */
export function meshParams(net: NetworkModel): string[] {
  const out: string[] = [];
  for (const n of net.nodes) {
    if (n.op !== "layer" || `${n.sig.module}.${n.sig.name}` !== MESH) continue;
    const id = n.tensorArgs.phases ?? n.owned.phases;
    const path = id === undefined ? undefined : phaseParam(net, id);
    if (!path || net.nodes[id].type.shape.length !== 1)
      throw new UserError(diag("PNN5080", n.span, "in_situ_adjoint measures the gradient of each phase shifter and needs this mesh's phases to be one parameter, optionally plus parameter-free terms such as a device phase error (e.g. `optics.mzi_mesh(x, phases + phase_error)`)"));
    out.push(path);
  }
  return out;
}

/** One MZI column, shifter by shifter, with probes; returns the new field and the shifter fields [.., k, 2] (θ, φ). */
function probedColumn(b: GraphBuilder, x: Node, theta: Node, phi: Node, probe: Node, offset: number, k: number, amplitude: number) {
  const n = x.shape[1];
  const B = x.shape[0];
  const pairs = b.reshape(sliceLast(b, x, offset, offset + 2 * k), [B, k, 2]);
  const top = b.reshape(b.slice(pairs, [0, 0, 0], [B, k, 1]), [B, k]);
  const bot = b.reshape(b.slice(pairs, [0, 0, 1], [B, k, 2]), [B, k]);
  const pr = b.reshape(probe, [B, k, 2]);
  const probeTheta = b.reshape(b.slice(pr, [0, 0, 0], [B, k, 1]), [B, k]);
  const probePhi = b.reshape(b.slice(pr, [0, 0, 1], [B, k, 2]), [B, k]);
  const r = b.scalar([Math.SQRT1_2, 0], "c64");
  const ri = b.scalar([0, Math.SQRT1_2], "c64");
  const u1 = b.add(b.mul(r, top), b.mul(ri, bot));
  const u2 = b.add(b.mul(ri, top), b.mul(r, bot));
  const aTheta = b.mul(b.expi(theta), u1);
  const t1 = b.add(aTheta, probeTheta);
  const v1 = b.add(b.mul(r, t1), b.mul(ri, u2));
  const v2 = b.add(b.mul(ri, t1), b.mul(r, u2));
  const aPhi = b.mul(b.expi(phi), v1);
  const t2 = b.add(aPhi, probePhi);
  const amp = b.scalar([amplitude, 0], "c64");
  const outTop = b.mul(amp, t2);
  const outBot = b.mul(amp, v2);
  const mixed = b.reshape(b.concat([b.reshape(outTop, [B, k, 1]), b.reshape(outBot, [B, k, 1])], 2), [B, 2 * k]);
  const parts: Node[] = [];
  if (offset > 0) parts.push(sliceLast(b, x, 0, offset));
  parts.push(mixed);
  if (offset + 2 * k < n) parts.push(sliceLast(b, x, offset + 2 * k, n));
  const fields = b.reshape(b.concat([b.reshape(aTheta, [B, k, 1]), b.reshape(aPhi, [B, k, 1])], 2), [B, 2 * k]);
  return { field: parts.length === 1 ? parts[0] : b.concat(parts, 1), fields };
}

/** The Clements mesh of layers/optics.ts, with a probe and a field tap at every phase shifter. */
export function lowerProbedMesh(b: GraphBuilder, x: Node, phases: Node, lossDb: number, probe: Node): { y: Node; fields: Node } {
  const n = x.shape[1];
  const amplitude = Math.pow(10, -lossDb / 20);
  let p = 0;
  let field = x;
  const taps: Node[] = [];
  for (const [offset, k] of clementsColumns(n)) {
    if (k === 0) continue;
    const ph = b.reshape(sliceLast(b, phases, p, p + 2 * k), [k, 2]);
    const theta = b.reshape(b.slice(ph, [0, 0], [k, 1]), [k]);
    const phi = b.reshape(b.slice(ph, [0, 1], [k, 2]), [k]);
    const col = probedColumn(b, field, theta, phi, sliceLast(b, probe, p, p + 2 * k), offset, k, amplitude);
    field = col.field;
    taps.push(col.fields);
    p += 2 * k;
  }
  return { y: field, fields: taps.length === 1 ? taps[0] : b.concat(taps, 1) };
}

export function inSituTrain(net: NetworkModel, train: TrainModel, batch: number) {
  const params = meshParams(net);
  if (params.length === 0)
    throw new UserError(diag("PNN5083", train.rule.span, `in_situ_adjoint measures phase-shifter gradients inside an \`optics.mzi_mesh\`, and network ${net.name} has none; train it with physics_aware, spsa or another rule the device allows`));
  const probes: string[] = [];
  const hooks: LowerHooks = {
    layer: (key: string, ctx: LowerCtx, x: Node, args: LayerArgs, lower) => {
      if (key !== MESH || !ctx.device) return lower(ctx, x, args);
      const { b } = ctx;
      const phases = args.tensors.phases ?? args.owned.phases;
      const m = probes.length;
      const name = `${PROBE_PREFIX}${m}:${params[m]}`;
      probes.push(name);
      const probe = b.input(name, "c64", [ctx.batch, phases.shape[0]]);
      const loss = args.consts.loss;
      const { y, fields } = lowerProbedMesh(b, x, phases, loss && loss.kind === "num" ? loss.value : 0, probe);
      b.output(`${FIELD_PREFIX}${m}:${params[m]}`, fields);
      return y;
    },
    extraWrt: () => probes,
  };
  return lowerTrainStep(net, train, "device", batch, hooks);
}

export const IN_SITU_RULE_LOWERINGS: Readonly<Record<string, RuleLowering>> = {
  in_situ_adjoint: (net, train, batch, hasDevice) => ({ ...inferGraphs(net, batch, hasDevice), train: inSituTrain(net, train, batch) }),
};
