/**
 * `node:os` in the playground's bundles: the byte order checkpoints are written in (read once,
 * when the checkpoint module loads), measured the same way in the page; and one thread.
 */
export function endianness(): "LE" | "BE" {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? "LE" : "BE";
}

/** The page trains on one Web Worker: one thread for `defaultWorkers()` (compiler/driver/parallel/pool.ts). */
export function availableParallelism(): number {
  return 1;
}
export function cpus(): unknown[] {
  return [{}];
}
