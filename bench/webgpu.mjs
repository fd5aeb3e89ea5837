// bench/webgpu.mjs — training and inference throughput of the WGSL backend on WebGPU vs the wasm
// backend, in one process, rerun with
//   npx tsc -p tsconfig.json && node bench/webgpu.mjs            (~5–10 minutes on a software driver)
//   node bench/webgpu.mjs --quick                                  (MLP, flagship, diffractive 28 only)
// Networks: the 784-128-10 MLP (examples/mnist_mlp.pnn, batch 32, backprop + Adam), the flagship
// (examples/vowels_mzi.pnn, batch 16, physics_aware + Adam), and the diffractive network of
// examples/diffractive_mnist.pnn (five phase masks, six propagations) at 28, 64, 128 and 200 pixels
// a side, each propagation zero-padded to the next power of two (32, 128, 256, 256), batch 8.
// Train = one fused train step (forward, backward and the Adam update in one program): on wasm
// as the runtime runs it (all outputs copied out, new parameters and state copied back into the
// inputs); on WebGPU resident (WebGpuExecutable.step: parameters and optimizer state stay on the
// device, only loss and logits are read back) and, for comparison, the plain run() contract.
// Inference = the twin program with weights resident, x written and logits read per batch.
// Samples/s from interleaved timing (engines alternate in rounds, so they share the load of other
// jobs; the median of the rounds). The adapter (a software Vulkan driver when the
// machine has no GPU) is recorded; writes bench/results-webgpu.md. The machine may be shared:
// the load average is recorded before and after.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { mirrorResults } from "../scripts/results-sections.mjs";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const dist = (p) => path.join(root, "dist", p);
const quick = process.argv.includes("--quick");
const { loadProgram } = await import("./program.mjs");
const { manifestOf } = await import(dist("compiler/lower/names.js"));
const { compileToWasm } = await import(dist("compiler/backends/wasm/index.js"));
const { optimizedModule } = await import(dist("compiler/backends/wasm/node-module.js"));
const { wasmExecutable } = await import(dist("runtime/wasm/executable.js"));
const { compileToWgsl } = await import(dist("compiler/backends/wgsl/index.js"));
const { webgpuExecutable } = await import(dist("runtime/webgpu/executable.js"));
const { webgpuContext, adapterName, releaseWebGpu, SOFTWARE_VULKAN_ICDS } = await import(dist("runtime/webgpu/device.js"));
const { initParams, sampleChip } = await import(dist("runtime/init.js"));

// a software driver when none is configured and the loader finds no adapter of its own
let gpu;
try {
  gpu = await webgpuContext();
} catch (e) {
  const ss = SOFTWARE_VULKAN_ICDS.find((d) => d.name.startsWith("SwiftShader"));
  if (process.env.VK_ICD_FILENAMES || !fs.existsSync(ss.icd)) throw e;
  await releaseWebGpu();
  process.env.VK_ICD_FILENAMES = ss.icd;
  gpu = await webgpuContext();
}
const adapter = `${adapterName(gpu.adapter)} (${gpu.where})`;
console.log(`adapter: ${adapter}`);

/**
 * Interleaved timing: `rounds` rounds, each running every function for ≥ `ms` (at least once),
 * so all engines see the same load from other jobs; per function, the median of its per-call
 * means over the rounds (ms per call).
 */
async function interleaved(fns, rounds = 7, ms = 200) {
  const names = Object.keys(fns);
  for (const n of names) { await fns[n](); await fns[n](); }
  const per = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++)
    for (const n of names) {
      let calls = 0;
      const t0 = performance.now();
      while (calls === 0 || performance.now() - t0 < ms) { await fns[n](); calls++; }
      per[n].push((performance.now() - t0) / calls);
    }
  return Object.fromEntries(names.map((n) => { const v = per[n].sort((a, b) => a - b); return [n, v[v.length >> 1]]; }));
}

