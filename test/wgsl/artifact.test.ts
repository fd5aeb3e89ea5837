// `pnn build --target wgsl` end to end, for the flagship (vowels_mzi) and the diffractive
// network: weights written to a checkpoint, the artifact built by the CLI, its model.mjs imported
// in Node (finding its own device through the 'webgpu' package) and loaded in headless chromium
// (navigator.gpu) from a page served on 127.0.0.1; both predict what `pnn infer` predicts
// (scores within 1e-4, the same classes). Skips loudly without a WebGPU adapter in Node or
// without chromium.
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveCheckpoint } from "../../runtime/checkpoint.js";
import { initParams } from "../../runtime/init.js";
import { loadProgram } from "../helpers/program.js";
import { ensureBuilt, pnn, REPO } from "../train/helpers.js";
import { testDevice } from "./helpers.js";

const gpu = await testDevice("test/wgsl/artifact.test.ts");
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => fs.existsSync(p));
if (!CHROMIUM) console.warn("test/wgsl/artifact.test.ts: browser part SKIPPED — chromium is not installed (.ci/run installs it)");

interface Model {
  info: { engine: string; classes: string[] | null; outputs: { name: string; shape: number[] }[] };
  predict(x: ArrayLike<number>): Promise<Float32Array>;
  run(x: ArrayLike<number>): Promise<Record<string, Float32Array>>;
  classify(x: ArrayLike<number>): Promise<number[]>;
  destroy(): void;
}
interface Built { dir: string; rows: number[][]; classes: number; want: { predictions: number[]; scores: number[][] } }

// inside the repository, so the loader resolves the 'webgpu' package like an installed app would
const WORK = path.join(REPO, ".pnn-cache", `wgsl-artifact-${process.pid}`);
const built = new Map<string, Built>();

function buildExample(file: string, features: number, count: number): Built {
  const p = loadProgram(path.join(REPO, "examples", file));
  const spec = p.spec(1);
  const dir = path.join(WORK, file.replace(".pnn", ""));
  fs.mkdirSync(dir, { recursive: true });
  const ckpt = path.join(dir, "weights.safetensors");
  const params = initParams(spec.params, 5);
  saveCheckpoint(ckpt, new Map(spec.params.map((q) => [q.path, { dtype: "F64" as const, shape: [...q.shape], data: params.get(q.path)! }])), { network: spec.network });
  const b = pnn(["build", path.join("examples", file), "--target", "wgsl", "--weights", ckpt, "-o", path.join(dir, "model"), "--stats"]);
  expect(b.status, b.all).toBe(0);
  expect(b.stdout).toMatch(/engine webgpu/);
  const rows = Array.from({ length: count }, (_, r) => Array.from({ length: features }, (_, i) => Math.fround(0.5 + 0.5 * Math.sin(0.37 * i + 1.9 * r))));
  const csv = path.join(dir, "rows.csv");
  fs.writeFileSync(csv, rows.map((r) => r.join(",")).join("\n") + "\n");
  const inf = pnn(["infer", path.join("examples", file), "--weights", ckpt, "--input", csv, "--json", "--backend", "ref"]);
  expect(inf.status, inf.all).toBe(0);
  return { dir: path.join(dir, "model"), rows, classes: spec.classes, want: JSON.parse(inf.stdout) as Built["want"] };
}

function expectScores(got: ArrayLike<number>, b: Built, what: string): void {
  expect(got.length, what).toBe(b.rows.length * b.classes);
  b.want.scores.forEach((row, s) => row.forEach((v, c) => {
    const g = got[s * b.classes + c]!;
    if (!(Math.abs(g - v) <= 1e-4 * Math.max(1, Math.abs(v)))) throw new Error(`${what}: sample ${s} class ${c}: ${g} vs pnn infer ${v}`);
  }));
}

const EXAMPLES: [string, number, number][] = [["vowels_mzi.pnn", 12, 20], ["diffractive_mnist.pnn", 196, 20]];

describe.skipIf(!gpu)("pnn build --target wgsl", () => {
  beforeAll(() => {
    ensureBuilt();
    for (const [file, features, count] of EXAMPLES) built.set(file, buildExample(file, features, count));
  }, 180_000);
  afterAll(() => fs.rmSync(WORK, { recursive: true, force: true }));

  for (const [file] of EXAMPLES)
    it(`${file}: model.mjs in Node predicts what pnn infer predicts`, async () => {
      const b = built.get(file)!;
      expect(fs.readFileSync(path.join(b.dir, "model.d.ts"), "utf8")).toContain("predict(x: Input): Promise<Float32Array>");
      const { load } = (await import(pathToFileURL(path.join(b.dir, "model.mjs")).href)) as { load(): Promise<Model> };
      const m = await load();
      try {
        expect(m.info.engine).toBe("webgpu");
        expectScores(await m.predict(b.rows.flat()), b, `${file} in Node`);
        expect(await m.classify(Float64Array.from(b.rows.flat()))).toEqual(b.want.predictions);
        // one sample at a time gives the same as a batch
        expectScores([...(await m.predict(b.rows[0]!)), ...(await m.predict(b.rows.slice(1).flat()))], b, `${file} one then the rest`);
        await expect(m.predict([1, 2, 3])).rejects.toThrow(/takes \d+ per sample/);
        await expect(m.predict(b.rows[0]!.map((v, i) => (i === 2 ? NaN : v)))).rejects.toThrow("input value 2 is NaN");
      } finally {
        m.destroy();
      }
    });

  describe.skipIf(!CHROMIUM)("in headless chromium (WebGPU)", () => {
    let server: http.Server;
    let base = "";
    beforeAll(async () => {
      server = http.createServer((req, res) => {
        const rel = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
        if (rel === "/index.html") { res.writeHead(200, { "content-type": "text/html" }); res.end("<!doctype html><title>pnn wgsl</title>"); return; }
        const file = path.join(WORK, path.normalize(rel));
        if (!file.startsWith(WORK) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) { res.writeHead(404); res.end(); return; }
        res.writeHead(200, { "content-type": file.endsWith(".mjs") ? "text/javascript" : "application/octet-stream" });
        res.end(fs.readFileSync(file));
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
      base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    });
    afterAll(() => server?.close());

    it("both artifacts predict in the page what pnn infer predicts", async () => {
      const { chromium } = await import("playwright-core");
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--headless=new", "--enable-unsafe-webgpu", "--ignore-gpu-blocklist"] });
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(String(e)));
        await page.goto(`${base}/index.html`);
        for (const [file] of EXAMPLES) {
          const b = built.get(file)!;
          const url = `${base}/${file.replace(".pnn", "")}/model/model.mjs`;
          // a string, not a function: vitest would rewrite import() inside a function's source
          const r = (await page.evaluate(`(async () => {
            const { load } = await import(${JSON.stringify(url)});
            const m = await load();
            const x = ${JSON.stringify(b.rows.flat())};
            const y = Array.from(await m.predict(x));
            const k = await m.classify(x);
            m.destroy();
            const a = await navigator.gpu.requestAdapter();
            return { y, k, adapter: a?.info?.vendor ?? "?" };
          })()`)) as { y: number[]; k: number[]; adapter: string };
          console.log(`test/wgsl/artifact.test.ts: ${file} in chromium on adapter ${r.adapter}`);
          expectScores(r.y, b, `${file} in chromium`);
          expect(r.k).toEqual(b.want.predictions);
        }
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
    }, 120_000);
  });
});
