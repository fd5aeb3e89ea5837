/**
 * Interpreter kernels for the softmax family, the per-sample losses and random draws.
 * softmax/log_softmax subtract the running max for stability; softmax_cross_entropy computes
 * logsumexp(x_b) - x_b[label_b] per row (label outside [0, C) throws a RangeError); mse averages
 * |p - t|² over the non-batch axes. Random draws call runtime/rng.ts with the key tensor's words.
 */
import type { Node } from "../../ir/graph.js";
import { isComplex, numel, type TypeShape } from "../../ir/types.js";
import { fillNormal, fillUniform } from "../../../runtime/rng.js";
import type { Kernel } from "./util.js";

export function nnKernel(node: Node, ins: readonly TypeShape[]): Kernel {
  const x = ins[0]!;
  switch (node.op) {
    case "softmax": case "log_softmax": {
      const ax = node.attrs.axis as number;
      const outer = numel(x.shape.slice(0, ax)), D = x.shape[ax]!, inner = numel(x.shape.slice(ax + 1));
      const log = node.op === "log_softmax";
      return ([s], o) => {
        const S = s!;
        for (let p = 0; p < outer; p++)
          for (let q = 0; q < inner; q++) {
            const base = p * D * inner + q;
            let m = -Infinity;
            for (let d = 0; d < D; d++) m = Math.max(m, S[base + d * inner]!);
            let z = 0;
            for (let d = 0; d < D; d++) z += Math.exp(S[base + d * inner]! - m);
            if (log) {
              const lz = m + Math.log(z);
              for (let d = 0; d < D; d++) o[base + d * inner] = S[base + d * inner]! - lz;
            } else {
              const f = 1 / z;
              for (let d = 0; d < D; d++) o[base + d * inner] = Math.exp(S[base + d * inner]! - m) * f;
            }
          }
      };
    }
    case "softmax_cross_entropy": {
      const [B, C] = x.shape as [number, number];
      return ([s, l], o) => {
        const S = s!, L = l!;
        for (let b = 0; b < B; b++) {
          const row = b * C, lab = L[b]!;
          if (!(lab >= 0 && lab < C)) throw new RangeError(`softmax_cross_entropy: label ${lab} outside [0, ${C})`);
          let m = -Infinity;
          for (let c = 0; c < C; c++) m = Math.max(m, S[row + c]!);
          let z = 0;
          for (let c = 0; c < C; c++) z += Math.exp(S[row + c]! - m);
          o[b] = m + Math.log(z) - S[row + lab]!;
        }
      };
    }
    case "mse": {
      const B = x.shape[0]!;
      const M = numel(x.shape) / Math.max(1, B);
      const cp = isComplex(ins[0]!.dtype), ct = isComplex(ins[1]!.dtype);
      return ([p, t], o) => {
        const P = p!, T = t!;
        for (let b = 0; b < B; b++) {
          let acc = 0;
          for (let j = b * M; j < (b + 1) * M; j++) {
            const dr = (cp ? P[2 * j]! : P[j]!) - (ct ? T[2 * j]! : T[j]!);
            const di = (cp ? P[2 * j + 1]! : 0) - (ct ? T[2 * j + 1]! : 0);
            acc += dr * dr + di * di;
          }
          o[b] = acc / M;
        }
      };
    }
    case "random_uniform": case "random_normal": {
      const stream = node.attrs.stream as number;
      const normal = node.op === "random_normal";
      const key = [0, 0, 0, 0];
      return ([k], o) => {
        for (let i = 0; i < 4; i++) key[i] = k![i]! >>> 0;
        if (normal) fillNormal(o, key, stream);
        else fillUniform(o, key, stream);
      };
    }
    default:
      throw new Error(`interp: no nn kernel for ${node.op}`);
  }
}
