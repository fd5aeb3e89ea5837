/**
 * IR graphs: immutable nodes in topological order (id = position), named inputs, params and
 * outputs, and the GraphBuilder that is the only way to make nodes. The builder has one typed
 * method per op; each infers dtype/shape from the op table (ops.ts). Misuse (bad shapes, wrong
 * dtypes, unknown attrs) is a compiler bug, so it throws InternalError with the IR so far.
 */
import { InternalError } from "../../diagnostics/internal.js";
import { opDef } from "./ops.js";
import { printGraph } from "./print.js";
import {
  isDType, OpError, type AttrValue, type Attrs, type DType, type Shape, type TypeShape,
} from "./types.js";

export interface Node extends TypeShape {
  readonly id: number;
  readonly op: string;
  readonly inputs: readonly number[];
  readonly attrs: Attrs;
  /** Optional label for dumps (e.g. the source variable); not semantic. */
  readonly name?: string;
  /** The region of an op that holds one (`scan`: its loop body), a graph of its own. */
  readonly body?: Graph;
}

export interface NamedId {
  readonly name: string;
  readonly id: number;
}

export interface Graph {
  readonly nodes: readonly Node[];
  /** `input` nodes, by name, in creation order. */
  readonly inputs: readonly NamedId[];
  /** `param` nodes, by name, in creation order. */
  readonly params: readonly NamedId[];
  readonly outputs: readonly NamedId[];
}

function freezeAttrs(at: Record<string, AttrValue>): Attrs {
  for (const k of Object.keys(at)) if (Array.isArray(at[k])) Object.freeze(at[k]);
  return Object.freeze(at);
}

export class GraphBuilder {
  private readonly nodes: Node[] = [];
  private readonly outs: NamedId[] = [];
  private readonly leafNames = new Set<string>();

  /** Starts from an existing graph (its nodes and outputs are kept; ids are unchanged). */
  static from(g: Graph): GraphBuilder {
    const b = new GraphBuilder();
    for (const n of g.nodes) {
      b.nodes.push(n);
      if (n.op === "input" || n.op === "param") b.leafNames.add(n.attrs.name as string);
    }
    b.outs.push(...g.outputs);
    return b;
  }

  get size(): number {
    return this.nodes.length;
  }
  node(id: number): Node {
    const n = this.nodes[id];
    if (!n) this.bug(`no node %${id}`);
    return n;
  }

  private bug(msg: string): never {
    throw new InternalError(`IR builder: ${msg}`, printGraph(this.snapshot()));
  }

  private snapshot(): Graph {
    const leaves = (op: string) =>
      this.nodes.filter((n) => n.op === op).map((n) => ({ name: n.attrs.name as string, id: n.id }));
    return { nodes: [...this.nodes], inputs: leaves("input"), params: leaves("param"), outputs: [...this.outs] };
  }

  /** Generic node creation: checks arity and attrs against the op table and infers dtype/shape. */
  op(name: string, inputs: readonly Node[], attrs: Readonly<Record<string, AttrValue | undefined>> = {}, label?: string, body?: Graph): Node {
    const def = opDef(name);
    if (!def) this.bug(`unknown op ${name}`);
    if (!!def.region !== !!body) this.bug(def.region ? `${name} needs a body` : `${name} takes no body`);
    if (def.arity === "variadic" ? inputs.length < 1 : inputs.length !== def.arity)
      this.bug(`${name} takes ${def.arity} operand(s), got ${inputs.length}`);
    for (const x of inputs) if (this.nodes[x.id] !== x) this.bug(`${name}: operand %${x.id} is not a node of this graph`);
    const at: Record<string, AttrValue> = {};
    for (const spec of def.attrs) {
      const v = attrs[spec.name] ?? spec.default;
      if (v === undefined) this.bug(`${name} needs attribute ${spec.name}`);
      if (!attrKindOk(spec.kind, v)) this.bug(`${name}: attribute ${spec.name}=${JSON.stringify(v)} is not a ${spec.kind}`);
      at[spec.name] = Array.isArray(v) ? [...v] : v;
    }
    for (const k of Object.keys(attrs))
      if (attrs[k] !== undefined && !def.attrs.some((s) => s.name === k)) this.bug(`${name} has no attribute ${k}`);
    let inf;
    try {
      inf = def.infer(inputs, at, body);
    } catch (e) {
      if (e instanceof OpError) this.bug(`${name} ${inputs.map((x) => `%${x.id}`).join(", ")}: ${e.message}`);
      throw e;
    }
    if ((name === "input" || name === "param")) {
      const nm = at.name as string;
      if (this.leafNames.has(nm)) this.bug(`duplicate input/param name ${nm}`);
      this.leafNames.add(nm);
    }
    const node: Node = Object.freeze({
      id: this.nodes.length,
      op: name,
      inputs: Object.freeze(inputs.map((x) => x.id)),
      attrs: freezeAttrs({ ...at, ...(inf.attrs ?? {}) }),
      dtype: inf.dtype,
      shape: Object.freeze([...inf.shape]),
      ...(label !== undefined ? { name: label } : {}),
      ...(body ? { body } : {}),
    });
    this.nodes.push(node);
    return node;
  }

