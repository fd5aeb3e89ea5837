// What lets the compiler run in a page, checked in Node: the browser replacements of the Node
// built-ins (playground/browser/) agree with Node's own where the page uses them (sha256 hashes,
// posix paths, byte order) and refuse loudly where it must not (files); the in-memory host
// (playground/host.ts) gives the same checked program, the same hashes and the same data sets
// (the CLI's loaders fed the shipped files' text) as the disk; artifactFiles' bytes are what
// `pnn build` writes.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { artifactFiles, buildProduct, Session } from "../../compiler/driver/index.js";
import { shippedDataDir } from "../../runtime/data/tabular.js";
import { createHash as browserHash } from "../../playground/browser/crypto.js";
import * as browserFs from "../../playground/browser/fs.js";
import { endianness } from "../../playground/browser/os.js";
import * as browserPath from "../../playground/browser/path.js";
import { hostFor, MemoryHost } from "../../playground/host.js";
import { loadProgram } from "../helpers/program.js";
import { REPO } from "../train/helpers.js";

const shipped = Object.fromEntries(fs.readdirSync(shippedDataDir()).filter((f) => f.endsWith(".csv")).map((f) => [f, fs.readFileSync(path.join(shippedDataDir(), f), "utf8")]));
const example = (name: string) => fs.readFileSync(path.join(REPO, "examples", name), "utf8");

describe("browser replacements of Node built-ins", () => {
  it("sha256 equals node:crypto's, for text and bytes, in pieces", () => {
    for (const parts of [[""], ["abc"], ["network N {", "\n", "}"], ["φ = 2π · λ", "μm"], ["x".repeat(100_000)]]) {
      const want = parts.reduce((h, p) => h.update(p), createHash("sha256")).digest("hex");
      expect(parts.reduce((h, p) => h.update(p), browserHash("sha256")).digest("hex")).toBe(want);
    }
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 37) & 255);
    expect(browserHash("sha256").update(bytes).digest("hex")).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(() => browserHash("md5")).toThrow(/not available in the browser/);
  });

  it("paths resolve like Node's posix paths, with the page's files under /", () => {
    const cases: [string, ...string[]][] = [["vowels_mzi.pnn"], ["/a/b", "../c.pnn"], ["/", "matrices/dft8.csv"], ["a/./b/../c"]];
    for (const args of cases) expect(browserPath.resolve(...args)).toBe(path.posix.resolve(...args));
    expect(browserPath.dirname("/x/y.pnn")).toBe("/x");
    expect(browserPath.basename("/x/y.pnn")).toBe("y.pnn");
    expect(browserPath.relative("/x", "/x/m/d.csv")).toBe("m/d.csv");
    expect(browserPath.isAbsolute("/x") && !browserPath.isAbsolute("x")).toBe(true);
  });

  it("byte order is measured as Node reports it", () => {
    expect(endianness()).toBe(os.endianness());
  });

  it("the file system is absent: probes read 'no such file', anything else throws naming itself", () => {
    expect(browserFs.existsSync("/data/vowels.csv")).toBe(false);
    for (const [name, call] of [["realpathSync.native", () => browserFs.realpathSync.native("/x")], ["writeFileSync", () => browserFs.writeFileSync("/x", "y")], ["statSync", () => browserFs.statSync("/x")]] as const) {
      let error: (Error & { code?: string }) | undefined;
      try {
        call();
      } catch (e) {
        error = e as Error & { code?: string };
      }
      expect(error?.message).toContain(`fs.${name} is not available in the browser`);
      expect(error?.code).toBe("ENOENT");
    }
  });
});

