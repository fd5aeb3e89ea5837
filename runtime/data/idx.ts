/**
 * IDX files (the format of LeCun's MNIST and Zalando's Fashion-MNIST): a big-endian header
 * (two zero bytes, a type byte, the number of dimensions, then one u32 per dimension) followed
 * by the values, row-major. Gzipped files (`.gz`, magic 1f 8b) are inflated first, bounded so a
 * small file cannot inflate without limit. In: file bytes; out: the dims and the values as
 * float64 (unsigned-byte images are scaled to [0, 1]; other types keep their values). Also
 * the two data sets built on it: `idx(images, labels, …)` for anyone's IDX files and
 * `fashion_mnist(…)` for the Debian package `dataset-fashion-mnist`. Problems in a file are a
 * UserError at the data set call (PNN6001 cannot read, PNN6002 malformed); checking labels and
 * values further is the loaders' common validation (runtime/data/index.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { MAX_DATA_FILE_BYTES } from "../../diagnostics/limits.js";
import { confine } from "../files.js";
import { fail, type ArgValues } from "./args.js";
import { avgPool } from "./images.js";
import { DataRng } from "./prng.js";
import { apportion, byClass, gather, interleave, stratifiedSplit } from "./split.js";
import type { Dataset, DatasetSpec, Split } from "./types.js";

/** One IDX file: its dimensions and its values (row-major, float64). */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Float64Array;
}

/** Bytes of the value types IDX declares (type byte → size, reader). */
const TYPES: Readonly<Record<number, { name: string; size: number; read: (v: DataView, at: number) => number }>> = {
  0x08: { name: "unsigned byte", size: 1, read: (v, at) => v.getUint8(at) },
  0x09: { name: "signed byte", size: 1, read: (v, at) => v.getInt8(at) },
  0x0b: { name: "short", size: 2, read: (v, at) => v.getInt16(at, false) },
  0x0c: { name: "int", size: 4, read: (v, at) => v.getInt32(at, false) },
  0x0d: { name: "float", size: 4, read: (v, at) => v.getFloat32(at, false) },
  0x0e: { name: "double", size: 8, read: (v, at) => v.getFloat64(at, false) },
};

/** Parses IDX bytes (already inflated). `scaleBytes` maps unsigned bytes to [0, 1] (images). Throws a plain Error with the reason. */
export function parseIdx(bytes: Uint8Array, scaleBytes: boolean): IdxArray {
  if (bytes.length < 4) throw new Error("too short for an IDX header");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] !== 0 || bytes[1] !== 0) throw new Error("not an IDX file (the first two bytes must be 0)");
  const type = TYPES[bytes[2]!];
  if (!type) throw new Error(`unknown IDX value type 0x${bytes[2]!.toString(16)}`);
  const rank = bytes[3]!;
  if (rank < 1) throw new Error("an IDX file needs at least one dimension");
  const header = 4 + 4 * rank;
  if (bytes.length < header) throw new Error("the IDX header is cut short");
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== header + count * type.size)
    throw new Error(`the header declares ${dims.join("×")} values of type ${type.name} (${header + count * type.size} bytes), the file has ${bytes.length} bytes`);
  const data = new Float64Array(count);
  if (type.size === 1 && scaleBytes && bytes[2] === 0x08) for (let i = 0; i < count; i++) data[i] = bytes[header + i]! / 255;
  else for (let i = 0; i < count; i++) data[i] = type.read(view, header + i * type.size);
  return { dims, data };
}

/** Reads one IDX file (gzipped or raw), at most MAX_DATA_FILE_BYTES before and after inflating. */
export function readIdxFile(spec: Pick<DatasetSpec, "span">, file: string, shown: string, scaleBytes: boolean, what: string): IdxArray {
  let raw: Buffer;
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_DATA_FILE_BYTES) fail(spec, `${what}: ${shown} is ${size} bytes; the limit is ${MAX_DATA_FILE_BYTES}`, "PNN6001");
    raw = fs.readFileSync(file);
  } catch (e) {
    if (e instanceof Error && "code" in e && typeof e.code === "string") fail(spec, `${what}: cannot read ${shown}: ${e.message}`, "PNN6001");
    throw e;
  }
  let bytes: Uint8Array = raw;
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      bytes = zlib.gunzipSync(raw, { maxOutputLength: MAX_DATA_FILE_BYTES });
    } catch (e) {
      fail(spec, `${what}: ${shown} is not a readable gzip file (or inflates beyond ${MAX_DATA_FILE_BYTES} bytes): ${(e as Error).message}`, "PNN6002");
    }
  }
  try {
    return parseIdx(bytes, scaleBytes);
  } catch (e) {
    fail(spec, `${what}: ${shown}: ${(e as Error).message}`, "PNN6002");
  }
}

