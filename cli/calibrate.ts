/**
 * `pnn calibrate FILE --log LOG -o CKPT`: fits the twin's estimates of the external devices'
 * variables to measured queries (device logs, and/or `--probe N` rows measured now) and writes
 * them as a calibration file for `--calibration` (compiler/driver/calibrate.ts; docs/hardware.md).
 * Prints, per device, the RMS twin-vs-device error on fitted and held-out queries before and
 * after, the values the measurements cannot determine, and with `--check N` the cosine of the
 * twin's gradient with finite differences on the device.
 */
import type { Command } from "commander";
import { calibrateProduct, DEFAULT_BACKEND, type DeviceCalibration } from "../compiler/driver/index.js";
import { addDeviceOptions, deviceRequest, guarded, openProgram, type DeviceFlags } from "./run-commands.js";
import { UsageError } from "./io.js";

function number(v: string, what: string, lo: number, hi = Infinity, integer = false): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < lo || n > hi || (integer && !Number.isInteger(n))) throw new UsageError(`${what} must be ${integer ? "a whole number" : "a number"} in [${lo}, ${hi}], got '${v}'`);
  return n;
}

function describe(d: DeviceCalibration): string {
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(5) : "–");
  const lines = [
    `device ${d.device}: ${d.queries.fitted} queries fitted, ${d.queries.heldOut} held out (${d.queries.rows} rows); ${d.estimates} estimated values${d.unobservable ? `; ${d.unobservable} direction${d.unobservable === 1 ? "" : "s"} of them the measurements cannot determine (left at the prior)` : ""}`,
    `  RMS twin − device   fitted ${f(d.rms.fittedBefore)} → ${f(d.rms.fittedAfter)}   held out ${f(d.rms.heldOutBefore)} → ${f(d.rms.heldOutAfter)}   (${d.steps} steps)`,
  ];
  if (d.fidelity) lines.push(`  gradient cosine with device finite differences (${d.fidelity.elements} parameters, ±${d.fidelity.eps})   before ${d.fidelity.cosine[0]!.toFixed(3)} → after ${d.fidelity.cosine[1]!.toFixed(3)}   (two device estimates agree to ${d.fidelity.deviceRepeat.toFixed(3)})`);
  if (d.fidelityNote) lines.push(`  ${d.fidelityNote}`);
  return lines.join("\n");
}

export function registerCalibrateCommand(program: Command, setCode: (c: number) => void): void {
  addDeviceOptions(
    program
      .command("calibrate")
      .description("fit the twin's estimates of the external devices' variables to measured queries; write a calibration file for --calibration")
      .argument("<file>", ".pnn file")
      .option("--log <file>", "a device log to fit to (pnn train --device-log); repeat for several", (v: string, all: string[]) => [...all, v], [] as string[])
      .option("--probe <rows>", "also measure this many rows now: training inputs at random parameter settings")
      .requiredOption("-o, --out <file>", "the calibration file to write (.safetensors)")
      .option("--weights <ckpt>", "parameters of the network around the devices (for --probe) and where --check looks; default: initial")
      .option("--steps <n>", "gradient steps (Adam, full batch)", "300")
      .option("--lr <rate>", "Adam's learning rate (in the estimates' units)", "0.01")
      .option("--holdout <fraction>", "fraction of the queries held out to score the fit", "0.2")
      .option("--check <n>", "check the twin's gradient against finite differences on the device over n parameter elements (4n queries); 0: no check", "0")
      .option("--eps <step>", "finite-difference step for --check", "0.05")
      .option("--json", "print the report as JSON")
      .option("--backend <name>", "execution backend: wasm | ref", DEFAULT_BACKEND),
    "calibrate",
  ).action((file: string, opts: { log: string[]; probe?: string; out: string; weights?: string; steps: string; lr: string; holdout: string; check: string; eps: string; json?: boolean; backend: string } & DeviceFlags) =>
    guarded(setCode, opts.json, async () => {
      const p = openProgram(file, undefined, opts.simulate);
      const r = await calibrateProduct(p, {
        ...deviceRequest(opts),
        backend: opts.backend,
        logs: opts.log,
        ...(opts.probe ? { probe: number(opts.probe, "--probe", 1, 1e7, true) } : {}),
        ...(opts.weights ? { weights: opts.weights } : {}),
        steps: number(opts.steps, "--steps", 1, 1e6, true),
        lr: number(opts.lr, "--lr", 0),
        holdout: number(opts.holdout, "--holdout", 0, 0.9),
        fidelity: number(opts.check, "--check", 0, 1e5, true),
        eps: number(opts.eps, "--eps", 0),
        out: opts.out,
      });
      if (opts.json) process.stdout.write(JSON.stringify({ file: r.file, devices: r.devices }) + "\n");
      else process.stdout.write(`${r.devices.map(describe).join("\n")}\nwrote ${r.file}\n`);
    }),
  );
}
