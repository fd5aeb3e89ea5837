// Program-by-program parity of a loaded .pnn program: every program its rule lowers to (the infer
// pair and the rule's own: train steps, relaxations, queries, features…) built by the driver
// for wasm and for the float64 interpreter, fed identical inputs (initial params, one sampled
// chip, random x/labels, equal weights, one key), compared output by output within the f32
// tolerance of helpers.ts. Returns, per program and output, the largest error relative to the
// output's own scale (for the report and for tighter checks on small outputs).
import { expect } from "vitest";
import type { Program as LoadedProgram } from "../../compiler/driver/program.js";
import type { Executable, Tensor } from "../../runtime/backend.js";
import { initParams, sampleChip } from "../../runtime/init.js";
import type { InputRole, ProgramManifest } from "../../runtime/manifest.js";
import { Stream } from "../../runtime/rng.js";
import type { CompiledProgram, Programs } from "../../runtime/program.js";
import { runSync } from "../helpers/program.js";
import { tmpDir } from "../train/helpers.js";
import { expectClose, RTOL } from "./helpers.js";

// A private module cache, so a stale cached module can never stand in for today's codegen.
process.env.PNN_CACHE_DIR ??= tmpDir("pnn-parity-cache-");

/** Plausible values of the fused optimizer's scalar inputs (Adam at step 10, lr 0.01), by scalar name. */
const OPT_SCALARS: Readonly<Record<string, number>> = { lr: 0.01, beta: 0.9, b1: 0.9, "1-b1": 0.1, b2: 0.999, "1-b2": 0.001, eps: 1e-8, c1: 1 - 0.9 ** 10, c2: 1 - 0.999 ** 10 };

/** Identical feeds for both backends: what `exe` declares (by the roles of its manifest), from params, chip and a seeded stream. */
export function feedsFor(exe: Executable, manifest: ProgramManifest, params: Map<string, Float64Array>, chip: Map<string, Float64Array>, classes: number, seed: number): Record<string, Tensor> {
  const rng = new Stream(seed, 3);
  const feeds: Record<string, Tensor> = {};
  const roles = new Map<string, InputRole>(manifest.inputs.map((i) => [i.name, i.role]));
  for (const s of exe.inputs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const role = roles.get(s.name);
    let data: Float64Array | Int32Array;
    if (!role) throw new Error(`input ${s.name} has no role in the manifest`);
    else if (role.kind === "param") data = params.get(role.param)!;
    else if (role.kind === "chip") {
      const c = chip.get(role.variable);
      if (!c) throw new Error(`no chip variable for input ${s.name}`);
      data = c;
    } else if (role.kind === "labels") data = Int32Array.from({ length: n }, () => rng.int(classes));
    else if (role.kind === "key") data = Int32Array.from([seed, 0, 5, 1]);
    else if (role.kind === "weights") data = new Float64Array(n).fill(1 / n);
    else if (role.kind === "x") data = Float64Array.from({ length: n }, () => rng.uniform());
    // in_situ_adjoint's probe fields: zero, as its stepper feeds them (their gradient is the adjoint field)
    else if (role.kind === "probe") data = new Float64Array(2 * n);
    // the fused optimizer update (compiler/lower/optimizer.ts): hyperparameter scalars and per-parameter state
    else if (role.kind === "optimizer-scalar") data = Float64Array.of(OPT_SCALARS[role.scalar]!);
    else if (role.kind === "optimizer-state" && role.slot === "m") data = Float64Array.from({ length: n }, () => 0.01 * (rng.uniform() - 0.5));
    else if (role.kind === "optimizer-state") data = Float64Array.from({ length: n }, () => 1e-4 * rng.uniform());
    else throw new Error(`parity feeds know no input ${s.name} (${s.dtype}[${s.shape}])`);
    if (data.length !== (s.dtype === "c64" || s.dtype === "c128" ? 2 * n : n)) throw new Error(`input ${s.name}: ${data.length} values for shape [${s.shape}]`);
    feeds[s.name] = { dtype: s.dtype, shape: s.shape, data };
  }
  return feeds;
}

