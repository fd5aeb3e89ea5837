/**
 * Structured control flow: `scan`, a loop whose body is a graph of its own, and `scan_result`,
 * which reads one of its results. Only the table lives here; the interpreter defines the values
 * (backends/interp/loop.ts), autodiff.ts (scanVjp) the gradients.
 *
 *   scan  operands: carries c₀ (`carries` of them), then invariants k, then `xs` stacked
 *         sequences X (leading axis = length T); body inputs: the same, each X sliced to one step.
 *         For t = 0 … T−1 (idx = t, or T−1−t when `reverse`):
 *             (c, y) = body(c, k, X[idx]);  Y[idx] = y
 *         body outputs: the new carries (same types, in order), then per-step outputs y.
 *         Results: the final carries, then each Y stacked to [T, …y].
 * A scan's own value is empty (i32[0]); each result is a `scan_result {index}` node.
 */
import { a, type OpDef, type RegionGraph } from "./op-def.js";
import { fail, shapeEq, type Attrs, type TypeShape } from "./types.js";

/** The types of a scan's results, from its attributes and body. */
export function scanResultTypes(attrs: Attrs, body: RegionGraph): TypeShape[] {
  const T = attrs.length as number, nc = attrs.carries as number;
  return body.outputs.map((o, k) => {
    const n = body.nodes[o.id]!;
    return k < nc ? { dtype: n.dtype, shape: n.shape } : { dtype: n.dtype, shape: [T, ...n.shape] };
  });
}

/** Operand counts of a scan: carries, invariants, sequences. */
export function scanCounts(attrs: Attrs, operands: number): { nc: number; ni: number; nx: number } {
  const nc = attrs.carries as number, nx = attrs.xs as number;
  return { nc, nx, ni: operands - nc - nx };
}

type Operand = TypeShape & { readonly op?: string; readonly attrs?: Attrs; readonly body?: RegionGraph };

export const LOOP_OPS: readonly OpDef[] = [
  {
    name: "scan", family: "loop", arity: "variadic", region: true, grad: "vjp",
    attrs: [a.int("length"), a.int("carries"), a.int("xs", 0), a.bool("reverse", false)],
    meaning: "loop: (c, y) = body(c, k, X[t]) for t < length (reverse: from the end); results: final carries, stacked Y",
    infer: (ins, at, body) => {
      if (!body) fail("scan needs a body");
      const T = at.length as number, nc = at.carries as number, nx = at.xs as number;
      if (!Number.isInteger(T) || T < 1) fail("scan length must be >= 1");
      if (!Number.isInteger(nc) || nc < 1 || !Number.isInteger(nx) || nx < 0 || nc + nx > ins.length)
        fail(`scan with ${ins.length} operands cannot have ${nc} carries and ${nx} sequences`);
      if (body.params.length) fail("a scan body has no params (pass them as invariants)");
      if (body.inputs.length !== ins.length) fail(`scan body has ${body.inputs.length} inputs for ${ins.length} operands`);
      ins.forEach((x, k) => {
        const p = body.nodes[body.inputs[k]!.id]!;
        const want = k >= ins.length - nx ? x.shape.slice(1) : x.shape;
        if (k >= ins.length - nx && x.shape[0] !== T) fail(`scan sequence operand ${k} has leading size ${x.shape[0]}, not length ${T}`);
        if (p.dtype !== x.dtype || !shapeEq(p.shape, want)) fail(`scan body input ${k} is ${p.dtype}[${p.shape}], operand gives ${x.dtype}[${want}]`);
      });
      if (body.outputs.length < nc) fail(`scan body has ${body.outputs.length} outputs for ${nc} carries`);
      for (let k = 0; k < nc; k++) {
        const o = body.nodes[body.outputs[k]!.id]!;
        if (o.dtype !== ins[k]!.dtype || !shapeEq(o.shape, ins[k]!.shape)) fail(`scan body output ${k} (a carry) is ${o.dtype}[${o.shape}], the carry ${ins[k]!.dtype}[${ins[k]!.shape}]`);
      }
      return { dtype: "i32", shape: [0] };
    },
  },
  {
    name: "scan_result", family: "loop", arity: 1, attrs: [a.int("index")], grad: "vjp",
    meaning: "result `index` of a scan: a final carry, or a per-step output stacked over the steps",
    infer: ([s], at) => {
      const scan = s as Operand;
      if (scan.op !== "scan" || !scan.body || !scan.attrs) fail("scan_result reads a scan");
      const types = scanResultTypes(scan.attrs, scan.body);
      const k = at.index as number;
      if (!Number.isInteger(k) || k < 0 || k >= types.length) fail(`scan has no result ${k}`);
      return types[k]!;
    },
  },
];
