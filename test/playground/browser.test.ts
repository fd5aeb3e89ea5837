// The playground end to end in headless Debian chromium, served by `pnn playground --port 0` on
// 127.0.0.1 (the built CLI): diagnostics appear as a program is typed (underlined, listed with
// their codes, Train held back) and go when it is fixed; the flagship trains in the page's Web
// Worker on the WebAssembly backend (binaryen in the page) to exactly the numbers
// `pnn train examples/vowels_mzi.pnn --json` prints (same seed: every epoch's loss and accuracies,
// the chips, the counters), with the live figures drawn; the artifact built in the page downloads
// as what `pnn build --weights` writes from the CLI's checkpoint (the same code; a few folded
// constants differ in their last bits, see EXACT_EPOCH_KEYS) and predicts what the CLI's does; the
// reference interpreter (accuracies exactly, losses to 1e-9) and an energy-based example on xor
// agree with the CLI too; Stop stops a run. A screenshot is kept in test-artifacts/playground/.
// Skips, loudly, when chromium is absent (.ci/run installs it).
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataSectionBytes } from "../../compiler/build/artifact.js";
import { PLAYGROUND_DATASETS } from "../../playground/host.js";
import type { PlaygroundState } from "../../playground/protocol.js";
import { ensureBuilt, lastJson, PNN, pnn, REPO, tmpDir } from "../train/helpers.js";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => fs.existsSync(p));
if (!CHROMIUM) console.warn("test/playground/browser.test.ts: SKIPPED — chromium is not installed (apt-get install -y chromium; .ci/run does this)");
const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const ARTIFACTS = path.join(REPO, "test-artifacts", "playground");

type Page = import("playwright-core").Page;
type Browser = import("playwright-core").Browser;

/** The CLI's run: its epoch lines and summary (`pnn train --json`). */
interface CliRun {
  readonly epochs: Record<string, number>[];
  readonly summary: Record<string, unknown>;
  readonly dir: string;
}

function cliTrain(example: string, extra: string[] = []): CliRun {
  const dir = tmpDir("pnn-pg-cli-");
  const r = pnn(["train", `examples/${example}`, "--json", "--out", dir, ...extra]);
  expect(r.status, r.all).toBe(0);
  const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  return { epochs: lines.filter((l) => l.type === "epoch") as Record<string, number>[], summary: lastJson(r.stdout), dir };
}

/**
 * What must be equal between the page's run and the CLI's: everything measured but the clock.
 * Accuracies and counters exactly. Losses exactly on wasm; on the float64 reference interpreter to
 * 1e-9 relative, because Chromium's Math.sin/cos/exp/pow (a newer V8) differ from Node 20's in the
 * last bit for a few per cent of arguments (measured), which float64 arithmetic carries into the
 * loss's last digits while float32 storage on wasm rounds it away.
 */
const EXACT_EPOCH_KEYS = ["epoch", "accuracy", "test_accuracy", "device_test_accuracy", "device_forwards", "device_relaxations", "device_measurements", "digital_flops"];
const SUMMARY_KEYS = ["network", "rule", "epochs", "train_accuracy", "test_accuracy", "device_test_accuracy", "device_chips", "device_test_accuracy_mean", "device_test_accuracy_std", "twin_device_gap", "device_per_chip", "device_forwards", "device_relaxations", "device_measurements", "digital_flops", "dataset", "train_samples", "test_samples"];
const pick = (o: Readonly<Record<string, unknown>>, keys: readonly string[]) => Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]]));

const state = (page: Page): Promise<PlaygroundState> => page.evaluate(() => (window as unknown as { pnnPlayground: PlaygroundState }).pnnPlayground);

/** Waits for the check of the text as it is now (a check answered after the last edit). */
async function checked(page: Page, before: number): Promise<PlaygroundState> {
  await page.waitForFunction((n) => {
    const s = (window as unknown as { pnnPlayground: PlaygroundState }).pnnPlayground;
    return s.checks > n && !s.checking;
  }, before);
  return state(page);
}

async function openExample(page: Page, name: string): Promise<void> {
  const before = (await state(page)).checks;
  await page.selectOption("#example", name);
  await checked(page, before);
}