const OPT = { lr: 0.001, b1: 0.9, "1-b1": 0.1, b2: 0.999, "1-b2": 0.001, eps: 1e-8, c1: 0.1, c2: 0.001, beta: 0.9 };
/** Inputs by their manifest roles: initial parameters, chip 0, synthetic x, labels, equal weights, Adam at step 1. */
function feedsFor(exe, manifest, spec, B) {
  const params = initParams(spec.params, 1);
  const chip = sampleChip(spec.chipVars, 1, 0);
  const roles = new Map(manifest.inputs.map((i) => [i.name, i.role]));
  const f = {};
  for (const s of exe.inputs) {
    const n = s.shape.reduce((a, b) => a * b, 1) * (s.dtype === "c64" || s.dtype === "c128" ? 2 : 1);
    const r = roles.get(s.name);
    let data;
    if (r.kind === "param") data = Float64Array.from(params.get(r.param));
    else if (r.kind === "chip") data = chip.get(r.variable);
    else if (r.kind === "key") data = Int32Array.from([1, 0, 1, 0]);
    else if (r.kind === "labels") data = Int32Array.from({ length: n }, (_, i) => i % spec.classes);
    else if (r.kind === "weights") data = new Float64Array(n).fill(1 / B);
    else if (r.kind === "optimizer-scalar") data = Float64Array.of(OPT[r.scalar]);
    else if (r.kind === "optimizer-state" || r.kind === "probe") data = new Float64Array(n);
    else data = Float64Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 1000);
    f[s.name] = { dtype: s.dtype, shape: s.shape, data };
  }
  return f;
}

