// compiler/build: every op the wasm executor runs, against the float64 reference interpreter.
// One graph holds one output per case (real, complex, broadcasting, structural, reductions,
// matmul), so the module is assembled once; each output must match the interpreter to 1e-12
// (both compute in float64). Also: weights fold to constants, buffers are reused, and an op the
// executor lacks is refused with BuildUnsupported.
import { describe, expect, it } from "vitest";
import { GraphBuilder, type Node } from "../../compiler/ir/graph.js";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import { buildProgram, BuildUnsupported } from "../../compiler/build/program.js";
import { emitModule } from "../../compiler/build/emit.js";
import type { Tensor } from "../../runtime/backend.js";

function graph() {
  const b = new GraphBuilder();
  const x = b.input("x", "f32", [2, 3]);
  const p = b.param("p", "f32", [2, 3]);
  const q = b.param("q", "f32", [3]);
  const w = b.param("w", "f32", [3, 4]);
  const outs: [string, Node][] = [];
  const out = (name: string, n: Node) => outs.push([name, n]);
  const op = (name: string, ins: Node[], attrs = {}) => b.op(name, ins, attrs);
  const pos = op("add", [op("abs", [x]), b.scalar(0.5, "f32")]);
  for (const u of ["neg", "exp", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "square", "recip", "sign", "expi", "abs2"]) out(u, op(u, [x]));
  out("log", op("log", [pos]));
  out("sqrt", op("sqrt", [pos]));
  out("clip", op("clip", [x], { lo: -0.3, hi: 0.4 }));
  out("quantize", op("quantize", [x], { bits: 3, lo: -1, hi: 1 }));
  const z = op("complex", [x, p]);
  const z2 = op("complex", [p, op("mul", [x, x])]);
  for (const u of ["neg", "exp", "log", "sqrt", "abs", "square", "recip", "conj", "real", "imag", "abs2", "angle"]) out(`c.${u}`, op(u, [z]));
  for (const bin of ["add", "sub", "mul", "div", "max", "min", "eq", "ge", "gt"]) out(bin, op(bin, [x, q]));
  out("pow", op("pow", [pos, p]));
  for (const bin of ["add", "sub", "mul", "div"]) {
    out(`c.${bin}`, op(bin, [z, z2]));
    out(`cr.${bin}`, op(bin, [z, q]));
  }
  out("reshape", op("reshape", [op("exp", [x])], { shape: [3, 2] }));
  out("transpose", op("transpose", [op("sin", [x])], { perm: [1, 0] }));
  out("c.transpose", op("transpose", [z], { perm: [1, 0] }));
  out("slice", op("slice", [op("neg", [x])], { begin: [1, 1], end: [2, 3] }));
  out("c.slice", op("slice", [z], { begin: [0, 1], end: [2, 2] }));
  out("concat0", op("concat", [x, p, x], { axis: 0 }));
  out("concat1", op("concat", [z, z2], { axis: 1 }));
  out("pad", op("pad", [op("cos", [x])], { before: [1, 0], after: [0, 2] }));
  out("broadcast_to", op("broadcast_to", [op("tanh", [op("reshape", [x], { shape: [2, 1, 3] })])], { shape: [2, 4, 3] }));
  out("cast", op("cast", [op("sin", [x])], { dtype: "f64" }));
  out("c.cast", op("cast", [z], { dtype: "f32" }));
  out("stop_gradient", op("stop_gradient", [op("relu", [x])]));
  out("sum", op("reduce_sum", [x], { axes: [1] }));
  out("mean", op("reduce_mean", [x], { axes: [0], keepdims: true }));
  out("max_r", op("reduce_max", [x], { axes: [0, 1] }));
  out("c.sum", op("reduce_sum", [z], { axes: [0] }));
  out("matmul", op("matmul", [x, w]));
  out("c.matmul", op("matmul", [z, op("complex", [w, op("cos", [w])])]));
  const xb = op("reshape", [op("concat", [x, op("exp", [x])], { axis: 0 })], { shape: [2, 2, 3] });
  out("batched.matmul", op("matmul", [xb, w]));
  out("batched.both", op("matmul", [xb, op("transpose", [xb], { perm: [0, 2, 1] })]));
  out("chain", op("add", [op("mul", [op("expi", [x]), z]), op("complex", [q, q])]));
  for (const [name, n] of outs) b.output(name, n);
  return b.build();
}

const rand = (n: number, seed: number) => Float64Array.from({ length: n }, (_, i) => Math.sin(1.7 * i + seed) * 1.3);

async function instantiate(g: ReturnType<typeof graph>, params: Map<string, Float64Array>) {
  const prog = buildProgram(g, params);
  const mod = await emitModule(prog);
  const inst = new WebAssembly.Instance(new WebAssembly.Module(mod.bytes as Uint8Array<ArrayBuffer>), { m: Object.fromEntries(mod.imports.map((f) => [f, (Math as unknown as Record<string, unknown>)[f]])) } as WebAssembly.Imports);
  const mem = new Float64Array((inst.exports.memory as WebAssembly.Memory).buffer);
  const run = (x: Float64Array) => {
    mem.set(x, prog.input.slot);
    (inst.exports.run as () => void)();
    return Object.fromEntries(prog.outputs.map((o) => [o.name, mem.slice(o.slot, o.slot + o.shape.reduce((a, c) => a * c, 1) * (o.complex ? 2 : 1))]));
  };
  return { prog, mod, run };
}

describe("wasm executor vs the reference interpreter", () => {
  it("matches every op to 1e-12, over two different inputs", async () => {
    const g = graph();
    const params = new Map([["p", rand(6, 1)], ["q", rand(3, 2)], ["w", rand(12, 3)]]);
    const { prog, run } = await instantiate(g, params);
    const exe = compileInterp(g);
    for (const seed of [5, 9]) {
      const x = rand(6, seed);
      const feeds: Record<string, Tensor> = { x: { dtype: "f32", shape: [2, 3], data: x } };
      for (const [k, v] of params) feeds[k] = { dtype: "f32", shape: g.nodes[g.params.find((pp) => pp.name === k)!.id]!.shape, data: v };
      const want = exe.run(feeds);
      const got = run(x);
      for (const o of g.outputs) {
        const a = got[o.name]!, e = want[o.name]!.data;
        expect(a.length, o.name).toBe(e.length);
        for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - e[i]!), `${o.name}[${i}]: ${a[i]} vs ${e[i]}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(e[i]!)));
      }
    }
    // the weights were folded, and scratch buffers are shared
    expect(prog.foldedNodes).toBeGreaterThan(3);
    const scratch = prog.buffers.filter((bf) => bf.kind === "scratch");
    expect(scratch.some((bf) => bf.nodes.length > 1)).toBe(true);
  }, 60_000);

  it("refuses an op it has no kernel for", () => {
    const b = new GraphBuilder();
    const x = b.input("x", "f32", [1, 4]);
    b.output("y", b.op("softmax", [x], { axis: -1 }));
    expect(() => buildProgram(b.build(), new Map())).toThrow(BuildUnsupported);
  });
});
