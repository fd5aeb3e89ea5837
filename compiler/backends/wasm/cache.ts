/**
 * A content-addressed cache of compiled wasm modules: key = sha256 of the codegen version and
 * the printed IR graph; files <dir>/wasm/<key>.wasm and <key>.json (the layout). A hit loads
 * without assembling anything; a miss compiles, then writes both files atomically (tmp + rename).
 * The directory is PNN_CACHE_DIR, else .pnn-cache in the working directory; an unwritable cache
 * is silently skipped.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Graph } from "../../ir/graph.js";
import { printGraph } from "../../ir/print.js";
import { isWasmLayout, type WasmLayout } from "../../../runtime/wasm/layout.js";
import { wasmExecutable, type WasmExecutable } from "../../../runtime/wasm/executable.js";
import { compileToWasm, WASM_CODEGEN_VERSION } from "./index.js";
import { optimizedModule } from "./node-module.js";

export function cacheDir(): string {
  return path.join(process.env.PNN_CACHE_DIR ?? ".pnn-cache", "wasm");
}

export function graphKey(g: Graph): string {
  return createHash("sha256").update(WASM_CODEGEN_VERSION).update("\n").update(printGraph(g)).digest("hex").slice(0, 32);
}

export interface CachedModule {
  readonly bytes: Uint8Array;
  readonly layout: WasmLayout;
  readonly hit: boolean;
  readonly key: string;
}

function tryRead(dir: string, key: string): { bytes: Uint8Array; layout: WasmLayout } | null {
  try {
    const layout = JSON.parse(fs.readFileSync(path.join(dir, `${key}.json`), "utf8")) as unknown;
    if (!isWasmLayout(layout)) return null;
    const bytes = new Uint8Array(fs.readFileSync(path.join(dir, `${key}.wasm`)));
    if (!WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>)) return null;
    return { bytes, layout };
  } catch {
    return null;
  }
}

function tryWrite(dir: string, key: string, bytes: Uint8Array, layout: WasmLayout): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    const tmp = `.${key}.${process.pid}.tmp`;
    fs.writeFileSync(path.join(dir, tmp + ".wasm"), bytes);
    fs.writeFileSync(path.join(dir, tmp + ".json"), JSON.stringify(layout));
    fs.renameSync(path.join(dir, tmp + ".wasm"), path.join(dir, `${key}.wasm`));
    fs.renameSync(path.join(dir, tmp + ".json"), path.join(dir, `${key}.json`));
  } catch {
    /* a read-only cache is not an error */
  }
}

/**
 * The optimize level for modules this process runs itself: 0, assembled by wabt without binaryen
 * (assemble.ts). V8 compiles them with its optimizing tier up front (node-module.ts), so
 * binaryen's -O2 bought no measurable step time (flagship, MLP) while loading and running binaryen
 * was most of a cold run's extra time (bench/cold-start.mjs). Edge artifacts (build/artifact.ts)
 * keep the default level: browsers tier lazily.
 */
const JIT_OPTIMIZE_LEVEL = 0;

/** The module for a graph, from the cache or freshly compiled (and then cached). */
export async function compileWasmModuleCached(g: Graph, dir = cacheDir()): Promise<CachedModule> {
  const key = graphKey(g);
  const got = tryRead(dir, key);
  if (got) return { ...got, hit: true, key };
  const art = await compileToWasm(g, { optimize: JIT_OPTIMIZE_LEVEL });
  tryWrite(dir, key, art.bytes, art.layout);
  return { bytes: art.bytes, layout: art.layout, hit: false, key };
}

export async function compileWasmCached(g: Graph, dir = cacheDir()): Promise<WasmExecutable> {
  const m = await compileWasmModuleCached(g, dir);
  return wasmExecutable(optimizedModule(m.bytes), m.layout);
}
