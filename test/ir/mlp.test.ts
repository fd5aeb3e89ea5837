// End to end through builder -> grad -> interpreter: a 784-128-10 MLP at batch 64 trains with
// plain SGD on a synthetic task (4 fixed batches labelled by a random linear teacher), and runs
// at a useful speed (the time per step is printed, not asserted).
import { describe, expect, it } from "vitest";
import { GraphBuilder } from "../../compiler/ir/graph.js";
import { grad } from "../../compiler/ir/autodiff.js";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import type { Tensor } from "../../runtime/backend.js";
import { Stream } from "../../runtime/rng.js";

describe("MLP 784-128-10 on the interpreter", () => {
  it("loss falls under SGD", () => {
    const [B, D, H, C] = [64, 784, 128, 10];
    const b = new GraphBuilder();
    const x = b.input("x", "f32", [B, D]);
    const y = b.input("y", "i32", [B]);
    const w1 = b.param("w1", "f32", [D, H]), b1 = b.param("b1", "f32", [H]);
    const w2 = b.param("w2", "f32", [H, C]), b2 = b.param("b2", "f32", [C]);
    const h = b.relu(b.add(b.matmul(x, w1), b1));
    const logits = b.add(b.matmul(h, w2), b2);
    b.output("loss", b.mean(b.softmaxCrossEntropy(logits, y)));
    const exe = compileInterp(grad(b.build(), "loss", ["w1", "b1", "w2", "b2"]));

    const rng = new Stream(3);
    const init = (n: number, s: number) => Float64Array.from({ length: n }, () => rng.normal() * s);
    const params: Record<string, Tensor> = {
      w1: { dtype: "f32", shape: [D, H], data: init(D * H, Math.sqrt(2 / D)) },
      b1: { dtype: "f32", shape: [H], data: new Float64Array(H) },
      w2: { dtype: "f32", shape: [H, C], data: init(H * C, Math.sqrt(1 / H)) },
      b2: { dtype: "f32", shape: [C], data: new Float64Array(C) },
    };
    const teacher = init(D * C, 1);
    const batch = (): Record<string, Tensor> => {
      const xs = Float64Array.from({ length: B * D }, () => (rng.uniform() < 0.2 ? rng.uniform() : 0));
      const ys = new Int32Array(B);
      for (let i = 0; i < B; i++) {
        let best = -Infinity;
        for (let c = 0; c < C; c++) {
          let s = 0;
          for (let d = 0; d < D; d++) s += xs[i * D + d]! * teacher[d * C + c]!;
          if (s > best) { best = s; ys[i] = c; }
        }
      }
      return { x: { dtype: "f32", shape: [B, D], data: xs }, y: { dtype: "i32", shape: [B], data: ys } };
    };
    const pool = [batch(), batch(), batch(), batch()]; // a small fixed training set
    const losses: number[] = [];
    const steps = 60;
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) {
      const out = exe.run({ ...pool[s % pool.length]!, ...params });
      losses.push(out.loss!.data[0]!);
      for (const k of Object.keys(params)) {
        const p = params[k]!.data as Float64Array, g = out[`grad:${k}`]!.data;
        for (let i = 0; i < p.length; i++) p[i] -= 0.1 * g[i]!;
      }
    }
    const ms = (performance.now() - t0) / steps;
    console.log(`mlp 784-128-10 batch 64: ${ms.toFixed(1)} ms/step, loss ${losses[0]!.toFixed(3)} -> ${losses.at(-1)!.toFixed(3)}`);
    const head = losses.slice(0, 5).reduce((a, v) => a + v) / 5;
    const tail = losses.slice(-5).reduce((a, v) => a + v) / 5;
    expect(tail).toBeLessThan(0.75 * head);
  });
});
