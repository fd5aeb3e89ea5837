// bench/hardware.mjs — the measured numbers of external devices (docs/hardware.md, issue 14), rerun with
//   nice -n 10 node bench/hardware.mjs        (after `npm run build`; ~10 minutes on 2 cores)
// It uses the example lab (examples/lab: vowels_lab.pnn, instrument.py, a 12-mode MZI–SA–MZI chip
// in a separate Python process) and writes bench/results-hardware.md:
//   1. physics-aware training through the protocol (stdio and TCP) against pnn's in-process
//      simulation of the same chip (`--simulate`; the instrument gets chip 0's phase errors),
//      per-shot noise on both, 60 epochs, seeds 1–3: device test accuracy and the difference in
//      test samples;
//   2. calibration on 2,000 probed queries of a chip with hidden static phase errors (σ = 0.1 rad)
//      and per-shot noise: recovery of the errors (all, and in the identifiable subspace),
//      held-out twin-vs-device error, gradient cosine with device finite differences; then
//      backprop on the calibrated twin deployed on the device vs physics-aware training and vs
//      backprop on the uncalibrated twin, seeds 1–3;
//   3. the same with slow drift (the calibration goes stale, physics-aware training follows it);
//   4. the cost of the protocol: training samples/s in process, over stdio and over TCP.
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { mirrorResults } from "../scripts/results-sections.mjs";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const pnn = path.join(root, "bin", "pnn.js");
const lab = path.join(root, "examples", "lab");
const instrument = path.join(lab, "instrument.py");
const PY = "/usr/bin/python3";
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-bench-hw-"));
const { Session } = await import(path.join(root, "dist/compiler/driver/session.js"));
const { sampleChip } = await import(path.join(root, "dist/runtime/init.js"));
const { loadCheckpoint } = await import(path.join(root, "dist/runtime/checkpoint.js"));

const source = fs.readFileSync(path.join(lab, "vowels_lab.pnn"), "utf8");
const host = { readFile: (p) => fs.readFileSync(p, "utf8") };

function fileFor(seed) {
  const file = path.join(tmp, `seed${seed}.pnn`);
  fs.writeFileSync(file, source.replace(/seed = 1\b/, `seed = ${seed}`));
  return file;
}

/** Chip 0 of the in-process simulation of `file`: the phase errors the instrument is given. */
function chipErrors(file, seed) {
  const p = new Session(file, fs.readFileSync(file, "utf8"), host).program({ simulate: true });
  const errors = {};
  for (const [k, v] of sampleChip(p.spec().chipVars, seed, 0)) errors[k.split(".").pop()] = Array.from(v);
  const out = path.join(tmp, `errors-${seed}.json`);
  fs.writeFileSync(out, JSON.stringify(errors));
  return out;
}

function train(file, label, extra) {
  const out = path.join(tmp, label);
  const lines = execFileSync("node", [pnn, "train", file, "--json", "--out", out, ...extra], { cwd: lab, encoding: "utf8", maxBuffer: 1 << 26 }).trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}

