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

/**
 * f32's smallest normal number, 2⁻¹²⁶. Values below it in magnitude are subnormal, and x86
 * arithmetic on subnormals takes a microcode assist (10–100× slower per operation; wasm cannot
 * set flush-to-zero). The `flush` op and the optimizers' state updates set them to zero.
 */
export const F32_MIN_NORMAL = 2 ** -126;

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
/**
 * Optional extension: state kept inside the executable across runs. A train step whose program
 * reads parameters and optimizer state and outputs their new values (the manifest's `new-param`
 * and `new-state` outputs; runtime/manifest.ts `stateCarries` pairs them with their inputs) can
 * keep them where the program reads them: written once, then after every step each output named
 * in `feedback` is copied onto its input inside the executable (wasm: within linear memory; a GPU:
 * within its buffers), and a step passes only the per-step inputs and reads back only what it
 * asks for. Checkpoints and evaluations read state out with `read`; `write` replaces inputs.
 * A session's methods may answer synchronously (wasm) or with a Promise (a GPU reads back
 * asynchronously); callers await them. A runtime asks `isResident(exe)` and otherwise runs the
 * plain `run` contract, copying everything in and out.
 */
export type ResidentExecutable = Executable & {
  /** `feedback`: output name → the input it becomes after each step. */
  resident(feedback: Readonly<Record<string, string>>): ResidentSession;
};

export type MaybePromise<T> = T | Promise<T>;

export interface ResidentSession {
  /** Sets inputs (state once, after a resume, or per-step inputs) without running. */
  write(inputs: Readonly<Record<string, Tensor>>): MaybePromise<void>;
  /** Copies out the current values of inputs or outputs, as `run` would return them. */
  read(names: readonly string[]): MaybePromise<Record<string, Tensor>>;
  /** Writes `inputs`, runs, applies the feedback copies, returns the named outputs. */
  step(inputs: Readonly<Record<string, Tensor>>, outputs: readonly string[]): MaybePromise<Record<string, Tensor>>;
  /**
   * Optional: the named outputs of the last step as views of the executable's own storage, not
   * copies — valid until its next step (data-parallel training copies gradients straight into
   * shared memory with it, runtime/parallel/resident.ts).
   */
  views?(names: readonly string[]): Record<string, Tensor>;
  /**
   * Optional: input `name`'s storage inside the executable, for a caller that fills it in place
   * (data-parallel training gathers a shard's rows straight into its program's x); `undefined`
   * when the input is stored converted (f64 as f32). A later `step` or `write` given this very
   * array as the input's data does not copy it. Valid as long as the executable lives.
   */
  inputView?(name: string): Float32Array | Int32Array | undefined;
}

export function isResident(exe: Executable): exe is ResidentExecutable {
  return typeof (exe as Partial<ResidentExecutable>).resident === "function";
}

export function isComplex(dtype: DType): boolean {
  return dtype === "c64" || dtype === "c128";
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
