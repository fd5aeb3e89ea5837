// bench/train-loop.mjs — train-step throughput inside the real training loop (runtime/trainer.ts:
// batches, the rule's stepper, per-epoch evaluation, checkpoints), the flagship
// (examples/vowels_mzi.pnn, physics_aware + Adam, batch 16) and the MLP 784-128-10
// (examples/mnist_mlp.pnn, backprop + Adam, batch 32), wasm backend. Rerun with
//   npx tsc -p tsconfig.json && node bench/train-loop.mjs [--before DIR] [--quick]
// where DIR is a built checkout of the code to compare with: c7954c8, the code before issue 12
// (no driver, no passes, mesh columns unrolled, state copied every step), or any later commit:
//   mkdir -p /tmp/pnn-before && git archive c7954c8 | tar -x -C /tmp/pnn-before &&
//   ln -s "$PWD/node_modules" /tmp/pnn-before/node_modules && (cd /tmp/pnn-before && npx tsc -p tsconfig.json)
// Variants, each a fresh run of EPOCHS epochs with a checkpoint every epoch:
//   - before: DIR's trainer and programs;
//   - passes off, copying: this tree's lowered programs without the pass pipeline (`passes:
//     "none"`), resident mode hidden;
//   - copying: this tree's programs, with the executable's resident mode hidden (the fused stepper
//     copies parameters and Adam state in and out every step, as before);
//   - resident: this tree as `pnn train` runs it (state stays in wasm memory between steps);
// The flagship's meshes (12 modes, batch 16) lower to per-sample column loops: the mesh-form cost
// model picks the transfer matrix only from larger batches (bench/results-mesh-form.md).
// Rounds interleave the variants (A, B, C, A, B, C, …) so load from other processes on this shared
// machine hits all alike; a cell is the median over rounds of the run's median per-epoch
// samples/s (the trainer's own figure: batch loop only), with the lowest…highest round. The last
// column compares each variant's final checkpoint with the resident run's: zero where the programs
// do the same float32 operations in the same order; the tree before issue 12 (unrolled mesh, other
// operation order) drifts by rounding amplified over the epochs. Writes bench/results-train-loop.md.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { mirrorResults } from "../scripts/results-sections.mjs";
import { Writable } from "node:stream";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const beforeRoot = argv.includes("--before") ? argv[argv.indexOf("--before") + 1] : undefined;
const ROUNDS = quick ? 2 : 5;
process.env.PNN_CACHE_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-loop-cache-"));
const lines = [];
const say = (s = "") => { lines.push(s); console.log(s); };
const diskHost = { readFile: (f) => { try { return fs.readFileSync(f, "utf8"); } catch { return undefined; } } };

async function tree(base) {
  const d = (p) => import(path.join(base, "dist", p));
  const common = {
    train: (await d("runtime/trainer.js")).train,
    ProgressReporter: (await d("runtime/metrics.js")).ProgressReporter,
    loadCheckpoint: (await d("runtime/checkpoint.js")).loadCheckpoint,
  };
  if (!fs.existsSync(path.join(base, "dist/compiler/driver/session.js"))) {
    // a tree from before the driver (c7954c8): cli/compile loads and builds, the trainer is synchronous
    const compile = await d("cli/compile.js");
    return { ...common, legacy: { compile, loadDataset: (await d("runtime/data/index.js")).loadDataset } };
  }
  return { ...common, Session: (await d("compiler/driver/session.js")).Session };
}
const here = await tree(root);
const before = beforeRoot ? await tree(beforeRoot) : undefined;
const sink = new Writable({ write(_c, _e, cb) { cb(); } });

/** The executable without its resident mode (what the stepper did before: copy state every step). */
const copyingOnly = (exe) => ({ inputs: exe.inputs, outputs: exe.outputs, run: (i) => exe.run(i) });

/** A fresh run of `epochs` epochs; per-epoch samples/s and the final parameters. */
async function runOnce(t, file, epochs, { hideResident = false, passes } = {}) {
  if (t.legacy) return runLegacy(t, file, epochs);
  const p = new t.Session(file, fs.readFileSync(file, "utf8"), diskHost).program();
  const { spec, programs } = await p.compile("wasm", p.train.batch, {}, passes ? { passes } : {});
  const progs = hideResident ? { ...programs, rule: Object.fromEntries(Object.entries(programs.rule).map(([k, v]) => [k, { ...v, exe: copyingOnly(v.exe) }])) } : programs;
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-loop-run-"));
  const rates = [];
  const metrics = { keepEpochs() {}, epoch: (r) => rates.push(r.samples_per_s), summary() {} };
  await t.train(spec, progs, p.dataset(), { epochs, seed: p.train.seed, chips: p.train.chips, optimizer: p.train.optimizer, identity: { network: spec.network, rule: p.rule.name, sourceHash: p.sourceHash, configHash: p.configHash, seed: p.train.seed } },
    { outDir: out, progress: new t.ProgressReporter({ mode: "quiet", out: sink }), metrics, span: p.train.span, makeStepper: p.stepper() });
  const params = t.loadCheckpoint(path.join(out, "checkpoint.safetensors"));
  fs.rmSync(out, { recursive: true, force: true });
  rates.sort((a, b) => a - b);
  return { rate: rates[rates.length >> 1], params };
}

