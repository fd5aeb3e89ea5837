/**
 * External devices as plain data: where a device is (a command speaking the protocol on its
 * standard input/output, a TCP address, or a recorded session to replay), how patiently pnn talks
 * to it (per-request timeout, bounded retries, a query budget), and what the twin says it is
 * (the shapes of its input and output and of every parameter sent with a query). The checker
 * fills these from an `external …` declaration (stdlib/devices.ts); the command line may replace
 * the address. No code here: the client (client.ts) and transports read these records.
 */
import type { Span } from "../../diagnostics/span.js";

/** How to reach a device. */
export type DeviceAddress =
  /** A program started by pnn: one JSON request per line on its stdin, one reply per line on its stdout. `cwd`: where it runs. */
  | { readonly kind: "stdio"; readonly command: string; readonly cwd: string }
  /** The same messages over a TCP connection to `host:port`. */
  | { readonly kind: "tcp"; readonly host: string; readonly port: number }
  /** A device log (`--device-log`) served back as a device, query by query (replay.ts). */
  | { readonly kind: "replay"; readonly file: string };

export interface DeviceOptions {
  /** Seconds one request may take (including a restart) before it counts as failed. */
  readonly timeout: number;
  /** How often a failed request is tried again (after a timeout, a device-side error or a lost connection). */
  readonly retries: number;
  /** The most rows the whole run may send (null: no limit); spent rows travel in the checkpoint. */
  readonly budget: number | null;
}

/** One parameter sent with every forward query: its protocol name (its path below the layer instance) and shape. */
export interface DeviceParam {
  readonly name: string;
  /** The run's parameter path (`out.OpticalChip.phases1`). */
  readonly path: string;
  readonly shape: readonly number[];
}

/** What the twin says about one external device: everything the client checks the device's `info` against. */
export interface DeviceSpec {
  /** How messages name it: the layer's name, or the instance path when the layer is used twice. */
  readonly name: string;
  /** The layer instance (`out.OpticalChip`). */
  readonly instance: string;
  /** Per-row input and output shapes (the twin's forward types; real-valued). */
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly params: readonly DeviceParam[];
  readonly address: DeviceAddress;
  readonly options: DeviceOptions;
  /** The `external` declaration: where the device's diagnostics point (file:line:col). */
  readonly where: Span;
}

/** The address as a user writes it on the command line and in messages. */
export function showAddress(a: DeviceAddress): string {
  switch (a.kind) {
    case "stdio": return `stdio:${a.command}`;
    case "tcp": return `tcp:${a.host}:${a.port}`;
    case "replay": return `replay:${a.file}`;
  }
}

/**
 * Parses a command line's address: `stdio:COMMAND ARGS…`, `tcp:HOST:PORT` or `replay:FILE`.
 * Returns a message when it is none of them. `cwd` is where a command runs (the caller's folder).
 */
export function parseAddress(text: string, cwd: string): DeviceAddress | string {
  const colon = text.indexOf(":");
  const scheme = colon < 0 ? "" : text.slice(0, colon);
  const rest = colon < 0 ? "" : text.slice(colon + 1);
  switch (scheme) {
    case "stdio":
      return rest.trim() ? { kind: "stdio", command: rest.trim(), cwd } : "stdio: needs a command, e.g. stdio:python3 chip.py";
    case "tcp": {
      const hp = parseHostPort(rest);
      return typeof hp === "string" ? `tcp:${rest}: ${hp}` : { kind: "tcp", ...hp };
    }
    case "replay":
      return rest.trim() ? { kind: "replay", file: rest.trim() } : "replay: needs a device log file, e.g. replay:run.jsonl";
    default:
      return `'${text}' is not a device address: write stdio:COMMAND, tcp:HOST:PORT or replay:FILE`;
  }
}

/** `host:port` (IPv6 in brackets: `[::1]:7000`); a message when malformed. */
export function parseHostPort(text: string): { host: string; port: number } | string {
  const m = /^\s*(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})\s*$/.exec(text);
  if (!m) return "expected HOST:PORT, e.g. 127.0.0.1:7000";
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return `port ${port} is out of range (1–65535)`;
  return { host: m[1] ?? m[2]!, port };
}