  output(name: string, x: Node): void {
    if (this.outs.some((o) => o.name === name)) this.bug(`duplicate output ${name}`);
    this.node(x.id);
    this.outs.push({ name, id: x.id });
  }

  build(): Graph {
    const g = this.snapshot();
    return Object.freeze({
      nodes: Object.freeze(g.nodes),
      inputs: Object.freeze(g.inputs),
      params: Object.freeze(g.params),
      outputs: Object.freeze(g.outputs),
    });
  }

  // ---- leaves ----
  input(name: string, dtype: DType, shape: Shape): Node {
    return this.op("input", [], { name, dtype, shape });
  }
  param(name: string, dtype: DType, shape: Shape): Node {
    return this.op("param", [], { name, dtype, shape });
  }
  /** value: one number (filled) or every element; complex values as [re, im, re, im, ...]. */
  const(value: number | readonly number[], dtype: DType, shape: Shape = []): Node {
    return this.op("const", [], { value: typeof value === "number" ? [value] : value, dtype, shape });
  }
  /** A scalar constant; for complex dtypes value may be [re, im]. */
  scalar(value: number | readonly [number, number], dtype: DType): Node {
    const v = typeof value === "number" ? (dtype === "c64" || dtype === "c128" ? [value, 0] : [value]) : value;
    return this.const(v, dtype, []);
  }

  // ---- elementwise unary ----
  neg(x: Node): Node { return this.op("neg", [x]); }
  exp(x: Node): Node { return this.op("exp", [x]); }
  log(x: Node): Node { return this.op("log", [x]); }
  sqrt(x: Node): Node { return this.op("sqrt", [x]); }
  abs(x: Node): Node { return this.op("abs", [x]); }
  sin(x: Node): Node { return this.op("sin", [x]); }
  cos(x: Node): Node { return this.op("cos", [x]); }
  tanh(x: Node): Node { return this.op("tanh", [x]); }
  sigmoid(x: Node): Node { return this.op("sigmoid", [x]); }
  relu(x: Node): Node { return this.op("relu", [x]); }
  square(x: Node): Node { return this.op("square", [x]); }
  recip(x: Node): Node { return this.op("recip", [x]); }
  sign(x: Node): Node { return this.op("sign", [x]); }
  conj(x: Node): Node { return this.op("conj", [x]); }
  real(x: Node): Node { return this.op("real", [x]); }
  imag(x: Node): Node { return this.op("imag", [x]); }
  abs2(x: Node): Node { return this.op("abs2", [x]); }
  expi(x: Node): Node { return this.op("expi", [x]); }
  angle(x: Node): Node { return this.op("angle", [x]); }
  stopGradient(x: Node): Node { return this.op("stop_gradient", [x]); }
  clip(x: Node, lo: number, hi: number): Node { return this.op("clip", [x], { lo, hi }); }
  flush(x: Node): Node { return this.op("flush", [x]); }
  quantize(x: Node, bits: number, lo: number, hi: number): Node { return this.op("quantize", [x], { bits, lo, hi }); }

  // ---- elementwise binary (numpy broadcasting) ----
  complex(re: Node, im: Node): Node { return this.op("complex", [re, im]); }
  add(x: Node, y: Node): Node { return this.op("add", [x, y]); }
  sub(x: Node, y: Node): Node { return this.op("sub", [x, y]); }
  mul(x: Node, y: Node): Node { return this.op("mul", [x, y]); }
  div(x: Node, y: Node): Node { return this.op("div", [x, y]); }
  pow(x: Node, y: Node): Node { return this.op("pow", [x, y]); }
  max(x: Node, y: Node): Node { return this.op("max", [x, y]); }
  min(x: Node, y: Node): Node { return this.op("min", [x, y]); }
  eq(x: Node, y: Node): Node { return this.op("eq", [x, y]); }
  ge(x: Node, y: Node): Node { return this.op("ge", [x, y]); }
  gt(x: Node, y: Node): Node { return this.op("gt", [x, y]); }

  // ---- reductions (axes default: all) ----
  sum(x: Node, axes?: readonly number[], keepdims = false): Node {
    return this.op("reduce_sum", [x], { axes: axes ?? x.shape.map((_, i) => i), keepdims });
  }
  mean(x: Node, axes?: readonly number[], keepdims = false): Node {
    return this.op("reduce_mean", [x], { axes: axes ?? x.shape.map((_, i) => i), keepdims });
  }
  reduceMax(x: Node, axes?: readonly number[], keepdims = false): Node {
    return this.op("reduce_max", [x], { axes: axes ?? x.shape.map((_, i) => i), keepdims });
  }

