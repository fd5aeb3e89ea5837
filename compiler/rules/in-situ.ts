/**
 * `in_situ_adjoint(noise)` (Hughes, Minkov, Shi & Fan, Optica 5, 864 (2018)).
 *
 * Compile time: the train program runs the device's forward pass (mode `device`) with a probe
 * installed at the `phaseShifters` extension point of every trainable mesh (stdlib/optics.ts
 * mzi_mesh → compiler/lower/layers/optics-mesh.ts): the mesh is lowered column by column in
 * physical order with every device non-ideality (loss, coupler error, crosstalk, phase DAC, either
 * topology), so training sees exactly the chip that `inferDevice` evaluates. After each phase
 * shifter k the field a_k is tapped (output `field`) and a zero probe input is added to it; the
 * program also differentiates the loss with respect to the probes, so `probe-grad` holds
 * ḡ_k = 2 ∂L/∂ā_k, i.e. the adjoint field a_k^adj = ∂L/∂a_k = conj(ḡ_k)/2 — the field that the
 * conjugated output error, sent back through the reciprocal mesh (transfer matrix Tᵀ), sets up at
 * shifter k. In simulation the backward propagation is this vector-Jacobian product.
 *
 * Run time: a device measures three intensity maps of its shifters:
 *   forward     I_f = |a|²            (the input sent forward),
 *   adjoint     I_a = |c|²            (the conjugated output error sent backward, phase-shifted by −π/2:
 *                                      at shifter k it reads c = conj(i·a^adj) = −i·ḡ/2),
 *   interference I_i = |a + c|²        (both at once),
 * and ∂L/∂φ_k = Σ_samples (I_i − I_f − I_a) = Σ 2 Re(a·c̄) = Σ Re(i·a·conj ḡ), exactly autodiff's
 * ∂L/∂φ_k (of the phase the shifter holds) when the intensities are exact. With noise = σ each
 * intensity is read as I·(1 + σ·N(0,1)). The measured gradient replaces the mesh parameter's;
 * every other parameter keeps its digital (autodiff) gradient. With thermal crosstalk the
 * measurement gives ∂L/∂(phase held), not ∂L/∂(phase programmed): in situ, as on real hardware.
 * Accounting per sample: 3 device passes and 3·P intensity measurements (P shifters per mesh).
 * Legality: every physical layer between the transducers linear and reciprocal (PNN4002), at least
 * one mesh (PNN5083), each mesh's phases one parameter plus parameter-free terms (PNN5080).
 */
import type { Tensor } from "../../runtime/backend.js";
import { inputsOf, outputsOf } from "../../runtime/manifest.js";
import { tensor } from "../../runtime/rules/bind.js";
import { streams } from "../../runtime/streams.js";
import { real, schema } from "../../stdlib/schema.js";
import type { Node } from "../ir/graph.js";
import type { LowerCtx, MeshProbe, ShifterSite } from "../lower/context.js";
import { names } from "../lower/names.js";
import type { NetworkModel } from "../sema/model.js";
import { defineRule, elementsOf, needCapability, needDifferentiable, refuseExternal, type Refusal, type RuleLowering, type RuleDef } from "./rule.js";
import { TRAIN, trainProgram, trainProgramStepper } from "./train-program.js";

/** The parameter path that sets a tensor, or undefined when it is not `param (+ parameter-free terms)`. */
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

/** Every element with phase shifters, in lowering order, with the parameter that drives it (or the refusal). */
function meshes(net: NetworkModel): { param?: string; refusal?: Refusal }[] {
  return elementsOf(net)
    .filter((e) => e.node.sig.extensions.phaseShifters)
    .map((e) => {
      const arg = e.node.sig.extensions.phaseShifters!.phases;
      const id = e.node.tensorArgs[arg] ?? e.node.owned[arg];
      const path = id === undefined ? undefined : phaseParam(net, id);
      if (path && net.nodes[id!].type.shape.length === 1) return { param: path };
      return { refusal: { code: "PNN5080", span: e.span, message: "in_situ_adjoint measures the gradient of each phase shifter and needs this mesh's phases to be one parameter, optionally plus parameter-free terms such as a device phase error (e.g. `optics.mzi_mesh(x, phases + phase_error)`)" } };
    });
}

function plan(net: NetworkModel): Refusal[] {
  const external = refuseExternal("in_situ_adjoint", net, "adjoint fields and interference intensities measured inside the mesh");
  if (external.length) return external;
  const base = needDifferentiable("in_situ_adjoint", net);
  if (base.length) return base;
  const physical = (e: ReturnType<typeof elementsOf>[number]) => e.node.sig.capabilities.includes("physical") && !e.node.sig.transducer;
  const caps = [...needCapability("in_situ_adjoint", "linear", net, physical), ...needCapability("in_situ_adjoint", "reciprocal", net, physical)];
  const ms = meshes(net);
  if (ms.length === 0)
    return [...caps, { code: "PNN5083", message: `in_situ_adjoint measures phase-shifter gradients inside an \`optics.mzi_mesh\`, and network ${net.name} has none; train it with physics_aware, spsa or another rule the device allows` }];
  return [...caps, ...ms.flatMap((m) => (m.refusal ? [m.refusal] : []))];
}

