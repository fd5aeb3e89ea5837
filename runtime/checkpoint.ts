/**
 * Checkpoints in the safetensors format (https://github.com/huggingface/safetensors), so that
 * trained parameters open in PyTorch/NumPy/JAX tooling as they are:
 *
 *   [8 bytes: N, unsigned little-endian]  [N bytes: JSON header, padded with spaces to 8-byte
 *   alignment]  [data: raw little-endian tensor bytes]
 *   header = { "<name>": { "dtype": "F32"|"F64"|"I32", "shape": [...], "data_offsets": [begin, end] },
 *              …, "__metadata__": { "<key>": "<string>" } }    (offsets relative to the data start)
 *
 * Save writes `path.tmp-<pid>`, fsyncs and renames, so a crash never leaves a half-written
 * checkpoint under the real name. Load validates everything and reports any problem as
 * UserError PNN6003 (missing or corrupt). Whether a valid checkpoint fits a network (PNN6004)
 * is the caller's check. Only F32, F64 and I32 are read; other safetensors dtypes are refused.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { diag, UserError } from "../diagnostics/catalog.js";
import { MAX_CHECKPOINT_BYTES } from "../diagnostics/limits.js";
import { fileSpan, type Span } from "../diagnostics/span.js";
import { namingPath, readBinaryFile } from "./files.js";

export type CheckpointDType = "F32" | "F64" | "I32";

export interface CheckpointTensor {
  dtype: CheckpointDType;
  shape: number[];
  data: Float32Array | Float64Array | Int32Array;
}

export interface Checkpoint {
  tensors: Map<string, CheckpointTensor>;
  metadata: Record<string, string>;
}

const DTYPE_SIZE: Record<CheckpointDType, number> = { F32: 4, F64: 8, I32: 4 };
const ARRAY_OF: Record<CheckpointDType, Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor> = {
  F32: Float32Array,
  F64: Float64Array,
  I32: Int32Array,
};
/** The safetensors reference implementation refuses headers above 100 MB. */
const MAX_HEADER = 100_000_000;
const LITTLE_ENDIAN = os.endianness() === "LE";

function corrupt(file: string, message: string, span?: Span): never {
  throw new UserError(diag("PNN6003", span ?? fileSpan(file), `checkpoint ${file}: ${message}`));
}

function elements(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The tensor's bytes in little-endian order. */
function bytesOf(t: CheckpointTensor): Uint8Array {
  const view = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  if (LITTLE_ENDIAN) return view;
  const out = new Uint8Array(view.length);
  const w = DTYPE_SIZE[t.dtype];
  for (let i = 0; i < view.length; i += w) for (let j = 0; j < w; j++) out[i + j] = view[i + w - 1 - j];
  return out;
}

/** The exact bytes of a safetensors file for these tensors (in the Map's order) and metadata. */
export function encodeSafetensors(tensors: ReadonlyMap<string, CheckpointTensor>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) if (typeof v !== "string") throw new TypeError(`checkpoint metadata '${k}' must be a string`);
    header.__metadata__ = metadata;
  }
  let offset = 0;
  const parts: Uint8Array[] = [];
  for (const [name, t] of tensors) {
    if (name === "__metadata__") throw new TypeError("a tensor may not be called __metadata__");
    if (!(t.dtype in DTYPE_SIZE)) throw new TypeError(`tensor '${name}': unsupported dtype ${t.dtype}`);
    if (!(t.data instanceof ARRAY_OF[t.dtype])) throw new TypeError(`tensor '${name}': ${t.dtype} needs a ${ARRAY_OF[t.dtype].name}`);
    if (!t.shape.every((d) => Number.isInteger(d) && d >= 0) || elements(t.shape) !== t.data.length)
      throw new TypeError(`tensor '${name}': shape [${t.shape}] does not match ${t.data.length} elements`);
    const bytes = bytesOf(t);
    header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    parts.push(bytes);
    offset += bytes.length;
  }
  let json = Buffer.from(JSON.stringify(header), "utf8");
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Writes bytes to `file` atomically: temp file in the same folder (created afresh, never through
 * a link left under its name), fsync, rename. The rename replaces `file` itself, even if it is a
 * link.
 */
export function writeFileAtomic(file: string, bytes: Uint8Array | string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.rmSync(tmp, { force: true });
  const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW ?? 0), 0o644);
  try {
    try {
      fs.writeSync(fd, typeof bytes === "string" ? Buffer.from(bytes, "utf8") : bytes);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw namingPath(e, file);
  }
  // Make the rename itself durable; not every platform lets a folder be opened and synced.
  try {
    const dfd = fs.openSync(path.dirname(path.resolve(file)), "r");
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    /* best effort */
  }
}

