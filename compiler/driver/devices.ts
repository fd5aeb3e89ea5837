/**
 * External devices for the running products (train, eval, infer, calibrate): the command line's
 * device settings (`--external NAME=ADDRESS`, `--device-log FILE`, `--allow-commands`,
 * `--calibration FILE`) as one request; the twin's starting estimates of the devices' variables
 * (their means, or a calibration's, or a checkpoint's); and `withDevices`, which opens every
 * device, stages the compiled programs that query them (runtime/device/staged.ts), runs the
 * product, and closes the devices — their programs stop — however it ends.
 */
import { DeviceHub } from "../../runtime/device/hub.js";
import { attachDevices, type TwinValues } from "../../runtime/device/staged.js";
import { parseAddress, type DeviceAddress, type DeviceSpec } from "../../runtime/device/types.js";
import { initTwin } from "../../runtime/init.js";
import type { ModelSpec } from "../../runtime/model.js";
import type { Programs } from "../../runtime/program.js";
import { readTwin } from "../../runtime/run-state.js";
import { UsageError } from "./errors.js";

export interface DeviceRequest {
  /** `--external NAME=ADDRESS` (or a bare ADDRESS when the network has one device), as typed. */
  readonly externals?: readonly string[];
  /** `--device-log FILE`: append every conversation to this log. */
  readonly log?: string;
  /** `--allow-commands`: start programs the .pnn file names. */
  readonly allowCommands?: boolean;
  /** `--calibration FILE`: the twin's estimates from a calibration (or training) file. */
  readonly calibration?: string;
}

/** The command line's device addresses by device name; usage errors name what is wrong. */
export function deviceAddresses(flags: readonly string[], specs: readonly DeviceSpec[], cwd = process.cwd()): Map<string, DeviceAddress> {
  const out = new Map<string, DeviceAddress>();
  if (flags.length && !specs.length) throw new UsageError("--external: this network has no external device (declare one with `external …` in a layer)");
  for (const flag of flags) {
    const named = /^([A-Za-z_][A-Za-z0-9_.]*)=(.*)$/s.exec(flag);
    let name: string;
    let text: string;
    if (named && /^(stdio|tcp|replay):/.test(named[2]!)) [name, text] = [named[1]!, named[2]!];
    else if (specs.length === 1) [name, text] = [specs[0]!.name, flag];
    else throw new UsageError(`--external '${flag}': this network has ${specs.length} external devices (${specs.map((s) => s.name).join(", ")}): write --external NAME=ADDRESS`);
    if (!specs.some((s) => s.name === name || s.instance === name)) throw new UsageError(`--external ${name}=…: the network has no external device ${name} (it has ${specs.map((s) => s.name).join(", ")})`);
    const a = parseAddress(text, cwd);
    if (typeof a === "string") throw new UsageError(`--external ${name}=…: ${a}`);
    if (out.has(name)) throw new UsageError(`--external ${name} is given twice`);
    out.set(name, a);
  }
  return out;
}

/** The twin's starting estimates: the variables' means, replaced by those of `--calibration` or else of `checkpoint` when they hold some. */
export function startingTwin(spec: ModelSpec, seed: number, r: DeviceRequest, checkpoint?: string): TwinValues {
  const twin = initTwin(spec.twinVars, seed);
  const from = r.calibration ?? checkpoint;
  const read = from ? readTwin(from, spec) : undefined;
  if (r.calibration && !read && spec.twinVars.length) throw new UsageError(`--calibration ${r.calibration}: the file holds no twin estimates for this network's external devices`);
  for (const [path, v] of read ?? []) twin.get(path)!.set(v);
  return twin;
}

/**
 * Whether the model's programs are staged with devices (external layers, or the twin's estimates
 * of them): such a run answers one query at a time on this thread, never on worker threads.
 */
export function isStaged(spec: ModelSpec): boolean {
  return spec.externals.length > 0 || spec.twinVars.length > 0;
}

/** Opens the model's devices, stages `programs` with them and the twin's estimates, runs `body`, closes the devices. */
export async function withDevices<T>(spec: ModelSpec, programs: Programs, r: DeviceRequest, twin: TwinValues, body: (programs: Programs, hub: DeviceHub | undefined) => Promise<T>): Promise<T> {
  if (!isStaged(spec)) {
    if (r.externals?.length) deviceAddresses(r.externals, []);
    return body(programs, undefined);
  }
  const hub = DeviceHub.create(spec.externals, { addresses: deviceAddresses(r.externals ?? [], spec.externals), ...(r.log ? { log: r.log } : {}), ...(r.allowCommands ? { allowCommands: true } : {}) });
  try {
    await hub.open();
    return await body(attachDevices(programs, hub.clients, spec.externals, twin), hub);
  } finally {
    await hub.close();
  }
}