/** The device's forward pass with a probe and a field tap at every phase shifter of every mesh. */
export function inSituProgram(c: RuleLowering<unknown>) {
  const params = meshes(c.net).map((m) => m.param!);
  const probes: string[] = [];
  const probeFor = (ctx: LowerCtx, phases: Node): MeshProbe | undefined => {
    if (!ctx.device) return undefined;
    const { b } = ctx;
    const mesh = probes.length;
    const param = params[mesh]!;
    const name = names.probe(mesh, param);
    probes.push(name);
    const p = phases.shape[phases.shape.length - 1]!;
    const probe = b.reshape(b.input(name, "c64", [ctx.batch, p]), [ctx.batch, p / 2, 2]);
    const taps: { site: ShifterSite; field: Node }[] = [];
    return {
      at(field, site) {
        const k = field.shape[field.shape.length - 1]!;
        const col = site.which === "theta" ? 0 : 1;
        const j = site.offset / 2;
        taps.push({ site, field });
        return b.add(field, b.reshape(b.slice(probe, [0, j, col], [ctx.batch, j + k, col + 1]), [ctx.batch, k]));
      },
      finish() {
        // [B, P] in the mesh's phase order: (θ, φ) per MZI, column by column
        const columns: Node[] = [];
        for (let i = 0; i < taps.length; i += 2) {
          const [theta, phi] = [taps[i]!.field, taps[i + 1]!.field];
          const k = theta.shape[1]!;
          columns.push(b.reshape(b.concat([b.reshape(theta, [ctx.batch, k, 1]), b.reshape(phi, [ctx.batch, k, 1])], 2), [ctx.batch, 2 * k]));
        }
        b.output(names.field(mesh, param), columns.length === 1 ? columns[0]! : b.concat(columns, 1));
      },
    };
  };
  return trainProgram(c, "device", { elements: { mesh: probeFor }, extraWrt: () => probes });
}

/**
 * ∂L/∂φ per shifter from the three intensity maps (summed over the batch's rows); `field` and
 * `gbar` are c64 [rows, P] interleaved. `noisy` perturbs each intensity reading.
 */
export function measuredPhaseGradient(field: ArrayLike<number>, gbar: ArrayLike<number>, rows: number, shifters: number, noisy: (i: number) => number): Float64Array {
  const g = new Float64Array(shifters);
  for (let r = 0; r < rows; r++)
    for (let k = 0; k < shifters; k++) {
      const j = 2 * (r * shifters + k);
      const ar = field[j], ai = field[j + 1];
      const cr = gbar[j + 1] / 2, ci = -gbar[j] / 2; // c = −i·ḡ/2
      const forward = noisy(ar * ar + ai * ai);
      const adjoint = noisy(cr * cr + ci * ci);
      const interference = noisy((ar + cr) ** 2 + (ai + ci) ** 2);
      g[k] += interference - forward - adjoint;
    }
  return g;
}

export const inSituAdjoint = defineRule({
  name: "in_situ_adjoint",
  doc: "In-situ adjoint gradients (Hughes et al., Optica 2018): ∂L/∂φ = −Im(A_φ·A_φ^adj) from forward, adjoint and interference intensity measurements.",
  options: schema({ noise: real("relative measurement noise", { default: 0, min: 0 }) }),
  trains: "feedforward",
  requires: "a feed-forward network with at least one optics.mzi_mesh driven by a parameter, and every physical layer between encoder and detector linear and reciprocal",
  plan,
  programs: (c) => ({ [TRAIN]: inSituProgram(c) }),
  stepper(ctx, o) {
    const m = ctx.manifests[TRAIN]!;
    const exe = ctx.programs[TRAIN]!;
    const fields = outputsOf(m, "field");
    const grads = outputsOf(m, "probe-grad");
    const taps = fields.map((f) => ({ field: f.name, param: f.role.param, probeGrad: grads.find((g) => g.role.mesh === f.role.mesh)!.name, shifters: exe.outputs.find((s) => s.name === f.name)!.shape[1]! }));
    const zeros: Record<string, Tensor> = Object.fromEntries(
      inputsOf(m, "probe").map(({ name }) => {
        const s = exe.inputs.find((i) => i.name === name)!;
        return [name, tensor(s.dtype, [...s.shape], new Float64Array(2 * s.shape[0]! * s.shape[1]!))];
      }),
    );
    let shifters = 0;
    for (const t of taps) shifters += t.shifters;
    const stepper = trainProgramStepper(ctx, {
      cost: (n) => ({ deviceForwards: 3 * n, measurements: 3 * shifters * n }),
      adjust(out, gradsByParam, batch) {
        const rng = streams.inSituNoise(ctx.seed, batch.step, batch.shard ?? 0);
        const noisy = o.noise > 0 ? (i: number) => i * (1 + o.noise * rng.normal()) : (i: number) => i;
        const measured = new Map<string, Float64Array>();
        for (const t of taps) {
          const rows = out[t.field]!.shape[0]!;
          const g = measuredPhaseGradient(out[t.field]!.data, out[t.probeGrad]!.data, rows, t.shifters, noisy);
          const prev = measured.get(t.param);
          if (prev) for (let k = 0; k < g.length; k++) prev[k] += g[k];
          else measured.set(t.param, g);
        }
        for (const [path, g] of measured) gradsByParam.set(path, g);
      },
    }, zeros);
    return stepper;
  },
  // the measured gradient sums over the shard's rows (each shard with its own measurement noise)
  parallel: "gradient",
});

/** This family's rules, in the order the rule table lists them (compiler/rules/index.ts collects the families). */
export const IN_SITU_RULES: readonly RuleDef[] = [inSituAdjoint];
