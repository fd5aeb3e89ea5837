// bench/parallel.mjs — data-parallel training and sweeps (issue 19, docs/scaling.md), measured side
// by side in one run and written to bench/results-parallel.md (mirrored into bench/RESULTS.md). Rerun (after `npm run build`):
//   node bench/parallel.mjs [--reps 5] [--epochs N] [--batches 64,128,256] [--no-sweep]
// Each run trains for the example's own number of epochs (MLP 15, diffractive 5: a run as a user
// starts it, the workers' warm-up included once) unless --epochs N is given.
// For the MNIST MLP (examples/mnist_mlp.pnn) and the diffractive network
// (examples/diffractive_mnist.pnn) at each batch size it trains, interleaved rep by rep:
//   A  shards = 1, one thread (the unsharded path: one train program with the fused update),
//   B  shards = 2, --workers 1 (the data-parallel arithmetic on one thread: both networks train
//      with backprop on wasm, so this is the resident step of runtime/parallel/resident.ts),
//   C  shards = 2, --workers 2 (the same arithmetic on two worker threads: bit-identical to B),
// and reads samples/s of the training loop from each run's summary (evaluation excluded). It
// reports medians with min–max over the reps and the ratios C/B and C/A, and the machine's load
// average before each rep (the machine may be shared: compare within a rep, not across runs).
// Then it times a 12-run sweep of the flagship (2 rules × 6 seeds) on 1 and 2 worker threads.
import { execFileSync } from "node:child_process";
import { Worker } from "node:worker_threads";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { mirrorResults } from "../scripts/results-sections.mjs";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const pnn = path.join(root, "bin", "pnn.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-bench-parallel-"));
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const REPS = Number(arg("reps", "5"));
/** Epochs per run: the example's own unless given. */
const EPOCHS = process.argv.includes("--epochs") ? Number(arg("epochs", "")) : undefined;
const BATCHES = arg("batches", "64,128,256").split(",").map(Number);
const SWEEP = !process.argv.includes("--no-sweep");
const load = () => os.loadavg()[0].toFixed(2);

/**
 * How many cores this process can use right now, in [1, 2]: the same busy loop on one thread, then
 * on two at once; 2 × t(one) / t(two at once). On a shared machine a 2-worker speedup can only be
 * as large as this.
 */
async function capacity() {
  const src = `const { parentPort } = require("node:worker_threads"); parentPort.on("message", () => { let x = 0; for (let i = 0; i < 1.5e8; i++) x += Math.sqrt(i); parentPort.postMessage(x); });`;
  const mk = () => new Worker(src, { eval: true });
  const [w1, w2] = [mk(), mk()];
  const run = (w) => new Promise((r) => { w.once("message", r); w.postMessage(0); });
  await Promise.all([run(w1), run(w2)]);
  let t = performance.now();
  await run(w1);
  const one = performance.now() - t;
  t = performance.now();
  await Promise.all([run(w1), run(w2)]);
  const two = performance.now() - t;
  await Promise.all([w1.terminate(), w2.terminate()]);
  return Math.min(2, (2 * one) / two);
}

/**
 * How well this machine runs two copies of one shard's train program at once (no synchronization,
 * no shared data): 2 × time per run alone / time per run with both running. This is the ceiling
 * for C / B on this network and batch: memory-heavy programs (the MLP) can scale worse than the
 * busy loop above when other jobs load the caches and memory.
 */
