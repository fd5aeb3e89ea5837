// bench/analog_drift.mjs — accuracy of the PCM crossbar MLP vs time after programming, rerun with
//   node bench/analog_drift.mjs        (after `npx tsc`; ~2 minutes on 2 cores)
// Trains examples/crossbar_mnist.pnn once (backprop on the twin), then evaluates the same
// checkpoint on 5 simulated chips at t = 0, 1 s, 1 h, 1 d, 1 y after programming (`pnn eval
// --time`), with global drift compensation (the example as written) and without it (a copy with
// `drift_compensation: false` on both crossbars). Writes bench/results-analog.md (copied into
// bench/RESULTS.md by hand).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const pnn = path.join(root, "bin", "pnn.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-bench-analog-"));
const example = path.join(root, "examples", "crossbar_mnist.pnn");
const source = fs.readFileSync(example, "utf8");
// the copy sits next to the example so relative data paths resolve the same way
const noComp = path.join(root, "examples", ".bench_crossbar_nocomp.pnn");
fs.writeFileSync(noComp, source.replaceAll("pcm: true,", "pcm: true, drift_compensation: false,"));
if (!fs.readFileSync(noComp, "utf8").includes("drift_compensation: false")) throw new Error("could not disable drift compensation");

const json = (args) => {
  const lines = execFileSync("node", [pnn, ...args, "--json"], { encoding: "utf8", maxBuffer: 1 << 26 }).trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
};

try {
  const t0 = Date.now();
  const trained = json(["train", example, "--out", path.join(tmp, "run")]);
  const trainWall = (Date.now() - t0) / 1000;
  const ckpt = path.join(tmp, "run", "checkpoint.safetensors");
  const pct = (v) => `${(100 * v).toFixed(1)}%`;
  const rows = [];
  for (const time of ["0", "1s", "1h", "1d", "1y"]) {
    const cells = [];
    for (const file of [example, noComp]) {
      const r = json(["eval", file, "--weights", ckpt, "--time", time, "--chips", "5"]);
      cells.push(`${pct(r.device_test_accuracy_mean)} ± ${pct(r.device_test_accuracy_std)}`);
    }
    rows.push(`| ${time === "0" ? "0 (just programmed)" : time} | ${cells.join(" | ")} |`);
  }
  const md = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}, reference interpreter backend.`,
    "",
    `examples/crossbar_mnist.pnn (196-64-10, two PCM crossbars, 8-bit DAC/ADC, weight and output noise 0.02; MNIST 14×14, ${trained.train_samples}/${trained.test_samples}), trained ${trained.epochs} epochs by backprop on the twin in ${trainWall.toFixed(0)} s: twin test accuracy ${pct(trained.test_accuracy)}.`,
    "",
    "| time after programming | device test, 5 chips, with global drift compensation | without compensation |",
    "|---|---|---|",
    ...rows,
    "",
  ].join("\n");
  fs.writeFileSync(path.join(root, "bench", "results-analog.md"), md);
  process.stdout.write(md);
} finally {
  fs.rmSync(noComp, { force: true });
}