/** Labels as class indices 0…k−1: an IDX vector of non-negative integers below 1000. */
function labelsOf(spec: Pick<DatasetSpec, "span">, a: IdxArray, shown: string, what: string): Int32Array {
  if (a.dims.length !== 1) fail(spec, `${what}: ${shown} holds labels of shape ${a.dims.join("×")}; labels are one number per item`, "PNN6002");
  const y = new Int32Array(a.data.length);
  for (let i = 0; i < y.length; i++) {
    const v = a.data[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= 1000) fail(spec, `${what}: ${shown}: label ${i} is ${v}; labels must be class numbers 0, 1, 2, …`, "PNN6002");
    y[i] = v;
  }
  return y;
}

/** Images and labels of one IDX pair, checked to agree; images flattened and optionally pooled to `size`. */
export interface LabelledImages {
  readonly x: Float64Array;
  readonly y: Int32Array;
  readonly n: number;
  /** The per-item shape after pooling ([h, w] for images, [f] for vectors). */
  readonly shape: readonly number[];
}

export function readIdxPair(spec: Pick<DatasetSpec, "span">, images: { file: string; shown: string }, labels: { file: string; shown: string }, size: number, what: string): LabelledImages {
  const img = readIdxFile(spec, images.file, images.shown, true, what);
  const lab = labelsOf(spec, readIdxFile(spec, labels.file, labels.shown, false, what), labels.shown, what);
  const n = img.dims[0]!;
  if (n !== lab.length) fail(spec, `${what}: ${images.shown} has ${n} items but ${labels.shown} has ${lab.length} labels`, "PNN6002");
  const shape = img.dims.slice(1);
  if (shape.length === 0) fail(spec, `${what}: ${images.shown} is a vector; each item must have features (images are n×h×w)`, "PNN6002");
  if (size === 0) return { x: img.data, y: lab, n, shape: shape.length ? shape : [1] };
  if (shape.length !== 2 || shape[0] !== shape[1] || shape[0]! % size !== 0)
    fail(spec, `${what}: size: ${size} pools square images whose side it divides; ${images.shown} holds ${shape.join("×")} items`, "PNN6006");
  return { x: avgPool(img.data, n, shape[0]!, size), y: lab, n, shape: [size, size] };
}

/** The class-stratified first `count` items of a pair (per class the first a_c by apportionment), interleaved by class. */
export function stratifiedPrefix(y: Int32Array, classes: number, count: number): number[] {
  const groups = byClass(y, classes);
  const quota = apportion(groups.map((g) => g.length), count, groups.map((g) => g.length));
  return interleave(groups.map((g, c) => g.slice(0, quota[c])));
}

function classCount(...ys: Int32Array[]): number {
  let k = 0;
  for (const y of ys) for (const v of y) k = Math.max(k, v + 1);
  return k;
}

function dataset(name: string, pair: LabelledImages, train: Split, test: Split, classes: number, classNames?: readonly string[]): Dataset {
  return {
    name,
    featureShape: [pair.shape.reduce((a, b) => a * b, 1)],
    classes,
    classNames: classNames ? [...classNames] : Array.from({ length: classes }, (_, c) => String(c)),
    train,
    test,
  };
}

/** A user path argument: confined to the program's folder (the checker confined it too). */
function userFile(spec: DatasetSpec, rel: string, what: string): { file: string; shown: string } {
  const at = confine(spec.baseDir, rel);
  if (!at.ok) fail(spec, `${what}: ${at.problem}; data files must be inside it`);
  return { file: at.path, shown: rel };
}

/**
 * idx(images, labels, test_images?, test_labels?, test: 0.25, seed: 1, size: 0): anyone's IDX
 * files. With test files, they are the test split; otherwise `test` of the items (stratified,
 * seeded) are held out. Pixels of unsigned-byte images are scaled to [0, 1].
 */
