// bench/prepared.mjs — inference programs run whole vs prepared (compiler/ir/split-invariant.ts,
// runtime/prepared.ts: parameter- and chip-only work once per evaluation), side by side:
//   npx tsc -p tsconfig.json && node bench/prepared.mjs [--quick]
// For each case, the program Program.compile gives (prepared where the cost model splits it) and
// the same graph compiled whole (wasm, the module a run compiles for itself), on the same feeds:
// fixed parameters and chip, a new batch each run (x and key change, as in an evaluation).
// Rounds alternate whole and prepared; medians over rounds of ms per batch, with the spread.
// Writes bench/results-prepared.md (mirrored into bench/RESULTS.md).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { mirrorResults } from "../scripts/results-sections.mjs";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const quick = process.argv.includes("--quick");
const d = (p) => import(path.join(root, "dist", p));
const { loadProgram } = await import("./program.mjs");
const { initParams, sampleChip } = await d("runtime/init.js");
const { compileWasm } = await d("compiler/backends/wasm/index.js");
process.env.PNN_CACHE_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-prepared-cache-"));
const ROUNDS = quick ? 3 : 7;
const WINDOW_MS = quick ? 150 : 300;
const B = 64;

const cases = [
  ["crossbar_mnist.pnn", "inferDevice", "crossbar MLP 196-64-10, device (PCM noise, drift, DAC/ADC)"],
  ["vowels_mzi.pnn", "inferTwin", "flagship, twin (two 12-mode meshes)"],
  ["vowels_mzi.pnn", "inferDevice", "flagship, device"],
  ["vowels_mesh_device.pnn", "inferDevice", "12-mode meshes with splitter errors, device"],
  ["diffractive_mnist.pnn", "inferDevice", "diffractive 28×28, device"],
];

function feedsFor(exe, params, chip, batch) {
  const f = {};
  for (const s of exe.inputs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const c = s.name.startsWith("chip:") ? chip.get(s.name.slice(5)) : undefined;
    const data = params.get(s.name) ?? c ?? (s.name === "key" ? Int32Array.of(1, 0, 0, batch) : Float32Array.from({ length: n }, (_, i) => ((i * 7 + batch) % 17) / 17));
    f[s.name] = { dtype: s.dtype, shape: s.shape, data };
  }
  return f;
}

/** ms per batch over a window, each run a new batch (x and key). */
function msPerBatch(exe, params, chip) {
  const batches = [0, 1, 2, 3].map((k) => feedsFor(exe, params, chip, k));
  for (let i = 0; i < 10; i++) exe.run(batches[i % 4]);
  const t0 = performance.now();
  let k = 0;
  while (performance.now() - t0 < WINDOW_MS) exe.run(batches[k++ % 4]);
  return (performance.now() - t0) / k;
}

const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const lines = [];
const say = (s = "") => { lines.push(s); console.log(s); };
say(`# Inference whole vs prepared (parameter- and chip-only work once per evaluation)`);
say();
say(`Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus()[0]?.model ?? "?"} (${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)} at the start), Node ${process.version}; batch ${B}, wasm; ${ROUNDS} alternating rounds of ${WINDOW_MS} ms; ms per batch: median (lowest…highest round).`);
say();
say(`| program | split: FLOPs moved per batch / overhead elements | whole, ms | prepared, ms | speedup |`);
say(`|---|---:|---:|---:|---:|`);
for (const [file, which, label] of cases) {
  const p = await loadProgram(path.join(root, "examples", file));
  const { programs, spec } = await p.compile("wasm", B);
  const prepared = programs[which].exe;
  const graph = which === "inferTwin" ? p.graphs(B).inferTwin : p.graphs(B).inferDevice;
  const whole = await compileWasm(graph, { optimize: 0 });
  const params = initParams(spec.params, 1);
  const chip = sampleChip(spec.chipVars, 1, 0);
  if (!prepared.parts) {
    say(`| ${label} | not split (the cost model) | – | – | – |`);
    continue;
  }
  const { splitInference } = await d("compiler/ir/split-invariant.js");
  const s = splitInference(graph);
  // the prepared program and the whole one must agree before they are timed
  const a = prepared.run(feedsFor(prepared, params, chip, 9)), b = whole.run(feedsFor(whole, params, chip, 9));
  for (const k of Object.keys(b)) if (!b[k].data.every((x, i) => Object.is(x, a[k].data[i]))) throw new Error(`${label}: prepared and whole differ in ${k}`);
  const w = [], q = [];
  for (let r = 0; r < ROUNDS; r++) {
    w.push(msPerBatch(whole, params, chip));
    q.push(msPerBatch(prepared, params, chip));
  }
  const sp = (xs) => `${Math.min(...xs).toFixed(3)}…${Math.max(...xs).toFixed(3)}`;
  say(`| ${label} | ${Math.round(s.savedFlops)} / ${s.overhead} | ${med(w).toFixed(3)} (${sp(w)}) | ${med(q).toFixed(3)} (${sp(q)}) | ${(med(w) / med(q)).toFixed(2)}× |`);
}
say();
say(`Both columns run the same wasm code generation (wabt-assembled, V8's optimizing tier); the outputs were checked equal bit for bit before timing. What stays per batch is per-shot noise (the crossbar's read noise and the detectors' shot noise read the batch's key) and the batch's own work.`);
fs.writeFileSync(path.join(root, "bench/results-prepared.md"), lines.join("\n") + "\n");
mirrorResults("bench/results-prepared.md");
