// bench/peers/run.mjs — wasm vs peers, in one Node process, single thread:
//   node bench/peers/run.mjs [--quick]        (after `npx tsc -p tsconfig.json`; ~1 minute)
// An MLP 784-128-10 with the same weights on @tensorflow/tfjs-backend-wasm, onnxruntime-web and
// pnn's own wasm backend (when built): forward latency at batch 1, 64 and 256, one SGD training
// step at batch 256, every engine's output checked against a float64 forward pass first. Also
// measures this machine's SIMD128 peak (simd-peak.mjs) and reports each engine's batch-256
// forward GFLOP/s as a fraction of it. Writes bench/results-peers.md and prints it.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { onnxruntimeWeb, tfjsWasm } from "./engines.mjs";
import { mlpOnnx } from "./onnx-mlp.mjs";
import { pnnWasm } from "./pnn-engine.mjs";
import { measurePeak } from "./simd-peak.mjs";
import { inputs, labels, maxAbsDiff, mlpWeights, referenceForward, referenceLoss, SIZES } from "./weights.mjs";

const quick = process.argv.includes("--quick");
const BATCHES = [1, 64, 256];
const TRAIN_BATCH = 256;
const flopsForward = (b) => 2 * b * (SIZES[0] * SIZES[1] + SIZES[1] * SIZES[2]);

/** Median milliseconds of `fn` over enough repetitions to fill ~`budgetMs` (after a warm-up). */
async function time(fn, budgetMs = quick ? 150 : 600) {
  for (let i = 0; i < 3; i++) await fn();
  const samples = [];
  const start = performance.now();
  while (samples.length < 5 || (performance.now() - start < budgetMs && samples.length < 2000)) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

const w = mlpWeights();
const engines = [await tfjsWasm(w), await onnxruntimeWeb(w, mlpOnnx(w))];
const pnn = await pnnWasm(w);
if (pnn.engine) engines.push(pnn.engine);

const peak = measurePeak(quick ? { iters: 500_000, reps: 3 } : {});
const results = [];
for (const e of engines) {
  const row = { name: e.name, forward: {}, check: 0 };
  const x4 = inputs(4);
  row.check = maxAbsDiff(await e.forward(x4, 4), referenceForward(w, x4, 4));
  if (!(row.check < 1e-3)) throw new Error(`${e.name}: forward differs from the float64 reference by ${row.check}`);
  for (const b of BATCHES) {
    const x = inputs(b);
    row.forward[b] = await time(() => e.forward(x, b));
  }
  if (e.trainStep) {
    const x = inputs(TRAIN_BATCH);
    const y = labels(TRAIN_BATCH);
    const first = await e.trainStep(x, y, TRAIN_BATCH);
    const want = referenceLoss(w, x, y, TRAIN_BATCH);
    if (!(Math.abs(first - want) < 1e-4)) throw new Error(`${e.name}: first training loss ${first}, float64 reference ${want}`);
    row.train = await time(() => e.trainStep(x, y, TRAIN_BATCH));
    const last = await e.trainStep(x, y, TRAIN_BATCH);
    if (!(last < first)) throw new Error(`${e.name}: training did not lower the loss (${first} -> ${last})`);
    e.reset?.();
  }
  results.push(row);
}

const ms = (v) => (v === undefined ? "–" : v < 0.1 ? `${(v * 1000).toFixed(0)} µs` : `${v.toFixed(2)} ms`);
const gf = (b, t) => flopsForward(b) / (t * 1e6);
const lines = [
  `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}, one process, single thread.`,
  `SIMD128 peak (f32x4 mul+add chains, best of ${peak.rows.map((r) => r.chains).join("/")} chains): **${peak.gflops.toFixed(1)} GFLOP/s**.`,
  "",
  "| engine | forward b=1 | forward b=64 | forward b=256 | b=256 GFLOP/s (% of SIMD128 peak) | SGD step b=256 | max \\|Δ\\| vs f64 |",
  "|---|---|---|---|---|---|---|",
  ...results.map((r) => `| ${r.name} | ${ms(r.forward[1])} | ${ms(r.forward[64])} | ${ms(r.forward[256])} | ${gf(256, r.forward[256]).toFixed(1)} (${((100 * gf(256, r.forward[256])) / peak.gflops).toFixed(0)}%) | ${ms(r.train)} | ${r.check.toExponential(1)} |`),
  "",
  pnn.engine ? `pnn: ${pnn.note}` : `pnn's wasm backend: not measured (${pnn.note}).`,
];
const md = lines.join("\n") + "\n";
process.stdout.write(md);
const root = path.dirname(path.dirname(path.dirname(new URL(import.meta.url).pathname)));
fs.writeFileSync(path.join(root, "bench", "results-peers.md"), md);
