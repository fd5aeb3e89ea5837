import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../../diagnostics/catalog.js";
import { loadDataset, type Dataset, type DatasetSpec } from "../../runtime/data/index.js";
import { datasetArgs, DATASETS, findDataset } from "../../stdlib/datasets.js";
import { checkText } from "../frontend/helpers.js";
import { apportion, evenlySpaced, interleave } from "../../runtime/data/split.js";

const ROOT = path.resolve(__dirname, "../..");
const span = { file: "train.pnn", start: 10, end: 20, line: 3, col: 4, endLine: 3, endCol: 14 };

/** A data set call as the checker resolves it: positional then named arguments over the declared defaults. */
function spec(name: string, named: Record<string, number | string> = {}, positional: (number | string)[] = [], baseDir = ROOT): DatasetSpec {
  const list = findDataset(name)!.args.list;
  const given: Record<string, number | string> = { ...named };
  positional.forEach((v, i) => (given[list[i]!.name] = v));
  return { name, args: datasetArgs(name, given), span, baseDir };
}

/** The UserError a call throws (fails the test if it throws anything else or nothing). */
function userError(f: () => unknown): UserError {
  try {
    f();
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error("expected a UserError");
}

function counts(y: Int32Array, k: number): number[] {
  const c = new Array<number>(k).fill(0);
  for (const v of y) c[v]++;
  return c;
}

/** A cheap content hash of row i (collisions would only make the disjointness check stricter). */
function rowHash(x: Float64Array, f: number, i: number): number {
  let h = 0;
  for (let j = 0; j < f; j++) h = (Math.imul(h, 31) + Math.round(x[i * f + j] * 1000) * (j + 1)) | 0;
  return h;
}

function sameArray(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Accuracy of the nearest class centroid (train) on test: a cheap check that a split is learnable. */
function nearestCentroid(d: Dataset): number {
  const f = d.featureShape[0];
  const c = Array.from({ length: d.classes }, () => new Float64Array(f));
  const n = counts(d.train.y, d.classes);
  for (let i = 0; i < d.train.n; i++) for (let j = 0; j < f; j++) c[d.train.y[i]][j] += d.train.x[i * f + j] / n[d.train.y[i]];
  let ok = 0;
  for (let i = 0; i < d.test.n; i++) {
    let best = -1;
    let bestD = Infinity;
    for (let k = 0; k < d.classes; k++) {
      let s = 0;
      for (let j = 0; j < f; j++) s += (d.test.x[i * f + j] - c[k][j]) ** 2;
      if (s < bestD) [best, bestD] = [k, s];
    }
    if (best === d.test.y[i]) ok++;
  }
  return ok / d.test.n;
}

/** k-nearest-neighbour test accuracy (k = 5). */
function knn(d: Dataset, k = 5): number {
  const f = d.featureShape[0];
  let ok = 0;
  for (let i = 0; i < d.test.n; i++) {
    const dist: [number, number][] = [];
    for (let r = 0; r < d.train.n; r++) {
      let s = 0;
      for (let j = 0; j < f; j++) s += (d.test.x[i * f + j] - d.train.x[r * f + j]) ** 2;
      dist.push([s, d.train.y[r]]);
    }
    dist.sort((a, b) => a[0] - b[0]);
    const votes = new Array<number>(d.classes).fill(0);
    for (const [, y] of dist.slice(0, k)) votes[y]++;
    if (votes.indexOf(Math.max(...votes)) === d.test.y[i]) ok++;
  }
  return ok / d.test.n;
}

function expectZScored(d: Dataset): void {
  const f = d.featureShape[0];
  for (let j = 0; j < f; j++) {
    let m = 0;
    let v = 0;
    for (let i = 0; i < d.train.n; i++) m += d.train.x[i * f + j] / d.train.n;
    for (let i = 0; i < d.train.n; i++) v += (d.train.x[i * f + j] - m) ** 2 / d.train.n;
    expect(Math.abs(m)).toBeLessThan(1e-9);
    expect(Math.sqrt(v)).toBeCloseTo(1, 9);
  }
}

function expectWellFormed(d: Dataset): void {
  const f = d.featureShape.reduce((a, b) => a * b, 1);
  for (const s of [d.train, d.test]) {
    expect(s.x.length).toBe(s.n * f);
    expect(s.y.length).toBe(s.n);
    expect(s.x.every(Number.isFinite)).toBe(true);
    expect(s.y.every((v) => v >= 0 && v < d.classes)).toBe(true);
  }
  expect(d.classNames.length).toBe(d.classes);
}

describe("split helpers", () => {
  it("apportion is exact, proportional and respects caps", () => {
    expect(apportion([50, 50, 50], 50)).toEqual([17, 17, 16]);
    expect(apportion([1, 1], 3, [1, 5])).toEqual([1, 2]);
    const mn = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
    const a = apportion(mn, 8000);
    expect(a.reduce((x, y) => x + y)).toBe(8000);
    a.forEach((v, i) => expect(Math.abs(v - (8000 * mn[i]) / 10000)).toBeLessThan(1));
  });
  it("evenlySpaced and interleave", () => {
    expect(evenlySpaced(10, 2)).toEqual([2, 7]);
    expect(interleave([[1, 2], [3, 4], [5]])).toEqual([1, 3, 5, 2, 4]);
  });
});

describe("catalog and arguments", () => {
  it("lists every data set with documented arguments", () => {
    expect(DATASETS.map((d) => d.name)).toEqual(["mnist", "fashion_mnist", "idx", "vowels", "iris", "moons", "spirals", "xor", "csv"]);
    for (const d of DATASETS) {
      expect(d.description.length).toBeGreaterThan(10);
      for (const a of d.args.list) expect(a.doc.length).toBeGreaterThan(5);
    }
  });
  it("the declaration answers features and classes without loading", () => {
    const info = (name: string, named: Record<string, number | string> = {}) => findDataset(name)!.info(datasetArgs(name, named));
    expect(info("mnist")).toEqual({ features: 784, classes: 10 });
    expect(info("mnist", { size: 7 })).toEqual({ features: 49, classes: 10 });
    expect(info("vowels")).toEqual({ features: 12, classes: 7 });
    expect(info("iris")).toEqual({ features: 4, classes: 3 });
    expect(info("spirals", { classes: 4 })).toEqual({ features: 2, classes: 4 });
    expect(info("csv", { path: "x.csv" })).toBeUndefined();
    expect(findDataset("imagenet")).toBeUndefined();
  });
  it("the checker rejects bad arguments with PNN6006 at the data set call", () => {
    const cases: [string, RegExp][] = [
      ["mnist(trian: 10)", /no argument 'trian'/],
      ["mnist(size: 13)", /must be one of 28, 14, 7/],
      ["mnist(train: 1.5)", /must be an integer/],
      ['mnist(train: "many")', /must be an integer/],
      ["mnist(train: 20000)", /at most 10000/],
      ["mnist(20, train: 10)", /given twice/],
      ["iris(3, 4)", /at most 1 argument/],
      ["moons(noise: -1)", /at least 0/],
      ["csv()", /needs the argument 'path'/],
      ["csv(3)", /must be a file name in quotes/],
    ];
    for (const [call, re] of cases) {
      const src = `network N {\n  input x: real[2]\n  output y = dense(x, 2)\n}\ntrain N on ${call} {\n  rule = backprop\n}\n`;
      const d = checkText(src).filter((x) => x.code === "PNN6006");
      expect(d.length, call).toBeGreaterThan(0);
      expect(d[0]!.message, call).toMatch(re);
      expect(d[0]!.span.line, call).toBe(5);
    }
    expect(checkText(`network N {\n  input x: real[2]\n  output y = dense(x, 2)\n}\ntrain N on imagenet() {\n  rule = backprop\n}\n`).map((x) => x.code)).toContain("PNN2016");
  });
  it("what only loading can find is still a PNN6006 at the spec's span (mnist train + test over the package's 10,000)", () => {
    const e = userError(() => loadDataset(spec("mnist", { train: 9000, test: 2000 })));
    expect(e.diagnostic.code).toBe("PNN6006");
    expect(e.diagnostic.message).toMatch(/at most 10000/);
    expect(e.diagnostic.span).toEqual(span);
  });
});

describe("mnist", () => {
  it("loads a deterministic, disjoint, stratified split (timed)", () => {
    const t0 = performance.now();
    const d = loadDataset(spec("mnist"));
    const first = performance.now() - t0;
    const t1 = performance.now();
    const again = loadDataset(spec("mnist"));
    const cached = performance.now() - t1;
    console.log(`mnist(8000, 2000): first load ${first.toFixed(0)} ms, cached ${cached.toFixed(0)} ms`);
    expectWellFormed(d);
    expect(d.featureShape).toEqual([784]);
    expect([d.train.n, d.test.n]).toEqual([8000, 2000]);
    expect(sameArray(again.train.x, d.train.x)).toBe(true);
    expect(sameArray(again.test.x, d.test.x)).toBe(true);
    expect(sameArray(again.test.y, d.test.y)).toBe(true);
    const per = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
    counts(d.train.y, 10).forEach((c, k) => expect(Math.abs(c - 0.8 * per[k])).toBeLessThan(1));
    counts(d.test.y, 10).forEach((c, k) => expect(Math.abs(c - 0.2 * per[k])).toBeLessThan(1));
    // Mini-batches are class-balanced: every digit appears in the first 64 training samples.
    expect(new Set(d.train.y.subarray(0, 64)).size).toBe(10);
    expect(d.train.x.every((v) => v >= 0 && v <= 1)).toBe(true);
    const trainRows = new Set(Array.from({ length: d.train.n }, (_, i) => rowHash(d.train.x, 784, i)));
    let shared = 0;
    for (let i = 0; i < d.test.n; i++) if (trainRows.has(rowHash(d.test.x, 784, i))) shared++;
    expect(shared).toBe(0);
  });
  it("pools to 14×14 and 7×7 by block averages", () => {
    const full = loadDataset(spec("mnist", { train: 20, test: 10 }));
    const t0 = performance.now();
    const s14 = loadDataset(spec("mnist", { train: 20, test: 10, size: 14 }));
    const s7 = loadDataset(spec("mnist", { train: 20, test: 10, size: 7 }));
    console.log(`mnist size 14 + size 7 (cached digits): ${(performance.now() - t0).toFixed(0)} ms`);
    expect(s14.featureShape).toEqual([196]);
    expect(s7.featureShape).toEqual([49]);
    expect(s14.train.y).toEqual(full.train.y);
    const px = (i: number, r: number, c: number) => full.train.x[i * 784 + r * 28 + c];
    for (const i of [0, 7, 19])
      for (const [r, c] of [[3, 4], [6, 6], [10, 2]]) {
        const avg2 = (px(i, 2 * r, 2 * c) + px(i, 2 * r + 1, 2 * c) + px(i, 2 * r, 2 * c + 1) + px(i, 2 * r + 1, 2 * c + 1)) / 4;
        expect(s14.train.x[i * 196 + r * 14 + c]).toBeCloseTo(avg2, 7);
      }
    let sum = 0;
    for (let r = 4; r < 8; r++) for (let c = 8; c < 12; c++) sum += px(3, r, c);
    expect(s7.train.x[3 * 49 + 1 * 7 + 2]).toBeCloseTo(sum / 16, 7);
  });
  it("allows train + test = 10000 exactly, with disjoint halves", () => {
    const d = loadDataset(spec("mnist", { train: 5000, test: 5000, size: 7 }));
    expect(d.train.n + d.test.n).toBe(10000);
    expect(counts(d.train.y, 10).map((c, k) => c + counts(d.test.y, 10)[k])).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
  });
});

describe("vowels", () => {
  const csv = fs.readFileSync(path.join(ROOT, "data/vowels.csv"), "utf8").trim().split("\n").slice(1).map((l) => l.split(","));

  /** Maps each (normalised) row back to its CSV row, to recover its speaker. */
  function speakersOf(d: Dataset, s: Dataset["train"]): string[] {
    const { mean, std, log } = d.normalization!;
    const byValues = new Map(csv.map((r) => [r.slice(2).join(","), r[0]]));
    return Array.from({ length: s.n }, (_, i) => {
      const raw = Array.from({ length: 12 }, (_, j) => {
        const z = s.x[i * 12 + j] * std[j] + mean[j];
        return Math.round(log ? Math.exp(z) : z);
      });
      const sp = byValues.get(raw.join(","));
      expect(sp).toBeDefined();
      return sp!;
    });
  }

  it("splits by speaker, about 70/30, z-scored on train", () => {
    const d = loadDataset(spec("vowels"));
    expectWellFormed(d);
    expect(d.classNames).toEqual(["ae", "ah", "aw", "er", "ih", "iy", "uw"]);
    expect(d.featureShape).toEqual([12]);
    expect(d.train.n + d.test.n).toBe(258);
    expect(d.test.n / 258).toBeGreaterThan(0.25);
    expect(d.test.n / 258).toBeLessThan(0.35);
    const trainSp = new Set(speakersOf(d, d.train));
    const testSp = new Set(speakersOf(d, d.test));
    expect(testSp.size).toBe(14);
    expect(trainSp.size).toBe(34);
    expect([...testSp].filter((s) => trainSp.has(s))).toEqual([]);
    expectZScored(d);
    expect(d.normalization!.log).toBe(true);
    const acc = knn(d);
    console.log(`vowels 5-NN test accuracy ${(100 * acc).toFixed(1)}%, nearest centroid ${(100 * nearestCentroid(d)).toFixed(1)}%`);
    expect(acc).toBeGreaterThan(0.7);
  });
  it("seed picks other speakers; log: 0 keeps Hz; results are deterministic", () => {
    const a = loadDataset(spec("vowels", { seed: 3 }));
    const b = loadDataset(spec("vowels", { seed: 3 }));
    expect(a.train.x).toEqual(b.train.x);
    expect(new Set(speakersOf(a, a.test))).not.toEqual(new Set(speakersOf(loadDataset(spec("vowels")), loadDataset(spec("vowels")).test)));
    const hz = loadDataset(spec("vowels", { log: 0, test_speakers: 10 }));
    expect(hz.normalization!.log).toBe(false);
    expect(new Set(speakersOf(hz, hz.test)).size).toBe(10);
    expect(userError(() => loadDataset(spec("vowels", { test_speakers: 48 }))).diagnostic.code).toBe("PNN6006");
  });
});

describe("iris", () => {
  it("ships Fisher's table", () => {
    const rows = fs.readFileSync(path.join(ROOT, "data/iris.csv"), "utf8").trim().split("\n");
    expect(rows[0]).toBe("sepal_length,sepal_width,petal_length,petal_width,species");
    const data = rows.slice(1).map((r) => r.split(","));
    expect(data.length).toBe(150);
    for (const s of ["setosa", "versicolor", "virginica"]) expect(data.filter((r) => r[4] === s).length).toBe(50);
    const means = [0, 1, 2, 3].map((j) => data.reduce((a, r) => a + Number(r[j]), 0) / 150);
    [5.843, 3.057, 3.758, 1.199].forEach((m, j) => expect(Math.abs(means[j] - m)).toBeLessThan(5e-4));
    // Published class means (Fisher 1936).
    const classMean = (s: string, j: number) => data.filter((r) => r[4] === s).reduce((a, r) => a + Number(r[j]), 0) / 50;
    [5.936, 2.77, 4.26, 1.326].forEach((v, j) => expect(classMean("versicolor", j)).toBeCloseTo(v, 3));
    [6.588, 2.974, 5.552, 2.026].forEach((v, j) => expect(classMean("virginica", j)).toBeCloseTo(v, 3));
    [5.006, 3.428, 1.462, 0.246].forEach((v, j) => expect(classMean("setosa", j)).toBeCloseTo(v, 3));
  });
  it("splits 100/50 stratified, z-scored", () => {
    const d = loadDataset(spec("iris"));
    expectWellFormed(d);
    expect(d.classNames).toEqual(["setosa", "versicolor", "virginica"]);
    expect([d.train.n, d.test.n]).toEqual([100, 50]);
    expect(counts(d.test.y, 3)).toEqual([17, 17, 16]);
    expectZScored(d);
    expect(nearestCentroid(d)).toBeGreaterThan(0.85);
    expect(loadDataset(spec("iris", { test: 30 })).test.n).toBe(30);
  });
});

describe("synthetic", () => {
  it.each([
    ["moons", {}, 2],
    ["spirals", {}, 2],
    ["spirals", { classes: 3 }, 3],
    ["xor", {}, 2],
  ] as const)("%s %j is deterministic, balanced, 75/25", (name, named, k) => {
    const a = loadDataset(spec(name, named));
    const b = loadDataset(spec(name, named));
    const c = loadDataset(spec(name, { ...named, seed: 2 }));
    expectWellFormed(a);
    expect(a.featureShape).toEqual([2]);
    expect(a.classes).toBe(k);
    expect([a.train.n, a.test.n]).toEqual([300, 100]);
    expect(a.train.x).toEqual(b.train.x);
    expect(a.train.x).not.toEqual(c.train.x);
    const tr = counts(a.train.y, k);
    expect(Math.max(...tr) - Math.min(...tr)).toBeLessThanOrEqual(1);
    // 3 arms of 1.5 turns are 0.22 apart and meet at the centre: a little harder.
    expect(knn(a)).toBeGreaterThan(k === 3 ? 0.8 : 0.9);
  });
  it("noise 0 gives exact shapes", () => {
    const m = loadDataset(spec("moons", { noise: 0, n: 100 }));
    for (let i = 0; i < m.train.n; i++) {
      const [x, y] = [m.train.x[2 * i], m.train.x[2 * i + 1]];
      const r = m.train.y[i] === 0 ? Math.hypot(x, y) : Math.hypot(x - 1, y - 0.5);
      expect(r).toBeCloseTo(1, 12);
    }
    const x = loadDataset(spec("xor", { noise: 0 }));
    for (let i = 0; i < x.train.n; i++) expect(x.train.x[2 * i] * x.train.x[2 * i + 1] > 0 ? 0 : 1).toBe(x.train.y[i]);
  });
});

describe("csv", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-csv-"));
  const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
  const rows = (n: number) => Array.from({ length: n }, (_, i) => `${i % 3 === 0 ? "cat" : i % 3 === 1 ? "dog" : "\"ant\""},${i},${(i * 7) % 5}.5,id${i}`);
  write("ok.csv", "\ufeffclass,a,b,name\r\n" + rows(40).join("\r\n") + "\r\n\r\n");
  write("ints.csv", "a,b,label\n" + Array.from({ length: 20 }, (_, i) => `${i},${-i}e-1,${[1, 2, 10][i % 3]}`).join("\n"));
  write("bad.csv", "a,F2,label\n1,2,x\n3,abc,y\n");
  write("empty_cell.csv", "a,F2,label\n1,2,x\n3,,y\n");
  write("ragged.csv", "a,b,label\n1,2,x\n\n3,y\n");
  write("header_only.csv", "a,b,label\n");
  write("dup.csv", "a,a,label\n1,2,x\n");
  write("quote.csv", "a,b,label\n1,2,\"x\n");
  fs.mkdirSync(path.join(dir, "sub"));
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-out-"));
  fs.writeFileSync(path.join(outside, "secret.csv"), "a,label\n1,x\n2,y\n");
  fs.symlinkSync(path.join(outside, "secret.csv"), path.join(dir, "link.csv"));
  const load = (p: string, named: Record<string, number | string> = {}) => loadDataset(spec("csv", { label: "label", ...named }, [p], dir));

  it("loads strings labels (sorted), integer labels (numeric order), ignores columns", () => {
    const d = load("ok.csv", { label: "class", ignore: "name" });
    expectWellFormed(d);
    expect(d.classNames).toEqual(["ant", "cat", "dog"]);
    expect(d.featureShape).toEqual([2]);
    expect([d.train.n, d.test.n]).toEqual([30, 10]);
    expectZScored(d);
    expect(load("ok.csv", { label: "class", ignore: "name" }).test.x).toEqual(d.test.x);
    expect(load("ok.csv", { label: "class", ignore: "name", seed: 9 }).test.x).not.toEqual(d.test.x);
    const i = load("ints.csv", { test: 0.5 });
    expect(i.classNames).toEqual(["1", "2", "10"]);
    expect([i.train.n, i.test.n]).toEqual([10, 10]);
    expect(counts(i.test.y, 3)).toEqual([4, 3, 3]);
  });
  it("reports file problems with the file and line", () => {
    const cases: [string, Record<string, number | string>, string, RegExp][] = [
      ["missing.csv", {}, "PNN6001", /data file not found: missing\.csv/],
      ["sub", {}, "PNN6001", /not a regular file \(a directory\)/],
      ["bad.csv", {}, "PNN6002", /bad\.csv line 3: column 'F2' is 'abc', not a number/],
      ["empty_cell.csv", {}, "PNN6002", /line 3: column 'F2' is empty/],
      ["ragged.csv", {}, "PNN6002", /line 4: 2 cells, but the header has 3 columns/],
      ["header_only.csv", {}, "PNN6002", /no data rows/],
      ["dup.csv", {}, "PNN6002", /names column 'a' twice/],
      ["quote.csv", {}, "PNN6002", /line 2: unterminated quoted cell/],
      ["ok.csv", {}, "PNN6006", /no column 'label'.*class, a, b, name/],
      ["ok.csv", { label: "class" }, "PNN6002", /column 'name' is 'id0', not a number/],
      ["ok.csv", { label: "class", ignore: "name", test: 0.001 }, "PNN6006", /no test rows/],
      ["../x.csv", {}, "PNN6006", /outside the project folder/],
      ["/etc/passwd", {}, "PNN6006", /outside the project folder/],
      ["link.csv", {}, "PNN6006", /links to .* outside the project folder/],
    ];
    for (const [p, named, code, re] of cases) {
      const e = userError(() => load(p, named));
      expect(e.diagnostic.code, p).toBe(code);
      expect(e.diagnostic.message, p).toMatch(re);
      expect(e.diagnostic.span).toEqual(span);
    }
  });
});
