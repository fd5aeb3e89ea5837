// Issue 16 (run time): the built artifact. model.mjs carries model.wasm's SHA-256 and refuses any
// other bytes (a tampered, truncated or mismatched model.wasm was garbage or a trap); inputs
// beyond the storage type's range and outputs that overflow are Errors (finite large inputs
// gave Infinity/NaN logits); the three files are written as a whole (a failed build left a new
// model.wasm beside an old model.mjs). In-process through the driver's build product.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { buildProduct } from "../../compiler/driver/build.js";
import { SHA256_SOURCE } from "../../compiler/build/loader.js";
import { writeFolderAtomically } from "../../runtime/run-dir.js";
import { loadSource } from "../helpers/program.js";

interface Model {
  predict(x: ArrayLike<number>): Float32Array;
  info: { wasmSha256: string };
}
type Loader = { load(src?: unknown): Promise<Model> };

const NET = (hidden: number) => `network Tiny {
  input x: real[2]
  h = dense(x, ${hidden}) |> relu
  output y = dense(h, 2)
}

train Tiny on moons(n: 40) {
  rule = backprop
  loss = cross_entropy
  optimizer = adam(lr: 0.01)
  epochs = 1
  batch = 8
  seed = 1
}
`;

const work = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-artifact-"));
const built: Record<string, string> = {};
let fresh = 0;
/** Imports a loader under a fresh URL (ES modules are cached by URL). */
const importLoader = async (dir: string): Promise<Loader> => {
  const copy = path.join(dir, `model-${fresh++}.mjs`);
  fs.copyFileSync(path.join(dir, "model.mjs"), copy);
  return (await import(pathToFileURL(copy).href)) as Loader;
};

beforeAll(async () => {
  for (const [name, hidden] of [["model", 4], ["other", 5]] as const) {
    const out = path.join(work, name);
    await buildProduct(loadSource(NET(hidden)), { target: "wasm", out });
    built[name] = out;
  }
}, 120_000);

describe("the loader verifies model.wasm's SHA-256", () => {
  it("its SHA-256 is FIPS 180-4's (against node:crypto, at every padding boundary)", () => {
    const sha256 = new Function(`${SHA256_SOURCE}; return sha256;`)() as (b: Uint8Array) => string;
    for (const n of [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 1000, 70_001]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 2654435761) >>> 24);
      expect(sha256(bytes), `${n} bytes`).toBe(createHash("sha256").update(bytes).digest("hex"));
    }
  });

  it("the built model records its wasm's hash and loads", async () => {
    const m = await (await importLoader(built.model!)).load();
    expect(m.info.wasmSha256).toBe(createHash("sha256").update(fs.readFileSync(path.join(built.model!, "model.wasm"))).digest("hex"));
    expect(m.predict([0.5, -0.2]).length).toBe(2);
  });

  it("a tampered, truncated or mismatched model.wasm is a clear Error (was: garbage or a trap)", async () => {
    const loader = await importLoader(built.model!);
    const bytes = fs.readFileSync(path.join(built.model!, "model.wasm"));
    // one bit of a constant in the data segment (the last section): still a valid module
    let flipped = Uint8Array.from(bytes);
    for (let at = bytes.length - 3; at > bytes.length - 64; at--) {
      flipped = Uint8Array.from(bytes);
      flipped[at]! ^= 0x10;
      if (WebAssembly.validate(flipped)) break;
    }
    expect(WebAssembly.validate(flipped)).toBe(true);
    await expect(loader.load(flipped)).rejects.toThrow(/the bytes given to load\(\) is not the model\.wasm of this model\.mjs \(its SHA-256 is [0-9a-f]{16}…, this build wrote [0-9a-f]{16}…\)/);
    await expect(loader.load(bytes.subarray(0, bytes.length - 100))).rejects.toThrow(/not the model\.wasm of this model\.mjs/);
    await expect(loader.load(fs.readFileSync(path.join(built.other!, "model.wasm")))).rejects.toThrow(/comes from another build/);
    // on disk: the default path next to model.mjs
    const mixed = path.join(work, "mixed");
    fs.cpSync(built.model!, mixed, { recursive: true });
    fs.copyFileSync(path.join(built.other!, "model.wasm"), path.join(mixed, "model.wasm"));
    await expect((await importLoader(mixed)).load()).rejects.toThrow(/model\.wasm is not the model\.wasm of this model\.mjs/);
  });
});

