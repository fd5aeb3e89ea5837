// bench/many_chips.mjs — the many-chip recipe (docs/deploy-many-chips.md) on the flagship,
// rerun with   node bench/many_chips.mjs [FILE] [--chips K] [--finetune N]   (after `npm run build`;
// about a minute on 2 cores for examples/vowels_mzi.pnn)
// 1. before: the train block as written (physics_aware on chip 0), evaluated on chips 0..K−1;
// 2. hardware-aware pre-training (--rule hardware_aware: a fresh chip from the device model's
//    distribution every step), evaluated on the same chips;
// 3. after: for each chip k, a short physics-aware fine-tune from the pre-trained checkpoint on
//    chip k (`pnn train --from CKPT --chip k --epochs N`), evaluated on chip k.
// Writes bench/results-many-chips.md (and .json).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { mirrorResults } from "../scripts/results-sections.mjs";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const file = path.resolve(argv.find((a, i) => !a.startsWith("--") && !(i > 0 && argv[i - 1].startsWith("--"))) ?? path.join(root, "examples", "vowels_mzi.pnn"));
const chips = Number(opt("--chips", "5"));
const finetune = Number(opt("--finetune", "10"));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-bench-chips-"));
const pnn = (...args) => {
  const lines = execFileSync("node", [path.join(root, "bin", "pnn.js"), ...args, "--json"], { encoding: "utf8", maxBuffer: 1 << 26 }).trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
};
const pct = (v) => `${(100 * v).toFixed(1)}%`;
const meanStd = (xs) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean: m, std: Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length) };
};
const ms = (xs) => `${pct(meanStd(xs).mean)} ± ${pct(meanStd(xs).std)}`;

const t0 = Date.now();
const before = pnn("train", file, "--out", path.join(tmp, "pat"));
const beforeChips = pnn("eval", file, "--weights", path.join(tmp, "pat", "checkpoint.safetensors"), "--chips", String(chips)).per_chip;
const pre = pnn("train", file, "--rule", "hardware_aware", "--out", path.join(tmp, "ha"));
const preChips = pnn("eval", file, "--weights", path.join(tmp, "ha", "checkpoint.safetensors"), "--chips", String(chips)).per_chip;
const after = [];
for (let k = 0; k < chips; k++) {
  const s = pnn("train", file, "--from", path.join(tmp, "ha", "checkpoint.safetensors"), "--chip", String(k), "--epochs", String(finetune), "--out", path.join(tmp, `chip${k}`));
  after.push({ chip: k, accuracy: s.device_test_accuracy, device_forwards: s.device_forwards });
}
const wall = (Date.now() - t0) / 1000;
const afterAcc = after.map((a) => a.accuracy);
const rel = path.relative(root, file);
const md = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} shared cores (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}, wasm backend; ${wall.toFixed(0)} s in all.`,
  "",
  `${rel}, test accuracy on simulated chips 0–${chips - 1} (each chip its own static fabrication errors, per-shot noise):`,
  "",
  "| recipe | trained chip | chips 0–" + (chips - 1) + " | mean ± std over " + chips + " chips |",
  "|---|---|---|---|",
  `| before: ${before.rule} on chip 0 (${before.epochs} epochs, the train block) | ${pct(before.device_test_accuracy)} | ${beforeChips.map(pct).join(" ")} | ${ms(beforeChips)} |`,
  `| hardware-aware pre-training only (${pre.epochs} epochs, a fresh chip every step; one set of weights) | – | ${preChips.map(pct).join(" ")} | ${ms(preChips)} |`,
  `| after: pre-training + ${finetune}-epoch physics-aware fine-tune on each chip (\`--from CKPT --chip k\`), each chip with its own weights | – | ${afterAcc.map(pct).join(" ")} | ${ms(afterAcc)} |`,
  "",
  `The fine-tune costs ${after[0].device_forwards} device forward passes per chip (${finetune} epochs of the ${before.train_samples} training samples). Gap between the trained-chip accuracy before and the 5-chip mean after: ${(100 * (before.device_test_accuracy - meanStd(afterAcc).mean)).toFixed(1)} points (before the recipe: ${(100 * (before.device_test_accuracy - meanStd(beforeChips).mean)).toFixed(1)} points).`,
  "",
].join("\n");
fs.writeFileSync(path.join(root, "bench", "results-many-chips.md"), md);
mirrorResults("bench/results-many-chips.md"); // its section of bench/RESULTS.md
fs.writeFileSync(path.join(root, "bench", "results-many-chips.json"), JSON.stringify({ file: rel, chips, finetune, before: { trained: before.device_test_accuracy, perChip: beforeChips }, pretrained: preChips, after }, null, 1) + "\n");
fs.rmSync(tmp, { recursive: true, force: true });
process.stdout.write(md);
