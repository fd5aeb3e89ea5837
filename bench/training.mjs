// bench/training.mjs — the measured numbers of the training slice, rerun with
//   node bench/training.mjs            (after `npm ci`; ~3 minutes on 2 cores)
// It trains, in one run, the flagship vowel network with physics_aware and with backprop at the
// issue's phase error (σ = 0.05 rad) and at σ = 0.1 rad, and the 784-128-10 MNIST MLP, then
// writes bench/results-training.md (included in bench/RESULTS.md by hand).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const pnn = path.join(root, "bin", "pnn.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-bench-"));

function run(file, rule, label) {
  const out = path.join(tmp, label);
  const args = [pnn, "train", file, "--json", "--out", out, ...(rule ? ["--rule", rule] : [])];
  const lines = execFileSync("node", args, { encoding: "utf8", maxBuffer: 1 << 26 }).trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}

const flagship = path.join(root, "examples", "vowels_mzi.pnn");
const sigma01 = path.join(tmp, "vowels_sigma01.pnn");
fs.writeFileSync(sigma01, fs.readFileSync(flagship, "utf8").replace("sigma: real = 0.05 rad", "sigma: real = 0.1 rad"));

const pct = (v) => (v === undefined ? "–" : `${(100 * v).toFixed(1)}%`);
const rows = [];
for (const [file, sigma] of [[flagship, "0.05"], [sigma01, "0.1"]]) {
  for (const rule of ["physics_aware", "backprop"]) {
    const s = run(file, rule, `vowels-${sigma}-${rule}`);
    rows.push(`| vowels, MZI–SA–MZI, σ = ${sigma} rad | ${rule} | ${pct(s.test_accuracy)} | ${pct(s.device_test_accuracy)} | ${pct(s.device_test_accuracy_mean)} ± ${pct(s.device_test_accuracy_std)} | ${s.wall_s.toFixed(1)} s |`);
  }
}
const m = run(path.join(root, "examples", "mnist_mlp.pnn"), undefined, "mnist");
rows.push(`| mnist 784-128-10 MLP (8000/2000) | backprop | ${pct(m.test_accuracy)} | – | – | ${m.wall_s.toFixed(1)} s |`);

const md = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}, reference interpreter backend.`,
  "",
  "| network | rule | twin test | device test (trained chip 0) | device test, 5 chips (mean ± std) | wall |",
  "|---|---|---|---|---|---|",
  ...rows,
  "",
].join("\n");
fs.writeFileSync(path.join(root, "bench", "results-training.md"), md);
process.stdout.write(md);
