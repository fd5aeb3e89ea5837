/**
 * Line transports for the device protocol: a child process's standard input/output (`stdio`)
 * and a TCP connection (`tcp`). Each delivers complete lines (UTF-8, `\n`-terminated, at most
 * MAX_DEVICE_LINE_BYTES) and says once, in words, why it ended (the program exited with code 3,
 * the connection was refused…). The client (client.ts) owns requests, timeouts and retries.
 * A child process is started without a shell (the command is split like a shell would, quotes
 * and backslashes only: no variables, globs or pipes), in the .pnn file's folder; its standard
 * error is kept (the last MAX_DEVICE_STDERR_CHARS) to quote when it fails; it is killed when the
 * transport closes and, as a last resort, when pnn exits.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as net from "node:net";
import { StringDecoder } from "node:string_decoder";
import { MAX_DEVICE_LINE_BYTES, MAX_DEVICE_STDERR_CHARS } from "../../diagnostics/limits.js";

export interface TransportEvents {
  line(text: string): void;
  /** The transport ended (once); `why` is a sentence fragment ("the program exited with code 1"). */
  end(why: string): void;
}

export interface LineTransport {
  /** Starts the program or connects; rejects with a message. */
  open(events: TransportEvents): Promise<void>;
  send(line: string): void;
  /** Stops the program or closes the connection; resolves when it is gone. */
  close(): Promise<void>;
}

/** Splits complete lines out of a byte stream; an over-long line ends the stream with a message. */
export class LineSplitter {
  private buf = "";
  private readonly decoder = new StringDecoder("utf8");
  constructor(private readonly onLine: (l: string) => void, private readonly onTooLong: (n: number) => void) {}
  push(chunk: Buffer): void {
    this.buf += this.decoder.write(chunk);
    let nl: number;
    while ((nl = this.buf.indexOf("\n")) >= 0) {
      const line = this.buf.slice(0, nl).replace(/\r$/, "");
      this.buf = this.buf.slice(nl + 1);
      if (line.trim()) this.onLine(line);
    }
    if (this.buf.length > MAX_DEVICE_LINE_BYTES) {
      const n = this.buf.length;
      this.buf = "";
      this.onTooLong(n);
    }
  }
}

/** Splits a command line into words: spaces separate, '…' and "…" quote, backslash escapes. */
export function splitCommand(command: string): string[] | string {
  const words: string[] = [];
  let cur = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < command.length; i++) {
    const ch = command[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === "\\" && quote === '"' && i + 1 < command.length) cur += command[++i];
      else cur += ch;
    } else if (ch === "'" || ch === '"') (quote = ch), (inWord = true);
    else if (ch === "\\" && i + 1 < command.length) (cur += command[++i]), (inWord = true);
    else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = "";
      inWord = false;
    } else (cur += ch), (inWord = true);
  }
  if (quote) return `the command has an unclosed ${quote}`;
  if (inWord) words.push(cur);
  return words.length ? words : "the command is empty";
}

/** Children still running, killed when pnn exits however it exits. */
const live = new Set<ChildProcess>();
let exitHook = false;
function track(child: ChildProcess): void {
  live.add(child);
  if (!exitHook) {
    exitHook = true;
    process.on("exit", () => {
      for (const c of live) c.kill("SIGKILL");
    });
  }
}

export class StdioTransport implements LineTransport {
  private child?: ChildProcess;
  private stderr = "";
  private ended = false;
  private exited?: Promise<void>;

  constructor(readonly command: string, readonly cwd: string) {}

  /** The device program's last words on standard error, for messages ("" when it said nothing). */
  stderrTail(): string {
    return this.stderr.trim();
  }

  open(events: TransportEvents): Promise<void> {
    const argv = splitCommand(this.command);
    if (typeof argv === "string") return Promise.reject(new Error(argv));
    return new Promise((resolve, reject) => {
      let started = false;
      const child = spawn(argv[0]!, argv.slice(1), { cwd: this.cwd, stdio: ["pipe", "pipe", "pipe"] });
      this.child = child;
      track(child);
      const end = (why: string) => {
        if (this.ended) return;
        this.ended = true;
        events.end(why);
      };
      this.exited = new Promise((done) => child.once("close", () => done()));
      const split = new LineSplitter((l) => events.line(l), (n) => {
        end(`it sent a line of more than ${n} characters without an end`);
        child.kill("SIGKILL");
      });
      child.stdout!.on("data", (c: Buffer) => split.push(c));
      child.stderr!.on("data", (c: Buffer) => {
        this.stderr = (this.stderr + c.toString("utf8")).slice(-MAX_DEVICE_STDERR_CHARS);
      });
      child.stdin!.on("error", () => {}); // a dead child's EPIPE: its exit says why
      child.once("error", (e: NodeJS.ErrnoException) => {
        const why = e.code === "ENOENT" ? `'${argv[0]}' was not found` : e.code === "EACCES" ? `'${argv[0]}' may not be run (EACCES)` : e.message;
        if (!started) reject(new Error(`cannot start '${this.command}': ${why}`));
        end(`it could not be started: ${why}`);
      });
      // "close" comes after the program's output streams are drained: its last words are in
      child.once("close", (code, signal) => {
        live.delete(child);
        end(signal ? `the program was killed by ${signal}` : `the program exited with code ${code}`);
      });
      child.once("spawn", () => {
        started = true;
        resolve();
      });
    });
  }

  send(line: string): void {
    if (!this.ended) this.child?.stdin?.write(line + "\n");
  }

  async close(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.ended = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin?.end();
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 1000);
      await this.exited;
      clearTimeout(timer);
    }
    live.delete(child);
  }
}

export class TcpTransport implements LineTransport {
  private socket?: net.Socket;
  private ended = false;

  constructor(readonly host: string, readonly port: number, private readonly connectTimeoutMs: number) {}

  open(events: TransportEvents): Promise<void> {
    return new Promise((resolve, reject) => {
      let connected = false;
      const socket = net.connect({ host: this.host, port: this.port });
      this.socket = socket;
      socket.setNoDelay(true);
      const end = (why: string) => {
        if (this.ended) return;
        this.ended = true;
        events.end(why);
      };
      const timer = setTimeout(() => {
        if (connected) return;
        socket.destroy();
        reject(new Error(`no connection to ${this.host}:${this.port} within ${this.connectTimeoutMs / 1000} s`));
      }, this.connectTimeoutMs);
      const split = new LineSplitter((l) => events.line(l), (n) => {
        end(`it sent a line of more than ${n} characters without an end`);
        socket.destroy();
      });
      socket.on("data", (c: Buffer) => split.push(c));
      socket.once("connect", () => {
        connected = true;
        clearTimeout(timer);
        resolve();
      });
      socket.on("error", (e: NodeJS.ErrnoException) => {
        const why = e.code === "ECONNREFUSED" ? "the connection was refused (is the device server running?)" : e.code === "ECONNRESET" ? "the connection was reset" : e.message;
        if (!connected) {
          clearTimeout(timer);
          reject(new Error(`cannot connect to ${this.host}:${this.port}: ${why}`));
        }
        end(why);
      });
      socket.once("close", () => end("the connection closed"));
    });
  }

  send(line: string): void {
    if (!this.ended) this.socket?.write(line + "\n");
  }

  async close(): Promise<void> {
    const s = this.socket;
    if (!s) return;
    this.ended = true;
    if (s.destroyed) return;
    await new Promise<void>((done) => {
      s.once("close", () => done());
      s.end();
      setTimeout(() => s.destroy(), 500).unref();
    });
  }
}
