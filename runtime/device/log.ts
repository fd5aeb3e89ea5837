/**
 * Device logs (`--device-log FILE`): every conversation with an external device, one JSON line
 * per event, appended as it happens (a crash loses nothing already answered):
 *   {"log":"pnn-device-log/1","device":"Chip","instance":"out.Chip","address":"stdio:…","info":{…},"t":…}
 *       when pnn connects (again after a restart);
 *   {"device":"Chip","seq":k,"t":…,"ms":…,"x":[[…]],"params":{…},"y":[[…]]}   an answered query;
 *   {"device":"Chip","seq":k,"t":…,"ms":…,"failed":"…"}                         a failed attempt.
 * `x`, `params` and `y` are exactly what went over the wire (the same text), so a replay
 * (replay.ts) can demand the same queries bit for bit and calibration (calibrate.ts) reads the
 * measurements back as doubles. `seq` counts the device's answered queries in this log.
 */
import * as fs from "node:fs";
import { diag, UserError } from "../../diagnostics/catalog.js";
import { MAX_DATA_FILE_BYTES } from "../../diagnostics/limits.js";
import { fileSpan } from "../../diagnostics/span.js";
import { readTextFile } from "../files.js";
import type { Measurement } from "./calibrate.js";
import type { DeviceSpec } from "./types.js";

export const LOG_FORMAT = "pnn-device-log/1";

/** One answered query as read back from a log: the request's JSON texts and the parsed numbers. */
export interface LoggedQuery {
  readonly seq: number;
  /** The request's `x` and `params` exactly as sent (JSON text), for bit-for-bit comparison. */
  readonly xText: string;
  readonly paramsText: string;
  /** The reply's `y` exactly as received. */
  readonly yText: string;
  readonly line: number;
}

export interface LoggedDevice {
  readonly name: string;
  readonly info: Record<string, unknown>;
  readonly queries: LoggedQuery[];
}

/** Appends a device's conversation to a log file (created or appended to). */
export class DeviceLogWriter {
  private readonly fd: number;
  private closed = false;
  constructor(readonly file: string) {
    try {
      this.fd = fs.openSync(file, "a");
    } catch (e) {
      throw new UserError(diag("PNN6035", fileSpan(file), `cannot write the device log ${file}: ${(e as Error).message}`));
    }
  }
  private write(line: string): void {
    if (!this.closed) fs.writeSync(this.fd, line + "\n");
  }
  connected(device: string, instance: string, address: string, infoLine: string): void {
    this.write(`{"log":"${LOG_FORMAT}","device":${JSON.stringify(device)},"instance":${JSON.stringify(instance)},"address":${JSON.stringify(address)},"t":${Date.now()},"info":${infoLine}}`);
  }
  /** `x`, `params`, `y`: the JSON texts sent and received. */
  query(device: string, seq: number, ms: number, x: string, params: string, y: string): void {
    this.write(`{"device":${JSON.stringify(device)},"seq":${seq},"t":${Date.now()},"ms":${ms.toFixed(3)},"x":${x},"params":${params},"y":${y}}`);
  }
  failed(device: string, seq: number, ms: number, why: string): void {
    this.write(`{"device":${JSON.stringify(device)},"seq":${seq},"t":${Date.now()},"ms":${ms.toFixed(3)},"failed":${JSON.stringify(why)}}`);
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}

/**
 * The JSON text of `key`'s value in a one-line JSON object (the value is an array or object):
 * found by bracket matching, so the numbers are compared as written, never re-printed.
 */
export function rawField(line: string, key: string, from = 0): string | undefined {
  const at = line.indexOf(`"${key}":`, from);
  if (at < 0) return undefined;
  let i = at + key.length + 3;
  while (line[i] === " ") i++;
  const open = line[i];
  if (open !== "[" && open !== "{") return undefined;
  let depth = 0;
  let inString = false;
  for (let j = i; j < line.length; j++) {
    const c = line[j];
    if (inString) {
      if (c === "\\") j++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "[" || c === "{") depth++;
    else if (c === "]" || c === "}") {
      depth--;
      if (depth === 0) return line.slice(i, j + 1);
    }
  }
  return undefined;
}

/** Reads a device log: per device, its first info and its answered queries in order. PNN6035 when unreadable. */
export function readDeviceLog(file: string): Map<string, LoggedDevice> {
  const r = readTextFile(file, MAX_DATA_FILE_BYTES);
  if (!r.ok) throw new UserError(diag("PNN6035", fileSpan(file), `cannot read the device log ${file}: ${r.problem}`));
  const devices = new Map<string, LoggedDevice>();
  const lines = r.text.split("\n");
  let sawHeader = false;
  lines.forEach((text, i) => {
    if (!text.trim()) return;
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new UserError(diag("PNN6035", { ...fileSpan(file), line: i + 1 }, `${file}:${i + 1} is not a JSON line of a device log`));
    }
    const name = v.device;
    if (typeof name !== "string") throw new UserError(diag("PNN6035", { ...fileSpan(file), line: i + 1 }, `${file}:${i + 1} names no device`));
    if (v.log !== undefined) {
      if (v.log !== LOG_FORMAT) throw new UserError(diag("PNN6035", { ...fileSpan(file), line: i + 1 }, `${file}:${i + 1} is a ${String(v.log)} log; this pnn reads ${LOG_FORMAT}`));
      sawHeader = true;
      if (!devices.has(name)) devices.set(name, { name, info: (v.info ?? {}) as Record<string, unknown>, queries: [] });
      return;
    }
    if (v.failed !== undefined) return;
    const d = devices.get(name);
    // in the order written (a parameter may be called "y": search each field after the one before)
    const xText = rawField(text, "x");
    const xEnd = xText === undefined ? -1 : text.indexOf(xText) + xText.length;
    const paramsText = xText === undefined ? undefined : rawField(text, "params", xEnd);
    const yText = paramsText === undefined ? undefined : rawField(text, "y", text.indexOf(paramsText, xEnd) + paramsText.length);
    if (!d || xText === undefined || paramsText === undefined || yText === undefined)
      throw new UserError(diag("PNN6035", { ...fileSpan(file), line: i + 1 }, `${file}:${i + 1} is not a query of a device the log introduced (x, params and y after a header line)`));
    d.queries.push({ seq: d.queries.length, xText, paramsText, yText, line: i + 1 });
  });
  if (!sawHeader) throw new UserError(diag("PNN6035", fileSpan(file), `${file} holds no device conversation (no ${LOG_FORMAT} header line)`));
  return devices;
}

