// IDX files (runtime/data/idx.ts): the header and value types, gzip, the checks on malformed
// files, the idx() data set with and without test files, and fashion_mnist() on Debian's
// dataset-fashion-mnist package (skipped, loudly, when the package is not installed).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import { UserError } from "../../diagnostics/catalog.js";
import { loadDataset, type DatasetSpec } from "../../runtime/data/index.js";
import { fashionMnistDir, FASHION_MNIST_PACKAGE, parseIdx } from "../../runtime/data/idx.js";
import { avgPool } from "../../runtime/data/images.js";
import { datasetArgs } from "../../stdlib/datasets.js";
import { checkText } from "../frontend/helpers.js";

const span = { file: "train.pnn", start: 10, end: 20, line: 3, col: 4, endLine: 3, endCol: 14 };

/** IDX bytes: header (type byte, dims) then big-endian values. */
function idx(type: number, dims: number[], values: number[]): Buffer {
  const size = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 }[type]!;
  const buf = Buffer.alloc(4 + 4 * dims.length + size * values.length);
  buf[2] = type;
  buf[3] = dims.length;
  dims.forEach((d, i) => buf.writeUInt32BE(d, 4 + 4 * i));
  const at = 4 + 4 * dims.length;
  values.forEach((v, i) => {
    const o = at + i * size;
    if (type === 0x08) buf.writeUInt8(v, o);
    else if (type === 0x09) buf.writeInt8(v, o);
    else if (type === 0x0b) buf.writeInt16BE(v, o);
    else if (type === 0x0c) buf.writeInt32BE(v, o);
    else if (type === 0x0d) buf.writeFloatBE(v, o);
    else buf.writeDoubleBE(v, o);
  });
  return buf;
}

function userError(f: () => unknown): UserError {
  try {
    f();
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error("expected a UserError");
}

/** n 4×4 images of class i % classes whose pixels are all 17·(class + 1) (so the class is readable from x). */
function writeSet(dir: string, stem: string, n: number, classes: number, gz: boolean): void {
  const y = Array.from({ length: n }, (_, i) => i % classes);
  const px = y.flatMap((c) => new Array<number>(16).fill(17 * (c + 1)));
  const w = (file: string, b: Buffer) => fs.writeFileSync(path.join(dir, file + (gz ? ".gz" : "")), gz ? zlib.gzipSync(b) : b);
  w(`${stem}-images`, idx(0x08, [n, 4, 4], px));
  w(`${stem}-labels`, idx(0x08, [n], y));
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "pnn-idx-"));
const spec = (name: string, args: Record<string, number | string>, baseDir: string): DatasetSpec => ({ name, args: datasetArgs(name, args), span, baseDir });

describe("IDX parsing", () => {
  it("reads every value type big-endian; unsigned-byte images scale to [0, 1]", () => {
    expect(Array.from(parseIdx(idx(0x08, [2, 2], [0, 51, 255, 102]), true).data)).toEqual([0, 0.2, 1, 0.4]);
    expect(Array.from(parseIdx(idx(0x08, [3], [0, 7, 9]), false).data)).toEqual([0, 7, 9]);
    expect(Array.from(parseIdx(idx(0x09, [2], [-3, 4]), true).data)).toEqual([-3, 4]);
    expect(Array.from(parseIdx(idx(0x0b, [2], [-300, 1000]), true).data)).toEqual([-300, 1000]);
    expect(Array.from(parseIdx(idx(0x0c, [1], [-70000]), true).data)).toEqual([-70000]);
    expect(Array.from(parseIdx(idx(0x0d, [1], [1.5]), true).data)).toEqual([1.5]);
    expect(Array.from(parseIdx(idx(0x0e, [1], [Math.PI]), true).data)).toEqual([Math.PI]);
    expect(parseIdx(idx(0x08, [2, 3, 1], [1, 2, 3, 4, 5, 6]), true).dims).toEqual([2, 3, 1]);
  });
  it("refuses a wrong magic, an unknown type, and a size that disagrees with the header", () => {
    const ok = idx(0x08, [2, 2], [1, 2, 3, 4]);
    const bad = Buffer.from(ok);
    bad[0] = 1;
    expect(() => parseIdx(bad, true)).toThrow(/first two bytes/);
    const type = Buffer.from(ok);
    type[2] = 0x42;
    expect(() => parseIdx(type, true)).toThrow(/unknown IDX value type 0x42/);
    expect(() => parseIdx(ok.subarray(0, ok.length - 1), true)).toThrow(/declares 2×2 values .* the file has 15 bytes/);
    expect(() => parseIdx(ok.subarray(0, 6), true)).toThrow(/header is cut short/);
  });
  it("average-pools square images", () => {
    const img = Array.from({ length: 16 }, (_, i) => i);
    expect(Array.from(avgPool(img, 1, 4, 2))).toEqual([2.5, 4.5, 10.5, 12.5]);
  });
});

