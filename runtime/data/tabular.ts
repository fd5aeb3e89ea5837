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
import { failAtCell, labelledTable, parseCsv, readText, type LabelledTable } from "./csv.js";
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
  // a host holding the text in memory (the browser playground) has no data/ folder to name
  const inMemory = spec.readShipped?.(file);
  const p = inMemory === undefined ? path.join(shippedDataDir(), file) : `data/${file}`;
  const text = inMemory ?? readText(spec, p, `data/${file} (shipped with pnn; is the installation complete?)`);
  const t = parseCsv(spec, text, `data/${file}`, p);
  return { ...labelledTable(spec, t, `data/${file}`, file === "vowels.csv" ? "vowel" : "species", file === "vowels.csv" ? ["speaker"] : []), file };
}

/** A path as diagnostics show it: relative to the working folder when inside it (so the CLI can show the line), else absolute. */
function shownPath(full: string): string {
  const r = path.relative(process.cwd(), full);
  return r && !r.startsWith("..") && !path.isAbsolute(r) ? r : full;
}

const ordinal = (k: number) => `${k}${k % 10 === 1 && k % 100 !== 11 ? "st" : k % 10 === 2 && k % 100 !== 12 ? "nd" : k % 10 === 3 && k % 100 !== 13 ? "rd" : "th"}`;
const someNames = (names: readonly string[]) => (names.length > 8 ? `${names.slice(0, 8).join(", ")}, …` : names.join(", "));

/**
 * The table must fit the network it trains (spec.fits): as many feature columns as input
 * features, as many classes as outputs. PNN6002 with a note at the header (features, too few
 * classes) or at the first label of a class the network has no output for.
 */
function checkFits(spec: DatasetSpec, t: LabelledTable, file: string): void {
  const fits = spec.fits;
  if (!fits) return;
  const f = t.features.length;
  if (f !== fits.features)
    failAtCell(spec, t.table, t.table.headerPlace, t.featCols[0]!, `${file} has ${f} feature column${f === 1 ? "" : "s"} (${someNames(t.features)}), but network ${fits.network} takes ${fits.features} input features`, `the header: every column but the label '${t.table.header[t.labelCol]}'${t.featCols.length + 1 < t.table.header.length ? " and the ignored ones" : ""} is a feature`);
  const c = t.classNames.length;
  if (c > fits.classes) {
    const r = t.y.findIndex((k) => k >= fits.classes);
    failAtCell(spec, t.table, t.table.places[r]!, t.labelCol, `${file} has ${c} classes (${someNames(t.classNames)}), but network ${fits.network} has ${fits.classes} outputs, one per class; line ${t.table.lines[r]}'s label '${t.table.rows[r]![t.labelCol]}' is the ${ordinal(t.y[r]! + 1)} class`, `the ${ordinal(t.y[r]! + 1)} class`);
  }
  if (c < fits.classes)
    failAtCell(spec, t.table, t.table.headerPlace, t.labelCol, `${file} has ${c} classes (${someNames(t.classNames)}), but network ${fits.network} has ${fits.classes} outputs, one per class`, "the label column");
}

/**
 * z-scores the splits with the train split's statistics. Values so large that a column's mean
 * or standard deviation (or a normalised value) is not a finite float64 are refused with PNN6002
 * at the column: they would silently zero the feature.
 */
function finish(spec: DatasetSpec, name: string, t: LabelledTable, train: number[], test: number[], log: boolean, file: string): Dataset {
  const f = t.features.length;
  const x = log ? t.x.map(Math.log) : t.x;
  const tr = gather(x, t.y, f, train);
  const te = gather(x, t.y, f, test);
  const { mean, std } = zscore(tr, te, f);
  for (let j = 0; j < f; j++) {
    let ok = Number.isFinite(mean[j]) && Number.isFinite(std[j]);
    for (const s of [tr, te]) for (let i = 0; ok && i < s.n; i++) ok = Number.isFinite(s.x[i * f + j]);
    if (!ok) {
      let big = 0;
      for (let i = 0; i < t.n; i++) big = Math.max(big, Math.abs(t.x[i * f + j]!));
      failAtCell(spec, t.table, t.table.headerPlace, t.featCols[j]!, `${file}: column '${t.features[j]}' holds values too large to normalise (up to ${big.toExponential(3)}; its mean or standard deviation overflows float64); rescale the column`, `column '${t.features[j]}'`);
    }
  }
  return { name, featureShape: [f], classes: t.classNames.length, classNames: t.classNames, featureNames: t.features, train: tr, test: te, normalization: { log, mean, std } };
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
  checkFits(spec, t, "data/vowels.csv");
  return finish(spec, "vowels", t, pick(false), pick(true), a.log !== 0, "data/vowels.csv");
}

/** iris(test: 50): a stratified split, test rows spread evenly through each species. */
export function loadIris(spec: DatasetSpec, a: ArgValues): Dataset {
  const t = shipped(spec, "iris.csv");
  checkFits(spec, t, "data/iris.csv");
  const { train, test } = stratifiedSplit(t.y, t.classNames.length, a.test as number);
  return finish(spec, "iris", t, train, test, false, "data/iris.csv");
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
  const t = labelledTable(spec, parseCsv(spec, readText(spec, full, rel), rel, shownPath(full)), rel, a.label as string, ignore);
  checkFits(spec, t, rel);
  const frac = a.test as number;
  const nTest = Math.round(frac * t.n);
  if (nTest < 1 || nTest >= t.n) fail(spec, `csv(): test: ${frac} of ${t.n} rows leaves ${nTest === 0 ? "no test rows" : "no train rows"}`);
  const log = a.log !== 0;
  if (log) {
    const i = t.x.findIndex((v) => v <= 0);
    if (i >= 0) fail(spec, `csv(): log: 1 needs positive features; column '${t.features[i % t.features.length]}' has ${t.x[i]}`, "PNN6002");
  }
  const { train, test } = stratifiedSplit(t.y, t.classNames.length, nTest, new DataRng(a.seed as number));
  return finish(spec, "csv", t, train, test, log, rel);
}
