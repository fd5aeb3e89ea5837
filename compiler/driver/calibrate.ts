/**
 * `pnn calibrate`'s product and calibration during training (docs/hardware.md): measured
 * queries in — from device logs (`--log`, written by `--device-log`), from queries made now
 * (`--probe N`: N rows of training inputs at random parameter settings), or the run's own recent
 * queries at chosen epochs (`pnn train --calibrate-at`) — and the twin's estimates of every
 * external device's variables fitted to them (runtime/device/calibrate.ts) out, with the report:
 * RMS twin-vs-device error on fitted and held-out queries before and after, unobservable
 * values, and (with a device to ask) the cosine of the twin's gradient with finite differences
 * on the device. The estimates are written as a calibration file that `--calibration FILE`
 * starts a run (or an evaluation) from.
 */
import { saveCheckpoint, type CheckpointTensor } from "../../runtime/checkpoint.js";
import { calibrateDevice, DeviceTwin, gradientFidelity, type CalibrationOptions, type CalibrationProgram, type CalibrationReport, type FidelityReport, type Measurement } from "../../runtime/device/calibrate.js";
import { DeviceHub } from "../../runtime/device/hub.js";
import { measurementsOf, readDeviceLog } from "../../runtime/device/log.js";
import type { TwinValues } from "../../runtime/device/staged.js";
import { fill, initParams, sampleChip } from "../../runtime/init.js";
import { inputsOf, outputsOf } from "../../runtime/manifest.js";
import type { ModelSpec } from "../../runtime/model.js";
import { bindInputs, feedBatch, tensor } from "../../runtime/rules/bind.js";
import { TWIN_PREFIX, readParams } from "../../runtime/run-state.js";
import { keys, streams } from "../../runtime/streams.js";
import { fileSpan } from "../../diagnostics/span.js";
import { calibrationGraph } from "../lower/calibration.js";
import { splitExternal } from "../lower/external.js";
import { manifestOf } from "../lower/names.js";
import { compileWith, findBackend } from "./backends.js";
import { deviceAddresses, startingTwin, type DeviceRequest } from "./devices.js";
import { UsageError } from "./errors.js";
import type { Program } from "./program.js";

export const CALIBRATION_FORMAT = "pnn-calibration/1";

export interface CalibrateRequest extends DeviceRequest {
  readonly backend: string;
  /** Device logs to fit to. */
  readonly logs: readonly string[];
  /** Rows to measure now (training inputs at random parameter settings). */
  readonly probe?: number;
  /** Parameters of the network around the devices (for --probe) and at which the gradient is checked; default: initial. */
  readonly weights?: string;
  readonly steps: number;
  readonly lr: number;
  readonly holdout: number;
  /** Parameter elements of the finite-difference gradient check (0: no check). */
  readonly fidelity: number;
  readonly eps: number;
  /** The calibration file to write. */
  readonly out: string;
}

export interface DeviceCalibration extends Omit<CalibrationReport, "identifiable"> {
  /** The order of the flattened estimates in the file's `identifiable:<device>` basis. */
  readonly order?: readonly string[];
  readonly fidelity?: FidelityReport & { readonly labels: readonly string[] };
  readonly fidelityNote?: string;
}

async function compileCalibration(p: Program, backend: string, k: number, batch: number): Promise<CalibrationProgram> {
  const g = calibrationGraph(p.net, k, batch);
  return { exe: await compileWith(findBackend(backend), g, p.train.span), manifest: manifestOf(g), batch };
}

/** Rows per run of the calibration program: the longest query, at most 256 (longer ones run in chunks). */
const batchFor = (qs: readonly Measurement[]) => Math.max(1, Math.min(256, ...qs.map((q) => q.rows)));

