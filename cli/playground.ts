/**
 * `pnn playground [--port N] [--host H]` serves the browser playground (playground/, see
 * docs/playground.md): edit a .pnn program with diagnostics as you type, train it in a Web
 * Worker with live curves, download the built artifact. `--build DIR` writes the same site as
 * static files instead (serve them over http: module workers do not run from file://).
 * The site is bundled on start (esbuild, a second or two) from pnn's own sources.
 */
import type { Command } from "commander";
import { UsageError } from "./io.js";

const DEFAULT_PORT = 8080;

export function registerPlaygroundCommand(program: Command): void {
  program
    .command("playground")
    .description("serve the browser playground: edit, check, train (in a Web Worker) and build .pnn programs in a page")
    .option("--port <n>", `port to serve on (0: any free port)`, String(DEFAULT_PORT))
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--build <dir>", "write the site as static files to DIR instead of serving it")
    .action(async (opts: { port: string; host: string; build?: string }) => {
      const port = Number(opts.port);
      if (!/^\d+$/.test(opts.port) || port > 65535) throw new UsageError(`--port must be an integer from 0 to 65535, got '${opts.port}'`);
      const { bundlePlayground, writeSite } = await import("../playground/build/bundle.js");
      const site = await bundlePlayground();
      if (opts.build !== undefined) {
        const files = writeSite(site, opts.build);
        process.stdout.write(`wrote ${files.length} files to ${opts.build} (serve the folder over http, e.g. http://127.0.0.1/: module workers do not run from file://)\n`);
        return;
      }
      const { serveSite } = await import("../playground/build/serve.js");
      let served;
      try {
        served = await serveSite(site, opts.host, port);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EADDRINUSE") throw new UsageError(`port ${port} on ${opts.host} is in use; pass another --port (0 picks a free one)`);
        if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND") throw new UsageError(`--host ${opts.host}: no such address on this machine`);
        throw e;
      }
      process.stdout.write(`pnn playground: ${served.url} (bundled in ${site.seconds.toFixed(1)} s; Ctrl-C stops it)\n`);
    });
}
