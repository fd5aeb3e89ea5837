// The browser demo's WebGPU switch (examples/web, ?engine=webgpu) in headless chromium: the page
// runs the WGSL build (model-webgpu/) on navigator.gpu, classifies a drawn digit, and predicts
// real MNIST test digits as the WebAssembly build does (scores within 1e-4, the same classes);
// without WebGPU it says why and falls back to WebAssembly. Skips loudly without chromium.
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileSpan } from "../../diagnostics/span.js";
import { loadDataset } from "../../runtime/data/index.js";
import { datasetArgs } from "../../stdlib/datasets.js";
import { REPO, tmpDir } from "../train/helpers.js";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => fs.existsSync(p));
const WEB = path.join(REPO, "examples/web");
if (!CHROMIUM) console.warn("test/wgsl/demo.test.ts: SKIPPED — chromium is not installed (.ci/run installs it)");

type Browser = import("playwright-core").Browser;
interface Demo { engine: string; note: string; ready: boolean }

describe.skipIf(!CHROMIUM)("browser demo: the WebGPU switch", () => {
  let browser: Browser;
  let url = "";
  let close: () => void;
  let site = "";
  beforeAll(async () => {
    const { buildSite, serve } = (await import(pathToFileURL(path.join(WEB, "serve.mjs")).href)) as { buildSite(dir: string): string; serve(port?: number, root?: string): Promise<{ server: import("node:http").Server; url: string }> };
    site = buildSite(tmpDir("pnn-web-")); // the page's files and fresh builds of model/ and model-webgpu/
    const s = await serve(0, site);
    url = s.url;
    close = () => s.server.close();
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--headless=new", "--enable-unsafe-webgpu", "--ignore-gpu-blocklist"] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    close?.();
  });

  async function open(query: string, noGpu = false) {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    if (noGpu) await page.addInitScript(() => { Object.defineProperty(Navigator.prototype, "gpu", { get: () => undefined }); });
    await page.goto(url + query);
    await page.waitForFunction(() => (window as unknown as { pnnDemo?: Demo }).pnnDemo?.ready === true, undefined, { timeout: 60_000 });
    return { page, errors, demo: await page.evaluate(() => { const d = (window as unknown as { pnnDemo: Demo }).pnnDemo; return { engine: d.engine, note: d.note }; }) };
  }

  it("?engine=webgpu runs the WGSL build: a drawn digit, and MNIST digits as the WebAssembly build predicts them", async () => {
    const { page, errors, demo } = await open("?engine=webgpu");
    expect(demo).toEqual({ engine: "webgpu", note: "" });
    expect(await page.locator("#engine").inputValue()).toBe("webgpu");
    expect(await page.locator("#status").textContent()).toBe("ready (WebGPU)");
    const box = (await page.locator("#pad").boundingBox())!;
    await page.mouse.move(box.x + 140, box.y + 50);
    await page.mouse.down();
    for (let y = 50; y <= 230; y += 10) await page.mouse.move(box.x + 140 + (y - 50) * 0.05, box.y + y);
    await page.mouse.up();
    await page.waitForFunction(() => document.getElementById("digit")!.textContent !== "–");
    const r = await page.evaluate(() => (window as unknown as { pnnDemo: { classifyPad(): Promise<{ label: string; detectors: number[] }> } }).pnnDemo.classifyPad());
    expect(r.label).toBe("1");
    expect(r.detectors.length).toBe(16);
    const data = loadDataset({ name: "mnist", args: datasetArgs("mnist", { train: 100, test: 100, size: 14 }), span: fileSpan("test"), baseDir: REPO });
    const x = Array.from(data.test.x.subarray(0, 100 * 196));
    const gpuScores = await page.evaluate((xs) => (window as unknown as { pnnDemo: { predict(x: number[]): Promise<number[]> } }).pnnDemo.predict(xs), x);
    const { load } = (await import(pathToFileURL(path.join(site, "model/model.mjs")).href)) as { load(): Promise<{ predict(x: ArrayLike<number>): Float32Array }> };
    const want = (await load()).predict(x);
    expect(gpuScores.length).toBe(want.length);
    for (let i = 0; i < want.length; i++) if (!(Math.abs(gpuScores[i]! - want[i]!) <= 1e-4 * Math.max(1, Math.abs(want[i]!)))) throw new Error(`score ${i}: webgpu ${gpuScores[i]} vs wasm ${want[i]}`);
    const argmax = (s: ArrayLike<number>, k: number) => { let b = 0; for (let c = 1; c < 10; c++) if (s[k * 10 + c]! > s[k * 10 + b]!) b = c; return b; };
    for (let k = 0; k < 100; k++) expect(argmax(gpuScores, k), `digit ${k}`).toBe(argmax(want, k));
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it("falls back to WebAssembly, saying why, when the browser has no WebGPU", async () => {
    const { page, errors, demo } = await open("?engine=webgpu", true);
    expect(demo.engine).toBe("wasm");
    expect(demo.note).toContain("WebGPU unavailable (this browser has no WebGPU");
    expect(await page.locator("#status").textContent()).toContain("using WebAssembly");
    expect(await page.locator("#engine").inputValue()).toBe("wasm");
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
