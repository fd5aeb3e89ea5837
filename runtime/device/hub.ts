/**
 * The external devices of one command (train, eval, infer, calibrate): a client per device of
 * the model (in the order of the programs' `external` inputs), with the command line's address
 * overrides (`--external NAME=ADDRESS`), one device log for all of them (`--device-log FILE`), and
 * the user's consent to start programs a .pnn file names (`--allow-commands`: a file you did not
 * write must not run programs on your machine unasked; an address you type yourself is consent).
 * It opens every device before the work starts (a missing device fails at once, not mid-epoch),
 * counts the rows each one was sent (restored from a checkpoint, so a budget spans --resume),
 * and closes them all — the device programs stop — however the command ends.
 */
import { diag, UserError } from "../../diagnostics/catalog.js";
import { fileSpan } from "../../diagnostics/span.js";
import { DeviceClient } from "./client.js";
import { DeviceLogWriter } from "./log.js";
import type { DeviceAddress, DeviceSpec } from "./types.js";

export interface DeviceOverrides {
  /** Addresses from the command line, by device name (or instance path). */
  readonly addresses?: ReadonlyMap<string, DeviceAddress>;
  /** Append every conversation to this device log. */
  readonly log?: string;
  /** Start programs named by `external stdio(…)` in the source. */
  readonly allowCommands?: boolean;
}

export class DeviceHub {
  private constructor(readonly clients: readonly DeviceClient[], private readonly log: DeviceLogWriter | undefined) {}

  /** Clients for `specs`; usage errors (an unknown name, a command not allowed) are thrown before anything starts. */
  static create(specs: readonly DeviceSpec[], o: DeviceOverrides = {}): DeviceHub {
    const given = new Map(o.addresses ?? []);
    const addressOf = (s: DeviceSpec): { address: DeviceAddress; typed: boolean } => {
      for (const key of [s.name, s.instance]) {
        const a = given.get(key);
        if (a) {
          given.delete(key);
          return { address: a, typed: true };
        }
      }
      return { address: s.address, typed: false };
    };
    const chosen = specs.map((s) => ({ s, ...addressOf(s) }));
    if (given.size) {
      const names = specs.map((s) => s.name);
      throw new UserError(diag("PNN6036", specs[0]?.where ?? fileSpan("--external"), `--external names ${[...given.keys()].map((k) => `'${k}'`).join(", ")}, but the network's external devices are ${names.length ? names.join(", ") : "none"}`));
    }
    for (const c of chosen)
      if (c.address.kind === "stdio" && !c.typed && !o.allowCommands)
        throw new UserError(diag("PNN6036", c.s.where, `device ${c.s.name} is served by the program '${c.address.command}', which this file asks pnn to start; pnn starts programs a .pnn file names only when you allow it with --allow-commands (or give the address yourself: --external ${c.s.name}=stdio:…)`));
    const log = o.log ? new DeviceLogWriter(o.log) : undefined;
    return new DeviceHub(chosen.map((c) => new DeviceClient(c.s, c.address, log)), log);
  }

  /** Connects to every device (starting programs) and checks each against its twin. */
  async open(): Promise<void> {
    for (const c of this.clients) await c.open();
  }

  /** Rows each device was sent over the run, by name (for the checkpoint). */
  spent(): Record<string, number> {
    return Object.fromEntries(this.clients.map((c) => [c.spec.name, c.spent]));
  }

  restore(spent: Readonly<Record<string, number>>): void {
    for (const c of this.clients) c.spent = spent[c.spec.name] ?? 0;
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close()));
    this.log?.close();
  }
}
