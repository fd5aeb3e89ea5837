/**
 * The transports an `external` declaration may name, as argument schemas (stdlib/schema.ts):
 *   external stdio("python3 chip.py", timeout: 5 s, retries: 2, budget: 200000)
 *   external tcp("127.0.0.1:7000")
 *   external replay("session.jsonl")
 * The checker validates a declaration against these (kinds, units, ranges, a confined log path)
 * and turns it into the runtime's plain DeviceAddress and DeviceOptions (runtime/device/types.ts).
 * The protocol itself is docs/hardware.md; the client is runtime/device/client.ts.
 */
import * as path from "node:path";
import { MAX_DATA_FILE_BYTES } from "../diagnostics/limits.js";
import { TIME } from "../compiler/units.js";
import { parseHostPort, type DeviceAddress, type DeviceOptions } from "../runtime/device/types.js";
import { dataPath, int, optInt, quantity, schema, text, type Schema, type SpecRecord } from "./schema.js";

/** How patiently pnn talks to a device: the same options for every transport. */
const OPTIONS = {
  timeout: quantity(TIME, "how long one request may take (a restart included) before it counts as failed", { default: 30, min: 0, exclusiveMin: true }),
  retries: int("how often a failed request is tried again: after a timeout, an error the device reports, or a lost connection (the device is restarted or reconnected first)", { default: 2, min: 0, max: 100 }),
  budget: optInt("the most rows (samples) the whole run may send to the device; off unless given", { min: 1 }),
};

export interface TransportDef {
  readonly name: "stdio" | "tcp" | "replay";
  readonly doc: string;
  readonly args: Schema<SpecRecord>;
}

export const TRANSPORTS: readonly TransportDef[] = [
  {
    name: "stdio",
    doc: "Starts a program and speaks the device protocol on its standard input and output (one JSON request per line, one reply per line). The command runs in this file's folder, without a shell.",
    args: schema({ command: text("the command line that starts the device program"), ...OPTIONS }),
  },
  {
    name: "tcp",
    doc: "Connects to a device server at host:port and speaks the device protocol over the connection.",
    args: schema({ address: text("host:port of the device server, e.g. \"127.0.0.1:7000\""), ...OPTIONS }),
  },
  {
    name: "replay",
    doc: "Serves a recorded session (a --device-log file) as the device: every query must be the recorded one, bit for bit.",
    args: schema({ log: dataPath("a device log written by pnn train --device-log, under this file's folder", MAX_DATA_FILE_BYTES), ...OPTIONS }),
  },
];

export function findTransport(name: string): TransportDef | undefined {
  return TRANSPORTS.find((t) => t.name === name);
}

/** A checked transport's values as the runtime's address and options; a message for a malformed tcp address. `dir`: the .pnn file's folder. */
export function readTransport(t: TransportDef, values: Readonly<Record<string, unknown>>, dir: string): { address: DeviceAddress; options: DeviceOptions } | string {
  const options: DeviceOptions = { timeout: values.timeout as number, retries: values.retries as number, budget: (values.budget as number | null) ?? null };
  switch (t.name) {
    case "stdio": {
      const command = (values.command as string).trim();
      if (!command) return "stdio needs a command, e.g. stdio(\"python3 chip.py\")";
      return { address: { kind: "stdio", command, cwd: dir }, options };
    }
    case "tcp": {
      const hp = parseHostPort(values.address as string);
      return typeof hp === "string" ? `tcp address '${values.address as string}': ${hp}` : { address: { kind: "tcp", ...hp }, options };
    }
    case "replay":
      return { address: { kind: "replay", file: path.resolve(dir, values.log as string) }, options };
  }
}