describe("the in-memory host", () => {
  it("checks and configures the flagship exactly as the disk does: same diagnostics, hashes, model spec", () => {
    const disk = loadProgram(path.join(REPO, "examples/vowels_mzi.pnn"));
    const s = new Session("vowels_mzi.pnn", example("vowels_mzi.pnn"), new MemoryHost({}, shipped));
    expect(s.check().diagnostics).toEqual([]);
    const mem = s.program();
    expect(mem.sourceHash).toBe(disk.sourceHash);
    expect(mem.configHash).toBe(disk.configHash);
    expect(mem.spec()).toEqual(disk.spec());
  });

  it("feeds the CLI's data loaders the shipped files' text: the same arrays as loading data/ from disk", () => {
    for (const [name, call] of [["vowels", "vowels()"], ["iris", "iris(test: 30)"], ["vowels", "vowels(test_speakers: 10, seed: 3)"]] as const) {
      const src = `network N {\n  input x: real[${name === "iris" ? 4 : 12}]\n  output y = dense(x, ${name === "iris" ? 3 : 7})\n}\ntrain N on ${call} {\n  rule = backprop\n  epochs = 1\n}\n`;
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-pg-"));
      fs.writeFileSync(path.join(dir, "n.pnn"), src);
      const fromDisk = loadProgram(path.join(dir, "n.pnn")).dataset();
      const reads: string[] = [];
      const host = new MemoryHost({}, shipped);
      const counting = { readFile: (p: string) => host.readFile(p), readShippedData: (f: string) => (reads.push(f), host.readShippedData(f)) };
      const inMemory = new Session("n.pnn", src, counting).program().dataset();
      expect(reads).toEqual([`${name}.csv`]);
      expect(inMemory).toEqual(fromDisk);
    }
  });

  it("resolves imports and matrix files among its own files, and nowhere else", () => {
    const lib = "layer Twice(n: int) {\n  forward(x: real[n]) -> real[n] = x * 2\n}\n";
    const main = 'import lib from "./lib.pnn"\nnetwork N {\n  input x: real[2]\n  output y = x |> lib.Twice(n: 2) |> dense(2)\n}\n';
    const ok = new Session("main.pnn", main, hostFor({ main: "main.pnn", source: main, files: { "lib.pnn": lib } }, shipped)).check();
    expect(ok.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const missing = new Session("main.pnn", main, hostFor({ main: "main.pnn", source: main, files: {} }, shipped)).check();
    expect(missing.diagnostics.map((d) => d.code)).toContain("PNN2007");
    const fourier = example("vowels_fourier_mesh.pnn");
    const withMatrix = new Session("vowels_fourier_mesh.pnn", fourier, hostFor({ main: "vowels_fourier_mesh.pnn", source: fourier, files: { "matrices/dft8.csv": example("matrices/dft8.csv") } }, shipped));
    expect(withMatrix.check().diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const without = new Session("vowels_fourier_mesh.pnn", fourier, hostFor({ main: "vowels_fourier_mesh.pnn", source: fourier, files: {} }, shipped));
    expect(without.check().diagnostics.map((d) => d.code)).toContain("PNN2040");
  });

});

describe("artifactFiles", () => {
  it("gives the bytes pnn build writes (same program, same weights)", async () => {
    const p = loadProgram(path.join(REPO, "examples/vowels_mzi.pnn"));
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-pg-build-"));
    const written = await buildProduct(p, { target: "wasm", out });
    const inMemory = await artifactFiles(p, { target: "wasm" });
    expect(inMemory.files.map((f) => f.name)).toEqual(written.files.map((f) => path.basename(f)));
    for (const f of inMemory.files) expect(Buffer.from(f.bytes).equals(fs.readFileSync(path.join(out, f.name)))).toBe(true);
    const untimed = (stats: string) => stats.replace(/ +[\d.]+ ms$/gm, ""); // per-pass times differ run to run
    expect(untimed(inMemory.stats)).toBe(untimed(written.stats));
    expect(inMemory.engine).toBe(written.engine);
    expect(inMemory.warnings.map((w) => w.code)).toEqual(["PNN6020"]);
  }, 60_000);
});