  // ---- structural ----
  reshape(x: Node, shape: Shape): Node { return this.op("reshape", [x], { shape }); }
  transpose(x: Node, perm?: readonly number[]): Node {
    return this.op("transpose", [x], { perm: perm ?? x.shape.map((_, i) => x.shape.length - 1 - i) });
  }
  slice(x: Node, begin: readonly number[], end: readonly number[]): Node { return this.op("slice", [x], { begin, end }); }
  concat(xs: readonly Node[], axis: number): Node { return this.op("concat", xs, { axis }); }
  pad(x: Node, before: readonly number[], after: readonly number[]): Node { return this.op("pad", [x], { before, after }); }
  broadcastTo(x: Node, shape: Shape): Node { return this.op("broadcast_to", [x], { shape }); }
  cast(x: Node, dtype: DType): Node {
    if (!isDType(dtype)) this.bug(`cast to unknown dtype ${String(dtype)}`);
    return this.op("cast", [x], { dtype });
  }

  // ---- linear algebra ----
  matmul(x: Node, y: Node): Node { return this.op("matmul", [x, y]); }
  fft(x: Node, dims: 1 | 2 = 1): Node { return this.op("fft", [x], { dims }); }
  ifft(x: Node, dims: 1 | 2 = 1): Node { return this.op("ifft", [x], { dims }); }
  /** y_j = d_j·x_j + o_j·x_{p_j} along the last axis (adjoint: its Hermitian adjoint); p an involution. */
  pairMix(x: Node, d: Node, o: Node, partners: Node, adjoint = false): Node { return this.op("pair_mix", [x, d, o, partners], { adjoint }); }
  /** y_j = Σ over leading axes of g_j·conj(x_{q_j}), q = partners or the identity. */
  pairMixGrad(g: Node, x: Node, partners: Node, partner: boolean): Node { return this.op("pair_mix_grad", [g, x, partners], { partner }); }

  // ---- indexing ----
  gather(x: Node, indices: Node, axis = 0): Node { return this.op("gather", [x, indices], { axis }); }
  scatterAdd(g: Node, indices: Node, axis: number, size: number): Node {
    return this.op("scatter_add", [g, indices], { axis, size });
  }
  oneHot(labels: Node, classes: number, dtype: DType = "f32"): Node {
    return this.op("one_hot", [labels], { classes, dtype });
  }

  // ---- nn ----
  softmax(x: Node, axis = -1): Node { return this.op("softmax", [x], { axis }); }
  logSoftmax(x: Node, axis = -1): Node { return this.op("log_softmax", [x], { axis }); }
  softmaxCrossEntropy(logits: Node, labels: Node): Node { return this.op("softmax_cross_entropy", [logits, labels]); }
  mse(pred: Node, target: Node): Node { return this.op("mse", [pred, target]); }

  // ---- loops (ops-loop.ts) ----
  /**
   * A scan over `length` steps of `body` (inputs: carries, invariants, one step of each
   * sequence; outputs: new carries, per-step outputs). Returns one node per result: the final
   * carries, then the per-step outputs stacked to [length, …].
   */
  scan(operands: { carries: readonly Node[]; invariants?: readonly Node[]; xs?: readonly Node[] }, body: Graph, length: number, reverse = false): Node[] {
    const ins = [...operands.carries, ...(operands.invariants ?? []), ...(operands.xs ?? [])];
    const s = this.op("scan", ins, { length, carries: operands.carries.length, xs: operands.xs?.length ?? 0, reverse }, undefined, body);
    return body.outputs.map((_, index) => this.op("scan_result", [s], { index }));
  }

  // ---- random (key: i32[4]; stream: a u32 op id) ----
  randomUniform(key: Node, shape: Shape, stream: number, dtype: DType = "f32"): Node {
    return this.op("random_uniform", [key], { shape, stream, dtype });
  }
  randomNormal(key: Node, shape: Shape, stream: number, dtype: DType = "f32"): Node {
    return this.op("random_normal", [key], { shape, stream, dtype });
  }
}

function attrKindOk(kind: string, v: AttrValue): boolean {
  switch (kind) {
    case "int": return typeof v === "number" && Number.isInteger(v);
    case "float": return typeof v === "number";
    case "bool": return typeof v === "boolean";
    case "string": return typeof v === "string";
    case "dtype": return isDType(v);
    case "ints": return Array.isArray(v) && v.every((x) => Number.isInteger(x));
    case "floats": return Array.isArray(v) && v.every((x) => typeof x === "number");
    default: return false;
  }
}
