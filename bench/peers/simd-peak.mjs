// bench/peers/simd-peak.mjs — this machine's SIMD128 peak, measured: a binaryen-emitted kernel
// that runs `chains` independent f32x4 multiply-add chains (acc = acc·m + a, one f32x4.mul and
// one f32x4.add per step; SIMD128 has no fused multiply-add) for `iters` steps. 8 FLOPs per
// chain per step. The best rate over a few chain counts is the peak that a SIMD128 kernel can
// reach here (enough chains to hide the latency of the adds and multiplies).
import binaryenModule from "binaryen";

const binaryen = binaryenModule.default ?? binaryenModule;

/** The wasm bytes of `peak(iters: i32) -> f32` with `chains` accumulators. */
export function peakKernel(chains) {
  const m = new binaryen.Module();
  m.setFeatures(binaryen.Features.MVP | binaryen.Features.SIMD128);
  const v128 = binaryen.v128;
  const ITERS = 0;
  const acc = (i) => 1 + i;
  const MUL = 1 + chains;
  const ADD = 2 + chains;
  const splat = (x) => m.f32x4.splat(m.f32.const(x));
  const body = [];
  for (let i = 0; i < chains; i++) body.push(m.local.set(acc(i), m.f32x4.add(m.f32x4.mul(m.local.get(acc(i), v128), m.local.get(MUL, v128)), m.local.get(ADD, v128))));
  body.push(m.local.set(ITERS, m.i32.sub(m.local.get(ITERS, binaryen.i32), m.i32.const(1))));
  body.push(m.br("top", m.i32.gt_s(m.local.get(ITERS, binaryen.i32), m.i32.const(0))));
  const init = [];
  for (let i = 0; i < chains; i++) init.push(m.local.set(acc(i), splat(1 + i / 64)));
  init.push(m.local.set(MUL, splat(0.999999)), m.local.set(ADD, splat(1e-7)));
  let sum = m.local.get(acc(0), v128);
  for (let i = 1; i < chains; i++) sum = m.f32x4.add(sum, m.local.get(acc(i), v128));
  const fn = m.block(null, [...init, m.loop("top", m.block(null, body)), m.f32x4.extract_lane(sum, 0)], binaryen.f32);
  m.addFunction("peak", binaryen.createType([binaryen.i32]), binaryen.f32, [...Array(chains).fill(v128), v128, v128], fn);
  m.addFunctionExport("peak", "peak");
  if (!m.validate()) throw new Error("simd-peak: invalid module");
  const bytes = m.emitBinary();
  m.dispose();
  return bytes;
}

/**
 * Best GFLOP/s over chain counts; each kernel timed (best of `reps` short runs, ~2 ms each, so
 * that some land in slices where no other process holds the core) after a warm-up.
 */
export function measurePeak({ iters = 400_000, reps = 15, chainCounts = [4, 8, 12, 16, 24] } = {}) {
  const rows = [];
  for (const chains of chainCounts) {
    const inst = new WebAssembly.Instance(new WebAssembly.Module(peakKernel(chains)));
    const peak = inst.exports.peak;
    peak(1000);
    let best = Infinity;
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      const v = peak(iters);
      const dt = performance.now() - t0;
      if (!Number.isFinite(v)) throw new Error("simd-peak: non-finite result");
      best = Math.min(best, dt);
    }
    rows.push({ chains, gflops: (8 * chains * iters) / (best * 1e6) });
  }
  const best = rows.reduce((a, b) => (b.gflops > a.gflops ? b : a));
  return { gflops: best.gflops, chains: best.chains, rows };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(measurePeak()));
