// bench/peers/pnn-engine.mjs — pnn's own wasm backend as a bench engine (filled in once the
// wasm backend is merged). Returns {engine?, note}.
export async function pnnWasm() {
  return { note: "the wasm backend (compiler/backends/wasm) is not built in this tree" };
}
