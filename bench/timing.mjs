// bench/timing.mjs — the shared timing helper of the bench scripts.

/** Median wall time (ms) of `fn` over at least `ms` milliseconds and 5 calls, after `warm` warm-up calls. */
export function median(fn, ms = 1000, warm = 3) {
  for (let i = 0; i < warm; i++) fn();
  const ts = [];
  const t0 = performance.now();
  while (performance.now() - t0 < ms || ts.length < 5) {
    const t = performance.now();
    fn();
    ts.push(performance.now() - t);
  }
  ts.sort((a, b) => a - b);
  return ts[ts.length >> 1];
}
