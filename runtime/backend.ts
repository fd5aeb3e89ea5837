/**
 * The contract between the runtime and whatever executes a compiled program (the reference
 * interpreter today, wasm and WGSL later). The runtime only ever sees this interface: it never
 * imports compiler code, and it cannot tell which backend runs.
 *
 * Tensors are dense, row-major. Complex tensors (c64/c128) store interleaved (re, im) pairs, so
 * their data is twice as long as the product of their shape. i32 tensors hold integers
 * (labels, random keys).
 */
export type DType = "f32" | "f64" | "c64" | "c128" | "i32";

export interface Tensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: Float64Array | Float32Array | Int32Array;
}

export interface TensorSpec {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
}

/** One compiled program (an inference pass, or a train step's forward + backward) on a CPU backend. */
export interface SyncExecutable {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  /** Runs the program. Inputs are looked up by name; outputs are returned by name. */
  run(inputs: Readonly<Record<string, Tensor>>): Record<string, Tensor>;
}

/** A program whose results arrive asynchronously (a GPU backend reads them back). */
export interface AsyncExecutable {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  run(inputs: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>>;
}

/** What the runtime runs: it awaits every result, so it cannot tell the two apart. */
export type Executable = SyncExecutable | AsyncExecutable;

export function isComplex(dtype: DType): boolean {
  return dtype === "c64" || dtype === "c128";
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
