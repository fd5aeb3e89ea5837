/**
 * Compiles emitted bytes to a WebAssembly.Module on Node with V8's optimizing compiler up front.
 * V8 first runs wasm in its baseline tier (Liftoff) and swaps in optimized code only between
 * calls; a kernel called once per step with long loops would spend whole runs in baseline code
 * (3-10× slower here). V8 also compiles a module's functions lazily, on their first call, by which
 * time the flags below are back: without --no-wasm-lazy-compilation every function started in
 * Liftoff anyway and was optimized later on V8's background threads (the flagship trained ~10%
 * faster with every function optimized here). Our modules are small, so compiling them fully
 * optimized is cheap. The flags are switched back afterwards so other modules (binaryen itself)
 * keep lazy tiering.
 */
import v8 from "node:v8";

export function optimizedModule(bytes: Uint8Array): WebAssembly.Module {
  v8.setFlagsFromString("--no-liftoff");
  v8.setFlagsFromString("--no-wasm-lazy-compilation");
  try {
    return new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  } finally {
    v8.setFlagsFromString("--liftoff");
    v8.setFlagsFromString("--wasm-lazy-compilation");
  }
}
