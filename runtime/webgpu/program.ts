/**
 * The WGSL program: plain data that says how to run a graph compiled by compiler/backends/wgsl
 * on a WebGPU device. It is the whole contract between that compiler and anything that runs it
 * (runtime/webgpu/runner.ts, the `pnn build --target wgsl` loader, a browser page): no code, no
 * imports of compiler modules. See docs/webgpu.md.
 *
 * Memory: one storage buffer, the *arena*, `arenaWords` 32-bit words, laid out once by a static
 * buffer plan. Every value is a dense row-major tensor at a word offset: float dtypes as f32
 * (complex as interleaved (re, im) pairs), i32 as i32. Words 0..STATUS_WORDS-1 are the status
 * block: word 0 is a failure code (0 = none), words 1 and 2 its two integer arguments (an
 * out-of-range index and the bound). `init` regions (constants, FFT twiddle tables) are written
 * once when the program is loaded and never written by a kernel.
 *
 * Code: `prelude` (the arena and parameter bindings, index and math helpers) followed by one
 * kernel's text is a complete WGSL module whose entry point is `main`; in a kernel text the
 * token `$K` stands for a name unique to the kernel (its entry point and workgroup variables),
 * so all kernels can also share one module (entry points k0, k1, …; the built artifact does).
 * Bindings: @group(0) @binding(0) the arena (storage, read_write); @binding(1) the dispatch's
 * parameter block (uniform, PARAM_BYTES, selected with a dynamic offset).
 *
 * Schedule: `dispatches[i]` runs kernel `kernel` on `groups` workgroups with parameter block i
 * (`params` words [i·PARAM_WORDS, (i+1)·PARAM_WORDS)), in order, in one compute pass.
 *
 * Carries: output `output` holds the next value of input `input` (the fused optimizer's new
 * parameters and state). `carryDispatches` (parameter blocks after the main ones) copy every
 * carried output onto its input inside the arena; a runner that keeps those inputs resident runs
 * them after the main dispatches instead of uploading the inputs again.
 */
import type { DType } from "../backend.js";

export const WGSL_PROGRAM_VERSION = 1;
/** 32-bit words in one dispatch's parameter block (a uniform array<vec4<u32>, 64>). */
export const PARAM_WORDS = 256;
export const PARAM_BYTES = PARAM_WORDS * 4;
/** The status block at the start of the arena. */
export const STATUS_WORDS = 4;

export interface WgslSlot {
  readonly name: string;
  /** The IR dtype (what the interpreter would return). */
  readonly dtype: DType;
  /** How it is stored: "f32" (real, or complex as 2·numel f32) or "i32". */
  readonly storage: "f32" | "i32";
  readonly shape: readonly number[];
  /** Word offset in the arena. */
  readonly offset: number;
  /** Number of words (numel, or 2·numel for complex). */
  readonly length: number;
}

export interface WgslKernel {
  /** What it computes (for dumps and profiles), e.g. "ew mul(add(a,b),c)", "matmul c·c". */
  readonly label: string;
  /** The kernel's WGSL after the prelude; `$K` names its entry point and workgroup variables. */
  readonly code: string;
}

export interface WgslDispatch {
  readonly kernel: number;
  readonly groups: readonly [number, number, number];
}

export interface WgslProgram {
  readonly version: number;
  readonly arenaWords: number;
  readonly prelude: string;
  readonly kernels: readonly WgslKernel[];
  readonly dispatches: readonly WgslDispatch[];
  /** PARAM_WORDS words per dispatch. */
  readonly params: Uint32Array;
  /** Initial arena contents (constants and tables), written once at load. */
  readonly init: readonly { readonly offset: number; readonly data: Uint32Array }[];
  readonly inputs: readonly WgslSlot[];
  readonly outputs: readonly WgslSlot[];
  readonly carries: readonly { readonly input: string; readonly output: string }[];
  readonly carryDispatches: readonly WgslDispatch[];
}

/** Why a run failed (status word 0): the same codes and messages as the wasm backend's pnn.fail. */
export { FAIL_MESSAGES as FAILURES } from "../wasm/executable.js";

/** The WGSL of kernel k as a module of its own (entry point `main`). */
export function kernelModule(p: Pick<WgslProgram, "prelude" | "kernels">, k: number): string {
  return p.prelude + "\n" + p.kernels[k]!.code.replaceAll("$K", "main");
}