describe("inputs the model would overflow on are Errors", () => {
  it("outputs that overflow for huge finite inputs, one row at a time and in the batched entry (was: Infinity/NaN logits)", async () => {
    const m = await (await importLoader(built.model!)).load();
    // inputs at float32's edge, signs chosen so that some unit's sum exceeds it
    const huge = [[1, 1], [1, -1], [-1, 1], [-1, -1]].map(([a, b]) => [a! * 3.4e38, b! * 3.4e38]);
    const bad = huge.find((x) => { try { m.predict(x); return false; } catch { return true; } });
    expect(bad, "one of the four sign patterns overflows").toBeDefined();
    expect(() => m.predict(bad!)).toThrow(/sample 0: output logits\[\d\] overflows \([-+e.\dInfinityNa]+\) for this input, whose largest value is 3\.4e\+38/);
    expect(() => m.predict([0.5, 0.5, ...bad!])).toThrow(/sample 1: output/);
    const rows = Array.from({ length: 70 }, (_, i) => (i === 10 ? bad! : [0.1, 0.1])).flat();
    expect(() => m.predict(rows)).toThrow(/sample 10: output/); // inside the first batch of 64 rows
    expect(Array.from(m.predict([0.5, 0.5])).every(Number.isFinite)).toBe(true);
  });

  it("a value beyond float32 is refused before the model runs", async () => {
    const m = await (await importLoader(built.model!)).load();
    expect(() => m.predict([1e39, 0])).toThrow(/input value 0 is 1e\+39, beyond the largest float32 the model computes in/);
    expect(() => m.predict([3e38, -3e38, 3e38, 3e38])).toThrow(/float32|overflows/);
  });
});

describe("the build's files are written as a whole", () => {
  it("a failed write leaves the old build as it was and no temporary folder (was: a new model.wasm beside an old model.mjs)", () => {
    const out = path.join(work, "atomic");
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, "model.wasm"), "old wasm");
    fs.writeFileSync(path.join(out, "model.mjs"), "old mjs");
    // the second file cannot be written (its folder does not exist): the write fails half-way
    const r = writeFolderAtomically(out, [["model.wasm", "new wasm"], ["no-such-folder/model.mjs", "new mjs"]], "-o", ["model.wasm", "model.mjs"]);
    expect(r).toEqual({ ok: false, problem: expect.stringMatching(/-o .*atomic: cannot write the files: no such file or folder \(ENOENT\); the folder is as it was/) });
    expect(fs.readFileSync(path.join(out, "model.wasm"), "utf8")).toBe("old wasm");
    expect(fs.readFileSync(path.join(out, "model.mjs"), "utf8")).toBe("old mjs");
    expect(fs.readdirSync(work).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  it("a folder holding only a build is replaced whole; one holding other files keeps them", () => {
    const out = path.join(work, "swap");
    fs.mkdirSync(out);
    for (const f of ["model.wasm", "model.mjs", "model.d.ts"]) fs.writeFileSync(path.join(out, f), "old");
    expect(writeFolderAtomically(out, [["model.wasm", "w2"], ["model.mjs", "m2"]], "-o", ["model.wasm", "model.mjs", "model.d.ts"])).toEqual({ ok: true });
    expect(fs.readdirSync(out).sort()).toEqual(["model.mjs", "model.wasm"]);
    fs.writeFileSync(path.join(out, "index.html"), "mine");
    expect(writeFolderAtomically(out, [["model.wasm", "w3"], ["model.mjs", "m3"]], "-o")).toEqual({ ok: true });
    expect(fs.readFileSync(path.join(out, "index.html"), "utf8")).toBe("mine");
    expect(fs.readFileSync(path.join(out, "model.mjs"), "utf8")).toBe("m3");
    expect(fs.readdirSync(work).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  it("a stale temporary folder of a killed build is removed by the next build", async () => {
    const dead = 2 ** 22 + 12345; // above the default pid_max: never a live process
    const stale = path.join(work, `.model.pnn-build.tmp-${dead}`);
    fs.mkdirSync(stale);
    fs.writeFileSync(path.join(stale, "model.wasm"), "half");
    await buildProduct(loadSource(NET(4)), { target: "wasm", out: built.model! });
    expect(fs.existsSync(stale)).toBe(false);
  }, 60_000);
});
