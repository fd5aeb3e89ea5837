// bench/lsp.mjs — language-server request latency on a 1,000-line .pnn file, rerun with
//   node bench/lsp.mjs            (after `npx tsc`; ~40 s)
// Starts the real server (`node bin/pnn.js lsp --stdio`), opens a generated ~1,000-line file
// (optical meshes, networks and train blocks, all valid), and times, from the client's side:
// the first diagnostics after opening, and for each request kind the round trip on an unchanged
// document (cached analysis) and right after an edit (re-check included). Prints a Markdown
// table (the goal is < 200 ms per request); the numbers go into bench/RESULTS.md by hand.
// Wall times include waiting for a core on a busy machine; the CPU column (Linux only) is the
// server's own CPU time per edit + request pair, which does not.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
// `--server DIR`: time another checkout's server (DIR/bin/pnn.js, built) on the same file, to
// compare two versions in back-to-back runs; requests it does not offer are skipped.
const serverArg = process.argv.indexOf("--server");
const serverRoot = serverArg > 0 ? path.resolve(process.argv[serverArg + 1]) : root;
const ws = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-lsp-bench-"));
const file = path.join(ws, "big.pnn");
const uri = pathToFileURL(file).href;

function bigFile(lines) {
  const out = ['import optics from "std/optics"', "", "const modes = 16", ""];
  for (let i = 0; out.length < lines; i++)
    out.push(
      `// block ${i}: a mesh layer, a network using it twice, and its train block`,
      `layer Mesh${i}(n: int) {`,
      `  param phases: real[n * (n - 1)] init uniform(0, 2 * pi)`,
      `  device phase_error: real[n * (n - 1)] ~ normal(0 rad, 0.02 rad)`,
      `  forward(x: complex[n]) -> complex[n] = optics.mzi_mesh(x, phases + phase_error, topology: clements, loss: 0.1 dB per mzi)`,
      `}`, ``,
      `network Net${i}(classes: int = 10) {`,
      `  input x: real[196]`,
      `  enc = dense(x, modes) |> optics.amplitude_encode(bits: 8)`,
      `  h1 = enc |> Mesh${i}(n: modes) |> optics.saturable_absorber(optical_depth: 2.0)`,
      `  h2 = h1 |> Mesh${i}(n: modes) |> optics.photodetect(adc_bits: 8)`,
      `  output y = dense(h2, classes)`,
      `}`, ``,
      `train Net${i} on mnist(train: 8000, test: 2000, size: 14) {`,
      `  rule = physics_aware`,
      `  optimizer = adam(lr: 3e-3)`,
      `  epochs = 5`,
      `}`, ``,
    );
  return out.join("\n") + "\n";
}

const text = bigFile(1000);
const lineCount = text.split("\n").length - 1;
fs.writeFileSync(file, text);

// ── a minimal framed JSON-RPC client ──
const proc = spawn(process.execPath, [path.join(serverRoot, "bin/pnn.js"), "lsp", "--stdio"], { cwd: serverRoot, env: { ...process.env, XDG_CACHE_HOME: ws } });
let buf = Buffer.alloc(0);
let nextId = 1;
const pending = new Map();
const waiters = [];
proc.stdout.on("data", (d) => {
  buf = Buffer.concat([buf, d]);
  for (;;) {
    const sep = buf.indexOf("\r\n\r\n");
    if (sep < 0) return;
    const len = Number(/Content-Length: (\d+)/i.exec(buf.subarray(0, sep).toString())[1]);
    if (buf.length < sep + 4 + len) return;
    const msg = JSON.parse(buf.subarray(sep + 4, sep + 4 + len).toString("utf8"));
    buf = buf.subarray(sep + 4 + len);
    if (msg.id !== undefined && !msg.method) { pending.get(msg.id)?.(msg); pending.delete(msg.id); }
    else if (msg.method) for (const w of waiters.splice(0)) if (!w(msg)) waiters.push(w);
  }
});
const send = (o) => { const b = Buffer.from(JSON.stringify(o)); proc.stdin.write(`Content-Length: ${b.length}\r\n\r\n`); proc.stdin.write(b); };
const request = (method, params) => new Promise((res, rej) => {
  const id = nextId++;
  pending.set(id, (m) => (m.error ? rej(new Error(m.error.message)) : res(m.result)));
  send({ jsonrpc: "2.0", id, method, params });
});
const notify = (method, params) => send({ jsonrpc: "2.0", method, params });
const nextNotification = (method, pred) => new Promise((res) => waiters.push((m) => (m.method === method && pred(m.params) ? (res(m.params), true) : false)));

