/**
 * A program that talks to external devices, run in stages behind the ordinary Executable
 * interface, so every rule, the trainer and evaluation use it unchanged (and never know):
 *   for each device the program queries, in node order: run its probe (the program pruned to
 *   the rows to send: compiler/lower/external.ts), send the rows with the device's parameters
 *   (read from the bound parameter arrays: a zeroth-order rule's perturbation is what the device
 *   sees), and feed the device's reply to the later stages as the `external` input;
 *   then run the program itself.
 * The twin's estimates of the devices' device variables (`twin-var` inputs) are read from one
 * shared store at every run, so a calibration that refits them takes effect at once. The
 * staged program's manifest is the program's, minus the inputs it fills itself, plus every
 * queried device's parameters (which the probes may not read but the device needs).
 */
import type { Executable, Tensor, TensorSpec } from "../backend.js";
import { inputsOf, type ProgramManifest } from "../manifest.js";
import type { CompiledProgram, Programs } from "../program.js";
import type { DeviceClient } from "./client.js";
import type { DeviceSpec } from "./types.js";

export type TwinValues = Map<string, Float64Array>;

const tensor = (spec: TensorSpec, data: Tensor["data"]): Tensor => ({ dtype: spec.dtype, shape: spec.shape, data });

/** A twin estimate as the program's input: real values, or interleaved (re, 0) for a complex input. */
function twinTensor(spec: TensorSpec, v: Float64Array): Tensor {
  if (spec.dtype !== "c64" && spec.dtype !== "c128") return tensor(spec, v);
  const c = new Float64Array(2 * v.length);
  for (let i = 0; i < v.length; i++) c[2 * i] = v[i]!;
  return tensor(spec, c);
}

function pick(feeds: Readonly<Record<string, Tensor>>, specs: readonly TensorSpec[]): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const s of specs) {
    const t = feeds[s.name];
    if (t) out[s.name] = t;
  }
  return out;
}

/** True when the program needs the staging (it queries a device or reads the twin's estimates). */
export function needsStaging(p: CompiledProgram): boolean {
  return !!p.probes?.length || inputsOf(p.manifest, "twin-var").length > 0 || inputsOf(p.manifest, "external").length > 0;
}

export function stagedProgram(p: CompiledProgram, devices: readonly DeviceClient[], specs: readonly DeviceSpec[], twin: TwinValues): CompiledProgram {
  const parts = [...(p.probes ?? []).map((q) => q.program), p];
  const filled = new Set(parts.flatMap((q) => [...inputsOf(q.manifest, "external"), ...inputsOf(q.manifest, "twin-var")].map((i) => i.name)));
  const inputs = new Map<string, { spec: TensorSpec; role: ProgramManifest["inputs"][number]["role"] }>();
  for (const q of parts)
    for (const i of q.manifest.inputs) {
      if (filled.has(i.name) || inputs.has(i.name)) continue;
      inputs.set(i.name, { spec: q.exe.inputs.find((s) => s.name === i.name)!, role: i.role });
    }
  const queried = (p.probes ?? []).map((q) => q.device);
  for (const k of queried)
    for (const dp of specs[k]!.params)
      if (!inputs.has(dp.path)) inputs.set(dp.path, { spec: { name: dp.path, dtype: "f32", shape: dp.shape }, role: { kind: "param", param: dp.path } });
  const twinInputs = parts.flatMap((q) => inputsOf(q.manifest, "twin-var").map((i) => ({ spec: q.exe.inputs.find((s) => s.name === i.name)!, variable: i.role.variable })));
  const externalName = new Map(parts.flatMap((q) => inputsOf(q.manifest, "external").map((i) => [i.role.device, i.name] as const)));
  const operandName = (q: CompiledProgram) => q.manifest.outputs.find((o) => o.role.kind === "external-operand")!.name;

  const exe: Executable = {
    inputs: [...inputs.values()].map((i) => i.spec),
    outputs: p.exe.outputs,
    async run(given) {
      const feeds: Record<string, Tensor> = { ...given };
      for (const t of twinInputs) {
        const v = twin.get(t.variable);
        if (!v) throw new Error(`no twin estimate for ${t.variable}`);
        feeds[t.spec.name] = twinTensor(t.spec, v);
      }
      for (const probe of p.probes ?? []) {
        const out = await probe.program.exe.run(pick(feeds, probe.program.exe.inputs));
        const rows = out[operandName(probe.program)]!;
        const spec = specs[probe.device]!;
        const n = rows.shape[0]!;
        const params = spec.params.map((dp) => ({ name: dp.name, values: feeds[dp.path]!.data as ArrayLike<number> }));
        const y = await devices[probe.device]!.forward(rows.data, n, params);
        feeds[externalName.get(probe.device)!] = { dtype: "f32", shape: [n, ...spec.outputs], data: y };
      }
      return p.exe.run(pick(feeds, p.exe.inputs));
    },
  };
  const manifest: ProgramManifest = { inputs: [...inputs.entries()].map(([name, i]) => ({ name, role: i.role })), outputs: p.manifest.outputs };
  return { exe, manifest, flops: parts.reduce((s, q) => s + q.flops, 0) };
}

/** Every program of a session that needs staging, staged with the session's devices and twin estimates. */
export function attachDevices(programs: Programs, devices: readonly DeviceClient[], specs: readonly DeviceSpec[], twin: TwinValues): Programs {
  const stage = (q: CompiledProgram) => (needsStaging(q) ? stagedProgram(q, devices, specs, twin) : q);
  return {
    inferTwin: stage(programs.inferTwin),
    ...(programs.inferDevice ? { inferDevice: stage(programs.inferDevice) } : {}),
    rule: Object.fromEntries(Object.entries(programs.rule).map(([k, q]) => [k, stage(q)])),
  };
}