function allPrograms(ps: Programs): Record<string, CompiledProgram> {
  return { inferTwin: ps.inferTwin, ...(ps.inferDevice ? { inferDevice: ps.inferDevice } : {}), ...ps.rule };
}

export interface ParityReport {
  /** program → output → max |wasm − ref| / max|ref|. */
  readonly relErr: Record<string, Record<string, number>>;
  /** program → output → max|ref|. */
  readonly scale: Record<string, Record<string, number>>;
}

/**
 * Builds `p`'s programs on both backends at `batch` and checks every output of every program.
 * `time`: seconds after programming for the device programs (drift), as `pnn eval --time`.
 * `rtol` per program name overrides the stated RTOL where a program legitimately needs more
 * (the caller says why).
 */
export async function programParity(p: LoadedProgram, batch: number, what: string, rtol: Record<string, number> = {}, seed = 11, time = 0): Promise<ParityReport> {
  const ref = p.compileReference(batch, { time });
  const wasm = await p.compile("wasm", batch, { time });
  const refs = allPrograms(ref.programs), wasms = allPrograms(wasm.programs);
  expect(Object.keys(wasms).sort(), `${what}: program names`).toEqual(Object.keys(refs).sort());
  const spec = ref.spec;
  const params = initParams(spec.params, 7);
  const chip = sampleChip(spec.chipVars, 7, 0);
  const relErr: Record<string, Record<string, number>> = {};
  const scale: Record<string, Record<string, number>> = {};
  for (const name of Object.keys(refs)) {
    const r = refs[name]!.exe, w = wasms[name]!.exe;
    expect(w.inputs.map((s) => s.name), `${what} ${name}: inputs`).toEqual(r.inputs.map((s) => s.name));
    const feeds = feedsFor(r, refs[name]!.manifest, params, chip, spec.classes, seed);
    const want = runSync(r, feeds);
    const got = await w.run(feeds);
    expect(Object.keys(got).sort(), `${what} ${name}: outputs`).toEqual(Object.keys(want).sort());
    relErr[name] = {};
    scale[name] = {};
    for (const out of Object.keys(want)) {
      const tol = rtol[name] ?? RTOL;
      // NaN on both backends would pass expectClose: parity means nothing unless the reference is finite
      expect(want[out]!.data.every((v) => Number.isFinite(v)), `${what} ${name}: ${out} is finite on the interpreter`).toBe(true);
      expectClose(got[out]!, want[out]!, `${what} ${name}: ${out}`, tol);
      const e = relativeError(got[out]!.data, want[out]!.data), s = maxAbs(want[out]!.data);
      relErr[name]![out] = e;
      scale[name]![out] = s;
      // helpers.ts scales the tolerance by max(1, max|ref|), which lets an output far below 1
      // (coupled learning's Δg, small gradients) pass whatever it holds: hold those to the
      // same tolerance relative to their own scale too (down to 1e-3, below which f32
      // cancellation legitimately dominates).
      if (s < 1) expect(e * s, `${what} ${name}: ${out}: error relative to its own scale ${s.toExponential(2)}`).toBeLessThanOrEqual(tol * Math.max(s, 1e-3));
    }
  }
  return { relErr, scale };
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** max |a − b| / max|b| (0 when both are all zero). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, s = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return s === 0 ? (d === 0 ? 0 : Infinity) : d / s;
}

/** One line per program: its outputs' worst relative error (printed by the tests for the record). */
export function summarize(what: string, r: ParityReport): string {
  return Object.entries(r.relErr)
    .map(([prog, outs]) => `${what} ${prog}: ${Object.entries(outs).map(([o, e]) => `${o} ${e.toExponential(1)} (of ${r.scale[prog]![o]!.toExponential(1)})`).join(", ")}`)
    .join("\n");
}
