// A minimal LSP client for tests: spawns the real server (`node bin/pnn.js lsp --stdio`, built
// into dist/ first when missing) and speaks Content-Length framed JSON-RPC to it, as an editor
// does. Cursor markers: `markers("a = ‸dense(x)")` strips each ‸ and returns its position.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export function ensureBuilt(): void {
  if (fs.existsSync(path.join(REPO, "dist/lsp/main.js")) && fs.existsSync(path.join(REPO, "dist/cli/lsp.js"))) return;
  const r = spawnSync("npx", ["tsc", "-p", "tsconfig.json"], { cwd: REPO, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}${r.stderr}`);
}

export const uriOf = (p: string) => pathToFileURL(p).href;

interface Pending { resolve(v: unknown): void; reject(e: Error): void }
type Message = { id?: number; method?: string; params?: any; result?: unknown; error?: { code: number; message: string } };

export class LspClient {
  private readonly proc: ChildProcessWithoutNullStreams;
  private buf = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  readonly notifications: Message[] = [];
  /** Requests the server sent to the client (registerCapability, …), in order. */
  readonly serverRequests: Message[] = [];
  private waiters: { method: string; pred: (p: any) => boolean; resolve(p: any): void }[] = [];
  stderr = "";
  exited: number | null | undefined = undefined;

  /** The standard library's generated views (lsp/stdlib-view.ts) go to a shared temp folder, not ~/.cache. */
  constructor(args: string[] = ["lsp", "--stdio"], cwd = REPO, env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: path.join(os.tmpdir(), "pnn-lsp-test-cache") }) {
    this.proc = spawn(process.execPath, [path.join(REPO, "bin/pnn.js"), ...args], { cwd, env });
    this.proc.stdout.on("data", (d: Buffer) => this.onData(d));
    this.proc.stderr.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.proc.on("exit", (code) => {
      this.exited = code;
      for (const p of this.pending.values()) p.reject(new Error(`server exited (${code}): ${this.stderr}`));
    });
  }

  private onData(d: Buffer) {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const sep = this.buf.indexOf("\r\n\r\n");
      if (sep < 0) return;
      const m = /Content-Length: (\d+)/i.exec(this.buf.subarray(0, sep).toString());
      if (!m) throw new Error("bad header");
      const len = Number(m[1]);
      if (this.buf.length < sep + 4 + len) return;
      const msg = JSON.parse(this.buf.subarray(sep + 4, sep + 4 + len).toString("utf8")) as Message;
      this.buf = this.buf.subarray(sep + 4 + len);
      this.dispatch(msg);
    }
  }

  private dispatch(msg: Message) {
    if (msg.id !== undefined && msg.method === undefined) {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.error) p?.reject(Object.assign(new Error(msg.error.message), { code: msg.error.code }));
      else p?.resolve(msg.result);
      return;
    }
    if (msg.id !== undefined && msg.method) {
      // A request from the server (e.g. client/registerCapability): record and accept it.
      this.serverRequests.push(msg);
      this.send({ jsonrpc: "2.0", id: msg.id, result: null });
      return;
    }
    this.notifications.push(msg);
    this.waiters = this.waiters.filter((w) => {
      if (w.method === msg.method && w.pred(msg.params)) {
        w.resolve(msg.params);
        return false;
      }
      return true;
    });
  }

  private send(obj: unknown) {
    const body = Buffer.from(JSON.stringify(obj), "utf8");
    this.proc.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.proc.stdin.write(body);
  }

  request<T = any>(method: string, params: unknown, timeoutMs = 10_000): Promise<T> {
    const id = this.nextId++;
    this.send({ jsonrpc: "2.0", id, method, params });
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method}: no answer in ${timeoutMs} ms`)), timeoutMs);
      this.pending.set(id, {
        resolve: (v) => { clearTimeout(timer); resolve(v as T); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
    });
  }

  notify(method: string, params: unknown): void {
    this.send({ jsonrpc: "2.0", method, params });
  }

  /** The next notification `method` whose params satisfy `pred` (including one already received after `since`). */
  waitFor(method: string, pred: (p: any) => boolean = () => true, timeoutMs = 10_000): Promise<any> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${method} in ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ method, pred, resolve: (p) => { clearTimeout(timer); resolve(p); } });
    });
  }

  async initialize(rootPath: string, initializationOptions: unknown = { debounceMs: 10 }, capabilities: unknown = {}) {
    const r = await this.request("initialize", { processId: process.pid, rootUri: uriOf(rootPath), workspaceFolders: [{ uri: uriOf(rootPath), name: "ws" }], capabilities, initializationOptions });
    this.notify("initialized", {});
    return r;
  }

  open(file: string, text: string, version = 1) {
    this.notify("textDocument/didOpen", { textDocument: { uri: uriOf(file), languageId: "pnn", version, text } });
  }

  async shutdown(): Promise<number | null> {
    if (this.exited !== undefined) return this.exited;
    const done = new Promise<number | null>((r) => this.proc.on("exit", (c) => r(c)));
    await this.request("shutdown", null).catch(() => undefined);
    this.notify("exit", null);
    return done;
  }

  kill() {
    if (this.exited === undefined) this.proc.kill();
  }
}

/**
 * Cursor markers: `‹name›` in the text marks a position; it is removed and its (line, character)
 * returned under that name. `markers("a = ‹d›dense(x)")` → text "a = dense(x)", at.d = {0, 4}.
 */
export function markers(src: string): { text: string; at: Record<string, { line: number; character: number }>; offset: Record<string, number> } {
  const at: Record<string, { line: number; character: number }> = {};
  const offset: Record<string, number> = {};
  let text = "";
  let last = 0;
  for (const m of src.matchAll(/‹(\w+)›/g)) {
    text += src.slice(last, m.index);
    last = m.index! + m[0].length;
    if (m[1] in at) throw new Error(`marker ${m[1]} twice`);
    const lines = text.split("\n");
    at[m[1]] = { line: lines.length - 1, character: lines[lines.length - 1].length };
    offset[m[1]] = text.length;
  }
  text += src.slice(last);
  return { text, at, offset };
}
