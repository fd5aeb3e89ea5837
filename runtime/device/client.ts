/**
 * The client of one external device: it connects (starts the program or opens the connection,
 * then asks `info` and checks it against the twin), sends forward queries one at a time, and
 * turns every way a lab device can fail into a diagnostic that names the device, its address
 * and the request, at the layer's `external` declaration:
 *   - no reply within the timeout, a device-side error reply, a crashed program or a lost
 *     connection: retried (after a restart or reconnect) up to `retries` times, then PNN6030;
 *   - a reply that breaks the protocol (not JSON, NaN, wrong row count or width, a reply to a
 *     request never sent): PNN6031 at once (a broken server does not heal by retrying);
 *   - an `info` that does not match the twin: PNN6033; a spent query budget: PNN6032.
 * A reply to a request it gave up on (timed out) is ignored. Every answered query and every
 * failed attempt goes to the device log when there is one (log.ts). Rows spent count against
 * the budget over the whole run (the trainer carries the count in the checkpoint).
 */
import { diag, UserError, type DiagnosticCode } from "../../diagnostics/catalog.js";
import type { Measurement } from "./calibrate.js";
import { rawField, type DeviceLogWriter } from "./log.js";
import { DeviceSideError, firstNonFinite, forwardRequest, infoMismatches, infoRequest, paramsJson, parseReply, ProtocolProblem, replyError, replyRows, rowsJson } from "./protocol.js";
import { ReplayTransport } from "./replay.js";
import { StdioTransport, TcpTransport, type LineTransport } from "./transport.js";
import { showAddress, type DeviceAddress, type DeviceSpec } from "./types.js";

/** The transport ended while a request waited (retried). */
class Ended extends Error {}
/** No reply within the timeout (retried). */
class TimedOut extends Error {}

interface Waiting {
  readonly id: number;
  resolve(r: { body: Record<string, unknown>; line: string }): void;
  reject(e: Error): void;
}

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
const RESUME = "Fix the device and run again: a training run continues from the checkpoint of its last finished epoch with --resume";

export class DeviceClient {
  private transport?: LineTransport;
  private replay?: ReplayTransport;
  /** Why each transport ended (a program may exit before pnn asks it anything). */
  private readonly endedWhy = new WeakMap<LineTransport, string>();
  private waiting?: Waiting;
  /** A line that arrived while nothing waited: reported with the next request. */
  private stray?: string;
  private readonly abandoned = new Set<number>();
  private nextId = 0;
  private seq = 0;
  /** Rows sent and answered over the whole run (restored from a checkpoint on --resume). */
  spent = 0;
  /** The latest answered queries, up to `keepRows` rows (for calibration during training). */
  private kept: Measurement[] = [];
  private keepRows = 0;
  readonly address: DeviceAddress;

  constructor(readonly spec: DeviceSpec, address: DeviceAddress | undefined, private readonly log?: DeviceLogWriter) {
    this.address = address ?? spec.address;
  }

  private get label(): string {
    return `device ${this.spec.name} (${showAddress(this.address)})`;
  }

  private fail(code: DiagnosticCode, message: string): never {
    throw new UserError(diag(code, this.spec.where, `${this.label}: ${message}`));
  }

  private makeTransport(): LineTransport {
    const a = this.address;
    switch (a.kind) {
      case "stdio": return new StdioTransport(a.command, a.cwd);
      case "tcp": return new TcpTransport(a.host, a.port, this.spec.options.timeout * 1000);
      case "replay": return (this.replay ??= new ReplayTransport(a.file, this.spec)); // one, so a reconnect keeps its place
    }
  }

  private stderrNote(t: LineTransport | undefined): string {
    const tail = t instanceof StdioTransport ? t.stderrTail() : "";
    return tail ? `; its last words on stderr: ${JSON.stringify(tail.split("\n").slice(-3).join("\n"))}` : "";
  }

  private async drop(): Promise<void> {
    const t = this.transport;
    this.transport = undefined;
    if (this.waiting) this.waiting.reject(new Ended("the connection was closed by pnn"));
    this.waiting = undefined;
    await t?.close();
  }

