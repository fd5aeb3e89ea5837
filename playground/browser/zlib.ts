/**
 * `node:zlib` in the playground's bundles: gzip'd IDX files (runtime/data/idx.ts) are read from a
 * disk, which a page does not have; the shipped data sets it trains on are plain text. Using it
 * throws an error that names itself.
 */
export const gunzipSync = (..._args: unknown[]): never => {
  throw new Error("pnn playground: zlib.gunzipSync is not available in the browser (IDX data sets are read from a disk by the pnn CLI)");
};
