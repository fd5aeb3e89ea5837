// bench/fft-exe.mjs — the executable of one fft or ifft on the wasm backend (this tree's dist/),
// shared by bench/fft.mjs and bench/fft-mixed.mjs: a graph with one c64 input x and the transform
// as output y, compiled with the backend's `fft` option ("auto", "radix2" or "dft"), optionally
// rewritten first by the pass fft-decompose (the IR-level path before the native kernels).
import * as path from "node:path";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const dist = (p) => path.join(root, "dist", p);
const { GraphBuilder } = await import(dist("compiler/ir/graph.js"));
const { compileToWasm } = await import(dist("compiler/backends/wasm/index.js"));
const { optimizedModule } = await import(dist("compiler/backends/wasm/node-module.js"));
const { wasmExecutable } = await import(dist("runtime/wasm/executable.js"));
const { fftDecompose } = await import(dist("compiler/passes/fft-decompose.js"));

export async function fftExecutable(op, shape, dims, { fft = "auto", decompose = false } = {}) {
  const b = new GraphBuilder();
  b.output("y", b.op(op, [b.input("x", "c64", shape)], { dims }));
  const g = decompose ? fftDecompose.run(b.build()) : b.build();
  const art = await compileToWasm(g, { fft });
  return wasmExecutable(optimizedModule(art.bytes), art.layout);
}
