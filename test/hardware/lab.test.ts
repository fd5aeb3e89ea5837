// The example lab (examples/lab, docs/hardware.md): a simulated optical instrument in a separate
// Python process. Its physics is pnn's (the twin with the instrument's own phase errors computes
// what the instrument measures, to rounding), and physics-aware training through the protocol —
// over stdio and over TCP — is the same computation as training on pnn's in-process simulation of
// the same device (`--simulate`, chip 0's phase errors given to the instrument): noise-free, the
// three runs end with the same parameters to 1e-9; with per-shot noise (independent draws in the
// two simulations) the device accuracies agree within 2 test samples.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { DeviceHub } from "../../runtime/device/hub.js";
import { attachDevices } from "../../runtime/device/staged.js";
import { initParams, sampleChip } from "../../runtime/init.js";
import { ProgressReporter } from "../../runtime/metrics.js";
import { bindInputs, feedBatch, tensor } from "../../runtime/rules/bind.js";
import { loadCheckpoint } from "../../runtime/checkpoint.js";
import { trainProduct } from "../../compiler/driver/run.js";
import { loadProgram } from "../helpers/program.js";
import { tmpDir } from "../train/helpers.js";
import { freePort, HAS_PYTHON, INSTRUMENT, labNet, PYTHON, startServer } from "./helpers.js";

const quiet = (epochs: number) => new ProgressReporter({ mode: "quiet", out: process.stdout, epochs });
const params = (file: string) => new Map([...loadCheckpoint(file).tensors].filter(([k]) => !k.startsWith("optimizer") && !k.startsWith("twin")).map(([k, t]) => [k, Float64Array.from(t.data)]));

