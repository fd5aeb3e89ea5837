// Every product of one program agrees (issue 11): for every example and every rule that has its
// own inference program (local learning's label embedding, the energy rules' relaxations with
// their settings) and can train it, the built artifact (model.mjs + model.wasm), `pnn infer` and
// `pnn eval` run the same inference: top-1 identical on the whole test split, scores within 1e-4
// relative, and eval's twin accuracy equal to the accuracy of those predictions. The reference
// backend (float64, like the compact artifact) gives the exact comparison; the wasm backend
// (float32) is held to the same 1e-4 on a sample of rows. Weights: a fresh initialisation (seed
// of the train block), written as a checkpoint the products read.
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { buildProduct } from "../../compiler/driver/build.js";
import { evaluateProduct, inferProduct } from "../../compiler/driver/run.js";
import { RULES } from "../../compiler/rules/index.js";
import { saveCheckpoint } from "../../runtime/checkpoint.js";
import { initParams } from "../../runtime/init.js";
import { loadProgram } from "../helpers/program.js";
import { REPO, tmpDir } from "../train/helpers.js";

const EXAMPLES = fs.readdirSync(path.join(REPO, "examples")).filter((f) => f.endsWith(".pnn")).sort();

/** (example, rule) pairs where the rule has its own inference program and may train the example's network. */
const CASES = EXAMPLES.flatMap((file) => {
  const p = loadProgram(path.join(REPO, "examples", file));
  return RULES.filter((r) => r.infer && r.plan(p.net, r.options.read({})).length === 0).map((r) => [file, r.name] as const);
});

interface Artifact {
  predict(x: ArrayLike<number>): Float32Array;
  classify(x: ArrayLike<number>): number[];
}

const relDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let d = 0, s = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return s === 0 ? d : d / s;
};

describe("artifact, pnn infer and pnn eval agree", () => {
  it("covers every example and every rule with its own inference program", () => {
    const rules = new Set(CASES.map(([, r]) => r));
    expect([...rules].sort()).toEqual(["coupled_learning", "equilibrium_propagation", "local"]);
    expect(CASES.length).toBeGreaterThanOrEqual(12);
  });

  for (const [file, rule] of CASES)
    it(`${file} trained by ${rule}`, async () => {
      const p = loadProgram(path.join(REPO, "examples", file), rule);
      const dir = tmpDir("pnn-agree-");
      const spec = p.spec(1);
      const params = initParams(spec.params, p.train.seed);
      const weights = path.join(dir, "init.safetensors");
      saveCheckpoint(weights, new Map(spec.params.map((q) => [q.path, { dtype: "F64" as const, shape: [...q.shape], data: params.get(q.path)! }])));
      const test = p.dataset().test;
      const F = spec.features, C = spec.classes;

      // the default engine: compact (float64), or simd (float32) where compact cannot run an op (FFTs)
      const { engine } = await buildProduct(p, { target: "wasm", engine: "auto", weights, out: path.join(dir, "model") });
      const model = (await (await import(pathToFileURL(path.join(dir, "model", "model.mjs")).href)).load()) as Artifact;
      const built = model.predict(test.x);
      const builtTop = model.classify(test.x);

      const inferred = await inferProduct(p, { weights, rows: test.x, count: test.n, backend: "ref", batch: 50 });
      expect(inferred.classes).toEqual(builtTop);
      let worst = 0;
      for (let r = 0; r < test.n; r++) worst = Math.max(worst, relDiff(built.subarray(r * C, (r + 1) * C), inferred.scores[r]!));
      expect(worst, `artifact (${engine}) vs pnn infer, scores`).toBeLessThan(1e-4);

      const evaluated = await evaluateProduct(p, { weights, chips: 1, backend: "ref" });
      const correct = inferred.classes.filter((c, r) => c === test.y[r]).length;
      expect(evaluated.test_accuracy).toBe(correct / test.n);

      // the wasm backend (float32) on the first rows
      const rows = Math.min(test.n, 24);
      const onWasm = await inferProduct(p, { weights, rows: test.x.subarray(0, rows * F), count: rows, backend: "wasm" });
      let worstWasm = 0;
      for (let r = 0; r < rows; r++) worstWasm = Math.max(worstWasm, relDiff(onWasm.scores[r]!, inferred.scores[r]!));
      expect(worstWasm, "wasm vs ref, scores").toBeLessThan(1e-4);
    }, 240_000);
});