/** runOnce for a tree from before the driver (cli/train's path in c7954c8). */
function runLegacy(t, file, epochs) {
  return (async () => {
    const { compile, loadDataset } = t.legacy;
    const p = compile.loadProgram(file);
    const data = loadDataset({ ...p.train.data, baseDir: path.dirname(path.resolve(file)) });
    const { spec, programs } = await compile.buildPrograms(p, p.train.batch, "wasm");
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-loop-run-"));
    const rates = [];
    const metrics = { epoch: (r) => rates.push(r.samples_per_s), summary() {} };
    t.train(spec, programs, data, { rule: p.train.rule.sig.name, ruleOptions: compile.ruleOptions(p), epochs, seed: p.train.seed, chips: p.train.chips, optimizer: p.train.optimizer },
      { outDir: out, progress: new t.ProgressReporter({ mode: "quiet", out: sink }), metrics, sourceHash: p.hash, span: p.train.span });
    const params = t.loadCheckpoint(path.join(out, "checkpoint.safetensors"));
    fs.rmSync(out, { recursive: true, force: true });
    rates.sort((a, b) => a - b);
    return { rate: rates[rates.length >> 1], params };
  })();
}

/** Largest absolute difference between two checkpoints' tensors (parameters, optimizer state, counters). */
function paramsDiff(a, b) {
  let worst = 0, shared = 0;
  for (const [k, v] of a.tensors) {
    const w = b.tensors.get(k);
    if (!w || w.data.length !== v.data.length) continue;
    shared++;
    for (let i = 0; i < v.data.length; i++) worst = Math.max(worst, Math.abs(v.data[i] - w.data[i]));
  }
  return shared === 0 ? "no tensor in common" : `${worst.toExponential(1)} (${shared}/${b.tensors.size} tensors)`;
}

const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
say(`# Train-step throughput in the training loop`);
say();
say(`Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus()[0]?.model ?? "?"} (${os.cpus().length} cores shared with other agents' jobs, load average ${os.loadavg()[0].toFixed(1)}), Node ${process.version}; ${ROUNDS} interleaved rounds; samples/s: median over rounds (lowest…highest round).`);
say();
say(`| network | variant | samples/s (spread) | vs ${before ? "before" : "copying"} | final parameters vs resident (max abs diff) |`);
say(`|---|---|---:|---:|---:|`);
const CASES = [
  { name: "flagship (vowels_mzi, batch 16)", file: path.join(root, "examples/vowels_mzi.pnn"), epochs: quick ? 3 : 6},
  { name: "MLP 784-128-10 (mnist_mlp, batch 32)", file: path.join(root, "examples/mnist_mlp.pnn"), epochs: quick ? 1 : 2},
];
for (const c of CASES) {
  const variants = [
    ...(before ? [{ name: before.legacy ? "before issue 12 (DIR, no driver)" : "before", run: () => runOnce(before, c.file, c.epochs) }] : []),
    { name: "passes off, copying", run: () => runOnce(here, c.file, c.epochs, { hideResident: true, passes: "none" }) },
    { name: "copying (resident mode hidden)", run: () => runOnce(here, c.file, c.epochs, { hideResident: true }) },
    { name: "resident (this tree)", run: () => runOnce(here, c.file, c.epochs) },
  ];
  const rates = variants.map(() => []);
  const finals = [];
  for (let r = 0; r < ROUNDS; r++)
    for (const [k, v] of variants.entries()) {
      const o = await v.run();
      rates[k].push(o.rate);
      finals[k] = o.params;
    }
  const base = med(rates[0]);
  const last = finals[variants.length - 1];
  variants.forEach((v, k) => say(`| ${c.name} | ${v.name} | ${Math.round(med(rates[k]))} (${Math.round(Math.min(...rates[k]))}…${Math.round(Math.max(...rates[k]))}) | ${(med(rates[k]) / base).toFixed(2)}× | ${paramsDiff(finals[k], last)} |`));
}
say();
say(`Each run starts from the same initial parameters; the last column compares the checkpoint each variant wrote after its last epoch with the resident run's.`);
fs.writeFileSync(path.join(root, "bench/results-train-loop.md"), lines.join("\n") + "\n");
mirrorResults("bench/results-train-loop.md"); // its section of bench/RESULTS.md
