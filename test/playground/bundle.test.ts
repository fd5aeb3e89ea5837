// The playground's site (playground/build/bundle.ts) and the `pnn playground` command: what the
// bundle holds (page, worker, binaryen as its own file, every Node built-in replaced by its browser
// version from playground/browser/), which examples it offers (those on playground data sets, with
// the files they read), and the command's static build and usage errors.
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { createRequire } from "node:module";
import { beforeAll, describe, expect, it } from "vitest";
import { Session } from "../../compiler/driver/index.js";
import { bundlePlayground, NODE_BUILTINS, PACKAGE_REPLACEMENTS, pnnRoot, type Site } from "../../playground/build/bundle.js";
import { playgroundExamples } from "../../playground/build/examples.js";
import { FLAGSHIP } from "../../playground/examples.js";
import { hostFor, MemoryHost } from "../../playground/host.js";
import { ensureBuilt, pnn, REPO, tmpDir } from "../train/helpers.js";

const shipped = Object.fromEntries(fs.readdirSync(path.join(REPO, "data")).filter((f) => f.endsWith(".csv")).map((f) => [f, fs.readFileSync(path.join(REPO, "data", f), "utf8")]));
const text = (site: Site, p: string) => new TextDecoder().decode(site.files.find((f) => f.path === p)!.bytes);

