// bench/fft-mixed.mjs — the wasm backend's FFTs on the diffractive grids, one thread, side by side:
//   npx tsc -p tsconfig.json && node bench/fft-mixed.mjs [--quick]      (~1 min)
// Each case is one graph (fft or ifft of a batch of complex fields, 2-D, or of rows, 1-D)
// compiled three ways:
//   - native: the default (compiler/backends/wasm/fft-mixed.ts: mixed-radix Stockham kernels for
//     every length, powers of two included);
//   - before: the path before the native kernels: the graph rewritten by the pass fft-decompose
//     (radix-2 FFTs, transposes, small DFT-matrix products) and compiled with fft: "radix2" (the
//     radix-2 kernels of fft.ts; powers of two are not rewritten, so this is radix-2 alone);
//   - DFT matrix: compile option fft: "dft" (x·F, F·x products), where it runs in reasonable time.
// Rounds interleave the variants (A, B, C, A, …); each round's figure is the median ms per
// Executable.run (includes writing the input and reading the output); the table gives the median
// over rounds and the spread of round figures, and the largest difference from the native result
// relative to max(1, max|y|). Writes bench/results-fft-mixed.md and mirrors it into
// bench/RESULTS.md (not with --quick or --pow2).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { median } from "./timing.mjs";
import { fftExecutable } from "./fft-exe.mjs";
import { mirrorResults } from "../scripts/results-sections.mjs";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const quick = process.argv.includes("--quick");
const ROUNDS = quick ? 3 : 7;
const MS = quick ? 150 : 300;

const exe = (op, shape, dims, variant) => fftExecutable(op, shape, dims, { fft: variant === "dft" ? "dft" : variant === "before" ? "radix2" : "auto", decompose: variant === "before" });

const only = process.argv.includes("--pow2") ? (c) => c[0].includes("power of two") : () => true;
const cases = [
  ["32 × 34×34, 2-D", [32, 34, 34], 2, true],
  ["32 × 66×66, 2-D", [32, 66, 66], 2, true],
  ["32 × 200×200, 2-D", [32, 200, 200], 2, false],
  ["32 × 32×32, 2-D (power of two)", [32, 32, 32], 2, true],
  ["32 × 64×64, 2-D (power of two)", [32, 64, 64], 2, true],
  ["1024 × 34, 1-D", [1024, 34], 1, true],
  ["1024 × 200, 1-D", [1024, 200], 1, true],
  ["1024 × 32, 1-D (power of two)", [1024, 32], 1, true],
  ["64 × 1024, 1-D (power of two)", [64, 1024], 1, false],
  ["256×256, 2-D (power of two)", [256, 256], 2, false],
];
const VARIANTS = ["native", "before", "dft"];
const fmt = (x) => (x >= 10 ? x.toFixed(1) : x.toFixed(3));
const lines = [];
const say = (s = "") => { lines.push(s); console.log(s); };
say("# wasm FFTs: native mixed radix vs the IR decomposition over radix-2 kernels vs DFT matrices");
say();
say(`Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus()[0]?.model ?? "?"} (${os.cpus().length} cores shared with other agents' jobs, load average ${os.loadavg()[0].toFixed(1)} at the start), Node ${process.version}; single thread; ${ROUNDS} interleaved rounds; ms per call: median over rounds (lowest…highest round); last column: max |Δ| from native / max(1, max|y|) over the other variants.`);
say();
say("| transform | native (mixed radix) | before (IR decomposition, radix-2 kernels) | DFT matrix | before / native | max rel. Δ |");
say("|---|---:|---:|---:|---:|---:|");
for (const [label, shape, dims, withDft] of cases.filter(only)) {
  const n = shape.reduce((a, c) => a * c, 1);
  let seed = 12345;
  const data = Float32Array.from({ length: 2 * n }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1);
  const feeds = { x: { dtype: "c64", shape, data } };
  for (const op of ["fft", "ifft"]) {
    const vs = VARIANTS.filter((v) => v !== "dft" || withDft);
    const exes = Object.fromEntries(await Promise.all(vs.map(async (v) => [v, await exe(op, shape, dims, v)])));
    const ref = exes.native.run(feeds).y.data;
    let scale = 1, diff = 0;
    for (const v of vs) {
      const y = exes[v].run(feeds).y.data;
      for (let i = 0; i < y.length; i++) { scale = Math.max(scale, Math.abs(ref[i])); diff = Math.max(diff, Math.abs(y[i] - ref[i])); }
    }
    const t = Object.fromEntries(vs.map((v) => [v, []]));
    for (let r = 0; r < ROUNDS; r++) for (const v of vs) t[v].push(median(() => exes[v].run(feeds), MS));
    const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    const cell = (v) => (t[v] ? `${fmt(med(t[v]))} (${fmt(Math.min(...t[v]))}…${fmt(Math.max(...t[v]))})` : "–");
    say(`| ${op} ${label} | ${cell("native")} | ${cell("before")} | ${cell("dft")} | ${(med(t.before) / med(t.native)).toFixed(2)}× | ${(diff / scale).toExponential(1)} |`);
  }
}
if (!quick && !process.argv.includes("--pow2")) fs.writeFileSync(path.join(root, "bench/results-fft-mixed.md"), lines.join("\n") + "\n");
if (!quick && !process.argv.includes("--pow2")) mirrorResults("bench/results-fft-mixed.md");
