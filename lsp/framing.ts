/**
 * The LSP wire format, read defensively: bytes in, JSON-RPC messages out. A message is a header
 * block (`Content-Length: N`, optionally `Content-Type`, lines ending in "\r\n", a blank line) and
 * N bytes of UTF-8 JSON. vscode-jsonrpc's own reader waits forever on a broken header; this one
 * reports every problem (through `report`, which the server logs) and resynchronises at the next
 * `Content-Length:` header, so one bad frame never silences the server:
 * - a missing, negative, non-numeric or too large (> MAX_BODY_BYTES) Content-Length, a header line
 *   that is not `Name: value`, or bytes before a header: reported, skipped to the next header;
 * - headers ending in "\n\n" instead of "\r\n\r\n": accepted (reported once);
 * - a header block longer than MAX_HEADER_BYTES without its blank line: reported, skipped;
 * - a body that is not JSON: reported, skipped (the frame itself was sound).
 * - a body that stops arriving (a wrong Content-Length under the limit): reported after STALL_MS.
 * It does not answer anything itself (a request lost to a bad frame gets no reply: its id is
 * unknown); the server logs what was skipped.
 */
import { AbstractMessageReader, type DataCallback, type Disposable, type Message, type MessageReader } from "vscode-languageserver/node";

/** Larger messages are refused: a .pnn source is at most 1,000,000 characters (grammar/parse.ts), ≤ 6 MB as escaped JSON. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;
export const MAX_HEADER_BYTES = 8 * 1024;
/** How long an incomplete body may stall before it is reported. */
export const STALL_MS = 3000;

const HEADER = Buffer.from("Content-Length:", "latin1");

export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);
  private warnedLf = false;
  /** A frame whose body has not fully arrived: how much of it is here. */
  waiting: { have: number; want: number } | undefined;
  constructor(private readonly report: (problem: string) => void) {}

  /** Adds bytes; returns every complete message they finish. */
  push(chunk: Buffer): Message[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Message[] = [];
    for (;;) {
      const head = this.headerEnd();
      if (!head) {
        if (this.buf.length > MAX_HEADER_BYTES) this.skip(`no blank line after ${MAX_HEADER_BYTES} header bytes`);
        return out;
      }
      const length = this.checkHeader(this.buf.subarray(0, head.at).toString("latin1"));
      if (typeof length === "string") {
        this.skip(length);
        continue;
      }
      const start = head.at + head.sep;
      if (this.buf.length < start + length) {
        this.waiting = { have: this.buf.length - start, want: length };
        return out;
      }
      this.waiting = undefined;
      const body = this.buf.subarray(start, start + length).toString("utf8");
      this.buf = this.buf.subarray(start + length);
      try {
        const msg = JSON.parse(body) as unknown;
        if (typeof msg !== "object" || msg === null || Array.isArray(msg)) throw new Error("not a JSON-RPC object");
        out.push(msg as Message);
      } catch (e) {
        this.report(`message body is not a JSON-RPC object (${e instanceof Error ? e.message : String(e)}); skipped ${length} bytes`);
      }
    }
  }

  /** Where the header block ends ("\r\n\r\n", or "\n\n" from a lax client). */
  private headerEnd(): { at: number; sep: number } | undefined {
    const crlf = this.buf.indexOf("\r\n\r\n");
    const lf = this.buf.indexOf("\n\n");
    if (crlf >= 0 && (lf < 0 || crlf < lf)) return { at: crlf, sep: 4 };
    if (lf >= 0) {
      if (!this.warnedLf) this.report("header lines end in \\n instead of \\r\\n; accepted");
      this.warnedLf = true;
      return { at: lf, sep: 2 };
    }
    return undefined;
  }

  /** The body length the header announces, or what is wrong with it. */
  private checkHeader(text: string): number | string {
    let length: number | undefined;
    for (const line of text.split(/\r?\n/)) {
      const m = /^([A-Za-z][A-Za-z0-9-]*):[ \t]*(.*?)[ \t]*$/.exec(line);
      if (!m) return `bad header line ${JSON.stringify(line.slice(0, 60))}`;
      if (m[1].toLowerCase() !== "content-length") continue;
      if (!/^\d+$/.test(m[2])) return `bad Content-Length ${JSON.stringify(m[2].slice(0, 30))}`;
      length = Number(m[2]);
      if (length > MAX_BODY_BYTES) return `Content-Length ${m[2]} is over the limit of ${MAX_BODY_BYTES} bytes`;
    }
    return length ?? "header without Content-Length";
  }

  /** Drops bytes up to the next `Content-Length:` after the first byte (keeping a tail that may begin one). */
  private skip(problem: string): void {
    let drop = this.buf.indexOf(HEADER, 1);
    if (drop < 0) {
      let tail = Math.min(HEADER.length - 1, this.buf.length - 1);
      while (tail > 0 && !this.buf.subarray(this.buf.length - tail).equals(HEADER.subarray(0, tail))) tail--;
      drop = this.buf.length - tail;
    }
    this.report(`${problem}; skipped ${drop} bytes to the next header`);
    this.buf = this.buf.subarray(drop);
  }
}

/** A MessageReader over a byte stream through FrameDecoder. */
export class DefensiveStreamReader extends AbstractMessageReader implements MessageReader {
  private readonly decoder: FrameDecoder;
  constructor(private readonly input: NodeJS.ReadableStream, private readonly report: (problem: string) => void) {
    super();
    this.decoder = new FrameDecoder(report);
  }
  listen(callback: DataCallback): Disposable {
    let stall: NodeJS.Timeout | undefined;
    const onData = (chunk: Buffer | string) => {
      clearTimeout(stall);
      for (const m of this.decoder.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk)) callback(m);
      const w = this.decoder.waiting;
      // A body that stops arriving is said so (a wrong Content-Length under the limit looks like this).
      if (w) stall = setTimeout(() => this.report(`waiting for a message body: ${w.have} of the ${w.want} bytes announced have arrived`), STALL_MS).unref();
    };
    const onEnd = () => this.fireClose();
    const onError = (e: Error) => this.fireError(e);
    this.input.on("data", onData);
    this.input.on("end", onEnd);
    this.input.on("error", onError);
    return { dispose: () => { this.input.off("data", onData); this.input.off("end", onEnd); this.input.off("error", onError); } };
  }
}
