/**
 * The reference interpreter: compileInterp(graph) -> Executable (runtime/backend.ts). It is the
 * definition of every IR op: all arithmetic is float64 (f32/c64 values are computed, and
 * returned, in float64 precision; no rounding to f32), complex tensors are interleaved re/im.
 * Compile time: verify the graph, pick one kernel per node, allocate every node's buffer once and
 * precompute index maps. Run time: copy inputs/params in, run the schedule, copy outputs out
 * (Float64Array for float dtypes, Int32Array for i32). Buffers are reused across runs, so one
 * Executable must not run re-entrantly. A loop (`scan`) runs its body, compiled the same way
 * (compileRaw), once per step (loop.ts). It does not differentiate: autodiff.ts builds gradient
 * graphs that this runs like any other.
 */
import { InternalError } from "../../../diagnostics/internal.js";
import type { SyncExecutable as Executable, Tensor, TensorSpec } from "../../../runtime/backend.js";
import type { Graph, Node } from "../../ir/graph.js";
import { printGraph } from "../../ir/print.js";
import { isComplex, numel, shapeEq } from "../../ir/types.js";
import { verifyGraph } from "../../ir/verify.js";
import { binaryKernel, unaryKernel } from "./elementwise.js";
import { fftKernel, matmulKernel } from "./linalg.js";
import { scanKernel, scanResultKernel, scanResultLayout } from "./loop.js";
import { nnKernel } from "./nn.js";
import { pairMixGradKernel, pairMixKernel } from "./pair-mix.js";
import { structuralKernel } from "./structural.js";
import type { Kernel } from "./util.js";

export { FftPlan } from "./linalg.js";

interface Step {
  readonly kernel: Kernel;
  readonly ins: readonly Float64Array[];
  readonly out: Float64Array;
}

const UNARY = new Set([
  "neg", "exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "square", "recip", "sign",
  "conj", "real", "imag", "abs2", "expi", "angle", "stop_gradient", "clip", "quantize", "flush",
]);
const BINARY = new Set(["complex", "add", "sub", "mul", "div", "pow", "max", "min", "eq", "ge", "gt"]);

function kernelFor(node: Node, ins: readonly Node[]): Kernel {
  if (UNARY.has(node.op)) return unaryKernel(node, ins[0]!);
  if (BINARY.has(node.op)) return binaryKernel(node, ins[0]!, ins[1]!);
  switch (node.op) {
    case "matmul": return matmulKernel(node, ins[0]!, ins[1]!);
    case "fft": case "ifft": return fftKernel(node, ins[0]!);
    case "softmax": case "log_softmax": case "softmax_cross_entropy": case "mse":
    case "random_uniform": case "random_normal":
      return nnKernel(node, ins);
    case "pair_mix": return pairMixKernel(node, ins[0]!);
    case "pair_mix_grad": return pairMixGradKernel(node, ins[1]!);
    case "scan": return scanKernel(node, ins, compileRaw);
    case "scan_result": return scanResultKernel(node, ins[0]!);
    default: return structuralKernel(node, ins);
  }
}

const bufLen = (n: Node): number => (n.op === "scan" ? scanResultLayout(n).total : numel(n.shape) * (isComplex(n.dtype) ? 2 : 1));

/** A graph compiled to kernels over one float64 buffer per node (what a loop body runs each step). */
export interface RawProgram {
  readonly bufs: readonly Float64Array[];
  run(): void;
}

/** Kernels and buffers for a verified graph: inputs/params are its feed buffers, consts filled. */
export function compileRaw(graph: Graph): RawProgram {
  const bufs = graph.nodes.map((n) => new Float64Array(bufLen(n)));
  const steps: Step[] = [];
  for (const n of graph.nodes) {
    const out = bufs[n.id]!;
    if (n.op === "input" || n.op === "param") continue;
    if (n.op === "const") {
      const v = n.attrs.value as readonly number[];
      if (v.length === out.length) out.set(v);
      else for (let i = 0; i < out.length; i += v.length) for (let j = 0; j < v.length; j++) out[i + j] = v[j]!;
      continue;
    }
    let kernel: Kernel;
    try {
      kernel = kernelFor(n, n.inputs.map((i) => graph.nodes[i]!));
    } catch (e) {
      throw new InternalError(`interp: %${n.id} (${n.op}): ${(e as Error).message}`, printGraph(graph));
    }
    steps.push({ kernel, ins: n.inputs.map((i) => bufs[i]!), out });
  }
  return { bufs, run: () => { for (const s of steps) s.kernel(s.ins, s.out); } };
}

export function compileInterp(graph: Graph): Executable {
  const errs = verifyGraph(graph);
  if (errs.length) throw new InternalError(`interp: invalid IR:\n  ${errs.join("\n  ")}`, printGraph(graph));
  const prog = compileRaw(graph);
  const bufs = prog.bufs;
  const feeds = graph.nodes
    .filter((n) => n.op === "input" || n.op === "param")
    .map((n) => ({ spec: { name: n.attrs.name as string, dtype: n.dtype, shape: n.shape } as TensorSpec, buf: bufs[n.id]! }));
  const outputs: TensorSpec[] = graph.outputs.map((o) => {
    const n = graph.nodes[o.id]!;
    return { name: o.name, dtype: n.dtype, shape: n.shape };
  });
  return {
    inputs: feeds.map((f) => f.spec),
    outputs,
    run(inputs: Readonly<Record<string, Tensor>>): Record<string, Tensor> {
      for (const { spec, buf } of feeds) {
        const t = inputs[spec.name];
        if (!t) throw new Error(`interp: missing input '${spec.name}'`);
        if (!shapeEq(t.shape, spec.shape) || t.data.length !== buf.length)
          throw new Error(`interp: input '${spec.name}' has shape [${t.shape}] (${t.data.length} numbers); expected ${spec.dtype}[${spec.shape}]`);
        if ((t.dtype === "i32") !== (spec.dtype === "i32") || isComplex(t.dtype) !== isComplex(spec.dtype))
          throw new Error(`interp: input '${spec.name}' is ${t.dtype}; expected ${spec.dtype}`);
        buf.set(t.data);
      }
      prog.run();
      const res: Record<string, Tensor> = {};
      for (let i = 0; i < outputs.length; i++) {
        const spec = outputs[i]!;
        const b = bufs[graph.outputs[i]!.id]!;
        res[spec.name] = {
          dtype: spec.dtype,
          shape: [...spec.shape],
          data: spec.dtype === "i32" ? Int32Array.from(b) : Float64Array.from(b),
        };
      }
      return res;
    },
  };
}
