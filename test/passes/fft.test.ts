// Pass fft-decompose: mixed-radix FFTs equal the interpreter's FFT (the definition: radix-2 or
// Bluestein in float64) for many lengths — powers of two times odd parts, odd composites, primes,
// the diffractive grids 34, 66 and 200 — 1-D and 2-D, forward and inverse, real and complex
// inputs; and the result has no FFT of a non-power-of-two length left (only radix-2 FFTs and
// DFT products of prime or small lengths).
import { describe, expect, it } from "vitest";
import { GraphBuilder } from "../../compiler/ir/graph.js";
import { fftDecompose, SMALL } from "../../compiler/passes/fft-decompose.js";
import { expectSameOutputs, runGraph, seededFeeds } from "./helpers.js";

const LENGTHS = [6, 12, 17, 18, 20, 24, 25, 33, 34, 45, 66, 96, 100, 200];

function graph(shape: number[], op: "fft" | "ifft", dims: 1 | 2, dtype: "f64" | "c128") {
  const b = new GraphBuilder();
  b.output("y", b.op(op, [b.input("x", dtype, shape)], { dims }));
  return b.build();
}

describe("fft-decompose: mixed-radix FFTs equal the interpreter's", () => {
  for (const n of LENGTHS)
    it(`length ${n}: fft/ifft, 1-D and 2-D, real and complex`, () => {
      for (const op of ["fft", "ifft"] as const)
        for (const dtype of ["f64", "c128"] as const) {
          for (const [shape, dims] of [[[n], 1], [[3, n], 1], [[2, n, 6], 2], [[2, 5, n], 2]] as [number[], 1 | 2][]) {
            const g = graph(shape, op, dims, dtype);
            const d = fftDecompose.run(g);
            const feeds = seededFeeds(g, n);
            expectSameOutputs(runGraph(d, feeds), runGraph(g, feeds), `${op} ${dtype}[${shape}] dims ${dims}`, 1e-9);
            for (const x of d.nodes)
              if (x.op === "fft" || x.op === "ifft") for (const len of x.shape.slice(-(x.attrs.dims as number))) expect(len & (len - 1), `${op} [${shape}]: an FFT of length ${len} is left`).toBe(0);
            for (const x of d.nodes)
              if (x.op === "matmul" && x.inputs.some((i) => d.nodes[i]!.op === "const")) {
                const m = d.nodes[x.inputs.find((i) => d.nodes[i]!.op === "const")!]!.shape[0]!;
                const prime = Array.from({ length: m }, (_, p) => p).every((p) => p < 2 || m % p !== 0);
                expect(prime || m <= SMALL, `a DFT product of length ${m}`).toBe(true);
              }
          }
        }
    });
});
