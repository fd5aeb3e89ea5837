// bench/vs-torch.mjs — pnn's wasm training steps vs PyTorch 1.13 on one thread, side by side:
//   npx tsc -p tsconfig.json && node bench/vs-torch.mjs [--quick]
// Needs Debian's python3-torch (apt-get install python3-torch; runs under /usr/bin/python3) and,
// for the OpenBLAS column, libopenblas0-serial (PyTorch is pointed at it with LD_LIBRARY_PATH;
// the system BLAS may stay the reference one). Rounds alternate pnn and PyTorch processes so
// load from other jobs on this shared machine hits both; medians and the spread of round
// medians are reported. Cases:
//   - MLP 784-128-10 (examples/mnist_mlp.pnn), softmax cross-entropy, Adam, batch 32;
//   - a diffractive layer (angular-spectrum propagate · phase mask · propagate · 10 detector
//     regions) on n×n fields zero-padded to GRID×GRID windows, GRID = 34, 66, 200 (n = 16, 32,
//     100: the exact window for a linear convolution, see GEOMETRY; non-power-of-two FFTs),
//     Adam, batch 32.
// pnn runs the backprop train program (forward, backward and the fused Adam update, through the
// pass pipeline) with parameters and Adam state resident in wasm memory (runtime/backend.ts
// ResidentExecutable); the copying column passes every parameter and moment in and out per
// step (Executable.run). Writes bench/results-torch.md and prints it.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { mirrorResults } from "../scripts/results-sections.mjs";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const quick = process.argv.includes("--quick");
// --only mlp,34,66: a subset of the cases (the results file is written only for the full set)
const onlyAt = process.argv.indexOf("--only");
const only = onlyAt > 0 ? new Set(process.argv[onlyAt + 1].split(",")) : null;
const d = (p) => import(path.join(root, "dist", p));
const { loadProgram } = await import("./program.mjs");
const { initParams } = await d("runtime/init.js");
process.env.PNN_CACHE_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-torch-cache-"));
const OPENBLAS = "/usr/lib/x86_64-linux-gnu/openblas-serial";
const PY = "/usr/bin/python3";
const ROUNDS = quick ? 2 : 5;
const SECONDS = quick ? 1 : 2;
const lines = [];
const say = (s = "") => { lines.push(s); console.log(s); };

function torchMs(args, openblas) {
  const env = { ...process.env, ...(openblas ? { LD_LIBRARY_PATH: OPENBLAS } : {}) };
  const out = execFileSync(PY, [path.join(root, "bench/torch/steps.py"), ...args, String(SECONDS)], { encoding: "utf8", env });
  return JSON.parse(out.trim().split("\n").pop()).ms_per_step;
}

/** Median ms per step of `step` over ~SECONDS s in 0.25 s windows. */
function pnnMs(step) {
  for (let i = 0; i < 5; i++) step();
  const w = [];
  const end = performance.now() + 1000 * SECONDS;
  while (performance.now() < end) {
    const t0 = performance.now();
    let k = 0;
    while (performance.now() - t0 < 250) { step(); k++; }
    w.push((performance.now() - t0) / k);
  }
  w.sort((a, b) => a - b);
  return w[w.length >> 1];
}

/** The train program of `file` as a resident step (parameters and Adam state stay in memory) and a copying one. */
async function pnnSteps(file) {
  const p = await loadProgram(file);
  const B = p.train.batch;
  const { programs } = await p.compile("wasm", B);
  const exe = programs.rule.train.exe;
  const spec = p.spec(B);
  const params = initParams(spec.params, 1);
  const feeds = {};
  for (const s of exe.inputs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    let data = params.get(s.name);
    if (!data) data = s.name === "labels" ? Int32Array.from({ length: n }, (_, i) => i % spec.classes)
      : s.name === "weights" ? new Float32Array(n).fill(1 / B)
      : s.name === "x" ? Float32Array.from({ length: n }, (_, i) => (i % 29) / 29)
      : new Float32Array(n);
    feeds[s.name] = { dtype: s.dtype, shape: s.shape, data };
  }
  const scalars = { "opt:lr": 0.002, "opt:b1": 0.9, "opt:1-b1": 0.1, "opt:b2": 0.999, "opt:1-b2": 0.001, "opt:eps": 1e-8 };
  for (const [k, v] of Object.entries(scalars)) if (feeds[k]) feeds[k] = { ...feeds[k], data: Float32Array.of(v) };
  let t = 0;
  const bias = (k) => ({ dtype: "f32", shape: [], data: Float32Array.of(1 - (k === "opt:c1" ? 0.9 : 0.999) ** (t + 1)) });
  const feedback = Object.fromEntries(exe.outputs.filter((o) => o.name.startsWith("new:")).map((o) => [o.name, o.name.slice(4)]));
  const session = exe.resident(feedback);
  session.write(feeds);
  const resident = () => { t++; session.step({ x: feeds.x, labels: feeds.labels, "opt:c1": bias("opt:c1"), "opt:c2": bias("opt:c2") }, ["loss"]); };
  const copying = () => {
    t++;
    const out = exe.run({ ...feeds, "opt:c1": bias("opt:c1"), "opt:c2": bias("opt:c2") });
    for (const [o, i] of Object.entries(feedback)) feeds[i] = { ...feeds[i], data: out[o].data };
  };
  return { resident, copying, batch: B };
}

