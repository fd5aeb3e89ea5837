/**
 * The device protocol's messages (docs/hardware.md): one JSON object per line each way.
 *   {"id": 0, "op": "info"}  →  {"id": 0, "inputs": [n], "outputs": [m], "params": {"name": [shape], …}}
 *   {"id": k, "op": "forward", "x": [[…], …], "params": {"name": […], …}}  →  {"id": k, "y": [[…], …]}
 *   a device-side failure   →  {"id": k, "error": "message"}
 * Requests are written here (numbers in JavaScript's shortest round-trip form, so a value read
 * back is the same double); replies are read here and checked completely before anything uses
 * them: JSON, an object, an integer id, then per op the shapes, and every y value a finite
 * number. A problem is a ProtocolProblem whose message says exactly what is wrong; the client
 * turns it into a diagnostic naming the device and the request. Nothing here does I/O.
 */
import type { DeviceSpec } from "./types.js";

/** A reply that breaks the protocol (not JSON, wrong shape, NaN, …): the message says what. */
export class ProtocolProblem extends Error {}

/** The device answered `{"id": k, "error": …}`: a failure on its side (retried like a timeout). */
export class DeviceSideError extends Error {}

/** How much of a bad line a message quotes. */
const QUOTE = 80;

export function quote(line: string): string {
  const t = line.length > QUOTE ? `${line.slice(0, QUOTE)}…` : line;
  return JSON.stringify(t);
}

function numberList(a: ArrayLike<number>, from: number, to: number): string {
  let s = "";
  for (let i = from; i < to; i++) {
    const v = a[i]!;
    s += (i > from ? "," : "") + String(v === 0 ? 0 : v); // -0 as 0, as JSON.stringify writes it
  }
  return s;
}

/** `[[row], …]` of `rows` rows of `width` numbers. */
export function rowsJson(data: ArrayLike<number>, rows: number, width: number): string {
  let s = "[";
  for (let r = 0; r < rows; r++) s += (r ? ",[" : "[") + numberList(data, r * width, (r + 1) * width) + "]";
  return s + "]";
}

export function infoRequest(id: number): string {
  return `{"id":${id},"op":"info"}`;
}

/** `{"name": [values], …}`: a query's parameters, flattened row-major. */
export function paramsJson(params: readonly { name: string; values: ArrayLike<number> }[]): string {
  return `{${params.map((p) => `${JSON.stringify(p.name)}:[${numberList(p.values, 0, p.values.length)}]`).join(",")}}`;
}

/** A forward request from the JSON texts of x and params; values must be finite (the caller checks: JSON has no NaN). */
export function forwardRequest(id: number, x: string, params: string): string {
  return `{"id":${id},"op":"forward","x":${x},"params":${params}}`;
}

/** The first non-finite value of `a`, or −1. */
export function firstNonFinite(a: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return i;
  return -1;
}

/** Parses one reply line into an object with an integer id; throws ProtocolProblem. */
export function parseReply(line: string): { id: number; body: Record<string, unknown> } {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    const bare = /(?<![\w"])(-?Infinity|NaN)(?![\w"])/.exec(line);
    if (bare) throw new ProtocolProblem(`the reply holds ${bare[1]}, which is not a JSON number (a device must send finite numbers): ${quote(line)}`);
    throw new ProtocolProblem(`the reply is not JSON: ${quote(line)}`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new ProtocolProblem(`the reply is not a JSON object: ${quote(line)}`);
  const body = v as Record<string, unknown>;
  const id = body.id;
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 0) throw new ProtocolProblem(`the reply has no request id ("id": a whole number): ${quote(line)}`);
  return { id, body };
}

/** A device-side error, if the reply is one. */
export function replyError(body: Record<string, unknown>): string | undefined {
  if (!("error" in body)) return undefined;
  const e = body.error;
  return typeof e === "string" ? e : JSON.stringify(e);
}

const shapeText = (s: readonly number[]) => `[${s.join(", ")}]`;
const sameShape = (a: unknown, b: readonly number[]) => Array.isArray(a) && a.length === b.length && a.every((d, i) => d === b[i]);

/** Checks an info reply against the twin; returns every mismatch (empty: the device fits). */
export function infoMismatches(body: Record<string, unknown>, spec: DeviceSpec): string[] {
  const out: string[] = [];
  if (!sameShape(body.inputs, spec.inputs)) out.push(`its inputs are ${JSON.stringify(body.inputs ?? null)} but the twin's forward takes ${shapeText(spec.inputs)} per row`);
  if (!sameShape(body.outputs, spec.outputs)) out.push(`its outputs are ${JSON.stringify(body.outputs ?? null)} but the twin's forward returns ${shapeText(spec.outputs)} per row`);
  const params = body.params;
  if (typeof params !== "object" || params === null || Array.isArray(params)) {
    out.push(`its info has no "params" object (the twin sends ${spec.params.length ? spec.params.map((p) => `${p.name} ${shapeText(p.shape)}`).join(", ") : "none"})`);
    return out;
  }
  const got = params as Record<string, unknown>;
  for (const p of spec.params) {
    if (!(p.name in got)) out.push(`it takes no parameter '${p.name}' (the twin's is ${shapeText(p.shape)})`);
    else if (!sameShape(got[p.name], p.shape)) out.push(`its parameter '${p.name}' is ${JSON.stringify(got[p.name])} but the twin's is ${shapeText(p.shape)}`);
  }
  for (const name of Object.keys(got)) if (!spec.params.some((p) => p.name === name)) out.push(`it takes a parameter '${name}' that the twin's layer does not have`);
  return out;
}

/** The `y` of a forward reply as `rows × width` numbers; throws ProtocolProblem naming the first bad value. */
export function replyRows(body: Record<string, unknown>, rows: number, width: number): Float64Array {
  const y = body.y;
  if (!Array.isArray(y)) throw new ProtocolProblem(`the reply has no "y" rows (keys: ${Object.keys(body).join(", ")})`);
  if (y.length !== rows) throw new ProtocolProblem(`the reply has ${y.length} rows of y for ${rows} rows of x`);
  const out = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) {
    const row = y[r] as unknown;
    if (!Array.isArray(row)) throw new ProtocolProblem(`y[${r}] is not a row (a list of ${width} numbers)`);
    if (row.length !== width) throw new ProtocolProblem(`y[${r}] has ${row.length} values; the twin's output has ${width}`);
    for (let c = 0; c < width; c++) {
      const v = row[c] as unknown;
      if (typeof v !== "number" || !Number.isFinite(v)) throw new ProtocolProblem(`y[${r}][${c}] is ${JSON.stringify(v)}, not a finite number`);
      out[r * width + c] = v;
    }
  }
  return out;
}
