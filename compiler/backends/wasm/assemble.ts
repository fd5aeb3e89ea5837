/**
 * Module text (emitWat) + data segments -> wasm bytes, by one of two well-kept assemblers:
 *   - binaryen, for optimised modules (`optimize` ≥ 1: edge artifacts, which browsers tier
 *     lazily). Loading binaryen costs ~0.5–1 s and ~150 MB per process (shared/PLATFORM.md).
 *   - wabt, for level 0: modules this process runs itself, which V8 compiles with its optimising
 *     tier up front (node-module.ts), so binaryen's optimiser buys no step time there. wabt loads
 *     in ~25 ms and assembles the flagship's three programs in ~0.1 s, where binaryen took ~1 s
 *     including its load: that load was most of a cold-cache run's extra time (bench/cold-start.mjs).
 *     The module keeps every helper function the text declares (binaryen -O0 removed unused
 *     ones); V8 compiles them in a few ms.
 * Both take the data segments as bytes, not as text (escaping megabytes of tables is slow): the
 * binaryen module through its API, the wabt module as a data section appended to its binary.
 * The bytes are the same program either way; which assembler ran never changes a value.
 */
import { createRequire } from "node:module";
import { InternalError } from "../../../diagnostics/internal.js";

/** The wasm features emitted modules use (also what the wabt validator is told to accept). */
export const WASM_FEATURES = ["simd", "bulk_memory", "sat_float_to_int", "sign_extension", "mutable_globals"] as const;

export interface DataSegment {
  readonly offset: number;
  readonly bytes: Uint8Array;
}

type Binaryen = typeof import("binaryen").default;
let binaryenP: Promise<Binaryen> | undefined;
/** binaryen, loaded once on first use (~1 s): the runtime never loads it. */
export function loadBinaryen(): Promise<Binaryen> {
  binaryenP ??= import("binaryen").then((m) => m.default);
  return binaryenP;
}

type Wabt = Awaited<ReturnType<typeof import("wabt")>>;
let wabtP: Promise<Wabt> | undefined;
/** wabt, loaded once on first use (~25 ms). */
export function loadWabt(): Promise<Wabt> {
  wabtP ??= (createRequire(import.meta.url)("wabt") as typeof import("wabt"))();
  return wabtP;
}

/** Bytes of the module `wat` (its memory: `pages` pages, exported as "memory", holding `data`), optimised at `level`. */
export async function assemble(wat: string, data: readonly DataSegment[], pages: number, level: 0 | 1 | 2 | 3): Promise<Uint8Array> {
  return level === 0 ? assembleWithWabt(wat, data, pages) : assembleWithBinaryen(wat, data, pages, level);
}

async function assembleWithBinaryen(wat: string, data: readonly DataSegment[], pages: number, level: 1 | 2 | 3): Promise<Uint8Array> {
  const binaryen = await loadBinaryen();
  const F = binaryen.Features;
  const mod = binaryen.parseText(wat);
  try {
    mod.setMemory(pages, pages, "memory", data.map((d) => ({ offset: mod.i32.const(d.offset), data: d.bytes, passive: false })), false, false, "0");
    mod.setFeatures(F.MVP | F.SIMD128 | F.BulkMemory | F.BulkMemoryOpt | F.NontrappingFPToInt | F.SignExt | F.MutableGlobals);
    if (!mod.validate()) throw new InternalError("wasm: binaryen rejected the emitted module", wat.slice(0, 20000));
    binaryen.setOptimizeLevel(level);
    binaryen.setShrinkLevel(0);
    mod.optimize();
    return mod.emitBinary();
  } finally {
    mod.dispose();
  }
}

async function assembleWithWabt(wat: string, data: readonly DataSegment[], pages: number): Promise<Uint8Array> {
  const memory = `(memory $0 ${pages} ${pages})`;
  if (!wat.includes(memory) || wat.includes("(data ")) throw new InternalError("wasm: the module text does not declare its memory as emitWat does");
  const wabt = await loadWabt();
  let mod: ReturnType<Wabt["parseWat"]> | undefined;
  try {
    mod = wabt.parseWat("module.wat", wat.replace(memory, `(memory $0 (export "memory") ${pages} ${pages})`), Object.fromEntries(WASM_FEATURES.map((f) => [f, true])));
    mod.validate();
    const code = mod.toBinary({ write_debug_names: false }).buffer;
    const bytes = withDataSection(code, data);
    if (!WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>)) throw new Error("the module with its data section does not validate");
    return bytes;
  } catch (e) {
    throw new InternalError(`wasm: wabt rejected the emitted module: ${(e as Error).message}`, wat.slice(0, 20000));
  } finally {
    mod?.destroy();
  }
}

const DATA_SECTION = 11;

/** `code` (a binary whose last section is its code section) followed by a data section of active segments in memory 0. */
function withDataSection(code: Uint8Array, data: readonly DataSegment[]): Uint8Array {
  if (!data.length) return code;
  const body: number[] = [];
  uleb(body, data.length);
  const parts: Uint8Array[] = [];
  const chunks: number[][] = [];
  for (const d of data) {
    const head: number[] = [0x00, 0x41]; // active segment in memory 0; offset: i32.const
    sleb(head, d.offset);
    head.push(0x0b); // end
    uleb(head, d.bytes.length);
    chunks.push(head);
  }
  const size = body.length + chunks.reduce((s, h, i) => s + h.length + data[i]!.bytes.length, 0);
  const header: number[] = [DATA_SECTION];
  uleb(header, size);
  parts.push(code, Uint8Array.from(header), Uint8Array.from(body));
  chunks.forEach((h, i) => parts.push(Uint8Array.from(h), data[i]!.bytes));
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function uleb(out: number[], v: number): void {
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v) byte |= 0x80;
    out.push(byte);
  } while (v);
}

function sleb(out: number[], v: number): void {
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && !(byte & 0x40)) || (v === -1 && byte & 0x40)) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}