export function loadIdx(spec: DatasetSpec, a: ArgValues): Dataset {
  const what = "idx()";
  const size = a.size as number;
  const main = readIdxPair(spec, userFile(spec, a.images as string, what), userFile(spec, a.labels as string, what), size, what);
  const testImages = a.test_images as string, testLabels = a.test_labels as string;
  if ((testImages === "") !== (testLabels === "")) fail(spec, `${what}: give both test_images and test_labels, or neither`);
  const f = main.shape.reduce((p, q) => p * q, 1);
  if (testImages !== "") {
    const held = readIdxPair(spec, userFile(spec, testImages, what), userFile(spec, testLabels, what), size, what);
    if (held.shape.join("×") !== main.shape.join("×")) fail(spec, `${what}: the test items are ${held.shape.join("×")} but the training items are ${main.shape.join("×")}`, "PNN6002");
    const classes = classCount(main.y, held.y);
    const all = (p: LabelledImages) => interleave(byClass(p.y, classes));
    return dataset("idx", main, gather(main.x, main.y, f, all(main)), gather(held.x, held.y, f, all(held)), classes);
  }
  const classes = classCount(main.y);
  const nTest = Math.round((a.test as number) * main.n);
  if (nTest < 1 || nTest >= main.n) fail(spec, `${what}: test: ${a.test} of ${main.n} items leaves ${nTest < 1 ? "no test items" : "no training items"}`);
  const { train, test } = stratifiedSplit(main.y, classes, nTest, new DataRng(a.seed as number));
  return dataset("idx", main, gather(main.x, main.y, f, train), gather(main.x, main.y, f, test), classes);
}

/** Where Debian's `dataset-fashion-mnist` puts the files; PNN_FASHION_MNIST_DIR overrides it (a folder with the four standard files). */
export const FASHION_MNIST_PACKAGE = "dataset-fashion-mnist";
export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";
export const FASHION_MNIST_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"] as const;
const FASHION_FILES = { trainImages: "train-images-idx3-ubyte.gz", trainLabels: "train-labels-idx1-ubyte.gz", testImages: "t10k-images-idx3-ubyte.gz", testLabels: "t10k-labels-idx1-ubyte.gz" };

/** The folder holding the Fashion-MNIST files, or undefined when they are not installed. */
export function fashionMnistDir(): string | undefined {
  const dir = process.env.PNN_FASHION_MNIST_DIR || FASHION_MNIST_DIR;
  return Object.values(FASHION_FILES).every((f) => fs.existsSync(path.join(dir, f))) ? dir : undefined;
}

/**
 * fashion_mnist(train: 60000, test: 10000, size: 28): Zalando's Fashion-MNIST (Xiao et al. 2017)
 * from Debian's dataset-fashion-mnist: the standard 60,000 training and 10,000 test images. A
 * smaller `train`/`test` takes the first items of each class in file order (class-stratified,
 * deterministic). size 14 / 7 average-pools 2×2 / 4×4 blocks; pixels in [0, 1].
 */
export function loadFashionMnist(spec: DatasetSpec, a: ArgValues): Dataset {
  const what = "fashion_mnist()";
  const dir = fashionMnistDir();
  if (!dir)
    fail(spec, `${what}: the Fashion-MNIST files are not installed; install Debian's '${FASHION_MNIST_PACKAGE}' package (apt-get install ${FASHION_MNIST_PACKAGE}), which puts them in ${FASHION_MNIST_DIR}, or set PNN_FASHION_MNIST_DIR to a folder holding ${Object.values(FASHION_FILES).join(", ")}`, "PNN6001");
  const size = a.size as number;
  // not cached: the full training set is 376 MB as float64, and the split below copies it
  const at = (f: string) => ({ file: path.join(dir, f), shown: path.join(dir, f) });
  const pairs = {
    train: readIdxPair(spec, at(FASHION_FILES.trainImages), at(FASHION_FILES.trainLabels), size === 28 ? 0 : size, what),
    test: readIdxPair(spec, at(FASHION_FILES.testImages), at(FASHION_FILES.testLabels), size === 28 ? 0 : size, what),
  };
  const classes = FASHION_MNIST_CLASSES.length;
  for (const p of [pairs.train, pairs.test]) if (classCount(p.y) !== classes) fail(spec, `${what}: expected ${classes} classes in ${dir}, found ${classCount(p.y)}`, "PNN6002");
  const nTrain = a.train as number, nTest = a.test as number;
  if (nTrain > pairs.train.n) fail(spec, `${what}: train: ${nTrain}, but the training set has ${pairs.train.n} images`);
  if (nTest > pairs.test.n) fail(spec, `${what}: test: ${nTest}, but the test set has ${pairs.test.n} images`);
  const f = size * size;
  const pick = (p: LabelledImages, n: number) => gather(p.x, p.y, f, stratifiedPrefix(p.y, classes, n));
  return dataset("fashion_mnist", pairs.train, pick(pairs.train, nTrain), pick(pairs.test, nTest), classes, FASHION_MNIST_CLASSES);
}