describe("idx() data set", () => {
  for (const gz of [false, true])
    it(`separate test files (${gz ? "gzipped" : "raw"}): the splits are the files, interleaved by class`, () => {
      const dir = tmp();
      writeSet(dir, "train", 30, 3, gz);
      writeSet(dir, "test", 9, 3, gz);
      const ext = gz ? ".gz" : "";
      const d = loadDataset(spec("idx", { images: `train-images${ext}`, labels: `train-labels${ext}`, test_images: `test-images${ext}`, test_labels: `test-labels${ext}` }, dir));
      expect([d.train.n, d.test.n, d.classes, d.featureShape[0]]).toEqual([30, 9, 3, 16]);
      expect(Array.from(d.test.y)).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);
      for (const s of [d.train, d.test]) for (let i = 0; i < s.n; i++) expect(s.x[i * 16 + 5]).toBeCloseTo((17 * (s.y[i] + 1)) / 255, 12);
    });
  it("one pair: a stratified seeded hold-out; size pools", () => {
    const dir = tmp();
    writeSet(dir, "all", 40, 4, true);
    const d = loadDataset(spec("idx", { images: "all-images.gz", labels: "all-labels.gz", test: 0.25, size: 2 }, dir));
    expect([d.train.n, d.test.n, d.featureShape[0]]).toEqual([30, 10, 4]);
    const perClass = [0, 0, 0, 0];
    for (const c of d.test.y) perClass[c]++;
    expect(perClass.sort()).toEqual([2, 3, 3, 2].sort());
  });
  it("mismatched counts, a truncated gzip and half a test pair are user errors naming the file", () => {
    const dir = tmp();
    writeSet(dir, "a", 10, 2, false);
    fs.writeFileSync(path.join(dir, "short-labels"), idx(0x08, [9], new Array(9).fill(0)));
    const e1 = userError(() => loadDataset(spec("idx", { images: "a-images", labels: "short-labels" }, dir)));
    expect(e1.diagnostic.code).toBe("PNN6002");
    expect(e1.diagnostic.message).toMatch(/a-images has 10 items but short-labels has 9 labels/);
    const gz = zlib.gzipSync(idx(0x08, [10, 4, 4], new Array(160).fill(1)));
    fs.writeFileSync(path.join(dir, "cut.gz"), gz.subarray(0, gz.length - 8));
    expect(userError(() => loadDataset(spec("idx", { images: "cut.gz", labels: "a-labels" }, dir))).diagnostic.message).toMatch(/cut.gz is not a readable gzip file/);
    expect(userError(() => loadDataset(spec("idx", { images: "a-images", labels: "a-labels", test_images: "a-images" }, dir))).diagnostic.message).toMatch(/both test_images and test_labels/);
    expect(userError(() => loadDataset(spec("idx", { images: "a-images", labels: "missing" }, dir))).diagnostic.code).toBe("PNN6001");
  });
  it("the checker confines the paths to the program's folder", () => {
    const r = checkText('network N {\n  input x: real[16]\n  output y = dense(x, 2)\n}\ntrain N on idx("../../etc/passwd", "labels") {\n  rule = backprop\n}\n');
    expect(r.map((d) => d.code)).toContain("PNN6006");
  });
});

const FASHION = fashionMnistDir();
if (!FASHION) console.warn(`test/runtime/idx.test.ts: fashion_mnist SKIPPED — Debian's ${FASHION_MNIST_PACKAGE} is not installed (apt-get install -y ${FASHION_MNIST_PACKAGE}; .ci/run does this)`);

describe("fashion_mnist()", () => {
  it("when the package is missing, the error names it", () => {
    const saved = process.env.PNN_FASHION_MNIST_DIR;
    process.env.PNN_FASHION_MNIST_DIR = tmp();
    try {
      // the override points at an empty folder, so the files are "missing" whatever is installed
      const e = userError(() => loadDataset(spec("fashion_mnist", { train: 10, test: 10 }, os.tmpdir())));
      expect(e.diagnostic.code).toBe("PNN6001");
      expect(e.diagnostic.message).toContain(`apt-get install ${FASHION_MNIST_PACKAGE}`);
    } finally {
      if (saved === undefined) delete process.env.PNN_FASHION_MNIST_DIR;
      else process.env.PNN_FASHION_MNIST_DIR = saved;
    }
  });
  it.skipIf(!FASHION)("loads the standard 60,000 + 10,000 images, 6,000 / 1,000 per class, pixels in [0, 1]", () => {
    const d = loadDataset(spec("fashion_mnist", {}, os.tmpdir()));
    expect([d.train.n, d.test.n, d.featureShape[0], d.classes]).toEqual([60000, 10000, 784, 10]);
    const count = (y: Int32Array) => y.reduce((c, v) => (c[v]++, c), new Array<number>(10).fill(0));
    expect(count(d.train.y)).toEqual(new Array(10).fill(6000));
    expect(count(d.test.y)).toEqual(new Array(10).fill(1000));
    let lo = Infinity, hi = -Infinity;
    for (const v of d.test.x) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
    expect([lo, hi]).toEqual([0, 1]);
    expect(d.classNames[9]).toBe("Ankle boot");
    // a subset is class-stratified and pooled
    const s = loadDataset(spec("fashion_mnist", { train: 1000, test: 500, size: 14 }, os.tmpdir()));
    expect([s.train.n, s.test.n, s.featureShape[0]]).toEqual([1000, 500, 196]);
    expect(count(s.train.y)).toEqual(new Array(10).fill(100));
  }, 60_000);
});
