// bench/d2nn_fashion.mjs — a 5-phase-mask diffractive network trained on the full Fashion-MNIST
// (60,000 training images) and tested on its 10,000 test images, rerun with
//   nice -n 10 node bench/d2nn_fashion.mjs      (after `npm run build`; about an hour on 2 shared cores)
// Needs Debian's dataset-fashion-mnist. Two stages, a step-decayed learning rate:
//   1. bench/programs/d2nn_fashion.pnn as written (Adam, lr 0.01, 6 epochs) into runs/d2nn-fashion;
//   2. `pnn train --from` stage 1's checkpoint with `--set optimizer.lr=0.002 --set epochs=2` (a
//      fresh optimizer at a fifth of the rate) into runs/d2nn-fashion-decay.
// `--stage2-only` reruns stage 2 from an existing stage 1 (its run folder and results JSON).
// Keeps every epoch's record (`pnn train --json`, wasm backend) and writes
// bench/results-d2nn-fashion.md and .json (the reproduction table, bench/reproduce.mjs, reads it).
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const program = path.join(root, "bench", "programs", "d2nn_fashion.pnn");
const stage1Out = path.join(root, "runs", "d2nn-fashion");
const stage2Out = path.join(root, "runs", "d2nn-fashion-decay");
const resultsJson = path.join(root, "bench", "results-d2nn-fashion.json");
const STAGE2 = ["--set", "optimizer.lr=0.002", "--set", "epochs=2"];
const pct = (v) => `${(100 * v).toFixed(2)}%`;

/** Runs `pnn train … --json`, echoing each epoch; resolves with its epoch records and summary. */
function train(extra, label) {
  const args = [path.join(root, "bin", "pnn.js"), "train", program, "--json", ...extra];
  const started = Date.now();
  return new Promise((resolve, reject) => {
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
        if (r.type === "epoch") process.stdout.write(`${label} epoch ${r.epoch}: train ${pct(r.accuracy)}, test ${pct(r.test_accuracy)} (${r.samples_per_s.toFixed(0)} samples/s)\n`);
      }
    });
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`pnn train (${label}) exited with ${code}`));
      resolve({ epochs: records.filter((r) => r.type === "epoch"), summary: records.find((r) => r.type === "summary"), hours: (Date.now() - started) / 3600e3 });
    });
  });
}

const stage2Only = process.argv.includes("--stage2-only");
// a results file from before the two stages holds stage 1 alone at its top level
const earlier = stage2Only ? JSON.parse(fs.readFileSync(resultsJson, "utf8")) : undefined;
const stage1 = earlier ? earlier.stage1 ?? earlier : await train(["--out", stage1Out], "stage 1");
const stage2 = await train(["--from", path.join(stage1Out, "checkpoint.safetensors"), ...STAGE2, "--out", stage2Out], "stage 2");
const rows = [...stage1.epochs.map((r) => ({ ...r, stage: "1 (lr 0.01)" })), ...stage2.epochs.map((r) => ({ ...r, epoch: stage1.epochs.length + r.epoch, stage: "2 (lr 0.002, --from stage 1)" }))];
const md = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} cores shared with other jobs (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}, wasm backend, \`nice -n 10\`; stage 2 ${stage2.hours.toFixed(2)} h wall${stage1.hours ? `, stage 1 ${stage1.hours.toFixed(1)} h` : ""}.`,
  "",
  "bench/programs/d2nn_fashion.pnn: 5 phase masks of 56×56 neurons (each 28×28 image pixel spans 2×2 neurons), λ = 0.75 mm, 0.4 mm neurons, 3 mm gaps, Rayleigh–Sommerfeld propagation in exact 128×128 windows, 10 detector regions of 8×8; Adam, batch 32; trained in silico on all 60,000 Fashion-MNIST training images, tested on the 10,000 test images after every epoch. Learning rate: 0.01 for 6 epochs (the train block), then 0.002 for 2 epochs (`pnn train --from` stage 1's checkpoint `" + STAGE2.join(" ") + "`: a fresh Adam state).",
  "",
  "| epoch | stage | train accuracy (running) | test accuracy (10,000 images) |",
  "|---|---|---|---|",
  ...rows.map((r) => `| ${r.epoch} | ${r.stage} | ${pct(r.accuracy)} | ${pct(r.test_accuracy)} |`),
  "",
  `Final test accuracy: **${pct(stage2.summary.test_accuracy)}** after stage 2 (${pct(stage1.summary.test_accuracy)} after stage 1; ${stage2.summary.train_samples} training / ${stage2.summary.test_samples} test images).`,
  "",
].join("\n");
fs.writeFileSync(path.join(root, "bench", "results-d2nn-fashion.md"), md);
fs.writeFileSync(resultsJson, JSON.stringify({ stage1, stage2, summary: stage2.summary, epochs: rows }, null, 1) + "\n");
process.stdout.write(md);
