/**
 * Assembles a built model's wasm: the executor text (vm-wat.ts) with the program's data
 * (program.ts) as one active data segment, parsed and validated by
 * binaryen. binaryen is loaded lazily (it costs ~1 s): only `pnn build` pays for it.
 */
import { IMPORTS, vmWat } from "./vm-wat.js";
import type { BuiltProgram } from "./program.js";
import { InternalError } from "../../diagnostics/internal.js";

export interface EmittedModule {
  readonly bytes: Uint8Array;
  /** bytes of the module without its data segment (the executor code and headers) */
  readonly codeBytes: number;
  readonly imports: readonly string[];
}

/**
 * Parses and validates the executor (without data: binaryen is slow on large data
 * strings), emits it once to measure the code, then installs the data as one active segment at
 * address 0 (replacing the text's memory $mem) and emits the module.
 */
export async function emitModule(p: BuiltProgram): Promise<EmittedModule> {
  const pages = Math.max(1, Math.ceil(p.memoryBytes / 65536));
  const wat = vmWat(pages, p.programStart, p.instructions);
  const mod = await import("binaryen");
  const binaryen = (mod as unknown as { default: typeof import("binaryen").default }).default;
  const m = binaryen.parseText(wat);
  try {
    if (!m.validate()) throw new InternalError("build: the executor module does not validate", wat.slice(0, 4000));
    // no m.optimize(): it takes seconds here and shrinks the hand-written executor by ~6%
    const codeBytes = m.emitBinary().length;
    m.removeExport("memory");
    m.setMemory(pages, pages, "memory", [{ offset: m.i32.const(0), data: p.data, passive: false }], false, false, "mem");
    if (!m.validate()) throw new InternalError("build: the optimised module does not validate", "");
    return { bytes: m.emitBinary(), codeBytes, imports: IMPORTS };
  } finally {
    m.dispose();
  }
}

/** Bytes of a module's data section (id 11), by walking its sections; the rest is code and headers. */
export function dataSectionBytes(bytes: Uint8Array): number {
  let at = 8;
  let data = 0;
  while (at < bytes.length) {
    const id = bytes[at++]!;
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[at++]!;
      size += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    if (id === 11) data += size;
    at += size;
  }
  return data;
}
