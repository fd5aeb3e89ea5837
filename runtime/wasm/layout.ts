/**
 * The wasm layout: plain, JSON-serialisable data that says how to drive a module emitted by
 * compiler/backends/wasm. It is the whole contract between the compiler and anything that runs
 * the module (runtime/wasm/executable.ts, the edge loader, a browser page): no code, no imports
 * of compiler modules. See docs/wasm.md.
 *
 * Memory: one linear memory, exported as `memory`, `memoryBytes` long (a multiple of 64 KiB),
 * laid out once by a static buffer plan. Each input/output slot is a dense row-major tensor at
 * `offset` (16-byte aligned) in its storage type: every float dtype (f32, f64) is stored as f32,
 * complex (c64, c128) as interleaved f32 (re, im) pairs, i32 as i32. Write inputs, call the
 * exported `entry` function (no arguments, no result), read outputs. Inputs keep their values
 * across calls (the module never writes to them).
 */
import type { DType } from "../backend.js";

export const WASM_LAYOUT_VERSION = 1;

export interface WasmSlot {
  readonly name: string;
  /** The IR dtype (what the interpreter would return). */
  readonly dtype: DType;
  /** How it is stored in memory: "f32" (real, or complex as 2·numel f32) or "i32". */
  readonly storage: "f32" | "i32";
  readonly shape: readonly number[];
  /** Byte offset in memory; 16-byte aligned. */
  readonly offset: number;
  /** Number of storage elements (numel, or 2·numel for complex). */
  readonly length: number;
}

/** A function the module imports; the runner supplies it (see WASM_IMPORTS in executable.ts). */
export interface WasmImport {
  readonly module: string;
  readonly name: string;
}

/** An exported entry function and the outputs it computes (a module may have several). */
export interface WasmEntry {
  readonly name: string;
  readonly outputs: readonly string[];
}

export interface WasmLayout {
  readonly version: number;
  readonly memoryBytes: number;
  /** Exported entry function: () -> (); the first of `entries` when there are several. */
  readonly entry: string;
  /** Several entries, each running only what its outputs need (absent: `entry` computes every output). */
  readonly entries?: readonly WasmEntry[];
  readonly inputs: readonly WasmSlot[];
  readonly outputs: readonly WasmSlot[];
  /** Imported functions the module needs (from module "math": f64 Math functions; "pnn": fail). */
  readonly imports: readonly WasmImport[];
  /** Bytes used by the buffer plan (the rest of memory is padding to a page). */
  readonly planBytes: number;
}

export function isWasmLayout(x: unknown): x is WasmLayout {
  const l = x as WasmLayout;
  return !!l && typeof l === "object" && l.version === WASM_LAYOUT_VERSION && typeof l.memoryBytes === "number" &&
    typeof l.entry === "string" && Array.isArray(l.inputs) && Array.isArray(l.outputs) && Array.isArray(l.imports);
}