/** N rows of training inputs at random parameter settings, measured on device k now. */
async function probeDevice(p: Program, spec: ModelSpec, hub: DeviceHub, k: number, rows: number, params: Map<string, Float64Array>, backend: string): Promise<Measurement[]> {
  const B = p.train.batch;
  const split = splitExternal(p.inferGraph(true, B));
  const probe = split?.probes.find((q) => q.device === k);
  if (!probe || inputsOf(manifestOf(probe.graph), "external").length)
    throw new UsageError(`--probe: the rows device ${spec.externals[k]!.name} receives depend on another external device's output; record a training run with --device-log and calibrate from the log instead`);
  const exe = await compileWith(findBackend(backend), probe.graph, p.train.span);
  const m = manifestOf(probe.graph);
  const operand = outputsOf(m, "external-operand")[0]!.name;
  const inputs = bindInputs(exe, m, params, sampleChip(spec.chipVars, p.train.seed, 0));
  for (const { name, role } of inputsOf(m, "twin-var")) inputs[name] = tensor("f32", [...exe.inputs.find((s) => s.name === name)!.shape], new Float64Array(spec.twinVars.find((v) => v.path === role.variable)!.shape.reduce((a, b) => a * b, 1)));
  const data = p.dataset().train;
  const order = streams.calibration(p.train.seed, 3).permutation(data.n);
  const dev = spec.externals[k]!;
  const out: Measurement[] = [];
  for (let start = 0, q = 0; start < rows; start += B, q++) {
    const n = Math.min(B, rows - start);
    const x = new Float64Array(B * spec.features);
    for (let r = 0; r < n; r++) {
      const i = order[(start + r) % data.n]!;
      x.set(data.x.subarray(i * spec.features, (i + 1) * spec.features), r * spec.features);
    }
    feedBatch(m, inputs, { x: tensor("f32", [B, spec.features], x), labels: tensor("i32", [B], new Int32Array(B)), weights: tensor("f32", [B], new Float64Array(B)), key: tensor("i32", [4], Int32Array.from(keys.evalDevice(p.train.seed, 0))) });
    const rowsIn = (await exe.run(inputs))[operand]!;
    const width = rowsIn.data.length / B;
    const xs = Float64Array.from(rowsIn.data).subarray(0, n * width);
    // a fresh random setting of the device's parameters for every query, from their initial distributions
    const draw = streams.calibration(p.train.seed, 1000 + q);
    const sent = dev.params.map((dp) => {
      const values = new Float64Array(dp.shape.reduce((a, b) => a * b, 1));
      fill(values, spec.params.find((s) => s.path === dp.path)!.init, dp.shape, draw);
      return { name: dp.name, values };
    });
    const y = await hub.clients[k]!.forward(xs, n, sent);
    out.push({ x: Float64Array.from(xs), rows: n, params: new Map(sent.map((s) => [s.name, s.values])), y });
  }
  return out;
}

/** At most `rows` rows of measured queries, joined into one query at the parameters of the first (for the gradient check). */
function checkQuery(qs: readonly Measurement[], rows: number, params?: ReadonlyMap<string, Float64Array>): Measurement {
  const take: Measurement[] = [];
  let n = 0;
  for (const q of qs) {
    if (n >= rows) break;
    take.push(q);
    n += q.rows;
  }
  n = Math.min(n, rows);
  const width = take[0]!.x.length / take[0]!.rows, outWidth = take[0]!.y.length / take[0]!.rows;
  const x = new Float64Array(n * width), y = new Float64Array(n * outWidth);
  let r = 0;
  for (const q of take) {
    const m = Math.min(q.rows, n - r);
    x.set(q.x.subarray(0, m * width), r * width);
    y.set(q.y.subarray(0, m * outWidth), r * outWidth);
    r += m;
  }
  return { x, rows: n, params: params ?? take[0]!.params, y };
}

