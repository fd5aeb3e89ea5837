// Every example builds as an edge artifact (`pnn build`'s compiler side, compiler/build/
// artifact.ts) and its generated loader, imported in Node, gives the twin inference program's
// (Program.inferGraph, the run's own) outputs on the float64 interpreter within the f32 tolerance — through the batched entry and
// the one-row entry (5 rows with 3-row batches: one batched call, two single rows). FFTs of any
// length, loops (pendula, relaxations, mesh columns) and softmax included.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { buildArtifact } from "../../compiler/build/artifact.js";
import { loaderText, type ModelInfo } from "../../compiler/build/loader.js";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import { initParams } from "../../runtime/init.js";
import { Stream } from "../../runtime/rng.js";
import { loadProgram } from "../helpers/program.js";
import { REPO, tmpDir } from "../train/helpers.js";
import { expectClose } from "../wasm/helpers.js";

const EXAMPLES = fs.readdirSync(path.join(REPO, "examples")).filter((f) => f.endsWith(".pnn")).sort();
const ROWS = 5;

describe("every example builds as an edge artifact that predicts what the interpreter does", () => {
  it("finds the examples", () => expect(EXAMPLES.length).toBeGreaterThanOrEqual(13));
  for (const file of EXAMPLES)
    it(file, async () => {
      const p = loadProgram(path.join(REPO, "examples", file));
      const spec = p.spec(1);
      const params = initParams(spec.params, 3);
      const art = await buildArtifact((rows) => p.inferGraph(false, rows), params, { batch: 3 });
      const dir = tmpDir("pnn-art-");
      fs.writeFileSync(path.join(dir, "model.wasm"), art.bytes);
      const wasmSha256 = createHash("sha256").update(art.bytes).digest("hex");
      const info = { network: spec.network, outputs: [], wasmSha256 } as unknown as ModelInfo;
      fs.writeFileSync(path.join(dir, "model.mjs"), loaderText(info, art.layout));
      const m = await (await import(pathToFileURL(path.join(dir, "model.mjs")).href)).load();
      const rng = new Stream(5, 1);
      const x = Float64Array.from({ length: ROWS * spec.features }, () => rng.uniform());
      const ref = compileInterp(p.inferGraph(false, ROWS));
      const feeds = Object.fromEntries(ref.inputs.map((s) => [s.name, {
        dtype: s.dtype, shape: s.shape,
        data: s.name === "x" ? x : s.dtype === "i32" ? new Int32Array(s.shape.reduce((a, b) => a * b, 1)) : params.get(s.name)!,
      }]));
      const want = ref.run(feeds).logits!;
      const got = (m.run(x) as Record<string, Float32Array>).logits!;
      expectClose({ dtype: "f32", shape: want.shape, data: got }, want, `${file} logits`);
    });
});
