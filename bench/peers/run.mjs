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
import { mirrorResults } from "../../scripts/results-sections.mjs";
import { onnxruntimeNode, onnxruntimeWeb, tfjsWasm } from "./engines.mjs";
import { mlpOnnx } from "./onnx-mlp.mjs";
import { pnnWasm } from "./pnn-engine.mjs";
import { measurePeak } from "./simd-peak.mjs";
import { inputs, labels, maxAbsDiff, mlpWeights, referenceForward, referenceLoss, SIZES } from "./weights.mjs";

const quick = process.argv.includes("--quick");
const BATCHES = [1, 64, 256];
const TRAIN_BATCH = 256;
const flopsForward = (b) => 2 * b * (SIZES[0] * SIZES[1] + SIZES[1] * SIZES[2]);

const ROUNDS = quick ? 3 : 7;

/**
 * Best and median milliseconds of each engine's `fn`, measured in interleaved rounds (engine A, B, C, A,
 * B, C, …; ~budgetMs each per round, after a warm-up) so that load from other processes on a
 * shared machine hits every engine alike.
 */
async function timeInterleaved(fns, budgetMs = quick ? 60 : 150) {
  const samples = fns.map(() => []);
  for (const fn of fns) for (let i = 0; i < 3; i++) await fn();
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < fns.length; k++) {
      const start = performance.now();
      let n = 0;
      while (n < 2 || (performance.now() - start < budgetMs && n < 500)) {
        const t0 = performance.now();
        await fns[k]();
        samples[k].push(performance.now() - t0);
        n++;
      }
    }
  }
  return samples.map((s) => {
    s.sort((a, b) => a - b);
    return { best: s[0], median: s[s.length >> 1] };
  });
}

const w = mlpWeights();
const engines = [await tfjsWasm(w), await onnxruntimeWeb(w, mlpOnnx(w))];
const pnn = process.argv.includes("--peers-only") ? { engines: [], note: "pnn engines (--peers-only)" } : await pnnWasm(w);
engines.push(...pnn.engines);
// native onnxruntime-node is the ceiling (an optional dependency): its column says what fraction of it pnn reaches
const native = await onnxruntimeNode(w, mlpOnnx(w));
if (native) engines.push(native);

// the peak is measured three times (before, between and after the engines) and the best kept:
// on a shared machine any single measurement can land in a busy moment
const peakOpts = quick ? { reps: 5 } : {};
const peaks = [measurePeak(peakOpts)];
const results = engines.map((e) => ({ name: e.name, forward: {}, check: 0 }));
for (const [k, e] of engines.entries()) {
  const x4 = inputs(4);
  results[k].check = maxAbsDiff(await e.forward(x4, 4), referenceForward(w, x4, 4));
  if (!(results[k].check < 1e-3)) throw new Error(`${e.name}: forward differs from the float64 reference by ${results[k].check}`);
}
for (const b of BATCHES) {
  const x = inputs(b);
  const t = await timeInterleaved(engines.map((e) => () => e.forward(x, b)));
  t.forEach((v, k) => (results[k].forward[b] = v));
}
peaks.push(measurePeak(peakOpts));
const trainers = engines.filter((e) => e.trainStep);
{
  const x = inputs(TRAIN_BATCH);
  const y = labels(TRAIN_BATCH);
  const want = referenceLoss(w, x, y, TRAIN_BATCH);
  const first = [];
  for (const e of trainers) {
    const l = await e.trainStep(x, y, TRAIN_BATCH);
    if (!(Math.abs(l - want) < 1e-4)) throw new Error(`${e.name}: first training loss ${l}, float64 reference ${want}`);
    first.push(l);
  }
  const t = await timeInterleaved(trainers.map((e) => () => e.trainStep(x, y, TRAIN_BATCH)));
  for (const [k, e] of trainers.entries()) {
    const last = await e.trainStep(x, y, TRAIN_BATCH);
    if (!(last < first[k])) throw new Error(`${e.name}: training did not lower the loss (${first[k]} -> ${last})`);
    e.reset?.();
    results[engines.indexOf(e)].train = t[k];
  }
}

peaks.push(measurePeak(peakOpts));
const peak = peaks.reduce((a, b) => (b.gflops > a.gflops ? b : a));

const one = (v) => (v < 0.1 ? `${(v * 1000).toFixed(0)} µs` : `${v.toFixed(2)} ms`);
const ms = (t) => (t === undefined ? "–" : `${one(t.best)} (${one(t.median)})`);
const gf = (b, t) => flopsForward(b) / (t.best * 1e6);
const lines = [
  `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}, one process, single thread; load average ${os.loadavg().map((v) => v.toFixed(1)).join(" / ")} (other processes share the cores).`,
  `SIMD128 peak (f32x4 mul+add chains, best of ${peak.rows.map((r) => r.chains).join("/")} chains, best of 3 measurements: ${peaks.map((x) => x.gflops.toFixed(1)).join(" / ")}): **${peak.gflops.toFixed(1)} GFLOP/s**.`,
  "",
  "Times: best (median) per call over interleaved rounds; GFLOP/s from the best time.",
  "",
  "| engine | forward b=1 | forward b=64 | forward b=256 | b=256 GFLOP/s (% of SIMD128 peak) | SGD step b=256 | max \\|Δ\\| vs f64 |",
  "|---|---|---|---|---|---|---|",
  ...results.map((r) => `| ${r.name} | ${ms(r.forward[1])} | ${ms(r.forward[64])} | ${ms(r.forward[256])} | ${gf(256, r.forward[256]).toFixed(1)} (${((100 * gf(256, r.forward[256])) / peak.gflops).toFixed(0)}%) | ${ms(r.train)} | ${r.check.toExponential(1)} |`),
  "",
  ...(native ? [`Native ceiling: at batch 256 pnn's wasm forward (${results.filter((r) => /pnn wasm/.test(r.name)).map((r) => r.name).join(", ") || "–"}) reaches ${results.filter((r) => /pnn wasm/.test(r.name)).map((r) => ((100 * results[engines.indexOf(native)].forward[256].best) / r.forward[256].best).toFixed(0) + "%").join(", ") || "–"} of onnxruntime-node's speed.`] : ["Not measured: native onnxruntime-node (optional dependency not installed)."]),
  ...(pnn.note ? [`Not measured: ${pnn.note}.`] : []),
];
const md = lines.join("\n") + "\n";
process.stdout.write(md);
const root = path.dirname(path.dirname(path.dirname(new URL(import.meta.url).pathname)));
fs.writeFileSync(path.join(root, "bench", "results-peers.md"), md);
mirrorResults("bench/results-peers.md"); // its section of bench/RESULTS.md
