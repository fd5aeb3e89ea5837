// bench/training.mjs — the measured numbers of the training slice, rerun with
//   node bench/training.mjs            (after `npm ci`; ~3 minutes on 2 cores)
// It trains, in one run, the flagship vowel network with physics_aware and with backprop on the
// flagship device and on the bare device (no responsivity spread), over six seeds each,
// and the 784-128-10 MNIST MLP, then rewrites its generated section of bench/RESULTS.md
// (scripts/doc-sections.ts; bump DOC_FORMAT when the tables change shape). ~5 minutes on 2 cores
// with the reference backend.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const { writeSection } = await import(path.join(root, "dist/scripts/doc-sections.js"));
/** The version of the section this script writes into bench/RESULTS.md. */
export const DOC_FORMAT = 1;
const pnn = path.join(root, "bin", "pnn.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-bench-"));

function run(file, rule, label) {
  const out = path.join(tmp, label);
  const args = [pnn, "train", file, "--json", "--backend", "ref", "--out", out, ...(rule ? ["--rule", rule] : [])];
  const lines = execFileSync("node", args, { encoding: "utf8", maxBuffer: 1 << 26 }).trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}

const flagship = path.join(root, "examples", "vowels_mzi.pnn");
const flagshipText = fs.readFileSync(flagship, "utf8");
// The bare device: phase error σ = 0.05 rad and per-shot read noise only (no responsivity spread).
const bareText = flagshipText.replace(" * resp + read_noise", " + read_noise");
if (bareText === flagshipText) throw new Error("bench/training.mjs: could not derive the bare device from the flagship");

const pct = (v) => (v === undefined ? "–" : `${(100 * v).toFixed(1)}%`);
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const SEEDS = [1, 2, 3, 4, 5, 6];
const rows = [];
const sweep = [];
for (const [label, text] of [["flagship device (σ = 0.05 rad phase error, 10% responsivity spread, read noise)", flagshipText], ["issue's bare device (σ = 0.05 rad phase error, read noise)", bareText]]) {
  for (const rule of ["physics_aware", "backprop"]) {
    const per = [];
    for (const seed of SEEDS) {
      const file = path.join(tmp, `v-${rows.length}-${seed}.pnn`);
      fs.writeFileSync(file, text.replace(/seed = 1\b/, `seed = ${seed}`));
      const s = run(file, rule, `v-${rows.length}-${rule}-${seed}`);
      per.push(s);
      if (seed === 1) rows.push(`| vowels MZI–SA–MZI, ${label} | ${rule} | ${pct(s.test_accuracy)} | ${pct(s.device_test_accuracy)} | ${pct(s.device_test_accuracy_mean)} ± ${pct(s.device_test_accuracy_std)} | ${s.wall_s.toFixed(1)} s |`);
    }
    sweep.push(`| ${label} | ${rule} | ${pct(mean(per.map((s) => s.test_accuracy)))} | ${pct(mean(per.map((s) => s.device_test_accuracy)))} | ${per.map((s) => pct(s.device_test_accuracy)).join(" ")} |`);
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
  `Seed sweep (seeds ${SEEDS.join(", ")}; each seed is a different chip, initialisation and shuffle; chip = the chip trained on, chip 0):`,
  "",
  "| device | rule | twin test, mean | chip test, mean | chip test per seed |",
  "|---|---|---|---|---|",
  ...sweep,
  "",
].join("\n");
writeSection(path.join(root, "bench", "RESULTS.md"), { generator: "bench/training.mjs", format: DOC_FORMAT, command: "node bench/training.mjs" }, md);
process.stdout.write(md);
