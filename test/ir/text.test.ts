// The IR text form round-trips (hand-written and random graphs, fast-check), and the verifier
// rejects corrupted graphs.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { GraphBuilder, type Graph, type Node } from "../../compiler/ir/graph.js";
import { grad } from "../../compiler/ir/autodiff.js";
import { parseGraph, IrParseError } from "../../compiler/ir/parse-text.js";
import { printGraph } from "../../compiler/ir/print.js";
import { assertValid, verifyGraph } from "../../compiler/ir/verify.js";
import { InternalError } from "../../diagnostics/internal.js";

function mlp(): Graph {
  const b = new GraphBuilder();
  const x = b.input("x", "f32", [8, 16]);
  const labels = b.input("labels", "i32", [8]);
  const key = b.input("key", "i32", [4]);
  const w = b.param("w", "c64", [16, 4]);
  const h = b.op("matmul", [x, w], {}, "h");
  const noisy = b.add(b.abs2(h), b.mul(b.randomNormal(key, [8, 4], 3), b.scalar(-0.0, "f32")));
  const q = b.quantize(b.clip(noisy, -1.5, 1e-7), 4, -2, 2);
  const spectrum = b.slice(b.fft(b.pad(q, [0, 0], [0, 2])), [0, 0], [8, 4]);
  const logits = b.concat([q, b.real(spectrum)], 1);
  b.output("loss", b.mean(b.softmaxCrossEntropy(logits, labels)));
  b.output("logits", logits);
  return grad(b.build(), "loss", ["w"]);
}

describe("IR text form", () => {
  it("prints the documented form", () => {
    const b = new GraphBuilder();
    const a = b.input("a", "c64", [16, 8]);
    const w = b.param("w", "c64", [8, 12]);
    b.output("y", b.matmul(a, w));
    expect(printGraph(b.build())).toBe(
      'graph {\n  %0: c64[16,8] = input {name="a"}\n  %1: c64[8,12] = param {name="w"}\n  %2: c64[16,12] = matmul %0, %1\n  output "y" = %2\n}\n',
    );
  });
  it("round-trips a gradient graph", () => {
    const g = mlp();
    assertValid(g);
    const text = printGraph(g);
    const back = parseGraph(text);
    expect(back).toEqual(g);
    expect(printGraph(back)).toBe(text);
  });
  it("rejects malformed text with a line number", () => {
    expect(() => parseGraph("graph {\n  %0: f32[2] = input {name=\"x\"}\n  %1: f32[3] = neg %0\n}\n")).toThrow(IrParseError);
    expect(() => parseGraph("graph {\n  %0: f32[2] = nope\n}\n")).toThrow(/line 2/);
  });
  it("round-trips random graphs (property)", () => {
    const unary = ["neg", "exp", "tanh", "relu", "abs", "square", "sigmoid", "stop_gradient"];
    const binary = ["add", "sub", "mul", "max", "min", "div"];
    const step = fc.oneof(
      fc.record({ k: fc.constant("u" as const), op: fc.constantFrom(...unary), a: fc.nat() }),
      fc.record({ k: fc.constant("b" as const), op: fc.constantFrom(...binary), a: fc.nat(), b: fc.nat() }),
      fc.record({ k: fc.constant("r" as const), axis: fc.integer({ min: -2, max: 1 }), keep: fc.boolean(), a: fc.nat() }),
      fc.record({ k: fc.constant("c" as const), v: fc.double({ noNaN: false }), a: fc.nat() }),
      fc.record({ k: fc.constant("t" as const), a: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 25 }), fc.constantFrom("f32", "f64"), (steps, dt) => {
        const b = new GraphBuilder();
        const pool: Node[] = [b.input("x", dt, [3, 3]), b.param("p", dt, [3, 3])];
        for (const s of steps) {
          const pick = (i: number) => pool.filter((n) => n.shape.length === 2)[i % pool.filter((n) => n.shape.length === 2).length]!;
          if (s.k === "u") pool.push(b.op(s.op, [pick(s.a)]));
          else if (s.k === "b") pool.push(b.op(s.op, [pick(s.a), pick(s.b)]));
          else if (s.k === "r") pool.push(b.sum(pick(s.a), [s.axis], s.keep));
          else if (s.k === "c") pool.push(b.add(pick(s.a), b.scalar(s.v, dt)));
          else pool.push(b.transpose(pick(s.a)));
        }
        b.output("out", pool[pool.length - 1]!);
        const g = b.build();
        expect(verifyGraph(g)).toEqual([]);
        expect(parseGraph(printGraph(g))).toEqual(g);
      }),
      { numRuns: 150 },
    );
  });
});

describe("verifier", () => {
  it("accepts built graphs and rejects corrupted ones", () => {
    const g = mlp();
    expect(verifyGraph(g)).toEqual([]);
    const badShape = { ...g, nodes: g.nodes.map((n, i) => (i === 4 ? { ...n, shape: [1, 2] } : n)) };
    expect(verifyGraph(badShape).join()).toMatch(/op table infers/);
    const fwdRef = { ...g, nodes: g.nodes.map((n, i) => (i === 5 ? { ...n, inputs: [9, ...n.inputs.slice(1)] } : n)) };
    expect(verifyGraph(fwdRef).join()).toMatch(/does not precede/);
    const badOut = { ...g, outputs: [...g.outputs, { name: "ghost", id: 10_000 }] };
    expect(verifyGraph(badOut).join()).toMatch(/ghost/);
    const badArity = { ...g, nodes: g.nodes.map((n) => (n.op === "matmul" ? { ...n, inputs: n.inputs.slice(0, 1) } : n)) };
    expect(() => assertValid(badArity)).toThrow(InternalError);
  });
  it("builder misuse is an InternalError carrying the IR dump", () => {
    const b = new GraphBuilder();
    const x = b.input("x", "f32", [2, 3]);
    try {
      b.matmul(x, x);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InternalError);
      expect((e as InternalError).dump).toContain('%0: f32[2,3] = input {name="x"}');
    }
    expect(() => b.add(x, b.input("l", "i32", [3]))).toThrow(/i32/);
    expect(() => b.sin(b.const([1, 0], "c64", []))).toThrow(InternalError);
  });
});

describe("docs/ir.md", () => {
  it("the text-form example parses, verifies and prints back unchanged", async () => {
    const { readFileSync } = await import("node:fs");
    const md = readFileSync(new URL("../../docs/ir.md", import.meta.url), "utf8");
    const text = /```\n(graph \{[\s\S]*?\n\})\n```/.exec(md)![1]! + "\n";
    const g = parseGraph(text);
    assertValid(g);
    expect(printGraph(g)).toBe(text);
  });
});