async function kernelScaling(file, batch) {
  const dist = path.join(root, "dist");
  const { Session } = await import(path.join(dist, "compiler/driver/session.js"));
  const { parseAssignment } = await import(path.join(dist, "compiler/driver/overrides.js"));
  const { compileWasmModuleCached } = await import(path.join(dist, "compiler/backends/wasm/cache.js"));
  const { optimizedModule } = await import(path.join(dist, "compiler/backends/wasm/node-module.js"));
  const host = { readFile: (f) => (fs.existsSync(f) ? fs.readFileSync(f, "utf8") : undefined) };
  const p = new Session(file, fs.readFileSync(file, "utf8"), host).program({ set: [`batch=${batch}`, "shards=2"].map(parseAssignment) });
  const m = await compileWasmModuleCached(p.shardGraphs().train);
  const module = optimizedModule(m.bytes);
  const src = `const { parentPort } = require("node:worker_threads");
parentPort.once("message", async ({ module, layout, executable }) => {
  const { wasmExecutable } = await import(executable);
  const exe = wasmExecutable(module, layout);
  const inputs = {};
  for (const s of exe.inputs) { const n = s.shape.reduce((a, b) => a * b, 1); inputs[s.name] = { dtype: s.dtype, shape: s.shape, data: s.dtype === "i32" ? new Int32Array(n) : new Float64Array(n).map((_, i) => 0.05 * Math.sin(i)) }; }
  const session = exe.resident({});
  session.write(inputs);
  const batch = Object.fromEntries(["x", "labels", "weights", "key"].filter((k) => inputs[k]).map((k) => [k, inputs[k]]));
  const runFor = (ms) => { const t = performance.now(); let n = 0; while (performance.now() - t < ms) { session.step(batch, []); n++; } return (performance.now() - t) / n; };
  runFor(100);
  parentPort.postMessage(0);
  parentPort.on("message", (ms) => parentPort.postMessage(runFor(ms)));
});`;
  const executable = new URL("file://" + path.join(dist, "runtime/wasm/executable.js")).href;
  const start = () => new Promise((r) => { const w = new Worker(src, { eval: true }); w.once("message", () => r(w)); w.postMessage({ module, layout: m.layout, executable }); });
  const [w1, w2] = [await start(), await start()];
  const run = (w, ms) => new Promise((r) => { w.once("message", r); w.postMessage(ms); });
  const alone = await run(w1, 400);
  const both = await Promise.all([run(w1, 400), run(w2, 400)]);
  await Promise.all([w1.terminate(), w2.terminate()]);
  return (2 * alone) / Math.max(...both);
}

