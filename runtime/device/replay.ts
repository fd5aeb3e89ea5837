/**
 * A recorded session served back as a device (`replay:FILE`, or `external replay("…")`): the
 * device's `info` from the log, and for each forward query the next recorded reply — but only
 * if the query is the recorded one, bit for bit (the same x and parameter texts, which are the
 * same doubles). A query that differs, or one more than the log holds, is PNN6034, naming the
 * query, the log line and the first value that differs. So replaying a run's log re-runs the
 * run exactly (for debugging, tests and re-analysis) without the device, and proves it did.
 */
import { diag, UserError } from "../../diagnostics/catalog.js";
import { rawField, readDeviceLog, type LoggedDevice } from "./log.js";
import type { LineTransport, TransportEvents } from "./transport.js";
import type { DeviceSpec } from "./types.js";

/** The first place two JSON texts of numbers (nested lists or an object of lists) differ, in words. */
export function firstDifference(sent: string, recorded: string): string {
  const a = JSON.parse(sent) as unknown, b = JSON.parse(recorded) as unknown;
  const walk = (x: unknown, y: unknown, at: string): string | undefined => {
    if (Array.isArray(x) && Array.isArray(y)) {
      if (x.length !== y.length) return `${at || "it"} has ${x.length} entries; the log's has ${y.length}`;
      for (let i = 0; i < x.length; i++) {
        const d = walk(x[i], y[i], `${at}[${i}]`);
        if (d) return d;
      }
      return undefined;
    }
    if (x && y && typeof x === "object" && typeof y === "object" && !Array.isArray(x) && !Array.isArray(y)) {
      const kx = Object.keys(x), ky = Object.keys(y);
      if (kx.join() !== ky.join()) return `the parameters are ${kx.join(", ")}; the log's are ${ky.join(", ")}`;
      for (const k of kx) {
        const d = walk((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], `${at}${at ? "." : ""}${k}`);
        if (d) return d;
      }
      return undefined;
    }
    return Object.is(x, y) ? undefined : `${at} is ${String(x)}; the log has ${String(y)}`;
  };
  return walk(a, b, "") ?? "the texts differ but not their numbers";
}

export class ReplayTransport implements LineTransport {
  private events?: TransportEvents;
  private device?: LoggedDevice;
  /** The next recorded query to serve (kept across reconnects). */
  private next = 0;

  constructor(readonly file: string, readonly spec: DeviceSpec) {}

  private fail(message: string): never {
    throw new UserError(diag("PNN6034", this.spec.where, `device ${this.spec.name} (replay:${this.file}): ${message}`));
  }

  async open(events: TransportEvents): Promise<void> {
    this.events = events;
    if (this.device) return;
    const all = readDeviceLog(this.file);
    const d = all.get(this.spec.name);
    if (!d) this.fail(`the log holds no conversation with ${this.spec.name} (it has ${[...all.keys()].join(", ") || "none"})`);
    this.device = d;
  }

  send(line: string): void {
    const req = JSON.parse(line) as { id: number; op: string };
    const d = this.device!;
    let reply: string;
    if (req.op === "info") reply = JSON.stringify({ ...d.info, id: req.id });
    else {
      const q = d.queries[this.next];
      if (!q) this.fail(`the run asks for query ${this.next + 1}, but the log holds ${d.queries.length} of this device: it is not the run that was recorded`);
      const x = rawField(line, "x")!, params = rawField(line, "params", line.indexOf(x) + x.length)!;
      if (x !== q.xText) this.fail(`query ${this.next + 1} (log line ${q.line}) is not the recorded one: in x, ${firstDifference(x, q.xText)}`);
      if (params !== q.paramsText) this.fail(`query ${this.next + 1} (log line ${q.line}) is not the recorded one: in the parameters, ${firstDifference(params, q.paramsText)}`);
      this.next++;
      reply = `{"id":${req.id},"y":${q.yText}}`;
    }
    const events = this.events!;
    setImmediate(() => events.line(reply));
  }

  async close(): Promise<void> {}
}
