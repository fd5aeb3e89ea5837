// The browser demo (examples/web) in headless Debian chromium through playwright-core, served
// by examples/web/serve.mjs on 127.0.0.1: the page loads the compiled model, a digit drawn with
// the mouse is classified and the 16 detector intensities are shown, and the page's predictions
// for real MNIST test digits equal those of the same model.mjs imported in Node (and are mostly
// right). Skips, with a visible message, when chromium is not installed (.ci/run installs it).
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datasetArgs } from "../../stdlib/datasets.js";
import { loadDataset } from "../../runtime/data/index.js";
import { fileSpan } from "../../diagnostics/span.js";
import { REPO, tmpDir } from "../train/helpers.js";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => fs.existsSync(p));
const WEB = path.join(REPO, "examples/web");
if (!CHROMIUM) console.warn("test/web/demo.test.ts: SKIPPED — chromium is not installed (apt-get install -y chromium; .ci/run does this)");

interface DemoResult { digit: number; label: string; probs: number[]; detectors: number[] }
type Page = import("playwright-core").Page;
type Browser = import("playwright-core").Browser;

describe.skipIf(!CHROMIUM)("browser demo (headless chromium)", () => {
  let browser: Browser;
  let page: Page;
  let close: () => void;
  let site = "";
  const errors: string[] = [];

  beforeAll(async () => {
    const { buildSite, serve } = (await import(pathToFileURL(path.join(WEB, "serve.mjs")).href)) as { buildSite(dir: string): string; serve(port?: number, root?: string): Promise<{ server: import("node:http").Server; url: string }> };
    site = buildSite(tmpDir("pnn-web-")); // the page's files and fresh builds of model/ and model-webgpu/
    const { server, url } = await serve(0, site);
    close = () => server.close();
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--headless=new", "--enable-unsafe-webgpu", "--ignore-gpu-blocklist"] });
    page = await browser.newPage();
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { pnnDemo?: { ready: boolean } }).pnnDemo?.ready === true, undefined, { timeout: 30_000 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    close?.();
  });

  it("classifies a digit drawn with the mouse and shows the detector intensities", async () => {
    const box = (await page.locator("#pad").boundingBox())!;
    // a "1": one vertical stroke down the middle
    await page.mouse.move(box.x + 140, box.y + 50);
    await page.mouse.down();
    for (let y = 50; y <= 230; y += 10) await page.mouse.move(box.x + 140 + (y - 50) * 0.05, box.y + y);
    await page.mouse.up();
    const shown = await page.locator("#digit").textContent();
    expect(shown).toMatch(/^[0-9]$/);
    expect(shown).toBe("1");
    expect(await page.locator("#detectors .bar").count()).toBe(16);
    expect(await page.locator("#classes .bar").count()).toBe(10);
    const r = (await page.evaluate(() => (window as unknown as { pnnDemo: { classifyPad(): DemoResult } }).pnnDemo.classifyPad()))!;
    expect(r.detectors.length).toBe(16);
    expect(r.detectors.every((v) => v >= 0)).toBe(true);
    expect(Math.abs(r.probs.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-9);
    await page.click("#clear");
    expect(await page.locator("#digit").textContent()).toBe("–");
    expect(errors).toEqual([]);
  }, 60_000);

  it("predicts MNIST test digits exactly as model.mjs does in Node, and mostly right", async () => {
    const data = loadDataset({ name: "mnist", args: datasetArgs("mnist", { train: 100, test: 200, size: 14 }), span: fileSpan("test"), baseDir: REPO });
    const n = 200;
    const x = Array.from(data.test.x.subarray(0, n * 196));
    const pageScores = await page.evaluate((xs) => (window as unknown as { pnnDemo: { predict(x: number[]): number[] } }).pnnDemo.predict(xs), x);
    const { load } = (await import(pathToFileURL(path.join(site, "model/model.mjs")).href)) as { load(): Promise<{ predict(x: ArrayLike<number>): Float32Array; classify(x: ArrayLike<number>): number[] }> };
    const m = await load();
    expect(pageScores).toEqual(Array.from(m.predict(x)));
    const classes = m.classify(x);
    const correct = classes.filter((c, i) => c === data.test.y[i]).length / n;
    expect(correct).toBeGreaterThanOrEqual(0.85);
    expect(errors).toEqual([]);
  }, 60_000);
});
