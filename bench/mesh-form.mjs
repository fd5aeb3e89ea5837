// bench/mesh-form.mjs — the MZI mesh's two lowerings side by side on the wasm backend, and the
// cost model that chooses between them (compiler/lower/layers/mesh-form.ts):
//   columns:  per-sample column rotations (a loop over the C columns of the [B, N] fields);
//   transfer: the transfer matrix built once from the phases (a tree of batched complex
//             matmuls) and one complex matmul per batch.
// For one Clements mesh of N modes on B samples (N = 4…32, B = 1…256), a train step (forward,
// |y|² loss, backward to the phases, through the pass pipeline) and the forward alone are timed
// for each form, interleaved (columns, transfer, columns, …; medians of rounds: the machine is
// shared). Then the model's four constants (µs per kernel call, per elementwise FLOP, per matmul
// FLOP, per pair_mix FLOP) are fitted to the train-step times by least squares in log space on the model's own
// features (optics-mesh.ts meshFormCosts), and the report says how often the model — with the
// constants in mesh-form.ts and with the refit — picks the faster form. Rerun with
//   npx tsc -p tsconfig.json && node bench/mesh-form.mjs [--quick]
// Writes bench/results-mesh-form.md.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { mirrorResults } from "../scripts/results-sections.mjs";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const quick = process.argv.includes("--quick");
const d = (p) => import(path.join(root, "dist", p));
const { GraphBuilder } = await d("compiler/ir/graph.js");
const { grad } = await d("compiler/ir/autodiff.js");
const { lowerMziMesh, meshLayout, meshFormCosts, chooseMeshForm } = await d("compiler/lower/layers/optics-mesh.js");
const { MESH_FORM_COST } = await d("compiler/lower/layers/mesh-form.js");
const { runPipeline } = await d("compiler/passes/pipeline.js");
const { compileToWasm } = await d("compiler/backends/wasm/index.js");
const { optimizedModule } = await d("compiler/backends/wasm/node-module.js");
const { wasmExecutable } = await d("runtime/wasm/executable.js");
const lines = [];
const say = (s = "") => { lines.push(s); console.log(s); };

function meshGraph(B, N, form, train) {
  const b = new GraphBuilder();
  const x = b.input("x", "c64", [B, N]), w = b.input("w", "f32", [B, N]);
  const ph = b.param("phases", "f32", [N * (N - 1)]);
  const y = lowerMziMesh(b, x, ph, { form });
  if (!train) {
    b.output("y", y);
    return b.build();
  }
  b.output("loss", b.sum(b.mul(b.abs2(y), w)));
  return grad(b.build(), "loss", ["phases"]);
}

async function runner(g) {
  const art = await compileToWasm(runPipeline(g).graph);
  const exe = wasmExecutable(optimizedModule(art.bytes), art.layout);
  const feeds = {};
  for (const s of exe.inputs) {
    const n = s.shape.reduce((a, c) => a * c, 1) * (s.dtype[0] === "c" ? 2 : 1);
    feeds[s.name] = { dtype: s.dtype, shape: s.shape, data: Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37)) };
  }
  return { run: () => exe.run(feeds), out: () => exe.run(feeds) };
}

/** Medians over interleaved rounds, µs per run. */
function interleaved(fns) {
  for (const f of fns) { const t0 = performance.now(); while (performance.now() - t0 < 150) f(); }
  const per = fns.map(() => []);
  for (let r = 0; r < (quick ? 3 : 7); r++)
    fns.forEach((f, k) => {
      const t0 = performance.now();
      let n = 0;
      while (performance.now() - t0 < 40 || n < 3) { f(); n++; }
      per[k].push((1000 * (performance.now() - t0)) / n);
    });
  return per.map((s) => s.sort((a, c) => a - c)[s.length >> 1]);
}

const NS = quick ? [4, 12, 32] : [4, 8, 12, 16, 32];
const BS = quick ? [1, 16, 256] : [1, 4, 16, 32, 64, 256];
const rows = [];
for (const N of NS)
  for (const B of BS) {
    const r = { N, B };
    for (const train of [true, false]) {
      const [c, t] = await Promise.all(["columns", "transfer"].map((form) => runner(meshGraph(B, N, form, train))));
      // the two forms compute the same function
      const yc = c.out(), yt = t.out();
      for (const k of Object.keys(yc)) {
        const a = yc[k].data, b = yt[k].data;
        const scale = Math.max(1, ...Array.from(a, Math.abs));
        for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > 2e-3 * scale) throw new Error(`N=${N} B=${B}: forms disagree on ${k}[${i}]: ${a[i]} vs ${b[i]}`);
      }
      const [tc, tt] = interleaved([c.run, t.run]);
      r[train ? "train" : "infer"] = { columns: tc, transfer: tt };
    }
    r.costs = meshFormCosts([B, N], meshLayout("clements", N));
    r.pick = chooseMeshForm({ shape: [B, N] }, meshLayout("clements", N));
    rows.push(r);
    console.error(JSON.stringify({ N, B, train: r.train, infer: r.infer, pick: r.pick }));
  }

