/**
 * `in_situ_adjoint(noise)` at run time (Hughes et al., Optica 2018). The train program (see
 * compiler/lower/rules/in-situ.ts) gives, per mesh and sample, the field a_k at every phase shifter
 * k and ḡ_k = 2 ∂L/∂ā_k, whence the adjoint field a_k^adj = conj(ḡ_k)/2. A device measures three
 * intensity maps of its shifters:
 *   forward     I_f = |a|²            (the input sent forward),
 *   adjoint     I_a = |c|²            (the conjugated output error sent backward, phase-shifted by −π/2:
 *                                      at shifter k it reads c = conj(i·a^adj) = −i·ḡ/2),
 *   interference I_i = |a + c|²        (both at once),
 * and ∂L/∂φ_k = Σ_samples (I_i − I_f − I_a) = Σ 2 Re(a·c̄) = Σ Re(i·a·conj ḡ), exactly autodiff's
 * ∂L/∂φ_k when the intensities are exact. With noise = σ each intensity is read as I·(1 + σ·N(0,1)).
 * The measured gradient replaces the mesh parameter's; every other parameter keeps its digital
 * (autodiff) gradient. Accounting per sample: 3 device passes (forward, adjoint, interference) and
 * 3·P intensity measurements (P shifters per mesh); the output error itself needs the output field
 * (coherent detection), part of the forward pass.
 */
import { GRAD_PREFIX } from "../model.js";
import { Stream } from "../rng.js";
import { baseInputs, tensor, runTrainStep } from "./bind.js";
import type { RuleContext, RuleRuntime, RuleStepper } from "./types.js";

const FIELD_PREFIX = "field:";
const PROBE_PREFIX = "probe:";
/** Measurement noise draws use Stream(seed, NOISE_STREAM + step). */
const NOISE_STREAM = 0x15170000;

interface Mesh {
  readonly field: string;
  readonly probeGrad: string;
  readonly param: string;
  readonly shifters: number;
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

export const inSituAdjoint: RuleRuntime = (ctx: RuleContext): RuleStepper => {
  const exe = ctx.programs.train;
  const inputs = baseInputs(exe, ctx.params, ctx.chip);
  const meshes: Mesh[] = exe.outputs
    .filter((o) => o.name.startsWith(FIELD_PREFIX))
    .map((o) => {
      const rest = o.name.slice(FIELD_PREFIX.length);
      return { field: o.name, probeGrad: `${GRAD_PREFIX}${PROBE_PREFIX}${rest}`, param: rest.slice(rest.indexOf(":") + 1), shifters: o.shape[1] };
    });
  for (const s of exe.inputs) if (s.name.startsWith(PROBE_PREFIX)) inputs[s.name] = tensor(s.dtype, [...s.shape], new Float64Array(2 * s.shape[0] * s.shape[1]));
  const noise = typeof ctx.options.noise === "number" ? ctx.options.noise : 0;
  const flops = ctx.flops.train ?? 0;
  return {
    step(batch) {
      const { out, grads } = runTrainStep(exe, inputs, batch, ctx.spec);
      const rng = new Stream(ctx.seed, NOISE_STREAM + batch.step);
      const noisy = noise > 0 ? (i: number) => i * (1 + noise * rng.normal()) : (i: number) => i;
      const measured = new Map<string, Float64Array>();
      let shifters = 0;
      for (const m of meshes) {
        const rows = out[m.field].shape[0];
        const g = measuredPhaseGradient(out[m.field].data, out[m.probeGrad].data, rows, m.shifters, noisy);
        const prev = measured.get(m.param);
        if (prev) for (let k = 0; k < g.length; k++) prev[k] += g[k];
        else measured.set(m.param, g);
        shifters += m.shifters;
      }
      for (const [path, g] of measured) grads.set(path, g);
      return {
        loss: out.loss.data[0],
        logits: out.logits.data,
        grads,
        cost: { deviceForwards: 3 * batch.n, measurements: 3 * shifters * batch.n, digitalFlops: flops },
      };
    },
  };
};

export const IN_SITU_RULE_RUNTIMES: Readonly<Record<string, RuleRuntime>> = { in_situ_adjoint: inSituAdjoint };
