// serve.mjs — the demo's static file server, on 127.0.0.1 only:
//   node examples/web/serve.mjs [PORT]      (then open http://127.0.0.1:PORT/)
// The compiled models (model/ and model-webgpu/) are build output, not part of the repository:
// the first start builds them from examples/optical_mlp_mnist.pnn and the checkpoint next to this
// file with `pnn build` (buildModels), and rebuilds them when the checkpoint, the program or pnn
// itself is newer than the build. It serves this folder (index.html, demo.mjs, model/…) with the
// right MIME types (wasm needs application/wasm for streaming compilation) and nothing outside it.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(ROOT, "../..");
const TYPES = { ".html": "text/html; charset=utf-8", ".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm", ".json": "application/json", ".css": "text/css", ".ts": "text/plain", ".wgsl": "text/plain; charset=utf-8", ".bin": "application/octet-stream" };
/** The page's own files (everything else the site needs is built). */
export const PAGE_FILES = ["index.html", "demo.mjs", "preprocess.mjs"];
const PROGRAM = path.join(REPO, "examples/optical_mlp_mnist.pnn");
const CHECKPOINT = path.join(ROOT, "optical_mlp_mnist.safetensors");
/** The two builds the page loads: folder → `pnn build` target. */
const BUILDS = { model: "wasm", "model-webgpu": "wgsl" };

const mtime = (f) => (fs.existsSync(f) ? fs.statSync(f).mtimeMs : 0);

/**
 * Builds model/ and model-webgpu/ into `dir` with `pnn build` (the repository's bin/pnn.js) unless
 * they are newer than the checkpoint, the program and pnn's compiled code. Returns `dir`.
 */
export function buildModels(dir = ROOT, { force = false, quiet = false } = {}) {
  const inputs = Math.max(mtime(CHECKPOINT), mtime(PROGRAM), mtime(path.join(REPO, "dist/cli/main.js")));
  for (const [folder, target] of Object.entries(BUILDS)) {
    const out = path.join(dir, folder);
    if (!force && mtime(path.join(out, "model.mjs")) > inputs) continue;
    if (!quiet) console.log(`building ${path.relative(process.cwd(), out) || out} (pnn build --target ${target})`);
    execFileSync(process.execPath, [path.join(REPO, "bin/pnn.js"), "build", PROGRAM, "--target", target, "--weights", CHECKPOINT, "-o", out], { stdio: quiet ? "pipe" : "inherit" });
  }
  return dir;
}

/** A complete copy of the site in `dir` (the page's files and fresh builds): what tests serve. */
export function buildSite(dir) {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of PAGE_FILES) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
  return buildModels(dir, { force: true, quiet: true });
}

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
  buildModels();
  const { url } = await serve(Number(process.argv[2] ?? 8080));
  console.log(`pnn demo at ${url} (Ctrl-C to stop)`);
}