/** Trains the open program in the page on `backend`; returns the page's state when done. */
async function trainInPage(page: Page, backend: "wasm" | "ref"): Promise<PlaygroundState> {
  await page.selectOption("#backend", backend);
  await page.click("#train");
  await page.waitForFunction(() => ["trained", "failed", "stopped"].includes((window as unknown as { pnnPlayground: PlaygroundState }).pnnPlayground.phase), undefined, { timeout: 150_000 });
  const s = await state(page);
  expect(s.error, JSON.stringify(s.error)).toBeUndefined();
  expect(s.phase).toBe("trained");
  return s;
}

function expectSameRun(s: PlaygroundState, cli: CliRun, lossRelTol: number): void {
  const mine = s.epochs as unknown as Record<string, number>[];
  expect(mine.map((e) => pick(e, EXACT_EPOCH_KEYS))).toEqual(cli.epochs.map((e) => pick(e, EXACT_EPOCH_KEYS)));
  const worst = Math.max(...mine.map((e, i) => Math.abs(e.loss! - cli.epochs[i]!.loss!) / Math.abs(cli.epochs[i]!.loss!)));
  expect(worst).toBeLessThanOrEqual(lossRelTol);
  expect(pick(s.summary!, SUMMARY_KEYS)).toEqual(pick(cli.summary, SUMMARY_KEYS));
}

