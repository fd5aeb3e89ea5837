// bench/energy.mjs — the measured numbers of the energy-based rules, rerun with
//   node bench/energy.mjs            (~2 minutes on 2 cores)
// Trains the energy-based examples from the CLI (fixed seeds) — coupled learning and EP on
// resistor networks (iris, XOR), EP on Hopfield-like networks (XOR, an MNIST subset) — and
// writes bench/results-energy.md (included in bench/RESULTS.md by hand): twin and device test
// accuracy, device queries (relaxations, readouts), digital FLOPs and wall time.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const pnn = path.join(root, "bin", "pnn.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-bench-energy-"));

function run(example, rule, label) {
  const out = path.join(tmp, label);
  const args = [pnn, "train", path.join(root, "examples", example), "--json", "--out", out, ...(rule ? ["--rule", rule] : [])];
  const lines = execFileSync("node", args, { encoding: "utf8", maxBuffer: 1 << 26 }).trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}

const pct = (v) => (v === undefined ? "–" : `${(100 * v).toFixed(1)}%`);
const sci = (v) => (v ? v.toExponential(2) : "0");
const grid = [
  ["resistor_iris.pnn", undefined, "iris, resistor 4-6-3 + rails, σ = 5%"],
  ["resistor_iris.pnn", "equilibrium_propagation", "iris, resistor 4-6-3 + rails, σ = 5%"],
  ["resistor_xor.pnn", undefined, "xor, resistor 2-8-2 + rails (linear)"],
  ["hopfield_xor.pnn", undefined, "xor, Hopfield 2-16-2"],
  ["hopfield_ep.pnn", undefined, "mnist 14×14 (2000/1000), Hopfield 196-64-10"],
];
const rows = grid.map(([file, rule, what]) => {
  const s = run(file, rule, `${file}-${rule ?? "default"}`);
  const per = (v) => (v / (s.train_samples * s.epochs)).toFixed(0);
  return `| ${what} | ${s.rule} | ${s.epochs} | ${pct(s.test_accuracy)} | ${s.device_test_accuracy_mean === undefined ? "–" : `${pct(s.device_test_accuracy_mean)} ± ${pct(s.device_test_accuracy_std)}`} | ${sci(s.device_relaxations)} (${per(s.device_relaxations)}/sample) | ${sci(s.device_measurements)} | ${sci(s.digital_flops)} | ${s.wall_s.toFixed(1)} s |`;
});
const md = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}, reference interpreter backend.`,
  "",
  "| network | rule | epochs | twin test | device test, chips (mean ± std) | relaxations | readouts | digital FLOPs | wall |",
  "|---|---|---|---|---|---|---|---|---|",
  ...rows,
  "",
].join("\n");
fs.writeFileSync(path.join(root, "bench", "results-energy.md"), md);
process.stdout.write(md);
