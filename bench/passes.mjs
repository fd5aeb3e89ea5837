// bench/passes.mjs — what the pass pipeline, loops and the shared planned program buy (issue 12),
// measured side by side in one process on a shared machine. Rerun with
//   npx tsc -p tsconfig.json && node bench/passes.mjs [--before DIR] [--quick]
// where DIR is a built checkout of the code before issue 12 (c7954c8), e.g.
//   mkdir -p /tmp/pnn-old && git archive c7954c8 | tar -x -C /tmp/pnn-old &&
//   ln -s "$PWD/node_modules" /tmp/pnn-old/node_modules && (cd /tmp/pnn-old && npx tsc -p tsconfig.json)
// Sections: (1) per example and program, IR nodes after each pass and its time (and the
// unrolled program's size before issue 12); (2) flagship train-step throughput: passes on vs
// off vs before; (3) diffractive inference (batch 64): the same three, for the example as written
// and with its window made explicit (pad: 9, so the old code computes the same 32×32
// propagation instead of an unpadded 14×14 one); (4) compile time of a
// 64-mode two-mesh network (fresh processes, empty module cache); (5) the edge artifact's
// forward vs the training backend's at batch 1, 64 and 256 (the MLP). Timings are medians of
// interleaved rounds (A, B, C, A, B, C, …) so load from other processes hits all alike; the
// spread is the lowest and highest round median. Writes bench/results-passes.md and prints it.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { mirrorResults } from "../scripts/results-sections.mjs";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const beforeRoot = argv.includes("--before") ? argv[argv.indexOf("--before") + 1] : undefined;
/** `--only 2,5` runs those sections (results-passes.md is then not written). */
const only = argv.includes("--only") ? new Set(argv[argv.indexOf("--only") + 1].split(",").map(Number)) : undefined;
const on = (k) => !only || only.has(k);
process.env.PNN_CACHE_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-bench-cache-"));

/**
 * How a tree opens a program and lowers its programs unoptimised: the driver (a Program's graphs
 * with `passes: "none"`), or, in a tree from before it (c7954c8), cli/compile and the rule table.
 */
async function programsOf(d, has) {
  const diskHost = { readFile: (f) => { try { return fs.readFileSync(f, "utf8"); } catch { return undefined; } } };
  if (has("compiler/driver/session.js")) {
    const { Session } = await import(d("compiler/driver/session.js"));
    return {
      load: (file) => new Session(file, fs.readFileSync(file, "utf8"), diskHost).program(),
      spec: (p, batch) => p.spec(batch),
      lowered: (p, batch) => { const g = p.graphs(batch, {}, { passes: "none" }); return { inferTwin: g.inferTwin, ...(g.inferDevice ? { inferDevice: g.inferDevice } : {}), ...g.rule }; },
      inferTwin: (p, rows) => p.inferGraph(false, rows),
    };
  }
  const compile = await import(d("cli/compile.js"));
  const { RULE_LOWERINGS } = await import(d("compiler/lower/rules/index.js"));
  const lower = await import(d("compiler/lower/lower.js"));
  return {
    load: (file) => compile.loadProgram(file),
    spec: (p, batch) => lower.modelSpec(p.net, batch),
    lowered: (p, batch) => RULE_LOWERINGS[p.train.rule.sig.name](p.net, p.train, batch, lower.modelSpec(p.net, batch).hasDevice),
    inferTwin: (p, rows) => lower.lowerInfer(p.net, "twin", rows),
  };
}

async function tree(base) {
  const d = (p) => path.join(base, "dist", p);
  const has = (p) => fs.existsSync(d(p));
  return {
    base,
    programs: await programsOf(d, has),
    wasm: await import(d("compiler/backends/wasm/index.js")),
    nodeModule: await import(d("compiler/backends/wasm/node-module.js")),
    exec: await import(d("runtime/wasm/executable.js")),
    init: await import(d("runtime/init.js")),
    pipeline: has("compiler/passes/pipeline.js") ? await import(d("compiler/passes/pipeline.js")) : undefined,
    rewrite: has("compiler/passes/rewrite.js") ? await import(d("compiler/passes/rewrite.js")) : undefined,
    artifact: has("compiler/build/artifact.js") ? await import(d("compiler/build/artifact.js")) : undefined,
  };
}
const here = await tree(root);
const before = beforeRoot ? await tree(beforeRoot) : undefined;
const count = (g) => (here.rewrite ? here.rewrite.countNodes(g) : g.nodes.length);
const lines = [];
const say = (s = "") => { lines.push(s); console.log(s); };

