/**
 * `node:module` in the playground's bundles: only the mnist loader calls createRequire (to load
 * the mnist package's JSON from disk). The playground offers the small data sets only
 * (playground/datasets.ts), so this throws, naming itself.
 */
export function createRequire(from: string | URL): never {
  throw new Error(`pnn playground: createRequire(${String(from)}) is not available in the browser (node_modules is not on a page)`);
}
