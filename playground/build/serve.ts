/**
 * Serves the playground site (bundle.ts's files, in memory) over HTTP. In: a Site, a host and a
 * port (0: any free one). Out: a running node:http server and its URL. Only GET/HEAD of the
 * site's own paths; "/" is index.html; anything else is 404. Module workers need http(s), not
 * file://, which is why `pnn playground` serves rather than opens a file.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { Site } from "./bundle.js";

const TYPES: Readonly<Record<string, string>> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".wasm": "application/wasm" };

export interface Served {
  readonly server: http.Server;
  readonly url: string;
  close(): Promise<void>;
}

export function serveSite(site: Site, host = "127.0.0.1", port = 0): Promise<Served> {
  const byPath = new Map(site.files.map((f) => [`/${f.path}`, f.bytes]));
  const server = http.createServer((req, res) => {
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    } catch {
      pathname = ""; // a malformed path names no file of the site
    }
    const file = pathname === "/" ? "/index.html" : pathname;
    const bytes = byPath.get(file);
    if ((req.method !== "GET" && req.method !== "HEAD") || !bytes) {
      res.writeHead(bytes ? 405 : 404, { "content-type": "text/plain; charset=utf-8" });
      res.end(bytes ? "method not allowed\n" : "not found\n");
      return;
    }
    const ext = file.slice(file.lastIndexOf("."));
    res.writeHead(200, { "content-type": TYPES[ext] ?? "application/octet-stream", "content-length": bytes.length, "cache-control": "no-cache" });
    res.end(req.method === "HEAD" ? undefined : bytes);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const a = server.address() as AddressInfo;
      const shownHost = a.family === "IPv6" ? `[${a.address}]` : a.address;
      resolve({ server, url: `http://${shownHost}:${a.port}/`, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}