const freePort = () => new Promise((resolve) => { const s = net.createServer(); s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); }); });
async function serve(args) {
  const port = await freePort();
  const child = spawn(PY, [instrument, ...args, "--tcp", String(port)], { stdio: "ignore" });
  for (;;) {
    const ok = await new Promise((r) => { const s = net.connect({ port, host: "127.0.0.1" }, () => (s.end(), r(true))); s.once("error", () => r(false)); });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { address: `OpticalChip=tcp:127.0.0.1:${port}`, stop: () => new Promise((r) => (child.once("exit", r), child.kill())) };
}

const pct = (v) => `${(100 * v).toFixed(1)}%`;
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const SEEDS = [1, 2, 3];
const md = [`Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}, wasm backend, while other jobs shared the machine (wall times are upper bounds). Network: examples/lab/vowels_lab.pnn (12 modes, MZI–SA–MZI, 7 detectors + per-class gain; vowels, 77 test recordings: one recording is 1.3 points).`, ""];

// ── 1. protocol vs in-process ───────────────────────────────────────────────────────────────
md.push("### Physics-aware training through the protocol vs in process", "", "Hidden chip: static phase errors σ = 0.1 rad (chip 0 of the simulation, given to the instrument with --errors), per-shot detector noise σ = 0.01 (independent draws in each process), no drift. 60 epochs. The last column trains the same network without the `external` line: an ordinary simulated chip (the same chip 0), whose physics-aware training measures every activation inside the chip, not only its output.", "", "| seed | in process (--simulate) | stdio | TCP | largest difference | samples/s in process / stdio / TCP | in process, every activation measured |", "|---|---|---|---|---|---|---|");
const speed = [];
for (const seed of SEEDS) {
  const file = fileFor(seed);
  const errors = chipErrors(file, seed);
  const sim = train(file, `sim-${seed}`, ["--simulate"]);
  const stdio = train(file, `stdio-${seed}`, ["--external", `OpticalChip=stdio:${PY} ${instrument} --errors ${errors} --seed ${100 + seed}`]);
  const server = await serve(["--errors", errors, "--seed", String(200 + seed)]);
  const tcp = train(file, `tcp-${seed}`, ["--external", server.address]);
  await server.stop();
  const n = sim.test_samples;
  const diff = Math.max(...[stdio, tcp].map((s) => Math.round(Math.abs(s.device_test_accuracy - sim.device_test_accuracy) * n)));
  speed.push([sim.samples_per_s, stdio.samples_per_s, tcp.samples_per_s]);
  const plainFile = path.join(tmp, `plain${seed}.pnn`);
  const plainText = fs.readFileSync(file, "utf8").replace(/\n\s*external stdio\([^\n]*\)/, "");
  if (plainText === fs.readFileSync(file, "utf8")) throw new Error("bench/hardware.mjs: could not remove the external line");
  fs.writeFileSync(plainFile, plainText);
  const plain = train(plainFile, `plain-${seed}`, []);
  md.push(`| ${seed} | ${pct(sim.device_test_accuracy)} | ${pct(stdio.device_test_accuracy)} | ${pct(tcp.device_test_accuracy)} | ${diff} test sample${diff === 1 ? "" : "s"} | ${[sim, stdio, tcp].map((s) => Math.round(s.samples_per_s)).join(" / ")} | ${pct(plain.device_test_accuracy)} |`);
  console.error(md[md.length - 1]);
}

// ── 2. calibration, then backprop-then-deploy vs PAT ───────────────────────────────────────
const calFile = path.join(tmp, "cal.safetensors");
const truthFile = path.join(tmp, "truth.json");
const dev = ["--seed", "7", "--noise", "0.01"];
const calOut = JSON.parse(execFileSync("node", [pnn, "calibrate", path.join(lab, "vowels_lab.pnn"), "--probe", "2000", "--check", "24", "--json", "-o", calFile, "--external", `OpticalChip=stdio:${PY} ${instrument} ${dev.join(" ")} --reveal ${truthFile}`], { cwd: lab, encoding: "utf8" }).trim().split("\n").pop());
const d = calOut.devices[0];
const truth = JSON.parse(fs.readFileSync(truthFile, "utf8"));
const ck = loadCheckpoint(calFile);
const err = [];
for (const p of d.order) { const est = ck.tensors.get(`twin:${p}`).data; truth[p.split(".").pop()].forEach((t, i) => err.push(est[i] - t)); }
const B = ck.tensors.get(`identifiable:${d.device}`);
const [n, r] = B.shape;
const c = new Float64Array(r);
for (let i = 0; i < n; i++) for (let k = 0; k < r; k++) c[k] += B.data[i * r + k] * err[i];
let inside = 0;
for (let i = 0; i < n; i++) { let s = 0; for (let k = 0; k < r; k++) s += B.data[i * r + k] * c[k]; inside += s * s; }
const rms = (xs) => Math.sqrt(xs.reduce((a, x) => a + x * x, 0) / xs.length);
const truthAll = [...truth.error1, ...truth.error2];
md.push("", "### Calibration on 2,000 recorded queries", "", `Chip: instrument --seed 7 (hidden static phase errors, RMS ${rms(truthAll).toFixed(4)} rad, drawn with σ = 0.1 rad; per-shot noise σ = 0.01). \`pnn calibrate examples/lab/vowels_lab.pnn --probe 2000 --check 24\`: 2,000 rows of training inputs at random phase settings (${d.queries.fitted} queries fitted, ${d.queries.heldOut} held out), ${d.steps} Adam steps.`, "",
  "| quantity | before | after |", "|---|---|---|",
  `| RMS error of the ${n} phase estimates, all | ${rms(truthAll).toFixed(4)} rad | ${rms(err).toFixed(4)} rad |`,
  `| … in the identifiable subspace (${r} of ${n} dimensions; ${n - r} are output phases no intensity measurement can see) | – | ${Math.sqrt(inside / n).toFixed(4)} rad |`,
  `| RMS twin − device on held-out queries (noise floor 0.01) | ${d.rms.heldOutBefore.toFixed(4)} | ${d.rms.heldOutAfter.toFixed(4)} |`,
  `| cosine of the twin's gradient with device finite differences (24 phases, ±0.05 rad; two device estimates agree to ${d.fidelity.deviceRepeat.toFixed(3)}) | ${d.fidelity.cosine[0].toFixed(3)} | ${d.fidelity.cosine[1].toFixed(3)} |`, "");
console.error(md.slice(-6).join("\n"));

md.push("Training on that chip (instrument --seed 7) over stdio, 60 epochs; device test accuracy:", "", "| seed | physics_aware (uncalibrated twin) | backprop on the calibrated twin, deployed | backprop on the uncalibrated twin, deployed | physics_aware, calibrated twin |", "|---|---|---|---|---|");
const ext = ["--external", `OpticalChip=stdio:${PY} ${instrument} ${dev.join(" ")}`];
const cols = [[], [], [], []];
for (const seed of SEEDS) {
  const file = fileFor(seed);
  const runs = [
    train(file, `pat-${seed}`, ext),
    train(file, `bpcal-${seed}`, [...ext, "--rule", "backprop", "--calibration", calFile]),
    train(file, `bp-${seed}`, [...ext, "--rule", "backprop"]),
    train(file, `patcal-${seed}`, [...ext, "--calibration", calFile]),
  ];
  runs.forEach((s, i) => cols[i].push(s.device_test_accuracy));
  md.push(`| ${seed} | ${runs.map((s) => pct(s.device_test_accuracy)).join(" | ")} |`);
  console.error(md[md.length - 1]);
}
md.push(`| mean | ${cols.map((c2) => pct(mean(c2))).join(" | ")} |`, "");

// ── 3. drift ───────────────────────────────────────────────────────────────────────────────
const DRIFT = 0.02;
const drift = ["--external", `OpticalChip=stdio:${PY} ${instrument} ${dev.join(" ")} --drift ${DRIFT}`];
const file1 = fileFor(1);
const dPat = train(file1, "drift-pat", drift);
const dBp = train(file1, "drift-bpcal", [...drift, "--rule", "backprop", "--calibration", calFile]);
const dPatAt = train(file1, "drift-patat", [...drift, "--calibrate-at", "10,30,50"]);
const rowsSent = dPat.device_forwards + 77 * 61; // training rows + the test set at every epoch and at the end
md.push("### With slow drift", "", `The same chip drifting: after every query each phase error takes a random-walk step of ${DRIFT} rad × √(rows/1000), so over the ~${Math.round(rowsSent / 100) * 100} rows a physics-aware run sends it wanders by ~${(DRIFT * Math.sqrt(rowsSent / 1000)).toFixed(2)} rad. Seed 1, 60 epochs:`, "",
  "| run | device test accuracy at the end |", "|---|---|",
  `| physics_aware | ${pct(dPat.device_test_accuracy)} |`,
  `| backprop on the twin calibrated before the run, deployed at the end | ${pct(dBp.device_test_accuracy)} |`,
  `| physics_aware with --calibrate-at 10,30,50 | ${pct(dPatAt.device_test_accuracy)} |`, "");
console.error(md.slice(-5).join("\n"));

md.push("### Cost of the protocol", "", `Training throughput (samples per second of training steps — the per-epoch evaluation excluded — 60 epochs of batch 16), mean over the seeds of section 1: in process ${Math.round(mean(speed.map((s) => s[0])))}, over stdio ${Math.round(mean(speed.map((s) => s[1])))}, over TCP ${Math.round(mean(speed.map((s) => s[2])))} (the instrument computes the chip in pure Python).`, "");
fs.writeFileSync(path.join(root, "bench", "results-hardware.md"), md.join("\n") + "\n");
mirrorResults("bench/results-hardware.md"); // its section of bench/RESULTS.md
console.log(md.join("\n"));