/** Medians per function over interleaved rounds, with the spread of round medians. */
function interleaved(fns, rounds = quick ? 3 : 7, ms = quick ? 150 : 400) {
  for (const f of fns) for (let i = 0; i < 3; i++) f();
  const per = fns.map(() => []);
  for (let r = 0; r < rounds; r++)
    fns.forEach((f, k) => {
      const ts = [];
      const t0 = performance.now();
      while (performance.now() - t0 < ms || ts.length < 3) {
        const t = performance.now();
        f();
        ts.push(performance.now() - t);
      }
      ts.sort((a, b) => a - b);
      per[k].push(ts[ts.length >> 1]);
    });
  return per.map((s) => {
    s.sort((a, b) => a - b);
    return { median: s[s.length >> 1], lo: s[0], hi: s[s.length - 1] };
  });
}
const ms = (x) => (x < 1 ? x.toFixed(3) : x.toFixed(2));

/** Plausible values for every input of a program (parameters, a chip, data, fused-optimizer state). */
const OPT = { "opt:lr": 0.01, "opt:beta": 0.9, "opt:b1": 0.9, "opt:1-b1": 0.1, "opt:b2": 0.999, "opt:1-b2": 0.001, "opt:eps": 1e-8, "opt:c1": 1 - 0.9 ** 10, "opt:c2": 1 - 0.999 ** 10 };
function feeds(t, exe, spec) {
  const params = t.init.initParams(spec.params, 7);
  const chip = t.init.sampleChip(spec.chipVars, 7, 0);
  const f = {};
  for (const s of exe.inputs) {
    const n = s.shape.reduce((a, b) => a * b, 1) * (s.dtype === "c64" || s.dtype === "c128" ? 2 : 1);
    let data;
    if (params.has(s.name)) data = params.get(s.name);
    else if (s.name.startsWith("chip:")) data = chip.get(s.name.slice(5));
    else if (s.name === "labels") data = Int32Array.from({ length: n }, (_, i) => i % spec.classes);
    else if (s.name === "key") data = Int32Array.from([1, 2, 3, 4]);
    else if (s.name in OPT) data = Float64Array.of(OPT[s.name]);
    else if (s.name === "weights") data = new Float64Array(n).fill(1 / n);
    else data = Float64Array.from({ length: n }, (_, i) => (s.name.startsWith("opt:v:") ? 1e-4 : 0.5 + 0.4 * Math.sin(i)));
    f[s.name] = { dtype: s.dtype, shape: s.shape, data };
  }
  return f;
}

/** A compiled program of `file` (`which`: a rule program name or inferTwin) at `batch`, as a run() closure. */
async function program(t, file, which, batch, passes) {
  const p = t.programs.load(file);
  const spec = t.programs.spec(p, batch);
  let g = t.programs.lowered(p, batch)[which];
  if (t.pipeline) g = t.pipeline.runPipeline(g, { passes }).graph;
  const art = await t.wasm.compileToWasm(g);
  const exe = t.exec.wasmExecutable(t.nodeModule.optimizedModule(art.bytes), art.layout);
  const f = feeds(t, exe, spec);
  return { run: () => exe.run(f), nodes: count(g), bytes: art.bytes.length };
}

say(`# Passes, loops and the shared program (issue 12)`);
say();
say(`Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus()[0]?.model ?? "?"} (${os.cpus().length} cores shared with other agents' jobs), Node ${process.version}; medians of interleaved rounds, spread = lowest…highest round median.`);

// ── (1) nodes per pass ──────────────────────────────────────────────────────
if (on(1)) {
say();
say(`## IR nodes after each pass, per example and program (batch 4; loop bodies counted)`);
say();
const EXAMPLES = fs.readdirSync(path.join(root, "examples")).filter((f) => f.endsWith(".pnn")).sort();
const PIPE = here.pipeline.PIPELINE;
say(`| example / program | before #12 (unrolled) | lowered | ${PIPE.join(" | ")} | pipeline ms |`);
say(`|---|---:|---:|${PIPE.map(() => "---:").join("|")}|---:|`);
for (const file of EXAMPLES) {
  const abs = path.join(root, "examples", file);
  const p = here.programs.load(abs);
  const gs = here.programs.lowered(p, 4);
  let old;
  if (before) {
    // the old code may refuse an example written since (e.g. quantities it did not know): "–"
    try { old = before.programs.lowered(before.programs.load(abs), 4); } catch { old = undefined; }
  }
  for (const [name, g] of Object.entries(gs)) {
    if (!g) continue;
    const r = here.pipeline.runPipeline(g);
    const total = r.stats.reduce((a, s) => a + s.ms, 0);
    say(`| ${file.replace(".pnn", "")} / ${name} | ${old?.[name] ? old[name].nodes.length : "–"} | ${count(g)} | ${r.stats.map((s) => `${s.nodesAfter} (${s.ms.toFixed(1)})`).join(" | ")} | ${total.toFixed(0)} |`);
  }
}
say();
say(`Cells: nodes after the pass (its time in ms). "before #12": the same program lowered by the code before this issue (mesh columns, RK4 steps and relaxations unrolled; no passes); "–" where that code refuses the example as written today.`);
}

