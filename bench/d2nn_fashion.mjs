// bench/d2nn_fashion.mjs — a 5-phase-mask diffractive network trained on the full Fashion-MNIST
// (60,000 training images) and tested on its 10,000 test images, rerun with
//   nice -n 10 node bench/d2nn_fashion.mjs      (after `npm run build`; hours on 2 shared cores)
// Needs Debian's dataset-fashion-mnist. Trains bench/programs/d2nn_fashion.pnn with `pnn train
// --json` (wasm backend), keeps every epoch's record, and writes bench/results-d2nn-fashion.md
// (the reproduction table, bench/reproduce.mjs, reads it). The run folder is runs/d2nn-fashion.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const program = path.join(root, "bench", "programs", "d2nn_fashion.pnn");
const out = path.join(root, "runs", "d2nn-fashion");
const args = [path.join(root, "bin", "pnn.js"), "train", program, "--json", "--out", out, ...process.argv.slice(2)];
const started = Date.now();
const child = spawn("node", args, { stdio: ["ignore", "pipe", "inherit"] });
const records = [];
let buffer = "";
child.stdout.on("data", (chunk) => {
  buffer += chunk;
  let nl;
  while ((nl = buffer.indexOf("\n")) >= 0) {
    const line = buffer.slice(0, nl).trim();
    buffer = buffer.slice(nl + 1);
    if (!line.startsWith("{")) continue;
    const r = JSON.parse(line);
    records.push(r);
    if (r.type === "epoch") process.stdout.write(`epoch ${r.epoch}: train ${(100 * r.accuracy).toFixed(2)}%, test ${(100 * r.test_accuracy).toFixed(2)}% (${r.samples_per_s.toFixed(0)} samples/s)\n`);
  }
});
child.on("close", (code) => {
  if (code !== 0) process.exit(code ?? 1);
  const epochs = records.filter((r) => r.type === "epoch");
  const summary = records.find((r) => r.type === "summary");
  const pct = (v) => `${(100 * v).toFixed(2)}%`;
  const md = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} cores shared with other jobs (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}, wasm backend, \`nice -n 10\`; ${((Date.now() - started) / 3600e3).toFixed(1)} h wall.`,
    "",
    "bench/programs/d2nn_fashion.pnn: 5 phase masks of 56×56 neurons (each 28×28 image pixel spans 2×2 neurons), λ = 0.75 mm, 0.4 mm neurons, 3 mm gaps, Rayleigh–Sommerfeld propagation in exact 128×128 windows, 10 detector regions of 8×8; Adam 0.01, batch 32; trained in silico on all 60,000 Fashion-MNIST training images, tested on the 10,000 test images.",
    "",
    "| epoch | train accuracy (running) | test accuracy (10,000 images) |",
    "|---|---|---|",
    ...epochs.map((r) => `| ${r.epoch} | ${pct(r.accuracy)} | ${pct(r.test_accuracy)} |`),
    "",
    `Final test accuracy: **${pct(summary.test_accuracy)}** (${summary.train_samples} training / ${summary.test_samples} test images).`,
    "",
  ].join("\n");
  fs.writeFileSync(path.join(root, "bench", "results-d2nn-fashion.md"), md);
  fs.writeFileSync(path.join(root, "bench", "results-d2nn-fashion.json"), JSON.stringify({ epochs, summary }, null, 1) + "\n");
  process.stdout.write(md);
});