describe("the playground bundle", () => {
  let site: Site;
  beforeAll(async () => {
    site = await bundlePlayground();
  }, 60_000);

  it("is found from the sources as from dist/", () => {
    expect(pnnRoot()).toBe(REPO);
  });

  it("holds the page, the worker, their chunks and binaryen as its own, unchanged file", () => {
    const paths = site.files.map((f) => f.path);
    for (const p of ["index.html", "page.js", "worker.js", "binaryen.js"]) expect(paths).toContain(p);
    const binaryen = createRequire(import.meta.url).resolve("binaryen");
    expect(Buffer.from(site.files.find((f) => f.path === "binaryen.js")!.bytes).equals(fs.readFileSync(binaryen))).toBe(true);
    // the worker's code imports binaryen by its site path, only when it compiles (a dynamic import)
    const code = site.files.filter((f) => f.path.endsWith(".js") && f.path !== "binaryen.js").map((f) => new TextDecoder().decode(f.bytes));
    expect(code.some((c) => /import\(\s*["']\.\/binaryen\.js["']\s*\)/.test(c))).toBe(true);
    expect(code.some((c) => /from\s*["']binaryen["']|import\(\s*["']binaryen["']\s*\)/.test(c))).toBe(false);
    expect(text(site, "index.html")).toContain('src="./page.js"');
  });

  it("replaces every Node built-in the compiler imports by its browser version, and bundles the compiler, not a copy", () => {
    expect(site.inputs.filter((i) => i.startsWith("node:"))).toEqual([]);
    const replacements = site.inputs.filter((i) => i.startsWith("playground/browser/")).map((i) => path.basename(i));
    expect([...new Set(replacements)].sort()).toEqual([...new Set([...Object.values(NODE_BUILTINS), ...Object.values(PACKAGE_REPLACEMENTS), "process.ts"])].sort());
    for (const m of ["compiler/driver/session.ts", "compiler/sema/check.ts", "compiler/backends/wasm/index.ts", "runtime/trainer.ts", "runtime/data/tabular.ts", "compiler/driver/build.ts", "report/figures/training.ts"]) expect(site.inputs).toContain(m);
  });

  it("carries the shipped data files' text, as the CLI reads them", () => {
    const worker = site.files.filter((f) => f.path.endsWith(".js")).map((f) => new TextDecoder().decode(f.bytes)).join("\n");
    // a line from the middle of each file, as a JSON string literal
    for (const [name, csv] of Object.entries(shipped)) {
      const line = csv.split("\n")[Math.floor(csv.split("\n").length / 2)]!;
      expect(worker, name).toContain(JSON.stringify(line).slice(1, -1));
    }
  });
});

describe("the examples the playground offers", () => {
  const examples = playgroundExamples(REPO);

  it("are the examples on playground data sets, the flagship among them, with the files they read", () => {
    const names = examples.map((e) => e.name);
    expect(names).toContain(FLAGSHIP);
    expect(names).toContain("vowels_fourier_mesh.pnn");
    for (const n of names) expect(fs.readFileSync(path.join(REPO, "examples", n), "utf8")).not.toMatch(/\bon\s+mnist\b/);
    for (const f of fs.readdirSync(path.join(REPO, "examples")).filter((f) => f.endsWith(".pnn") && !names.includes(f))) {
      // every example left out trains on a data set the page does not have
      expect(fs.readFileSync(path.join(REPO, "examples", f), "utf8"), f).toMatch(/\bon\s+mnist\b/);
    }
    expect(examples.find((e) => e.name === "vowels_fourier_mesh.pnn")!.files).toEqual({ "matrices/dft8.csv": fs.readFileSync(path.join(REPO, "examples/matrices/dft8.csv"), "utf8") });
    expect(examples.find((e) => e.name === FLAGSHIP)!.title).toBe("VowelOptical on vowels, physics_aware");
  });

  it("check in memory exactly as on disk", () => {
    for (const e of examples) {
      const disk = new Session(path.join(REPO, "examples", e.name), e.source, { readFile: (p) => (fs.existsSync(p) ? fs.readFileSync(p, "utf8") : undefined) }).check();
      const mem = new Session(e.name, e.source, hostFor({ main: e.name, source: e.source, files: e.files }, shipped)).check();
      expect(mem.diagnostics.map((d) => [d.code, d.span.start, d.message]), e.name).toEqual(disk.diagnostics.map((d) => [d.code, d.span.start, d.message]));
      expect(mem.model.trains.map((t) => t.data.name)).toEqual(disk.model.trains.map((t) => t.data.name));
    }
    expect(new MemoryHost({}, shipped).readShippedData("nope.csv")).toBeUndefined();
  });
});

describe("pnn playground", () => {
  beforeAll(() => ensureBuilt());

  it("--build DIR writes the site as static files", () => {
    const dir = tmpDir("pnn-pg-site-");
    const r = pnn(["playground", "--build", dir]);
    expect(r.status, r.all).toBe(0);
    expect(r.stdout).toMatch(/^wrote \d+ files to /);
    for (const f of ["index.html", "page.js", "worker.js", "binaryen.js"]) expect(fs.statSync(path.join(dir, f)).size).toBeGreaterThan(0);
  }, 60_000);

  it("refuses a bad port, and a port in use, with a usage error (exit 2)", async () => {
    const bad = pnn(["playground", "--port", "http"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--port must be an integer from 0 to 65535, got 'http'");
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const busy = pnn(["playground", "--port", String(port)]);
      expect(busy.status).toBe(2);
      expect(busy.stderr).toContain(`port ${port} on 127.0.0.1 is in use`);
    } finally {
      blocker.close();
    }
  }, 60_000);
});

describe("the playground's server", () => {
  it("serves the site's files with their types, / as index.html, and nothing else", async () => {
    const { serveSite } = await import("../../playground/build/serve.js");
    const site: Site = { files: [{ path: "index.html", bytes: new TextEncoder().encode("<p>hi</p>") }, { path: "page.js", bytes: new TextEncoder().encode("export {}") }], inputs: [], seconds: 0 };
    const served = await serveSite(site, "127.0.0.1", 0);
    try {
      expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const root = await fetch(served.url);
      expect(root.status).toBe(200);
      expect(root.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(await root.text()).toBe("<p>hi</p>");
      const js = await fetch(served.url + "page.js");
      expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
      for (const bad of ["nope.js", "%E0%A4%A", "../package.json"]) expect((await fetch(served.url + bad)).status, bad).toBe(404);
      expect((await fetch(served.url + "page.js", { method: "POST", body: "x" })).status).toBe(405);
    } finally {
      await served.close();
    }
  });
});