const pos = (needle, k = 1) => {
  const off = text.indexOf(needle) + k;
  const before = text.slice(0, off);
  return { line: before.split("\n").length - 1, character: off - before.lastIndexOf("\n") - 1 };
};
/** CPU seconds the server process has used so far (Linux /proc; undefined elsewhere). */
const serverCpu = () => {
  try {
    const f = fs.readFileSync(`/proc/${proc.pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks of 10 ms
  } catch {
    return undefined;
  }
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const max = (xs) => Math.max(...xs);

const { capabilities } = await request("initialize", { processId: process.pid, rootUri: pathToFileURL(ws).href, capabilities: {} }); // default debounce, as an editor runs it
const PROVIDER = {
  hover: "hoverProvider", completion: "completionProvider", definition: "definitionProvider", references: "referencesProvider",
  documentSymbol: "documentSymbolProvider", semanticTokens: "semanticTokensProvider", formatting: "documentFormattingProvider",
  rangeFormatting: "documentRangeFormattingProvider", inlayHint: "inlayHintProvider", signatureHelp: "signatureHelpProvider",
  foldingRange: "foldingRangeProvider", selectionRange: "selectionRangeProvider", documentLink: "documentLinkProvider", workspaceSymbol: "workspaceSymbolProvider",
};
notify("initialized", {});
let t0 = performance.now();
const firstDiag = nextNotification("textDocument/publishDiagnostics", (p) => p.uri === uri);
notify("textDocument/didOpen", { textDocument: { uri, languageId: "pnn", version: 1, text } });
const d0 = await firstDiag;
const openMs = performance.now() - t0;
if (d0.diagnostics.length) throw new Error(`the bench file has diagnostics: ${JSON.stringify(d0.diagnostics[0])}`);

const lastBlock = text.lastIndexOf("layer Mesh");
const probes = {
  hover: () => ["textDocument/hover", { textDocument: { uri }, position: pos("phase_error,", 3) }],
  completion: () => ["textDocument/completion", { textDocument: { uri }, position: pos("optics.mzi_mesh", 7) }],
  definition: () => ["textDocument/definition", { textDocument: { uri }, position: pos("modes)", 1) }],
  references: () => ["textDocument/references", { textDocument: { uri }, position: pos("modes)", 1), context: { includeDeclaration: true } }],
  documentSymbol: () => ["textDocument/documentSymbol", { textDocument: { uri } }],
  semanticTokens: () => ["textDocument/semanticTokens/full", { textDocument: { uri } }],
  formatting: () => ["textDocument/formatting", { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } }],
  rangeFormatting: () => ["textDocument/rangeFormatting", { textDocument: { uri }, range: { start: pos("network Net3"), end: pos("network Net3", 20) }, options: { tabSize: 2, insertSpaces: true } }],
  inlayHint: () => ["textDocument/inlayHint", { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: lineCount, character: 0 } } }],
  signatureHelp: () => ["textDocument/signatureHelp", { textDocument: { uri }, position: pos("topology: clements", 2) }],
  foldingRange: () => ["textDocument/foldingRange", { textDocument: { uri } }],
  selectionRange: () => ["textDocument/selectionRange", { textDocument: { uri }, positions: [pos("phase_error,", 3)] }],
  documentLink: () => ["textDocument/documentLink", { textDocument: { uri } }],
  workspaceSymbol: () => ["workspace/symbol", { query: "mesh4" }],
};
let version = 1;
const editPos = (() => { const b = text.slice(0, lastBlock); return { line: b.split("\n").length - 2, character: 0 }; })();
const rows = [];
const ROUNDS = 15;
for (const [name, make] of Object.entries(probes)) {
  if (!capabilities[PROVIDER[name]]) continue; // an older server without this request
  const cached = [], afterEdit = [];
  const cpu0 = serverCpu();
  for (let i = 0; i < ROUNDS; i++) {
    // An edit (a comment line toggled on and off, so the text stays valid), then the request.
    notify("textDocument/didChange", { textDocument: { uri, version: ++version }, contentChanges: [{ range: { start: editPos, end: editPos }, text: "// x\n" }] });
    t0 = performance.now();
    await request(...make());
    afterEdit.push(performance.now() - t0);
    notify("textDocument/didChange", { textDocument: { uri, version: ++version }, contentChanges: [{ range: { start: editPos, end: { line: editPos.line + 1, character: 0 } }, text: "" }] });
    await request(...make());
    t0 = performance.now();
    await request(...make());
    cached.push(performance.now() - t0);
  }
  const cpu1 = serverCpu();
  // Each round is two (edit + request) pairs and one request on an unchanged document.
  const cpuPerEdit = cpu0 === undefined || cpu1 === undefined ? undefined : ((cpu1 - cpu0) * 1000 - median(cached) * ROUNDS) / (2 * ROUNDS);
  rows.push({ name, cached: median(cached), cachedMax: max(cached), edit: median(afterEdit), editMax: max(afterEdit), cpuPerEdit });
}
await request("shutdown", null);
notify("exit", null);
fs.rmSync(ws, { recursive: true, force: true });

const f = (x) => `${x.toFixed(1)} ms`;
console.log(`Server: ${path.relative(process.cwd(), serverRoot) || "."} (${serverRoot}).`);
console.log(`Language server on a ${lineCount}-line file (${text.length} characters), ${ROUNDS} rounds, Node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}).`);
console.log(`Open → first diagnostics: ${f(openMs)} (includes the server's warm-up).\n`);
console.log(`Load average while it ran: ${os.loadavg().map((x) => x.toFixed(1)).join(", ")} (1, 5, 15 min).\n`);
console.log("| request | unchanged document: median (max) | right after an edit: median (max) | server CPU per edit + request |");
console.log("|---|---|---|---|");
for (const r of rows) console.log(`| ${r.name} | ${f(r.cached)} (${f(r.cachedMax)}) | ${f(r.edit)} (${f(r.editMax)}) | ${r.cpuPerEdit === undefined ? "–" : f(r.cpuPerEdit)} |`);
