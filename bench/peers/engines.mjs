// bench/peers/engines.mjs — the peer engines of the wasm benchmark, each behind the same small
// interface: `forward(x: Float32Array, batch) → Float32Array` (logits, [batch, 10]) and, where
// the engine trains, `trainStep(x, labels, batch) → loss`. All load their wasm from
// node_modules (offline) and run single-threaded.
import { createRequire } from "node:module";
import * as path from "node:path";

const require = createRequire(import.meta.url);

/** @tensorflow/tfjs-backend-wasm 4.22 (XNNPACK), 1 thread, SIMD. */
export async function tfjsWasm(w) {
  const tf = require("@tensorflow/tfjs-core");
  const wasm = require("@tensorflow/tfjs-backend-wasm");
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  wasm.setWasmPaths(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm")) + "/");
  await tf.setBackend("wasm");
  await tf.ready();
  const [nin, nh, nout] = w.sizes;
  const W1 = tf.variable(tf.tensor2d(w.w1, [nin, nh]));
  const B1 = tf.variable(tf.tensor1d(w.b1));
  const W2 = tf.variable(tf.tensor2d(w.w2, [nh, nout]));
  const B2 = tf.variable(tf.tensor1d(w.b2));
  const net = (x) => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, W1), B1)), W2), B2);
  const lr = 1e-3;
  return {
    name: "tfjs-backend-wasm 4.22 (XNNPACK, 1 thread)",
    simd: tf.env().getBool("WASM_HAS_SIMD_SUPPORT"),
    forward(x, batch) {
      const y = tf.tidy(() => net(tf.tensor2d(x, [batch, nin])));
      const out = y.dataSync();
      y.dispose();
      return out;
    },
    // One SGD step, forward + backward + update, written out in tfjs ops: tfjs-core's CommonJS
    // bundle registers no gradients (its register_all_gradients is extensionless ESM that Node
    // cannot load), so the backward pass is the explicit chain rule of softmax cross-entropy.
    trainStep(x, labels, batch) {
      const loss = tf.tidy(() => {
        const X = tf.tensor2d(x, [batch, nin]);
        const H = tf.add(tf.matMul(X, W1), B1);
        const R = tf.relu(H);
        const Z = tf.add(tf.matMul(R, W2), B2);
        const Y = tf.oneHot(tf.tensor1d(labels, "int32"), nout);
        const logp = tf.logSoftmax(Z);
        const G = tf.div(tf.sub(tf.exp(logp), Y), batch);
        const dR = tf.matMul(G, W2, false, true);
        const dH = tf.mul(dR, tf.step(H));
        W2.assign(tf.sub(W2, tf.mul(tf.matMul(R, G, true, false), lr)));
        B2.assign(tf.sub(B2, tf.mul(tf.sum(G, 0), lr)));
        W1.assign(tf.sub(W1, tf.mul(tf.matMul(X, dH, true, false), lr)));
        B1.assign(tf.sub(B1, tf.mul(tf.sum(dH, 0), lr)));
        return tf.neg(tf.mean(tf.sum(tf.mul(Y, logp), 1)));
      });
      const v = loss.dataSync()[0];
      loss.dispose();
      return v;
    },
    reset() {
      W1.assign(tf.tensor2d(w.w1, [nin, nh]));
      B1.assign(tf.tensor1d(w.b1));
      W2.assign(tf.tensor2d(w.w2, [nh, nout]));
      B2.assign(tf.tensor1d(w.b2));
    },
  };
}

/** onnxruntime-web 1.30, wasm execution provider, numThreads 1; the model is built in memory. */
export async function onnxruntimeWeb(w, onnxBytes) {
  const dist = path.dirname(require.resolve("onnxruntime-web")) + "/"; // …/onnxruntime-web/dist/
  const ort = await import(dist + "ort.wasm.min.mjs");
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = dist;
  const session = await ort.InferenceSession.create(onnxBytes, { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
  return {
    name: "onnxruntime-web 1.30 (wasm, 1 thread)",
    async forward(x, batch) {
      const r = await session.run({ x: new ort.Tensor("float32", x, [batch, w.sizes[0]]) });
      return r.y.data;
    },
  };
}

/**
 * Native onnxruntime-node 1.30 (CPU execution provider, one intra-op thread): the ceiling the
 * wasm engines are compared with. An optional dependency; null when it is not installed.
 */
export async function onnxruntimeNode(w, onnxBytes) {
  let ort;
  try {
    ort = require("onnxruntime-node");
  } catch {
    return null;
  }
  const session = await ort.InferenceSession.create(onnxBytes, { executionProviders: ["cpu"], intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: "all" });
  return {
    name: "onnxruntime-node 1.30 (native, 1 thread)",
    native: true,
    async forward(x, batch) {
      const r = await session.run({ x: new ort.Tensor("float32", x, [batch, w.sizes[0]]) });
      return r.y.data;
    },
  };
}
