/**
 * `node:crypto` in the playground's bundles: the one call the compiler makes,
 * `createHash("sha256").update(…).digest("hex")` (a program's source and configuration hashes),
 * computed synchronously by @noble/hashes so the browser's hashes equal the CLI's. Any other use
 * is an error that names itself.
 */
import { sha256 } from "@noble/hashes/sha2";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils";

class Sha256 {
  private readonly h = sha256.create();
  update(data: string | Uint8Array): this {
    this.h.update(typeof data === "string" ? utf8ToBytes(data) : data);
    return this;
  }
  digest(encoding: "hex"): string {
    if (encoding !== "hex") throw new Error(`pnn playground: createHash().digest('${String(encoding)}') is not available in the browser (only 'hex')`);
    return bytesToHex(this.h.digest());
  }
}

export function createHash(algorithm: string): Sha256 {
  if (algorithm !== "sha256") throw new Error(`pnn playground: createHash('${algorithm}') is not available in the browser (only sha256)`);
  return new Sha256();
}

export default { createHash };