  /** Sends one request and waits for its reply (or a timeout, or the end of the transport). */
  private exchange(t: LineTransport, id: number, line: string, timeoutMs: number): Promise<{ body: Record<string, unknown>; line: string }> {
    if (this.stray !== undefined) {
      const s = this.stray;
      this.stray = undefined;
      throw new ProtocolProblem(s);
    }
    // a program that died before the request was sent fails now, not after the timeout
    const gone = this.endedWhy.get(t);
    if (gone !== undefined || this.transport !== t) throw new Ended(gone ?? "the connection was closed");
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        this.abandoned.add(id);
        reject(new TimedOut(`no reply within ${this.spec.options.timeout} s`));
      }, timeoutMs);
      this.waiting = {
        id,
        resolve: (r) => (clearTimeout(timer), (this.waiting = undefined), resolve(r)),
        reject: (e) => (clearTimeout(timer), (this.waiting = undefined), reject(e)),
      };
      t.send(line); // a replay that does not match throws here (PNN6034): not retried
    });
  }

  private onLine(t: LineTransport, line: string): void {
    if (t !== this.transport) return;
    let reply: { id: number; body: Record<string, unknown> };
    try {
      reply = parseReply(line);
    } catch (e) {
      if (this.waiting) this.waiting.reject(e as Error);
      else this.stray = (e as Error).message;
      return;
    }
    if (this.waiting && reply.id === this.waiting.id) return this.waiting.resolve({ body: reply.body, line });
    if (this.abandoned.has(reply.id)) return; // a late answer to a request that timed out
    const problem = `a reply to request ${reply.id}, which pnn never sent${this.waiting ? ` (it waits for request ${this.waiting.id})` : ""}`;
    if (this.waiting) this.waiting.reject(new ProtocolProblem(problem));
    else this.stray = problem;
  }

  /** Starts or connects, then asks `info` and checks it against the twin. */
  private async connect(timeoutMs: number): Promise<LineTransport> {
    if (this.transport) return this.transport;
    const t = this.makeTransport();
    this.endedWhy.delete(t);
    this.transport = t;
    try {
      await t.open({
        line: (l) => this.onLine(t, l),
        end: (why) => {
          this.endedWhy.set(t, why + this.stderrNote(t));
          if (t !== this.transport) return;
          this.transport = undefined;
          this.waiting?.reject(new Ended(this.endedWhy.get(t)!));
        },
      });
    } catch (e) {
      this.transport = undefined;
      if (e instanceof UserError) throw e;
      throw new Ended((e as Error).message);
    }
    const id = this.nextId++;
    let info: { body: Record<string, unknown>; line: string };
    try {
      info = await this.exchange(t, id, infoRequest(id), timeoutMs);
    } catch (e) {
      await this.drop();
      if (e instanceof ProtocolProblem) this.fail("PNN6031", `its answer to request ${id} (info) breaks the protocol: ${e.message}`);
      throw e;
    }
    const err = replyError(info.body);
    if (err !== undefined) {
      await this.drop();
      throw new DeviceSideError(`it answered request ${id} (info) with an error: ${err}`);
    }
    const problems = infoMismatches(info.body, this.spec);
    if (problems.length) {
      await this.drop();
      this.fail("PNN6033", `it does not match its twin (the layer's forward): ${problems.join("; ")}`);
    }
    const { id: _id, ...described } = info.body;
    this.log?.connected(this.spec.name, this.spec.instance, showAddress(this.address), JSON.stringify(described));
    return t;
  }

  /** Keeps the latest answered queries in memory, up to `rows` rows (calibration at chosen epochs). */
  keep(rows: number): void {
    this.keepRows = rows;
  }

  /** The kept queries, oldest first. */
  recent(): readonly Measurement[] {
    return this.kept;
  }

  private remember(x: ArrayLike<number>, rows: number, params: readonly { name: string; values: ArrayLike<number> }[], y: Float64Array): void {
    if (!this.keepRows) return;
    this.kept.push({ x: Float64Array.from(x), rows, params: new Map(params.map((p) => [p.name, Float64Array.from(p.values)])), y });
    let total = this.kept.reduce((a, q) => a + q.rows, 0);
    while (total - this.kept[0]!.rows >= this.keepRows) total -= this.kept.shift()!.rows;
  }

  /** Opens the connection now (so a missing device fails before training starts). */
  async open(): Promise<void> {
    await this.query("info", undefined);
  }

  /**
   * One forward query: `rows` rows of x (row-major, `width` values each) with the parameter
   * values; returns y, rows × the twin's output width.
   */
  async forward(x: ArrayLike<number>, rows: number, params: readonly { name: string; values: ArrayLike<number> }[]): Promise<Float64Array> {
    const width = this.spec.inputs.reduce((a, b) => a * b, 1);
    const outWidth = this.spec.outputs.reduce((a, b) => a * b, 1);
    const budget = this.spec.options.budget;
    if (budget !== null && this.spent + rows > budget)
      this.fail("PNN6032", `the run's query budget is spent: ${plural(this.spent, "row")} sent of ${budget}, and the next query has ${rows}. Raise 'budget' in the external declaration and --resume`);
    const bad = firstNonFinite(x);
    if (bad >= 0) this.fail("PNN6030", `the rows to send hold ${x[bad]} (row ${Math.floor(bad / width)}): the network's values before the device are not finite (did training diverge?)`);
    for (const p of params) {
      const i = firstNonFinite(p.values);
      if (i >= 0) this.fail("PNN6030", `parameter ${p.name}[${i}] is ${p.values[i]}: training diverged before this query`);
    }
    const xText = rowsJson(x, rows, width);
    const pText = paramsJson(params);
    return this.query(`forward of ${plural(rows, "row")}`, {
      line: (id) => forwardRequest(id, xText, pText),
      read: (body) => {
        const y = replyRows(body, rows, outWidth);
        this.remember(x, rows, params, y);
        return y;
      },
      log: (ms, replyLine) => this.log?.query(this.spec.name, this.seq, ms, xText, pText, rawField(replyLine, "y") ?? "null"),
      rows,
    });
  }

  /** One request, retried as the file comment says; `req` undefined: only connect (and `info`). */
  private async query<T>(what: string, req: { line(id: number): string; read(body: Record<string, unknown>): T; log(ms: number, replyLine: string): void; rows: number } | undefined): Promise<T> {
    const { timeout, retries } = this.spec.options;
    const timeoutMs = timeout * 1000;
    let last = "";
    for (let attempt = 0; attempt <= retries; attempt++) {
      const started = performance.now();
      let id = -1;
      try {
        const t = await this.connect(timeoutMs);
        if (!req) return undefined as T;
        id = this.nextId++;
        const reply = await this.exchange(t, id, req.line(id), timeoutMs);
        const err = replyError(reply.body);
        if (err !== undefined) throw new DeviceSideError(`it answered with an error: ${err}`);
        const value = req.read(reply.body);
        req.log(performance.now() - started, reply.line);
        this.seq++;
        this.spent += req.rows;
        return value;
      } catch (e) {
        if (e instanceof UserError) throw e;
        const request = id >= 0 ? `request ${id} (${what})` : `connecting (${what})`;
        const ms = performance.now() - started;
        if (e instanceof ProtocolProblem) {
          this.log?.failed(this.spec.name, this.seq, ms, e.message);
          await this.drop();
          this.fail("PNN6031", `its reply to ${request} breaks the protocol: ${e.message}. ${RESUME}`);
        }
        if (!(e instanceof TimedOut || e instanceof Ended || e instanceof DeviceSideError)) throw e;
        last = `${request}: ${e.message}`;
        this.log?.failed(this.spec.name, this.seq, ms, e.message);
        if (!(e instanceof DeviceSideError)) await this.drop(); // restart or reconnect before the retry
      }
    }
    this.fail("PNN6030", `${last} (${retries ? `gave up after ${retries} ${retries === 1 ? "retry" : "retries"}` : "not retried: 'retries' is 0"}). ${RESUME}`);
  }

  async close(): Promise<void> {
    await this.drop();
  }
}
