// serve.mjs — a tiny static file server for the demo, on 127.0.0.1 only:
//   node examples/web/serve.mjs [PORT]      (then open http://127.0.0.1:PORT/)
// It serves this folder (index.html, demo.mjs, model/…) with the right MIME types (wasm needs
// application/wasm for streaming compilation) and nothing outside it.
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.dirname(fileURLToPath(import.meta.url));
const TYPES = { ".html": "text/html; charset=utf-8", ".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm", ".json": "application/json", ".css": "text/css", ".ts": "text/plain", ".wgsl": "text/plain; charset=utf-8", ".bin": "application/octet-stream" };

/** Starts the server; resolves to {server, url} once it listens. */
export function serve(port = 0, root = ROOT) {
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const file = path.join(root, rel.endsWith("/") ? rel + "index.html" : rel);
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve({ server, url: `http://127.0.0.1:${server.address().port}/` })));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url } = await serve(Number(process.argv[2] ?? 8080));
  console.log(`pnn demo at ${url} (Ctrl-C to stop)`);
}
