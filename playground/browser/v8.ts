/**
 * `node:v8` in the playground's bundles: Node's wasm backend switches V8's baseline compiler off
 * while it compiles a module (compiler/backends/wasm/node-module.ts), and a data-parallel run on
 * every core pauses V8's optimizing compiler (compiler/driver/parallel/tiering.ts). A page cannot
 * set engine flags; the playground compiles its modules with WebAssembly.compile
 * (playground/worker.ts) and starts no pool, so it never reaches this.
 */
function setFlagsFromString(flags: string): never {
  throw new Error(`pnn playground: v8.setFlagsFromString('${flags}') is not available in the browser`);
}

export default { setFlagsFromString };