// fit t ≈ call·calls + ew·ewFlops + mm·mmFlops + pair·pairFlops to the train steps, in log space (coarse grid, then fine)
const pts = rows.flatMap((r) => ["columns", "transfer"].map((f) => ({ c: r.costs[f], t: r.train[f] })));
const estimate = (k, c) => k.call * c.calls + k.ew * c.ewFlops + k.mm * c.mmFlops + k.pair * c.pairFlops;
const err = (k) => pts.reduce((e, p) => e + Math.log(estimate(k, p.c) / p.t) ** 2, 0);
let fit = { ...MESH_FORM_COST };
for (const step of [0.2, 0.05, 0.01])
  for (let pass = 0; pass < 3; pass++)
    for (const key of ["call", "ew", "mm", "pair"]) {
      let best = fit;
      for (let s = -10; s <= 10; s++) {
        const cand = { ...fit, [key]: fit[key] * 10 ** (s * step) };
        if (err(cand) < err(best)) best = cand;
      }
      fit = best;
    }
const picks = (k) => rows.map((r) => {
  return estimate(k, r.costs.transfer) < estimate(k, r.costs.columns) ? "transfer" : "columns";
});
const faster = (r, what) => (r[what].transfer < r[what].columns ? "transfer" : "columns");

say(`# The MZI mesh's two lowerings and the cost model that picks one`);
say();
say(`Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus()[0]?.model ?? "?"} (${os.cpus().length} cores shared with other agents' jobs, load ${os.loadavg()[0].toFixed(1)}), Node ${process.version}. One Clements mesh of N modes on B samples, wasm backend, through the pass pipeline; µs per run, medians of interleaved rounds. "train": forward, |y|² loss and backward to the phases; "infer": forward only. Speedup = columns / transfer (> 1: the transfer matrix is faster).`);
say();
say(`| N | B | train: columns | train: transfer | speedup | infer: columns | infer: transfer | speedup | model picks | right (train / infer) |`);
say(`|---:|---:|---:|---:|---:|---:|---:|---:|---|---|`);
let rightTrain = 0, rightInfer = 0;
rows.forEach((r) => {
  const okT = r.pick === faster(r, "train"), okI = r.pick === faster(r, "infer");
  rightTrain += okT ? 1 : 0;
  rightInfer += okI ? 1 : 0;
  say(`| ${r.N} | ${r.B} | ${r.train.columns.toFixed(1)} | ${r.train.transfer.toFixed(1)} | ${(r.train.columns / r.train.transfer).toFixed(2)} | ${r.infer.columns.toFixed(1)} | ${r.infer.transfer.toFixed(1)} | ${(r.infer.columns / r.infer.transfer).toFixed(2)} | ${r.pick} | ${okT ? "yes" : "no"} / ${okI ? "yes" : "no"} |`);
});
const refit = picks(fit);
say();
// how far off a wrong pick is: the picked form's time over the faster one's
const worstMiss = (pick) => Math.max(1, ...rows.map((r, i) => r.train[pick(r, i)] / Math.min(r.train.columns, r.train.transfer)));
say(`The model (mesh-form.ts: call ${MESH_FORM_COST.call} µs, elementwise ${MESH_FORM_COST.ew.toExponential(2)} µs/FLOP, matmul ${MESH_FORM_COST.mm.toExponential(2)} µs/FLOP, pair_mix ${MESH_FORM_COST.pair.toExponential(2)} µs/FLOP) picks the faster form in ${rightTrain}/${rows.length} train cases and ${rightInfer}/${rows.length} forward-only cases; its worst train pick takes ${worstMiss((r) => r.pick).toFixed(2)}× the faster form's time.`);
say(`Refit on this run's train steps: call ${fit.call.toPrecision(3)} µs, elementwise ${fit.ew.toExponential(2)} µs/FLOP, matmul ${fit.mm.toExponential(2)} µs/FLOP, pair_mix ${fit.pair.toExponential(2)} µs/FLOP (log-space residual ${Math.sqrt(err(fit) / pts.length).toFixed(2)}); with it the picks are right in ${rows.filter((r, i) => refit[i] === faster(r, "train")).length}/${rows.length} train cases, the worst taking ${worstMiss((_r, i) => refit[i]).toFixed(2)}× the faster form's time.`);
fs.writeFileSync(path.join(root, "bench/results-mesh-form.md"), lines.join("\n") + "\n");
mirrorResults("bench/results-mesh-form.md"); // its section of bench/RESULTS.md
