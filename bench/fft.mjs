// bench/fft.mjs — the wasm backend's fft/ifft: radix-2 Cooley–Tukey (compiler/backends/wasm/fft.ts;
// the default for power-of-two lengths until the mixed-radix kernels, now compile option
// `fft: "radix2"`; bench/fft-mixed.mjs compares those) against the DFT-matrix products it
// replaced (compile option `fft: "dft"`). 2-D fft and ifft of one
// complex 64×64 and 256×256 field, and a batch of 64 1-D transforms of length 1024; single thread.
//   npx tsc -p tsconfig.json && node bench/fft.mjs        (~30 s)
// Prints a markdown table (median ms per call) and the largest difference between the two paths.
import { median } from "./timing.mjs";
import { fftExecutable } from "./fft-exe.mjs";

const rows = [];
for (const [label, shape, dims] of [["64×64, 2-D", [64, 64], 2], ["256×256, 2-D", [256, 256], 2], ["64 × 1024, 1-D", [64, 1024], 1]]) {
  const n = shape.reduce((a, c) => a * c, 1);
  let seed = 12345;
  const data = Float32Array.from({ length: 2 * n }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1);
  const feeds = { x: { dtype: "c64", shape, data } };
  for (const op of ["fft", "ifft"]) {
    const dft = await fftExecutable(op, shape, dims, { fft: "dft" });
    const r2 = await fftExecutable(op, shape, dims, { fft: "radix2" });
    const a = dft.run(feeds).y.data, c = r2.run(feeds).y.data;
    let scale = 1, diff = 0;
    for (let i = 0; i < a.length; i++) { scale = Math.max(scale, Math.abs(a[i])); diff = Math.max(diff, Math.abs(a[i] - c[i])); }
    const tOld = median(() => dft.run(feeds)), tNew = median(() => r2.run(feeds));
    rows.push(`| ${op} ${label} | ${tOld.toFixed(3)} | ${tNew.toFixed(3)} | ${(tOld / tNew).toFixed(1)}× | ${(diff / scale).toExponential(1)} |`);
  }
}
console.log(`Node ${process.version}, single thread, median ms per call (the run includes writing the input and reading the output)\n`);
console.log("| transform | DFT matrix (old), ms | radix-2 (new), ms | speedup | max |Δ| / max(1, max|y|) |");
console.log("|---|---|---|---|---|");
for (const r of rows) console.log(r);