describe.skipIf(!CHROMIUM)("the playground in headless chromium", () => {
  let server: ChildProcess | undefined;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    ensureBuilt();
    server = spawn(process.execPath, [PNN, "playground", "--port", "0"], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      server!.stdout!.on("data", (b: Buffer) => {
        out += b.toString();
        const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m) resolve(m[1]!);
      });
      server!.stderr!.on("data", (b: Buffer) => (out += b.toString()));
      server!.on("exit", (code) => reject(new Error(`pnn playground exited (${code}): ${out}`)));
    });
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    await page.goto(url);
    await page.waitForFunction(() => {
      const s = (window as unknown as { pnnPlayground?: PlaygroundState }).pnnPlayground;
      return s?.ready === true && s.checks > 0;
    }, undefined, { timeout: 60_000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.kill();
  });

  it("opens the flagship, checked, with the examples on playground data sets", async () => {
    const s = await state(page);
    expect(await page.inputValue("#example")).toBe("vowels_mzi.pnn");
    expect(await page.inputValue("#source")).toBe(fs.readFileSync(path.join(REPO, "examples/vowels_mzi.pnn"), "utf8"));
    expect(s.diagnostics).toEqual([]);
    expect(s.trains).toEqual([{ network: "VowelOptical", data: "vowels", rule: "physics_aware", epochs: 60, batch: 16, seed: 1, available: true }]);
    const offered = await page.locator("#example option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(offered.length).toBeGreaterThanOrEqual(5);
    for (const f of offered) expect(PLAYGROUND_DATASETS.some((d) => fs.readFileSync(path.join(REPO, "examples", f), "utf8").includes(`on ${d}`))).toBe(true);
    expect(await page.isEnabled("#train")).toBe(true);
  });

  it("checks as you type: a misspelt element is underlined and listed with its code, Train waits; fixing it clears both", async () => {
    const source = await page.inputValue("#source");
    const at = source.indexOf("saturable_absorber");
    const retype = async (text: string, start: number, end: number) => {
      const before = (await state(page)).checks;
      await page.focus("#source");
      await page.evaluate(([s, e]) => (document.getElementById("source") as HTMLTextAreaElement).setSelectionRange(s!, e!), [start, end]);
      await page.keyboard.type(text, { delay: 20 });
      return checked(page, before);
    };
    let s = await retype("saturable_absorbr", at, at + "saturable_absorber".length);
    expect(s.diagnostics.map((d) => d.code)).toEqual(["PNN2012"]);
    expect(s.diagnostics[0]!.text).toContain("vowels_mzi.pnn:36:15: error PNN2012: std/optics has no member 'saturable_absorbr'; did you mean 'saturable_absorber'?");
    expect(await page.locator("#marks mark.error").allTextContents()).toEqual(["saturable_absorbr"]);
    expect(await page.locator("#diagnostics li.error").getAttribute("data-code")).toBe("PNN2012");
    expect(await page.isDisabled("#train")).toBe(true);
    expect(await page.locator("#check").textContent()).toMatch(/^1 error/);
    s = await retype("saturable_absorber", at, at + "saturable_absorbr".length);
    expect(s.diagnostics).toEqual([]);
    expect(await page.locator("#marks mark").count()).toBe(0);
    expect(await page.locator("#diagnostics li").count()).toBe(0);
    expect(await page.isEnabled("#train")).toBe(true);
    expect(await page.inputValue("#source")).toBe(source);
  }, 60_000);

  it("holds Train back, saying why, for a program on a data set the page does not have", async () => {
    const original = await page.inputValue("#source");
    const before = (await state(page)).checks;
    await page.fill("#source", "network N {\n  input x: real[196]\n  output y = dense(x, 10)\n}\ntrain N on mnist(train: 100, test: 100, size: 14) {\n  rule = backprop\n}\n");
    const s = await checked(page, before);
    expect(s.diagnostics).toEqual([]);
    expect(s.trains.map((t) => [t.data, t.available])).toEqual([["mnist", false]]);
    expect(await page.isDisabled("#train")).toBe(true);
    expect(await page.locator("#check").textContent()).toContain("the playground has no 'mnist' data set (it reads files from a disk): train this program with pnn train");
    const again = (await state(page)).checks;
    await page.fill("#source", original);
    await checked(page, again);
    expect(await page.isEnabled("#train")).toBe(true);
  }, 60_000);

  it("refuses a program larger than a source file may be (PNN1004, as pnn check does) without checking it", async () => {
    const original = await page.inputValue("#source");
    const before = (await state(page)).checks;
    await page.fill("#source", "// " + "x".repeat(1_000_000) + "\n");
    const s = await checked(page, before);
    expect(s.diagnostics.map((d) => d.code)).toEqual(["PNN1004"]);
    expect(s.diagnostics[0]!.message).toBe("vowels_mzi.pnn is too large: it is 1,000,004 bytes; the limit is 1,000,000");
    expect(await page.isDisabled("#train")).toBe(true);
    const again = (await state(page)).checks;
    await page.fill("#source", original);
    expect((await checked(page, again)).diagnostics).toEqual([]);
  }, 60_000);

  let flagship: CliRun;

  it("trains the flagship in the page on wasm to exactly pnn train's numbers (same seed), with live curves", async () => {
    flagship = cliTrain("vowels_mzi.pnn");
    const s = await trainInPage(page, "wasm");
    expect(s.compiled).toMatchObject({ backend: "wasm", programs: ["inferTwin", "inferDevice", "train"] });
    expect(s.summary!.backend).toBe("wasm");
    expect(s.epochs.length).toBe(60);
    expectSameRun(s, flagship, 0);
    // not a degenerate run: the flagship learns
    expect(s.summary!.test_accuracy as number).toBeGreaterThan(0.85);
    for (const id of ["fig-loss", "fig-accuracy", "fig-chips"]) {
      expect(await page.locator(`#${id}`).locator("xpath=..").getAttribute("class"), id).not.toContain("empty");
      expect(await page.locator(`#${id} svg path`).count(), id).toBeGreaterThan(10);
    }
    expect(await page.locator("#summary").textContent()).toContain("96.1% test accuracy");
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, "flagship.png"), fullPage: true });
  }, 200_000);

  it("builds the artifact in the page and downloads it: pnn build's module from the CLI's checkpoint (code identical), predicting as it does", async () => {
    await page.click("#build");
    await page.waitForFunction(() => ["built", "failed"].includes((window as unknown as { pnnPlayground: PlaygroundState }).pnnPlayground.phase), undefined, { timeout: 60_000 });
    const s = await state(page);
    expect(s.error, JSON.stringify(s.error)).toBeUndefined();
    expect(s.built!.files.map((f) => f.name)).toEqual(["model.wasm", "model.mjs", "model.d.ts"]);
    const got = tmpDir("pnn-pg-download-");
    for (const name of ["model.wasm", "model.mjs", "model.d.ts"]) {
      const [download] = await Promise.all([page.waitForEvent("download"), page.click(`#downloads a[download="${name}"]`)]);
      expect(download.suggestedFilename()).toBe(name);
      await download.saveAs(path.join(got, name));
    }
    const cli = tmpDir("pnn-pg-build-");
    const built = pnn(["build", "examples/vowels_mzi.pnn", "--weights", path.join(flagship.dir, "checkpoint.safetensors"), "-o", cli, "--stats"]);
    expect(built.status, built.all).toBe(0);
    // The same program and weights: the same module but for the constants folded with the
    // float64 interpreter (the mesh's cos/sin of trained phases), in which the page's
    // Math differs from Node's in the last bit (see EXACT_EPOCH_KEYS). The code is identical.
    const [web, node] = [fs.readFileSync(path.join(got, "model.wasm")), fs.readFileSync(path.join(cli, "model.wasm"))];
    expect(web.length).toBe(node.length);
    const data = dataSectionBytes(node);
    expect(dataSectionBytes(web)).toBe(data);
    // the data section comes last: everything before it (headers, the program's code) is identical
    expect(web.subarray(0, web.length - data).equals(node.subarray(0, node.length - data))).toBe(true);
    // a few folded constants may differ in their last bit (float64 cos/sin of trained phases, rounded to f32)
    const differing = web.reduce((n, v, i) => n + (v !== node[i] ? 1 : 0), 0);
    expect(differing).toBeLessThan(data / 100);
    expect(built.stdout).toContain(`engine ${s.built!.engine}`);
    expect(fs.readFileSync(path.join(got, "model.mjs"), "utf8")).toContain("trained in the pnn playground (60 epochs, seed 1)");
    type Model = { predict(x: ArrayLike<number>): Float32Array | Float64Array; classify(x: ArrayLike<number>): number[]; info: { classes: string[] | null } };
    const load = async (dir: string) => ((await import(pathToFileURL(path.join(dir, "model.mjs")).href)) as { load(): Promise<Model> }).load();
    const [mine, theirs] = [await load(got), await load(cli)];
    const rows = Array.from({ length: 40 * 12 }, (_, i) => Math.sin(i * 0.37) * 1.5);
    const [a, b] = [Array.from(mine.predict(rows)), Array.from(theirs.predict(rows))] as const;
    expect(a.length).toBe(b.length);
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b[i]!)));
    expect(mine.classify(rows)).toEqual(theirs.classify(rows));
    expect(mine.info.classes).toEqual(theirs.info.classes);
    expect(errors).toEqual([]);
  }, 120_000);

  it("trains the flagship on the reference interpreter to pnn train --backend ref's accuracies exactly (losses to 1e-9)", async () => {
    const cli = cliTrain("vowels_mzi.pnn", ["--backend", "ref"]);
    const s = await trainInPage(page, "ref");
    expect(s.compiled!.backend).toBe("ref");
    expectSameRun(s, cli, 1e-9);
  }, 200_000);

  it("trains an energy-based network on xor (synthetic data) as pnn train does", async () => {
    await openExample(page, "hopfield_xor.pnn");
    expect((await state(page)).diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const cli = cliTrain("hopfield_xor.pnn");
    const s = await trainInPage(page, "wasm");
    expectSameRun(s, cli, 0);
    expect(errors).toEqual([]);
  }, 200_000);

  it("stops a run, and can train again", async () => {
    await openExample(page, "vowels_mzi.pnn");
    // a run far longer than the test: the example's 60 epochs can end between seeing it train and the click
    const before = (await state(page)).checks;
    const source = await page.inputValue("#source");
    expect(source).toContain("epochs = 60");
    await page.fill("#source", source.replace("epochs = 60", "epochs = 100000"));
    await checked(page, before);
    await page.selectOption("#backend", "ref");
    await page.click("#train");
    await page.waitForFunction(() => (window as unknown as { pnnPlayground: PlaygroundState }).pnnPlayground.phase === "training", undefined, { timeout: 60_000 });
    await page.click("#stop");
    const s = await state(page);
    expect(s.phase).toBe("stopped");
    expect(s.epochs.length).toBeLessThan(100000);
    expect(await page.isEnabled("#train")).toBe(true);
    expect(await page.isDisabled("#build")).toBe(true);
    expect(errors).toEqual([]);
  }, 60_000);
});
