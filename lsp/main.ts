/**
 * `pnn lsp [--stdio]`: runs the language server on stdin/stdout until the client sends `exit` or
 * closes stdin (exit status 0 after a `shutdown` request, else 1, as vscode-languageserver does).
 * Messages are read through lsp/framing.ts, which reports broken framing (to stderr and the
 * client's log) and resynchronises. Loaded lazily by the CLI so other commands do not pay for it.
 */
import { StreamMessageWriter } from "vscode-languageserver/node";
import { DefensiveStreamReader } from "./framing.js";
import { startServer } from "./server.js";

export function runLanguageServer(): Promise<never> {
  let toClient: ((m: string) => void) | undefined;
  const reader = new DefensiveStreamReader(process.stdin, (problem) => {
    const line = `pnn lsp: bad message framing: ${problem}`;
    process.stderr.write(line + "\n");
    toClient?.(line);
  });
  const connection = startServer(reader, new StreamMessageWriter(process.stdout));
  toClient = (m) => connection.console.error(m);
  let shutdown = false;
  connection.onShutdown(() => {
    shutdown = true;
  });
  reader.onClose(() => process.exit(shutdown ? 0 : 1));
  return new Promise<never>(() => {});
}
