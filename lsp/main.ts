/**
 * `pnn lsp [--stdio]`: runs the language server on stdin/stdout until the client sends `exit`
 * (or closes the pipe). Loaded lazily by the CLI so other commands do not pay for it.
 */
import { StreamMessageReader, StreamMessageWriter } from "vscode-languageserver/node";
import { startServer } from "./server.js";

export function runLanguageServer(): Promise<never> {
  startServer(new StreamMessageReader(process.stdin), new StreamMessageWriter(process.stdout));
  return new Promise<never>(() => {});
}
