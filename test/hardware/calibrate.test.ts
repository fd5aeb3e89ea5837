// Calibration (docs/hardware.md): the twin's estimates of a device's variables fitted to measured
// queries. On the lab instrument (4 modes, hidden phase errors σ = 0.1 rad, small per-shot noise)
// the fitted estimates match the hidden errors within the subspace the measurements determine
// (the rest — phases that only shift output phases before square-law detectors — cannot be known
// from intensities and stay at the prior), the held-out prediction error falls to the noise, the
// twin's gradient agrees better with finite differences on the device, and the file it writes
// starts a run's twin. A learned surrogate fitted to the tanh device predicts it. During training,
// --calibrate-at refits the twin to the run's own queries.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { calibrateProduct, calibrateAtEpochs } from "../../compiler/driver/calibrate.js";
import { trainProduct } from "../../compiler/driver/run.js";
import { loadCheckpoint } from "../../runtime/checkpoint.js";
import { ProgressReporter } from "../../runtime/metrics.js";
import { loadProgram } from "../helpers/program.js";
import { tmpDir } from "../train/helpers.js";
import { HAS_PYTHON, INSTRUMENT, labNet, PYTHON, TANH_PY, tanhNet } from "./helpers.js";

const base = { backend: "ref", logs: [] as string[], steps: 300, lr: 0.01, holdout: 0.2, fidelity: 0, eps: 0.05, allowCommands: true };

/** RMS of the estimate's error, over all values and within the identifiable subspace saved with it. */
function grade(file: string, truth: Record<string, number[]>): { all: number; identifiable: number; rank: number; n: number } {
  const ck = loadCheckpoint(file);
  const report = (JSON.parse(ck.metadata.report!) as { device: string; order: string[] }[])[0]!;
  const d: number[] = [];
  for (const p of report.order) {
    const est = ck.tensors.get(`twin:${p}`)!.data;
    truth[p.split(".").pop()!]!.forEach((t, i) => d.push(est[i]! - t));
  }
  const basis = ck.tensors.get(`identifiable:${report.device}`)!;
  const [n, r] = basis.shape as [number, number];
  const c = new Float64Array(r);
  for (let i = 0; i < n; i++) for (let k = 0; k < r; k++) c[k] += basis.data[i * r + k]! * d[i]!;
  let inside = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < r; k++) s += basis.data[i * r + k]! * c[k]!;
    inside += s * s;
  }
  return { all: Math.sqrt(d.reduce((a, x) => a + x * x, 0) / n), identifiable: Math.sqrt(inside / n), rank: r, n };
}

describe.skipIf(!HAS_PYTHON)("calibration of an external device's twin", () => {
  const dir = tmpDir("pnn-cal-");

  it("the lab chip: hidden phase errors recovered where measurable; held-out error at the noise; a better gradient", async () => {
    const file = path.join(dir, "lab.pnn");
    fs.writeFileSync(file, labNet(`stdio("${PYTHON} ${INSTRUMENT} --modes 4 --noise 0.002 --seed 11 --reveal truth.json")`, { modes: 4 }));
    const r = await calibrateProduct(loadProgram(file), { ...base, probe: 480, fidelity: 6, out: path.join(dir, "cal.safetensors") });
    const d = r.devices[0]!;
    const truth = JSON.parse(fs.readFileSync(path.join(dir, "truth.json"), "utf8")) as Record<string, number[]>;
    const g = grade(r.file, truth);
    expect(g.n).toBe(24);
    expect(d.unobservable).toBe(g.n - g.rank);
    // 4 modes: a handful of directions (output phases) no intensity can reveal
    expect(d.unobservable).toBeGreaterThan(0);
    expect(d.unobservable).toBeLessThan(6);
    expect(g.all).toBeGreaterThan(0.02); // the unmeasurable part stays unknown …
    expect(g.identifiable).toBeLessThan(0.01); // … the rest is recovered (truth: σ = 0.1 rad)
    expect(d.rms.heldOutBefore).toBeGreaterThan(0.03);
    expect(d.rms.heldOutAfter).toBeLessThan(0.0035); // the noise is 0.002
    expect(d.fidelity!.cosine[1]!).toBeGreaterThan(d.fidelity!.cosine[0]!);
    expect(d.fidelity!.cosine[1]!).toBeGreaterThan(0.95);
    // the file starts a run's twin: its test accuracy equals the device's on a noise-free chip
    const run = await trainProduct(loadProgram(file, "backprop"), { outDir: path.join(dir, "bp"), backend: "ref", progress: new ProgressReporter({ mode: "quiet", out: process.stdout, epochs: 3 }), calibration: r.file, allowCommands: true });
    if (run.kind !== "trained") throw new Error("expected a trained run");
    expect(Math.abs((run.summary.test_accuracy as number) - (run.summary.device_test_accuracy as number))).toBeLessThanOrEqual(0.02);
  });

  it("a learned surrogate twin fitted to the tanh device predicts it on held-out queries", async () => {
    const file = path.join(dir, "surrogate.pnn");
    fs.writeFileSync(file, tanhNet(`stdio("${PYTHON} ${TANH_PY}")`, { twin: "surrogate(x, control: w, out: n, hidden: 16)" }).replace("  device offset: real[n] ~ normal(0, 0.2)\n", ""));
    const r = await calibrateProduct(loadProgram(file), { ...base, probe: 480, steps: 800, lr: 0.03, out: path.join(dir, "surrogate.safetensors") });
    const d = r.devices[0]!;
    expect(d.estimates).toBe(16 * 8 + 16 + 4 * 16 + 4);
    expect(d.rms.heldOutAfter).toBeLessThan(0.25 * d.rms.heldOutBefore);
    expect(d.rms.heldOutAfter).toBeLessThan(0.1);
  });

  it("--calibrate-at refits the twin during training to the run's own queries", async () => {
    const file = path.join(dir, "during.pnn");
    fs.writeFileSync(file, labNet(`stdio("${PYTHON} ${INSTRUMENT} --modes 4 --noise 0.002 --seed 12")`, { modes: 4, epochs: 3 }));
    const p = loadProgram(file);
    const out = path.join(dir, "during");
    const r = await trainProduct(p, { outDir: out, backend: "ref", progress: new ProgressReporter({ mode: "quiet", out: process.stdout, epochs: 3 }), allowCommands: true, afterEpoch: calibrateAtEpochs(p, [2], { rows: 400, steps: 150, lr: 0.01, holdout: 0.2, backend: "ref" }) });
    if (r.kind !== "trained") throw new Error("expected a trained run");
    const epochs = fs.readFileSync(path.join(out, "metrics.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, number>).filter((e) => e.epoch);
    const at2 = epochs.find((e) => e.epoch === 2)!;
    expect(at2.calibration_rms_after).toBeLessThan(0.5 * at2.calibration_rms_before!);
    expect(epochs.find((e) => e.epoch === 1)!.calibration_rms_after).toBeUndefined();
    // the calibrated estimates are the run's: saved in its checkpoint
    const ck = loadCheckpoint(path.join(out, "checkpoint.safetensors"));
    expect(Math.max(...Array.from(ck.tensors.get("twin:out.OpticalChip.error1")!.data, Math.abs))).toBeGreaterThan(0.01);
  });
});