/**
 * Saves tensors and string metadata as a safetensors file, atomically. Programming mistakes
 * (wrong array type, shape/length mismatch) throw TypeError; I/O failures propagate as is.
 */
export function saveCheckpoint(file: string, tensors: ReadonlyMap<string, CheckpointTensor>, metadata: Record<string, string> = {}): void {
  writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}

/** Parses and validates safetensors bytes; `file` names it in messages. Throws PNN6003. */
export function decodeSafetensors(bytes: Uint8Array, file: string, span?: Span): Checkpoint {
  const bad = (m: string): never => corrupt(file, m, span);
  if (bytes.length < 8) bad(`file is ${bytes.length} bytes, too short to be a safetensors file`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = dv.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER)) bad(`header length ${n64} is not plausible (not a safetensors file?)`);
  const n = Number(n64);
  if (n < 2) bad(`header length ${n} is too short`);
  if (8 + n > bytes.length) bad(`header length ${n} runs past the end of the ${bytes.length}-byte file (truncated?)`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    bad(`header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) bad("header is not a JSON object");
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: CheckpointDType; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (typeof info !== "object" || info === null || Array.isArray(info)) bad("__metadata__ is not an object");
      for (const [k, v] of Object.entries(info as Record<string, unknown>)) {
        if (typeof v !== "string") bad(`__metadata__ '${k}' is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    if (typeof info !== "object" || info === null || Array.isArray(info)) bad(`entry '${name}' is not an object`);
    const { dtype, shape, data_offsets: off } = info as Record<string, unknown>;
    if (typeof dtype !== "string") bad(`tensor '${name}' has no dtype`);
    if (!((dtype as string) in DTYPE_SIZE)) bad(`tensor '${name}' has dtype ${dtype}; pnn reads F32, F64 and I32`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) bad(`tensor '${name}' has an invalid shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0) || off[0] > off[1])
      bad(`tensor '${name}' has invalid data_offsets ${JSON.stringify(off)}`);
    const [begin, end] = off as number[];
    if (end > dataLen) bad(`tensor '${name}' data_offsets [${begin}, ${end}] run past the ${dataLen} data bytes (truncated?)`);
    const want = elements(shape as number[]) * DTYPE_SIZE[dtype as CheckpointDType];
    if (end - begin !== want) bad(`tensor '${name}' has ${end - begin} bytes, but ${dtype}[${(shape as number[]).join(", ")}] needs ${want}`);
    entries.push({ name, dtype: dtype as CheckpointDType, shape: shape as number[], begin, end });
  }
  // The tensors must tile the data exactly: sorted by offset, each starts where the last ended.
  const sorted = entries.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of sorted) {
    if (e.begin < at) bad(`tensor '${e.name}' overlaps another tensor (offset ${e.begin} < ${at})`);
    if (e.begin > at) bad(`there is a gap in the data before tensor '${e.name}' (offset ${e.begin}, expected ${at})`);
    at = e.end;
  }
  if (at !== dataLen) bad(`the tensors cover ${at} data bytes, but the file has ${dataLen} (trailing bytes or wrong offsets)`);
  const tensors = new Map<string, CheckpointTensor>();
  for (const e of entries) {
    const w = DTYPE_SIZE[e.dtype];
    // A fresh, aligned copy (not bytes.slice: on a Node Buffer that is a view into a shared pool).
    const copy = new Uint8Array(bytes.subarray(dataStart + e.begin, dataStart + e.end));
    if (!LITTLE_ENDIAN) for (let i = 0; i < copy.length; i += w) copy.subarray(i, i + w).reverse();
    const Arr = ARRAY_OF[e.dtype];
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: new Arr(copy.buffer, 0, copy.length / w) });
  }
  return { tensors, metadata };
}

/**
 * Reads and validates a checkpoint; a missing or corrupt file is UserError PNN6003. Read like
 * every user-named file (runtime/files.ts): regular files only, at most MAX_CHECKPOINT_BYTES.
 */
export function loadCheckpoint(file: string, span?: Span): Checkpoint {
  const r = readBinaryFile(file, MAX_CHECKPOINT_BYTES);
  if (!r.ok) corrupt(file, r.kind === "missing" ? "no such file" : r.problem, span);
  return decodeSafetensors(r.bytes, file, span);
}