function diffractiveSource(n) {
  let padded = 1;
  while (padded < n + 2) padded *= 2;
  const pad = (padded - n) / 2;
  const src = fs.readFileSync(path.join(root, "examples/diffractive_mnist.pnn"), "utf8");
  const out = src.replace("input x: real[196]", `input x: real[${n * n}]`).replace("reshape(14, 14)", `reshape(${n}, ${n})`)
    .replaceAll("Diffract(n: 14)", `Diffract(n: ${n})`).replaceAll("pad: 1", `pad: ${pad}`)
    .replace("mnist(train: 8000, test: 2000, size: 14)", `csv(path: "unused.csv")`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-bench-webgpu-"));
  fs.writeFileSync(path.join(dir, `d2nn_${n}.pnn`), out);
  return { file: path.join(dir, `d2nn_${n}.pnn`), padded };
}

const CONFIGS = [
  { name: "MLP 784-128-10", file: path.join(root, "examples/mnist_mlp.pnn"), batch: 32 },
  { name: "flagship (vowels_mzi, 12-mode meshes)", file: path.join(root, "examples/vowels_mzi.pnn"), batch: 16 },
  ...(quick ? [28] : [28, 64, 128, 200]).map((n) => {
    const d = diffractiveSource(n);
    return { name: `diffractive ${n}×${n} (FFT ${d.padded}×${d.padded})`, file: d.file, batch: 8 };
  }),
];

const load = (await import("node:os")).loadavg();
const rows = [];
for (const cfg of CONFIGS) {
  const p = await loadProgram(cfg.file);
  const B = cfg.batch;
  const spec = p.spec(B);
  const graphs = p.graphs(B);
  const row = { name: cfg.name, batch: B, rule: p.rule.name };
  for (const prog of ["train", "inferTwin"]) {
    const g = prog === "train" ? graphs.rule.train : graphs.inferTwin;
    const manifest = manifestOf(g);
    let t0 = performance.now();
    const art = await compileToWasm(g);
    const wasm = wasmExecutable(optimizedModule(art.bytes), art.layout);
    const wasmCompile = performance.now() - t0;
    t0 = performance.now();
    const exe = await webgpuExecutable(gpu.device, compileToWgsl(g, { maxArenaBytes: gpu.device.limits.maxStorageBufferBindingSize, manifest }));
    const gpuCompile = performance.now() - t0;
    const feeds = feedsFor(wasm, manifest, spec, B);
    const carried = [...exe.carried];
    const gpuFeeds = feedsFor(wasm, manifest, spec, B);
    const read = prog === "train" ? ["loss", "logits"] : ["logits"];
    await exe.run(gpuFeeds);
    const dynamic = Object.fromEntries(Object.entries(gpuFeeds).filter(([k]) => prog === "train" ? !exe.carried.has(k) : k === "x"));
    const t = await interleaved({
      wasm: async () => {
        const out = wasm.run(feeds);
        for (const [input, output] of carried) feeds[input].data.set(out[output].data);
      },
      resident: () => exe.step(dynamic, read),
      ...(prog === "train" ? { plain: () => exe.run(gpuFeeds) } : {}),
    });
    const wasmMs = t.wasm, residentMs = t.resident, plainMs = t.plain;
    row[prog] = { wasm: B / (wasmMs / 1000), webgpu: B / (residentMs / 1000), plain: plainMs ? B / (plainMs / 1000) : undefined, dispatches: exe.dispatchCount, wasmCompile, gpuCompile };
    console.log(`${cfg.name} ${prog}: wasm ${row[prog].wasm.toFixed(0)} samples/s, webgpu ${row[prog].webgpu.toFixed(0)} samples/s${plainMs ? ` (plain run ${row[prog].plain.toFixed(0)})` : ""}, ${exe.dispatchCount} dispatches; compile wasm ${wasmCompile.toFixed(0)} ms, webgpu ${gpuCompile.toFixed(0)} ms`);
    exe.destroy();
  }
  rows.push(row);
}
const loadAfter = os.loadavg();
await releaseWebGpu();

const f0 = (v) => (v === undefined ? "–" : v >= 100 ? v.toFixed(0) : v.toPrecision(3));
const md = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), Node ${process.version}; WebGPU adapter: ${adapter}${process.env.LP_NUM_THREADS ? `, LP_NUM_THREADS=${process.env.LP_NUM_THREADS}` : ""}. wasm runs on one thread; a software Vulkan driver runs compute shaders on the CPU with its own threads. Load average before/after: ${load.map((v) => v.toFixed(1)).join(" ")} / ${loadAfter.map((v) => v.toFixed(1)).join(" ")} (the machine was shared with other jobs).`,
  "",
  "| network | batch | train wasm | train webgpu (resident) | train webgpu (plain run) | ratio | infer wasm | infer webgpu | ratio | dispatches train / infer |",
  "|---|---|---|---|---|---|---|---|---|---|",
  ...rows.map((r) => `| ${r.name} | ${r.batch} | ${f0(r.train.wasm)} | ${f0(r.train.webgpu)} | ${f0(r.train.plain)} | ${(r.train.webgpu / r.train.wasm).toFixed(2)} | ${f0(r.inferTwin.wasm)} | ${f0(r.inferTwin.webgpu)} | ${(r.inferTwin.webgpu / r.inferTwin.wasm).toFixed(2)} | ${r.train.dispatches} / ${r.inferTwin.dispatches} |`),
  "",
  "Samples per second (higher is better); ratio = webgpu / wasm. Compile times (wasm: binaryen; webgpu: WGSL + pipelines, first use on this device) in ms, train / infer: " +
    rows.map((r) => `${r.name}: wasm ${r.train.wasmCompile.toFixed(0)} / ${r.inferTwin.wasmCompile.toFixed(0)}, webgpu ${r.train.gpuCompile.toFixed(0)} / ${r.inferTwin.gpuCompile.toFixed(0)}`).join("; ") + ".",
  "",
];
fs.writeFileSync(path.join(root, "bench/results-webgpu.md"), md.join("\n"));
mirrorResults("bench/results-webgpu.md"); // its section of bench/RESULTS.md
console.log(md.join("\n"));