describe.skipIf(!HAS_PYTHON)("the example lab: a simulated instrument in another process", () => {
  const dir = tmpDir("pnn-lab-");

  /** Chip 0 of the in-process simulation: its phase errors, for the instrument (--errors). */
  function chipErrors(modes: number, noise: number, seed = 1): string {
    const file = path.join(dir, `net-${modes}-${noise}.pnn`);
    fs.writeFileSync(file, labNet(`tcp("127.0.0.1:1")`, { modes, noise, seed }));
    const sim = loadProgram(file); // external: the twin's view
    const simulated = loadProgramSimulated(file);
    const chip = sampleChip(simulated.spec().chipVars, seed, 0);
    const errors: Record<string, number[]> = {};
    for (const [k, v] of chip) errors[k.split(".").pop()!] = Array.from(v);
    const out = path.join(dir, `errors-${modes}-${seed}.json`);
    fs.writeFileSync(out, JSON.stringify(errors));
    expect(sim.spec().twinVars.map((v) => v.path).sort()).toEqual([...chip.keys()].sort());
    return out;
  }
  const loadProgramSimulated = (file: string) => loadProgram(file, undefined, [], true);

  it("the instrument computes what pnn's twin computes with the instrument's own errors (12 modes, to 1e-12)", async () => {
    const errors = chipErrors(12, 0);
    const p = loadProgram(path.join(dir, "net-12-0.pnn"));
    const { spec, programs } = p.compileReference(4);
    const specs = spec.externals.map((s) => ({ ...s, address: { kind: "stdio" as const, command: `${PYTHON} ${INSTRUMENT} --modes 12 --noise 0 --errors ${errors}`, cwd: dir } }));
    const truth = JSON.parse(fs.readFileSync(errors, "utf8")) as Record<string, number[]>;
    const twin = new Map(spec.twinVars.map((v) => [v.path, Float64Array.from(truth[v.path.split(".").pop()!]!)]));
    const hub = DeviceHub.create(specs, { allowCommands: true });
    try {
      await hub.open();
      const staged = attachDevices(programs, hub.clients, specs, twin);
      const ps = initParams(spec.params, 3);
      const x = tensor("f32", [4, 12], Float64Array.from({ length: 48 }, (_, i) => Math.abs(Math.sin(1.7 * i))));
      const run = async (which: "inferTwin" | "inferDevice") => {
        const prog = staged[which]!;
        const inputs = bindInputs(prog.exe, prog.manifest, ps, undefined);
        feedBatch(prog.manifest, inputs, { x, labels: tensor("i32", [4], new Int32Array(4)), weights: tensor("f32", [4], new Float64Array(4)), key: tensor("i32", [4], new Int32Array(4)) });
        return Array.from((await prog.exe.run(inputs)).logits!.data);
      };
      const t = await run("inferTwin"), d = await run("inferDevice");
      expect(Math.max(...t.map((v, i) => Math.abs(v - d[i]!)))).toBeLessThan(1e-12);
      // and the twin that does not know the errors does not
      for (const v of twin.values()) v.fill(0);
      const t0 = await run("inferTwin");
      expect(Math.max(...t0.map((v, i) => Math.abs(v - d[i]!)))).toBeGreaterThan(0.01);
    } finally {
      await hub.close();
    }
  });

  it("physics-aware training over stdio and TCP equals training on the in-process simulation (noise-free: parameters to 1e-9)", async () => {
    const errors = chipErrors(4, 0);
    const file = path.join(dir, "net-4-0.pnn");
    const command = `${PYTHON} ${INSTRUMENT} --modes 4 --noise 0 --errors ${errors}`;
    const epochs = 3;
    const sim = loadProgramSimulated(file);
    await trainProduct(sim, { outDir: path.join(dir, "sim"), backend: "ref", progress: quiet(epochs) });
    const p = loadProgram(file);
    await trainProduct(p, { outDir: path.join(dir, "stdio"), backend: "ref", progress: quiet(epochs), externals: [`OpticalChip=stdio:${command}`] });
    const port = await freePort();
    const server = await startServer(PYTHON, [INSTRUMENT, "--modes", "4", "--noise", "0", "--errors", errors, "--tcp", String(port)], port);
    try {
      await trainProduct(p, { outDir: path.join(dir, "tcp"), backend: "ref", progress: quiet(epochs), externals: [`OpticalChip=tcp:127.0.0.1:${port}`] });
    } finally {
      await server.stop();
    }
    const a = params(path.join(dir, "sim", "checkpoint.safetensors"));
    for (const run of ["stdio", "tcp"]) {
      const b = params(path.join(dir, run, "checkpoint.safetensors"));
      expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
      let worst = 0;
      for (const [k, v] of a) for (let i = 0; i < v.length; i++) worst = Math.max(worst, Math.abs(v[i]! - b.get(k)![i]!));
      expect(worst, run).toBeLessThan(1e-9);
    }
    // the runs did move: not a trivially equal start
    const init = initParams(sim.spec().params, 1);
    expect(Math.max(...[...a].map(([k, v]) => Math.max(...v.map((x, i) => Math.abs(x - init.get(k)![i]!)))))).toBeGreaterThan(0.05);
  });

  it("with per-shot detector noise, the device accuracies agree within 2 test samples", async () => {
    const errors = chipErrors(4, 0.01, 2);
    const file = path.join(dir, "net-4-0.01.pnn");
    const epochs = 4;
    const sim = await trainProduct(loadProgramSimulated(file), { outDir: path.join(dir, "sim-noisy"), backend: "ref", progress: quiet(epochs) });
    const ext = await trainProduct(loadProgram(file), { outDir: path.join(dir, "ext-noisy"), backend: "ref", progress: quiet(epochs), externals: [`OpticalChip=stdio:${PYTHON} ${INSTRUMENT} --modes 4 --noise 0.01 --seed 5 --errors ${errors}`] });
    if (sim.kind !== "trained" || ext.kind !== "trained") throw new Error("expected trained runs");
    const n = ext.summary.test_samples as number;
    const diff = Math.abs((sim.summary.device_test_accuracy as number) - (ext.summary.device_test_accuracy as number)) * n;
    expect(diff).toBeLessThanOrEqual(2 + 1e-9);
    expect(ext.summary.device_test_accuracy as number).toBeGreaterThan(0.6);
  });
});
