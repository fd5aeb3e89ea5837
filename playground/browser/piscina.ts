/**
 * The `piscina` worker pool in the playground's bundles. Data-parallel training and multi-chip
 * evaluation on worker threads (compiler/driver/parallel/) are part of the driver the page bundles,
 * but the page trains in one Web Worker and never starts a pool; starting one throws an error
 * that names itself.
 */
export class Piscina {
  constructor(..._args: unknown[]) {
    throw new Error("pnn playground: worker pools (shards > 1, --workers) are not available in the browser; use the pnn CLI (docs/scaling.md)");
  }
}
export const workerData: unknown = undefined;