/**
 * The diffractive case's geometry, shared with bench/torch/steps.py: an n×n field zero-padded to a
 * GRID×GRID window, n the largest with GRID − n even and 2n − 1 ≤ GRID (the window in which the
 * circular convolution is the linear one, as freespace.propagate's check PNN3050 requires), and a
 * distance inside the angular spectrum's exact range z ≤ (GRIDΔ²/λ)√(1 − (λ/2Δ)²) for GRID ≥ 34.
 */
const GEOMETRY = { wavelength_mm: 0.75, pitch_mm: 0.4, distance_mm: 2 };
function fieldSize(grid) {
  let n = Math.floor((grid + 1) / 2);
  if ((grid - n) % 2) n--;
  return n;
}

function diffractiveSource(grid, dir) {
  const n = fieldSize(grid), pad = (grid - n) / 2;
  const { wavelength_mm: lam, pitch_mm: dx, distance_mm: z } = GEOMETRY;
  const csv = path.join(dir, `d${grid}.csv`);
  const head = [...Array.from({ length: n * n }, (_, i) => `p${i}`), "label"].join(",");
  const rows = Array.from({ length: 20 }, (_, r) => [...Array.from({ length: n * n }, (_, i) => ((i * 7 + r) % 13) / 13), r % 10].join(","));
  fs.writeFileSync(csv, [head, ...rows].join("\n") + "\n");
  const file = path.join(dir, `d${grid}.pnn`);
  fs.writeFileSync(file, `import optics from "std/optics"
import freespace from "std/freespace"

network D {
  input x: real[${n * n}]
  field = x |> optics.amplitude_encode |> reshape(${n}, ${n})
  out = field
    |> freespace.propagate(distance: ${z} mm, wavelength: ${lam} mm, pitch: ${dx} mm, method: angular_spectrum, pad: ${pad})
    |> freespace.phase_mask(pitch: ${dx} mm)
    |> freespace.propagate(distance: ${z} mm, wavelength: ${lam} mm, pitch: ${dx} mm, method: angular_spectrum, pad: ${pad})
  output y = out |> freespace.detector_regions(classes: 10, size: 2)
}

train D on csv("d${grid}.csv", label: "label") {
  rule = backprop
  loss = cross_entropy
  optimizer = adam(lr: 0.05)
  epochs = 1
  batch = 32
  seed = 1
}
`);
  return file;
}

const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const spread = (xs) => `${Math.min(...xs).toFixed(2)}…${Math.max(...xs).toFixed(2)}`;

say(`# pnn vs PyTorch 1.13, training steps on one thread`);
say();
say(`Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus()[0]?.model ?? "?"} (${os.cpus().length} cores shared with other agents' jobs), Node ${process.version}; ${ROUNDS} alternating rounds, ms per step: median (lowest…highest round).`);
say();
say(`| case | pnn wasm, resident | pnn wasm, copying | PyTorch + OpenBLAS | PyTorch, reference BLAS | samples/s: pnn resident / PyTorch+OpenBLAS |`);
say(`|---|---:|---:|---:|---:|---:|`);
const work = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-vs-torch-"));
const cases = [
  { key: "mlp", name: "MLP 784-128-10, batch 32", file: path.join(root, "examples/mnist_mlp.pnn"), torch: ["mlp"], reference: true },
  ...[34, 66, 200].map((g) => ({ key: String(g), name: `diffractive layer, ${fieldSize(g)}×${fieldSize(g)} field on a ${g}×${g} grid, batch 32`, file: diffractiveSource(g, work), torch: ["diffractive", String(g), String(fieldSize(g)), String(GEOMETRY.wavelength_mm), String(GEOMETRY.pitch_mm), String(GEOMETRY.distance_mm)], reference: false })),
];
for (const c of cases.filter((c) => !only || only.has(c.key))) {
  const s = await pnnSteps(c.file);
  const r = { res: [], cop: [], ob: [], ref: [] };
  for (let k = 0; k < ROUNDS; k++) {
    r.res.push(pnnMs(s.resident));
    r.ob.push(torchMs(c.torch, true));
    r.cop.push(pnnMs(s.copying));
    if (c.reference) r.ref.push(torchMs(c.torch, false));
  }
  say(`| ${c.name} | ${med(r.res).toFixed(2)} (${spread(r.res)}) | ${med(r.cop).toFixed(2)} (${spread(r.cop)}) | ${med(r.ob).toFixed(2)} (${spread(r.ob)}) | ${r.ref.length ? `${med(r.ref).toFixed(2)} (${spread(r.ref)})` : "–"} | ${(med(r.ob) / med(r.res)).toFixed(2)}× |`);
}
if (!only) {
  fs.writeFileSync(path.join(root, "bench/results-torch.md"), lines.join("\n") + "\n");
  mirrorResults("bench/results-torch.md"); // its section of bench/RESULTS.md
}