// ── (2) flagship training throughput ────────────────────────────────────────
const flagship = path.join(root, "examples/vowels_mzi.pnn");
async function threeWay(title, file, which, batch, unit) {
  const variants = [];
  if (before) variants.push({ name: "before #12 (unrolled, no passes)", ...(await program(before, file, which, batch)) });
  variants.push({ name: "loops, passes off (--passes none)", ...(await program(here, file, which, batch, "none")) });
  variants.push({ name: "loops, passes on (the pipeline)", ...(await program(here, file, which, batch)) });
  const t = interleaved(variants.map((v) => v.run));
  say();
  say(`## ${title}`);
  say();
  say(`| program | IR nodes | module | ms per ${unit} (spread) | samples/s | vs passes off${before ? " | vs before #12" : ""} |`);
  say(`|---|---:|---:|---:|---:|---:|${before ? "---:|" : ""}`);
  const off = t[before ? 1 : 0].median, old = before ? t[0].median : undefined;
  variants.forEach((v, k) => say(`| ${v.name} | ${v.nodes} | ${(v.bytes / 1024).toFixed(0)} KB | ${ms(t[k].median)} (${ms(t[k].lo)}…${ms(t[k].hi)}) | ${Math.round((batch * 1000) / t[k].median)} | ${(off / t[k].median).toFixed(2)}× |${before ? ` ${(old / t[k].median).toFixed(2)}× |` : ""}`));
  return t;
}
if (on(2)) await threeWay(`Flagship training step (examples/vowels_mzi.pnn, physics_aware + Adam, batch 16, wasm)`, flagship, "train", 16, "step");

// ── (3) diffractive inference ───────────────────────────────────────────────
if (on(3)) {
  const example = path.join(root, "examples/diffractive_mnist.pnn");
  await threeWay(`Diffractive inference (examples/diffractive_mnist.pnn, twin, batch 64, wasm)`, example, "inferTwin", 64, "batch");
  // The example leaves the window to pnn: this tree picks the exact 32×32 window (14×14 masks,
  // zero-padded by 9 per side), the code before #12 did not pad at all (a 14×14 circular
  // convolution). The same computation in both trees: the window made explicit (`pad: 9`, which
  // both accept; the old code propagates by the angular spectrum, this one by Rayleigh–Sommerfeld:
  // the same pad → fft → ·H → ifft → slice per layer).
  const padded = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pnn-bench-d2nn-")), "diffractive_pad9.pnn");
  fs.writeFileSync(padded, fs.readFileSync(example, "utf8").replaceAll("freespace.propagate(", "freespace.propagate(pad: 9, "));
  await threeWay(`Diffractive inference, the same 32×32 window in both trees (the example with pad: 9 on every propagate; twin, batch 64, wasm)`, padded, "inferTwin", 64, "batch");
}

// ── (4) compile time of a 64-mode two-mesh network ─────────────────────────
function meshSource(n) {
  return fs.readFileSync(flagship, "utf8")
    .replace("const modes = 12", `const modes = ${n}`)
    .replace("input x: real[modes]", "input x: real[12]")
    .replace("field = x |> optics.amplitude_encode", "field = dense(x, modes) |> optics.amplitude_encode");
}
if (on(4)) {
const meshFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pnn-mesh64-")), "mesh64.pnn");
fs.writeFileSync(meshFile, meshSource(64));
const compileScript = path.join(root, "bench/compile-time.mjs");
const runs = quick ? 2 : 3;
const times = { here: [], before: [] };
for (let i = 0; i < runs; i++)
  for (const [key, base] of [["here", root], ...(before ? [["before", before.base]] : [])]) {
    const out = execFileSync(process.execPath, [compileScript, base, meshFile], { encoding: "utf8", env: { ...process.env, PNN_CACHE_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "pnn-ct-")) } });
    times[key].push(JSON.parse(out.trim().split("\n").pop()));
  }