function train(file, batch, shards, workers, label) {
  const out = path.join(tmp, label);
  const args = [pnn, "train", file, "--json", "--out", out, "--set", `batch=${batch}`, "--set", `shards=${shards}`, ...(EPOCHS ? ["--set", `epochs=${EPOCHS}`] : []), "--workers", String(workers)];
  const records = execFileSync("node", args, { encoding: "utf8", maxBuffer: 1 << 26 }).trim().split("\n").map((l) => JSON.parse(l));
  // the run's samples/s, and the median of its per-epoch samples/s over the second half of its epochs (the JIT warmed up)
  const epochs = records.filter((r) => r.epoch !== undefined && r.samples_per_s !== undefined);
  return { whole: records[records.length - 1].samples_per_s, late: median(epochs.slice(Math.floor(epochs.length / 2)).map((r) => r.samples_per_s)) };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (xs) => `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
const ratio = (xs) => `${median(xs).toFixed(2)}× (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;

const models = [
  ["MNIST MLP 784-128-10 (101,770 parameters)", path.join(root, "examples", "mnist_mlp.pnn")],
  ["diffractive D2NN, 5 masks 14×14 (980 parameters)", path.join(root, "examples", "diffractive_mnist.pnn")],
];
const loads = [];
const capacities = [];
const rows = [];
// warm the wasm cache for every program so no run pays a compile
for (const [, file] of models) for (const b of BATCHES) for (const [s, w] of [[1, 1], [2, 1]]) train(file, b, s, w, "warm");
for (const [name, file] of models)
  for (const batch of BATCHES) {
    const a = [], b = [], c = [], cb = [], ca = [], ks = [], lateCB = [];
    for (let rep = 0; rep < REPS; rep++) {
      loads.push(Number(load()));
      capacities.push(await capacity());
      ks.push(await kernelScaling(file, batch));
      const ta = train(file, batch, 1, 1, `a-${batch}-${rep}`);
      const tb = train(file, batch, 2, 1, `b-${batch}-${rep}`);
      const tc = train(file, batch, 2, 2, `c-${batch}-${rep}`);
      const [ra, rb, rc] = [ta.whole, tb.whole, tc.whole];
      a.push(ra), b.push(rb), c.push(rc), cb.push(rc / rb), ca.push(rc / ra), lateCB.push(tc.late / tb.late);
      process.stderr.write(`${name} batch ${batch} rep ${rep + 1}: A ${ra.toFixed(0)}  B ${rb.toFixed(0)}  C ${rc.toFixed(0)} samples/s (load ${load()}, cores free ${capacities[capacities.length - 1].toFixed(2)}, shard program on 2 threads ${ks[ks.length - 1].toFixed(2)}×)\n`);
    }
    rows.push(`| ${name} | ${batch} | ${fmt(a)} | ${fmt(b)} | ${fmt(c)} | ${ratio(cb)} | ${ratio(ca)} | ${ratio(lateCB)} | ${ratio(ks)} |`);
  }

let sweepRows = [];
if (SWEEP) {
  const flagship = path.join(root, "examples", "vowels_mzi.pnn");
  for (const workers of [1, 2]) {
    const out = path.join(tmp, `sweep-${workers}`);
    const t0 = performance.now();
    execFileSync("node", [pnn, "sweep", flagship, "--grid", "rule=backprop,physics_aware", "--grid", "seed=1..6", "--out", out, "--workers", String(workers)], { encoding: "utf8", maxBuffer: 1 << 26 });
    const wall = (performance.now() - t0) / 1000;
    sweepRows.push(`| ${workers} | ${wall.toFixed(1)} s |`);
    process.stderr.write(`sweep on ${workers} worker(s): ${wall.toFixed(1)} s (load ${load()})\n`);
  }
}

const cpu = os.cpus()[0]?.model ?? "unknown CPU";
const text = `Rerun: \`node bench/parallel.mjs${process.argv.slice(2).map((a) => " " + a).join("")}\` (after \`npm run build\`; ~${REPS * models.length * BATCHES.length * 3 * 6} s).
Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} cores (${cpu}), Node ${process.version}, wasm backend;
${REPS} rep(s), configurations interleaved within each rep, ${EPOCHS ? `${EPOCHS} epoch(s) per run` : "each example's own epochs per run (MLP 15, diffractive 5)"}; samples/s of the
training loop (per-epoch evaluation excluded) from each run's summary; median (min–max). The
machine's 1-minute load average before the reps: median ${median(loads).toFixed(2)}, range ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)}
(it is shared with other jobs: a load above 2 means the two cores were not ours alone). Cores
available to this process before each rep (2 × time of a busy loop on one thread / time of the
same loop on two threads at once; 2 = both cores free): median ${median(capacities).toFixed(2)}, range
${Math.min(...capacities).toFixed(2)}–${Math.max(...capacities).toFixed(2)}. A 2-worker speedup cannot exceed it.

A = shards 1 on one thread (the unsharded program with the fused optimizer update);
B = shards 2, \`--workers 1\`; C = shards 2, \`--workers 2\` (bit-identical parameters to B). Both take the
resident step (docs/scaling.md): parameters kept in each thread's programs, the update split over
the threads, worker threads released by an Atomics word. The last column is the ceiling for C / B
measured before each rep: two copies of one shard's train program run at once on two threads, with
nothing shared (2 × time per run alone / time per run together). "C / B, late epochs" compares the
median per-epoch samples/s of the second half of each run's epochs, after the warm-up (the
workers' start; V8's optimizing compiler, which one worker leaves to the idle core and a run on
every core pauses: docs/scaling.md, compiler/driver/parallel/tiering.ts).

| network | batch | A samples/s | B samples/s | C samples/s | C / B | C / A | C / B, late epochs | shard program, 2 threads at once |
|---|---|---|---|---|---|---|---|---|
${rows.join("\n")}
${SWEEP ? `
12-run sweep of the flagship (\`pnn sweep examples/vowels_mzi.pnn --grid rule=backprop,physics_aware --grid seed=1..6\`, 60 epochs each), wall time:

| worker threads | wall |
|---|---|
${sweepRows.join("\n")}
` : ""}`;
fs.writeFileSync(path.join(root, "bench", "results-parallel.md"), text);
mirrorResults("bench/results-parallel.md"); // its section of bench/RESULTS.md
process.stdout.write(text);
fs.rmSync(tmp, { recursive: true, force: true });
