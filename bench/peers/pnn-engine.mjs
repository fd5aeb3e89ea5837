// bench/peers/pnn-engine.mjs — pnn itself as bench engines, on examples/mnist_mlp.pnn (the same
// 784-128-10 MLP) with the bench's weights, from the built dist/ (run `npx tsc -p tsconfig.json`):
//  - "pnn wasm backend": compiler/backends/wasm, one module per batch size (inference program)
//    and the batch-256 train program (forward + backward); parameters stay resident in linear
//    memory, each call writes the inputs, runs the entry and reads the outputs; the SGD update
//    is applied in place to the f32 parameter slots in JS.
//  - "pnn build artifact": the edge artifact of `pnn build` (compiler/build/artifact.ts: the
//    wasm backend's program on the weight-folded graph, a batch-64 entry for full batches and a
//    one-row entry for the rest, as model.mjs runs it).
// Returns {engines: [...], note}; a missing backend is reported, not fatal.
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.dirname(path.dirname(path.dirname(new URL(import.meta.url).pathname)));
const dist = path.join(root, "dist");

/** The bench weights as pnn parameters: dense weights are stored [out, in]. */
function paramsOf(w) {
  const [nin, nh, nout] = w.sizes;
  const t = (m, r, c) => Float64Array.from({ length: r * c }, (_, k) => m[(k % r) * c + Math.floor(k / r)]); // [r,c] -> [c,r]
  return new Map([
    ["h.dense.weight", t(w.w1, nin, nh)],
    ["h.dense.bias", Float64Array.from(w.b1)],
    ["y.dense.weight", t(w.w2, nh, nout)],
    ["y.dense.bias", Float64Array.from(w.b2)],
  ]);
}

async function backendEngine(w, p, lower) {
  const { compileToWasm } = await import(path.join(dist, "compiler/backends/wasm/index.js"));
  const { WASM_IMPORTS } = await import(path.join(dist, "runtime/wasm/executable.js"));
  const params = paramsOf(w);
  const instances = new Map();
  async function instance(key, graph) {
    if (instances.has(key)) return instances.get(key);
    const art = await compileToWasm(graph);
    const inst = new WebAssembly.Instance(new WebAssembly.Module(art.bytes), WASM_IMPORTS);
    const buf = inst.exports.memory.buffer;
    const slot = (s) => (s.storage === "i32" ? new Int32Array(buf, s.offset, s.length) : new Float32Array(buf, s.offset, s.length));
    const ins = Object.fromEntries(art.layout.inputs.map((s) => [s.name, slot(s)]));
    const outs = Object.fromEntries(art.layout.outputs.map((s) => [s.name, slot(s)]));
    for (const [name, v] of params) ins[name].set(v);
    const it = { ins, outs, run: inst.exports[art.layout.entry], bytes: art.bytes.length };
    instances.set(key, it);
    return it;
  }
  for (const b of [1, 4, 64, 256]) await instance(`f${b}`, lower.lowerInfer(p.net, "twin", b));
  const train = await instance("t256", lower.lowerTrainStep(p.net, p.train.loss, "twin", 256));
  const lr = 1e-3;
  const names = [...params.keys()];
  return {
    name: "pnn wasm backend (compiler/backends/wasm)",
    async forward(x, batch) {
      const it = instances.get(`f${batch}`);
      it.ins.x.set(x);
      it.run();
      return Float32Array.from(it.outs.logits);
    },
    trainStep(x, labels, batch) {
      if (batch !== 256) throw new Error("train program is built for batch 256");
      train.ins.x.set(x);
      train.ins.labels.set(labels);
      train.ins.weights.fill(1 / batch);
      train.run();
      for (const n of names) {
        const pv = train.ins[n], g = train.outs[`grad:${n}`];
        for (let i = 0; i < pv.length; i++) pv[i] -= lr * g[i];
      }
      return train.outs.loss[0];
    },
    reset() {
      for (const [n, v] of params) train.ins[n].set(v);
    },
  };
}

/** `pnn build`: the wasm backend's program on the weight-folded graph, a one-row and a batch-64 entry (compiler/build/artifact.ts). */
async function buildArtifactEngine(w, p, lower) {
  const { buildArtifact } = await import(path.join(dist, "compiler/build/artifact.js"));
  const { WASM_IMPORTS } = await import(path.join(dist, "runtime/wasm/executable.js"));
  const art = await buildArtifact((rows) => lower.lowerInfer(p.net, "twin", rows), paramsOf(w), { batch: 64 });
  const inst = new WebAssembly.Instance(new WebAssembly.Module(art.bytes), WASM_IMPORTS);
  const buf = inst.exports.memory.buffer;
  const L = art.layout;
  const view = (s) => new Float32Array(buf, s.offset, s.length);
  const x1 = view(L.input), y1 = view(L.outputs[0]), xb = view(L.batch.input), yb = view(L.batch.outputs[0]);
  const run1 = inst.exports[L.entry], runB = inst.exports[L.batch.entry];
  const F = w.sizes[0], C = w.sizes[2], B = L.batch.rows;
  return {
    name: `pnn build artifact (batch-${B} and one-row entries, weights folded)`,
    async forward(x, batch) {
      // what model.mjs does: full batches through run_batch, the rest one row at a time
      const y = new Float32Array(batch * C);
      let s = 0;
      for (; s + B <= batch; s += B) {
        xb.set(x.subarray(s * F, (s + B) * F));
        runB();
        y.set(yb, s * C);
      }
      for (; s < batch; s++) {
        x1.set(x.subarray(s * F, (s + 1) * F));
        run1();
        y.set(y1, s * C);
      }
      return y;
    },
  };
}

export async function pnnWasm(w) {
  if (!fs.existsSync(path.join(dist, "compiler/driver/session.js"))) return { engines: [], note: "dist/ is not built (npx tsc -p tsconfig.json)" };
  const { loadProgram } = await import("../program.mjs");
  const lower = await import(path.join(dist, "compiler/lower/lower.js"));
  const p = await loadProgram(path.join(root, "examples/mnist_mlp.pnn"));
  const engines = [];
  const notes = [];
  if (fs.existsSync(path.join(dist, "compiler/backends/wasm/index.js"))) engines.push(await backendEngine(w, p, lower));
  else notes.push("compiler/backends/wasm is not in this tree");
  if (fs.existsSync(path.join(dist, "compiler/build/artifact.js"))) engines.push(await buildArtifactEngine(w, p, lower));
  return { engines, note: notes.join("; ") };
}