say();
say(`## Compile time: a 64-mode two-mesh network (the flagship with 64 modes), every program, fresh process, empty cache`);
say();
say(`| code | check | lower + passes + wasm (3 programs) | total | train program IR nodes |`);
say(`|---|---:|---:|---:|---:|`);
for (const [key, label] of [["here", "this branch"], ["before", "before #12"]]) {
  const ts = times[key];
  if (!ts.length) continue;
  const med = (f) => ts.map(f).sort((a, b) => a - b)[ts.length >> 1];
  say(`| ${label} | ${med((x) => x.checkMs).toFixed(0)} ms | ${med((x) => x.buildMs).toFixed(0)} ms (${ts.map((x) => x.buildMs.toFixed(0)).join(", ")}) | ${med((x) => x.checkMs + x.buildMs).toFixed(0)} ms | ${ts[0].trainNodes} |`);
}
}

// ── (5) artifact vs backend ─────────────────────────────────────────────────
if (on(5)) {
  const mlp = path.join(root, "examples/mnist_mlp.pnn");
  const p = here.programs.load(mlp);
  const spec = here.programs.spec(p, 1);
  const params = here.init.initParams(spec.params, 3);
  const art = await here.artifact.buildArtifact((rows) => here.programs.inferTwin(p, rows), params, { batch: 64 });
  const inst = new WebAssembly.Instance(new WebAssembly.Module(art.bytes), here.exec.WASM_IMPORTS);
  const L = art.layout, buf = inst.exports.memory.buffer;
  const view = (s) => new Float32Array(buf, s.offset, s.length);
  const x1 = view(L.input), y1 = view(L.outputs[0]), xb = view(L.batch.input), yb = view(L.batch.outputs[0]);
  const F = L.input.length, C = L.outputs[0].length, B = L.batch.rows;
  const artifactForward = (x, n) => {
    const y = new Float32Array(n * C);
    let s = 0;
    for (; s + B <= n; s += B) { xb.set(x.subarray(s * F, (s + B) * F)); inst.exports[L.batch.entry](); y.set(yb, s * C); }
    for (; s < n; s++) { x1.set(x.subarray(s * F, (s + 1) * F)); inst.exports[L.entry](); y.set(y1, s * C); }
    return y;
  };
  say();
  say(`## Edge artifact vs the training backend: MLP 784-128-10 forward (weights resident in both)`);
  say();
  say(`| batch | backend (inferTwin at that batch) | artifact (batch-${B} entry + one-row entry) | artifact / backend |`);
  say(`|---:|---:|---:|---:|`);
  for (const n of [1, 64, 256]) {
    const g = here.pipeline.runPipeline(here.programs.inferTwin(p, n)).graph;
    const a = await here.wasm.compileToWasm(g);
    const bi = new WebAssembly.Instance(new WebAssembly.Module(a.bytes), here.exec.WASM_IMPORTS);
    const bb = bi.exports.memory.buffer;
    for (const s of a.layout.inputs) if (params.has(s.name)) new Float32Array(bb, s.offset, s.length).set(params.get(s.name));
    const bx = a.layout.inputs.find((s) => s.name === "x"), by = a.layout.outputs.find((s) => s.name === "logits");
    const bxv = new Float32Array(bb, bx.offset, bx.length), byv = new Float32Array(bb, by.offset, by.length);
    const x = Float32Array.from({ length: n * F }, (_, i) => (i % 17) / 17);
    const backendForward = () => { bxv.set(x); bi.exports[a.layout.entry](); return Float32Array.from(byv); };
    const yb0 = backendForward(), ya0 = artifactForward(x, n);
    let err = 0;
    for (let i = 0; i < yb0.length; i++) err = Math.max(err, Math.abs(yb0[i] - ya0[i]));
    if (err > 1e-3) throw new Error(`artifact and backend disagree at batch ${n}: ${err}`);
    const [tb, ta] = interleaved([backendForward, () => artifactForward(x, n)]);
    say(`| ${n} | ${ms(tb.median)} ms (${ms(tb.lo)}…${ms(tb.hi)}) | ${ms(ta.median)} ms (${ms(ta.lo)}…${ms(ta.hi)}) | ${(ta.median / tb.median).toFixed(2)}× |`);
  }
}

if (!only) {
  fs.writeFileSync(path.join(root, "bench/results-passes.md"), lines.join("\n") + "\n");
  mirrorResults("bench/results-passes.md"); // its section of bench/RESULTS.md
}
