// bench/peers/pnn-engine.mjs — pnn itself as bench engines, on examples/mnist_mlp.pnn (the same
// 784-128-10 MLP) with the bench's weights, from the built dist/ (run `npx tsc -p tsconfig.json`):
//  - "pnn wasm backend": compiler/backends/wasm, one module per batch size (inference program)
//    and the batch-256 train program (forward + backward); parameters stay resident in linear
//    memory, each call writes the inputs, runs the entry and reads the outputs; the SGD update
//    is applied in place to the f32 parameter slots in JS.
//  - "pnn build artifact": the edge artifact of `pnn build` (one sample per call, so batch b is
//    b calls), with the compact engine (compiler/build: a float64 table executor) and with the
//    simd engine (the wasm backend on the weight-folded graph).
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

async function artifactEngine(w, p, lower) {
  const { buildProgram } = await import(path.join(dist, "compiler/build/program.js"));
  const { emitModule } = await import(path.join(dist, "compiler/build/emit.js"));
  const prog = buildProgram(lower.lowerInfer(p.net, "twin", 1), paramsOf(w));
  const mod = await emitModule(prog);
  const inst = new WebAssembly.Instance(new WebAssembly.Module(mod.bytes), { m: Object.fromEntries(mod.imports.map((f) => [f, Math[f]])) });
  const mem = new Float64Array(inst.exports.memory.buffer);
  const F = w.sizes[0], C = w.sizes[2];
  const out = prog.outputs[0];
  return {
    name: "pnn build artifact, --engine compact (f64 table executor)",
    async forward(x, batch) {
      const y = new Float32Array(batch * C);
      for (let s = 0; s < batch; s++) {
        for (let i = 0; i < F; i++) mem[prog.input.slot + i] = x[s * F + i];
        inst.exports.run();
        y.set(mem.subarray(out.slot, out.slot + C), s * C);
      }
      return y;
    },
  };
}

/** `pnn build --engine simd`: the wasm backend on the weight-folded batch-1 graph, one sample per call. */
async function simdArtifactEngine(w, p, lower) {
  const { foldGraph } = await import(path.join(dist, "compiler/build/fold.js"));
  const { compileToWasm } = await import(path.join(dist, "compiler/backends/wasm/index.js"));
  const { WASM_IMPORTS } = await import(path.join(dist, "runtime/wasm/executable.js"));
  const art = await compileToWasm(foldGraph(lower.lowerInfer(p.net, "twin", 1), paramsOf(w)).graph);
  const inst = new WebAssembly.Instance(new WebAssembly.Module(art.bytes), WASM_IMPORTS);
  const buf = inst.exports.memory.buffer;
  const xs = art.layout.inputs[0], ys = art.layout.outputs[0];
  const xv = new Float32Array(buf, xs.offset, xs.length), yv = new Float32Array(buf, ys.offset, ys.length);
  const F = w.sizes[0], C = w.sizes[2];
  return {
    name: "pnn build artifact, --engine simd (weights folded, batch-1 module)",
    async forward(x, batch) {
      const y = new Float32Array(batch * C);
      for (let s = 0; s < batch; s++) {
        xv.set(x.subarray(s * F, (s + 1) * F));
        inst.exports[art.layout.entry]();
        y.set(yv, s * C);
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
  engines.push(await artifactEngine(w, p, lower));
  if (fs.existsSync(path.join(dist, "compiler/backends/wasm/index.js"))) engines.push(await simdArtifactEngine(w, p, lower));
  return { engines, note: notes.join("; ") };
}
