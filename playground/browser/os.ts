/**
 * `node:os` in the playground's bundles: the byte order checkpoints are written in (read once,
 * when the checkpoint module loads), measured the same way in the page.
 */
export function endianness(): "LE" | "BE" {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? "LE" : "BE";
}