/** A logged device's answered queries as measurements (calibrate.ts), checked against the twin's shapes (PNN6035). */
export function measurementsOf(d: LoggedDevice, spec: DeviceSpec, file: string): Measurement[] {
  const width = spec.inputs.reduce((a, b) => a * b, 1);
  const outWidth = spec.outputs.reduce((a, b) => a * b, 1);
  const bad = (q: LoggedQuery, why: string): never => {
    throw new UserError(diag("PNN6035", { ...fileSpan(file), line: q.line }, `${file}:${q.line}: a query of ${d.name} does not fit its twin: ${why}`));
  };
  const rows = (q: LoggedQuery, text: string, w: number, what: string): Float64Array => {
    const v = JSON.parse(text) as unknown;
    if (!Array.isArray(v)) bad(q, `${what} is not a list of rows`);
    const out = new Float64Array((v as unknown[]).length * w);
    (v as unknown[]).forEach((row, r) => {
      if (!Array.isArray(row) || row.length !== w) bad(q, `${what}[${r}] does not have ${w} values`);
      (row as unknown[]).forEach((x, c) => {
        if (typeof x !== "number" || !Number.isFinite(x)) bad(q, `${what}[${r}][${c}] is not a finite number`);
        out[r * w + c] = x as number;
      });
    });
    return out;
  };
  return d.queries.map((q) => {
    const x = rows(q, q.xText, width, "x");
    const y = rows(q, q.yText, outWidth, "y");
    if (x.length / width !== y.length / outWidth) bad(q, "x and y have different numbers of rows");
    const given = JSON.parse(q.paramsText) as Record<string, unknown>;
    const params = new Map<string, Float64Array>();
    for (const p of spec.params) {
      const v = given[p.name];
      const n = p.shape.reduce((a, b) => a * b, 1);
      if (!Array.isArray(v) || v.length !== n || v.some((e) => typeof e !== "number")) bad(q, `parameter ${p.name} is not ${n} numbers`);
      params.set(p.name, Float64Array.from(v as number[]));
    }
    return { x, rows: x.length / width, params, y };
  });
}
