/**
 * `node:module` in the playground's bundles: the mnist loader calls createRequire (to load the
 * mnist package's JSON from disk), and the wasm backend to load wabt for unoptimised modules
 * (compiler/backends/wasm/assemble.ts). The playground offers the small data sets only
 * (playground/datasets.ts) and compiles through binaryen, so this throws, naming itself.
 */
export function createRequire(from: string | URL): never {
  throw new Error(`pnn playground: createRequire(${String(from)}) is not available in the browser (node_modules is not on a page)`);
}
