/**
 * Table data sets: the shipped vowels (Hillenbrand formants, split by speaker) and iris (Fisher)
 * tables, and the user's own csv("path", label: "col"). All three z-score their features with
 * the train split's statistics. The shipped files live in the project's data/ folder, found by
 * walking up from this module to pnn's package.json (works from runtime/ and from dist/runtime/),
 * unless the caller hands their text in (`spec.readShipped`: the browser playground).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { confine } from "../files.js";
import { fail, type ArgValues } from "./args.js";
import { labelledTable, parseCsv, readText, type LabelledTable } from "./csv.js";
import { DataRng } from "./prng.js";
import { evenlySpaced, gather, interleave, byClass, stratifiedSplit, zscore } from "./split.js";
import type { Dataset, DatasetSpec } from "./types.js";

let dataDirCache: string | undefined;

/** The project's data/ folder. */
export function shippedDataDir(): string {
  if (dataDirCache) return dataDirCache;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg) && fs.existsSync(path.join(dir, "data"))) {
      try {
        if (JSON.parse(fs.readFileSync(pkg, "utf8")).name === "pnn") return (dataDirCache = path.join(dir, "data"));
      } catch {
        /* not ours: keep looking */
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return (dataDirCache = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../data"));
    dir = up;
  }
}

function shipped(spec: DatasetSpec, file: string): LabelledTable & { file: string } {
  const text = spec.readShipped?.(file) ?? readText(spec, path.join(shippedDataDir(), file), `data/${file} (shipped with pnn; is the installation complete?)`);
  const t = parseCsv(spec, text, `data/${file}`);
  return { ...labelledTable(spec, t, `data/${file}`, file === "vowels.csv" ? "vowel" : "species", file === "vowels.csv" ? ["speaker"] : []), file };
}

function finish(name: string, t: LabelledTable, train: number[], test: number[], log: boolean): Dataset {
  const f = t.features.length;
  const x = log ? t.x.map(Math.log) : t.x;
  const tr = gather(x, t.y, f, train);
  const te = gather(x, t.y, f, test);
  const { mean, std } = zscore(tr, te, f);
  return { name, featureShape: [f], classes: t.classNames.length, classNames: t.classNames, train: tr, test: te, normalization: { log, mean, std } };
}

/**
 * vowels(test_speakers: 14, log: 1, seed: 0). Test = `test_speakers` of the 48 speakers: with
 * seed 0 spread evenly through the sorted speaker ids, otherwise a seeded random choice.
 */
export function loadVowels(spec: DatasetSpec, a: ArgValues): Dataset {
  const t = shipped(spec, "vowels.csv");
  const speakers = [...new Set(t.kept.speaker)].sort();
  const k = a.test_speakers as number;
  if (k >= speakers.length) fail(spec, `vowels(): test_speakers must be less than the ${speakers.length} speakers in the data, got ${k}`);
  const seed = a.seed as number;
  const chosen = seed === 0 ? evenlySpaced(speakers.length, k).map((i) => speakers[i]) : new DataRng(seed).shuffle(speakers.slice()).slice(0, k);
  const testSet = new Set(chosen);
  const pick = (inTest: boolean) => {
    const groups = byClass(t.y, t.classNames.length).map((g) => g.filter((r) => testSet.has(t.kept.speaker[r]) === inTest));
    return interleave(groups);
  };
  if (a.log !== 0 && t.x.some((v) => v <= 0)) fail(spec, "vowels(): log: 1 needs positive formants; data/vowels.csv has a value ≤ 0", "PNN6002");
  return finish("vowels", t, pick(false), pick(true), a.log !== 0);
}

/** iris(test: 50): a stratified split, test rows spread evenly through each species. */
export function loadIris(spec: DatasetSpec, a: ArgValues): Dataset {
  const t = shipped(spec, "iris.csv");
  const { train, test } = stratifiedSplit(t.y, t.classNames.length, a.test as number);
  return finish("iris", t, train, test, false);
}

/**
 * csv("path", label: "class", test: 0.25, seed: 1, ignore: "", log: 0). The path resolves
 * against spec.baseDir and must stay inside it (symbolic links included).
 */
export function loadCsv(spec: DatasetSpec, a: ArgValues): Dataset {
  const rel = a.path as string;
  if (rel.trim() === "") fail(spec, "csv(): the path is empty");
  // resolveArgs confined it already; resolve it here the same way (one helper, links included).
  const at = confine(spec.baseDir, rel);
  if (!at.ok) fail(spec, `csv(): ${at.problem}; data files must be inside it`);
  const full = at.path;
  const ignore = (a.ignore as string).split(",").map((s) => s.trim()).filter((s) => s !== "");
  const t = labelledTable(spec, parseCsv(spec, readText(spec, full, rel), rel), rel, a.label as string, ignore);
  const frac = a.test as number;
  const nTest = Math.round(frac * t.n);
  if (nTest < 1 || nTest >= t.n) fail(spec, `csv(): test: ${frac} of ${t.n} rows leaves ${nTest === 0 ? "no test rows" : "no train rows"}`);
  const log = a.log !== 0;
  if (log) {
    const i = t.x.findIndex((v) => v <= 0);
    if (i >= 0) fail(spec, `csv(): log: 1 needs positive features; column '${t.features[i % t.features.length]}' has ${t.x[i]}`, "PNN6002");
  }
  const { train, test } = stratifiedSplit(t.y, t.classNames.length, nTest, new DataRng(a.seed as number));
  return finish("csv", t, train, test, log);
}
