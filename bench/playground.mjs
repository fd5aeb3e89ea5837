// bench/playground.mjs — the browser playground on the flagship (examples/vowels_mzi.pnn), rerun with
//   npm run build && node bench/playground.mjs [repeats=3]      (~2 min; needs /usr/bin/chromium)
// Starts `pnn playground --port 0` (reports its bundling time), opens it in headless Debian chromium
// (playwright-core), and times: the page until it is ready with its first check; the first check
// in the worker; then, `repeats` times and interleaved with `pnn train --json` on the same program
// in a child process, a wasm run in the page — compiling (a fresh worker each time: binaryen's 15 MB
// ESM build is loaded and the programs compiled) and the training loop (the trainer's wall_s) —
// next to the CLI's training loop (wall_s) and its whole process time. Checks that the page's test
// accuracy equals the CLI's on every repeat. Prints a Markdown table (medians and ranges); the
// numbers go into bench/RESULTS.md by hand. The machine is shared: compare the columns of one run.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const repeats = Number(process.argv[2] ?? 3);
const chromiumPath = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => fs.existsSync(p));
if (!chromiumPath) {
  console.error("bench/playground.mjs: chromium is not installed (apt-get install -y chromium)");
  process.exit(2);
}
const { chromium } = await import("playwright-core");

const server = spawn(process.execPath, [path.join(root, "bin/pnn.js"), "playground", "--port", "0"], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
const { url, bundled } = await new Promise((resolve, reject) => {
  let out = "";
  server.stdout.on("data", (b) => {
    out += b;
    const m = /(http:\/\/127\.0\.0\.1:\d+\/) \(bundled in ([\d.]+) s/.exec(out);
    if (m) resolve({ url: m[1], bundled: Number(m[2]) });
  });
  server.on("exit", (c) => reject(new Error(`pnn playground exited ${c}: ${out}`)));
});

const browser = await chromium.launch({ executablePath: chromiumPath, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
const page = await browser.newPage();
const t0 = performance.now();
await page.goto(url);
await page.waitForFunction(() => window.pnnPlayground?.ready && window.pnnPlayground.checks > 0 && !window.pnnPlayground.checking, undefined, { timeout: 60_000 });
const readyMs = performance.now() - t0;
const checkMs = await page.evaluate(() => Number(/checked in (\d+) ms/.exec(document.getElementById("check").textContent)[1]));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const range = (xs) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
const rows = { pageCompile: [], pageTrain: [], cliTrain: [], cliProcess: [] };
for (let r = 0; r < repeats; r++) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-bench-pg-"));
  const c0 = performance.now();
  const cli = spawnSync(process.execPath, [path.join(root, "bin/pnn.js"), "train", "examples/vowels_mzi.pnn", "--json", "--out", out], { cwd: root, encoding: "utf8" });
  rows.cliProcess.push((performance.now() - c0) / 1000);
  if (cli.status !== 0) throw new Error(cli.stderr);
  const cliSummary = JSON.parse(cli.stdout.trim().split("\n").pop());
  rows.cliTrain.push(cliSummary.wall_s);
  await page.selectOption("#backend", "wasm");
  await page.click("#train");
  await page.waitForFunction(() => ["trained", "failed"].includes(window.pnnPlayground.phase), undefined, { timeout: 300_000 });
  const s = await page.evaluate(() => window.pnnPlayground);
  if (s.phase !== "trained") throw new Error(JSON.stringify(s.error));
  rows.pageCompile.push(s.compiled.seconds);
  rows.pageTrain.push(s.summary.wall_s);
  if (s.summary.test_accuracy !== cliSummary.test_accuracy || s.summary.device_test_accuracy !== cliSummary.device_test_accuracy)
    throw new Error(`accuracies differ: page ${s.summary.test_accuracy}/${s.summary.device_test_accuracy}, CLI ${cliSummary.test_accuracy}/${cliSummary.device_test_accuracy}`);
}
await browser.close();
server.kill();

console.log(`flagship (vowels_mzi.pnn, 60 epochs, physics_aware), ${repeats} repeats, ${os.cpus().length} cores (shared), ${new Date().toISOString().slice(0, 10)}\n`);
console.log(`| step | median s | range s |`);
console.log(`|---|---|---|`);
console.log(`| pnn playground: bundling (esbuild) | ${bundled.toFixed(2)} | – |`);
console.log(`| page ready with its first check | ${(readyMs / 1000).toFixed(2)} | – |`);
console.log(`| first check in the worker | ${(checkMs / 1000).toFixed(3)} | – |`);
console.log(`| page: load binaryen + compile 3 programs (wasm) | ${median(rows.pageCompile).toFixed(2)} | ${range(rows.pageCompile)} |`);
console.log(`| page: training loop (wall_s) | ${median(rows.pageTrain).toFixed(2)} | ${range(rows.pageTrain)} |`);
console.log(`| CLI: training loop (wall_s) | ${median(rows.cliTrain).toFixed(2)} | ${range(rows.cliTrain)} |`);
console.log(`| CLI: whole pnn train process | ${median(rows.cliProcess).toFixed(2)} | ${range(rows.cliProcess)} |`);
console.log(`\npage test accuracy = CLI test accuracy on every repeat (twin and chip 0).`);