export async function calibrateProduct(p: Program, r: CalibrateRequest): Promise<{ devices: DeviceCalibration[]; file: string }> {
  const spec = p.spec();
  if (!spec.externals.length) throw new UsageError(`network ${spec.network} has no external device to calibrate (declare one with \`external …\` in a layer)`);
  if (!r.logs.length && !r.probe) throw new UsageError("pnn calibrate needs measurements: --log FILE (a --device-log of a run) and/or --probe N (measure N rows now)");
  const twin = startingTwin(spec, p.train.seed, r);
  const prior: TwinValues = new Map([...twin].map(([k, v]) => [k, Float64Array.from(v)]));
  const data: Measurement[][] = spec.externals.map(() => []);
  for (const file of r.logs) {
    const log = readDeviceLog(file);
    spec.externals.forEach((dev, k) => {
      const d = log.get(dev.name);
      if (d) data[k]!.push(...measurementsOf(d, dev, file));
    });
  }
  const params = r.weights ? readParams(r.weights, spec, fileSpan(r.weights)).params : initParams(spec.params, p.train.seed);
  const live = !!r.probe || r.fidelity > 0;
  const hub = live ? DeviceHub.create(spec.externals, { addresses: deviceAddresses(r.externals ?? [], spec.externals), ...(r.log ? { log: r.log } : {}), ...(r.allowCommands ? { allowCommands: true } : {}) }) : undefined;
  const reports: DeviceCalibration[] = [];
  const bases = new Map<string, NonNullable<CalibrationReport["identifiable"]>>();
  try {
    if (hub) await hub.open();
    for (let k = 0; k < spec.externals.length; k++) {
      const dev = spec.externals[k]!;
      if (r.probe && hub) data[k]!.push(...(await probeDevice(p, spec, hub, k, r.probe, params, r.backend)));
      const qs = data[k]!;
      if (!qs.length) throw new UsageError(`no measurements of device ${dev.name}: ${r.logs.length ? `the logs (${r.logs.join(", ")}) hold no queries of it` : "nothing was probed"}`);
      const prog = await compileCalibration(p, r.backend, k, batchFor(qs));
      const t = new DeviceTwin(prog, dev, twin);
      const o: CalibrationOptions = { steps: r.steps, lr: r.lr, holdout: r.holdout, seed: p.train.seed };
      const { identifiable, ...report } = await calibrateDevice(t, qs, o);
      if (identifiable) bases.set(dev.name, identifiable);
      let fidelity: DeviceCalibration["fidelity"];
      let fidelityNote: string | undefined;
      if (r.fidelity > 0 && hub) {
        const client = hub.clients[k]!;
        if (client.address.kind === "replay") fidelityNote = "no gradient check: a replayed session cannot answer new queries";
        else {
          const devParams = new Map(dev.params.map((dp) => [dp.name, params.get(dp.path)!]));
          const q = checkQuery(qs, 256, r.weights ? devParams : undefined);
          const checkProg = q.rows > prog.batch ? await compileCalibration(p, r.backend, k, Math.min(256, q.rows)) : prog;
          const f = await gradientFidelity(new DeviceTwin(checkProg, dev, twin), client, q, [prior, new Map([...twin].map(([a, v]) => [a, Float64Array.from(v)]))], { elements: r.fidelity, eps: r.eps, seed: p.train.seed });
          fidelity = { ...f, labels: ["before", "after"] };
        }
      }
      reports.push({ ...report, ...(identifiable ? { order: identifiable.order } : {}), ...(fidelity ? { fidelity } : {}), ...(fidelityNote ? { fidelityNote } : {}) });
    }
  } finally {
    await hub?.close();
  }
  const tensors = new Map<string, CheckpointTensor>(spec.twinVars.map((v) => [TWIN_PREFIX + v.path, { dtype: "F64", shape: [...v.shape], data: twin.get(v.path)! }]));
  // the identifiable subspace (n × rank): to compare estimates with a truth only where the measurements can tell
  for (const [name, b] of bases) tensors.set(`identifiable:${name}`, { dtype: "F64", shape: [b.basis.length / b.rank, b.rank], data: b.basis });
  saveCheckpoint(r.out, tensors, { format: CALIBRATION_FORMAT, network: spec.network, source_hash: p.sourceHash, report: JSON.stringify(reports) });
  return { devices: reports, file: r.out };
}

/**
 * `pnn train --calibrate-at E1,E2,…`: after those epochs, the twin's estimates are refitted to
 * the run's latest device queries (at most `rows` rows per device), so physics-aware training
 * continues with a better twin. Returns the trainer's afterEpoch hook maker (TrainRequest).
 */
export function calibrateAtEpochs(p: Program, at: readonly number[], o: { rows: number; steps: number; lr: number; holdout: number; backend: string }) {
  return (_programs: unknown, twin: TwinValues, hub: DeviceHub | undefined) => {
    if (!hub || !at.length) return undefined;
    for (const c of hub.clients) c.keep(o.rows);
    const spec = p.spec();
    const programs = new Map<number, CalibrationProgram>();
    return async (epoch: number): Promise<Record<string, number> | undefined> => {
      if (!at.includes(epoch)) return undefined;
      const record: Record<string, number> = {};
      for (let k = 0; k < spec.externals.length; k++) {
        const qs = hub.clients[k]!.recent();
        if (!qs.length) continue;
        const batch = batchFor(qs);
        if (programs.get(k)?.batch !== batch) programs.set(k, await compileCalibration(p, o.backend, k, batch));
        const t = new DeviceTwin(programs.get(k)!, spec.externals[k]!, twin);
        const rep = await calibrateDevice(t, qs, { steps: o.steps, lr: o.lr, holdout: o.holdout, seed: p.train.seed + epoch });
        const suffix = spec.externals.length > 1 ? `_${spec.externals[k]!.name}` : "";
        Object.assign(record, { [`calibration_rms_before${suffix}`]: rep.rms.heldOutBefore, [`calibration_rms_after${suffix}`]: rep.rms.heldOutAfter });
      }
      return record;
    };
  };
}
