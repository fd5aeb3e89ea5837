/**
 * From an inference graph and fixed weights to a built model's data: which nodes fold to
 * constants, where every buffer lives (the buffer plan) and the instruction table the
 * executor in vm-wat.ts runs.
 *
 * 1. Fold (fold.ts): every node that does not depend on the data input `x` (weights, phase →
 *    transfer factors, unused random keys) is evaluated once by the reference interpreter; the
 *    values that dynamic nodes read become float64 constants in the module's data.
 * 2. Plan: each remaining node gets a float64 buffer; `reshape` aliases its operand; a buffer is
 *    reused once its last reader has run (first fit). Outputs live to the end.
 * 3. Encode: one or more strided-loop instructions per node (see vm-wat.ts).
 * An op the executor cannot run raises BuildUnsupported (the CLI reports PNN5020).
 */
import type { Graph, Node } from "../ir/graph.js";
import { nodeFlops } from "../ir/flops.js";
import { isComplex, numel } from "../ir/types.js";
import { analyse, evaluate, FoldError } from "./fold.js";
import type { Tensor } from "../../runtime/backend.js";
import { INSTR_WORDS, MATMUL, OPS, type VmOp } from "./vm-wat.js";

export class BuildUnsupported extends Error {}

/** A buffer of the plan, in float64 slots. */
export interface PlannedBuffer {
  readonly kind: "constant" | "input" | "scratch";
  readonly slot: number;
  readonly slots: number;
  /** node ids stored here over the run (a scratch buffer is shared by nodes with disjoint lifetimes) */
  readonly nodes: number[];
}

export interface IoSlot {
  readonly name: string;
  readonly slot: number;
  readonly shape: readonly number[];
  readonly complex: boolean;
}

export interface BuiltProgram {
  /** little-endian bytes placed at address 0: instruction words, then constant slots */
  readonly data: Uint8Array;
  readonly programStart: number;
  readonly instructions: number;
  /** total memory in bytes (data + input + scratch) */
  readonly memoryBytes: number;
  readonly input: IoSlot;
  readonly outputs: readonly IoSlot[];
  readonly buffers: readonly PlannedBuffer[];
  readonly flops: number;
  readonly foldedNodes: number;
}

interface View {
  slot: number;
  shape: readonly number[];
  complex: boolean;
}

const contiguous = (shape: readonly number[], complex: boolean): number[] => {
  const s = new Array<number>(shape.length);
  let acc = complex ? 2 : 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d]!;
  }
  return s;
};

/** Operand strides (in slots) for reading `v` broadcast to `out` (numpy alignment). */
function broadcastStrides(v: View, out: readonly number[]): number[] {
  const own = contiguous(v.shape, v.complex);
  const lead = out.length - v.shape.length;
  return out.map((d, k) => (k < lead || v.shape[k - lead] === 1 ? 0 : own[k - lead]!));
}

interface Loop {
  dims: number[];
  strides: number[][]; // per operand (out, a, b)
}

/** Drops unit dims, merges dims that are contiguous for every operand, pads to rank 4. */
function normalize(dims: readonly number[], strides: number[][]): Loop {
  let d = [...dims];
  let s = strides.map((x) => [...x]);
  const keep = d.map((n) => n !== 1);
  d = d.filter((_, k) => keep[k]);
  s = s.map((x) => x.filter((_, k) => keep[k]));
  for (let k = d.length - 2; k >= 0; k--) {
    if (s.every((x) => x[k] === x[k + 1]! * d[k + 1]!)) {
      d.splice(k, 2, d[k]! * d[k + 1]!);
      s = s.map((x) => [...x.slice(0, k), x[k + 1]!, ...x.slice(k + 2)]);
    }
  }
  if (d.length > 4) throw new BuildUnsupported(`a loop of rank ${d.length} (the executor handles 4)`);
  while (d.length < 4) {
    d.unshift(1);
    s = s.map((x) => [0, ...x]);
  }
  return { dims: d, strides: s };
}

const UNARY_OPS = new Set<string>(["neg", "exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "square", "recip", "sign", "conj", "imag", "abs2", "expi", "angle", "clip", "quantize"]);
const BINARY_OPS = new Set<string>(["complex", "add", "sub", "mul", "div", "pow", "max", "min", "eq", "ge", "gt"]);
const COPY_OPS = new Set<string>(["real", "stop_gradient", "cast"]);

export function buildProgram(g: Graph, params: ReadonlyMap<string, Float64Array>, inputName = "x", extraOutputs: readonly { name: string; id: number }[] = []): BuiltProgram {
  const outputs = [...g.outputs, ...extraOutputs];
  let fold: ReturnType<typeof analyse>;
  let values: Map<number, Tensor>;
  try {
    fold = analyse(g, inputName, outputs);
    values = evaluate(g, fold.frontier, params, inputName);
  } catch (e) {
    if (e instanceof FoldError) throw new BuildUnsupported(e.message);
    throw e;
  }
  const { inputNode, dynamic, needed, frontier } = fold;

  // 3. plan: constants first (after the program words), then the input, then scratch
  const words: number[] = [];
  const constants: number[] = [];
  const views = new Map<number, View>();
  const buffers: PlannedBuffer[] = [];
  const programWords = () => words.length;
  // constants are addressed from a base we only know after encoding: record relative slots, fix up below
  const CONST_TAG = 1 << 30;
  const constView = (values: ArrayLike<number>, shape: readonly number[], complex: boolean): View => {
    const slot = constants.length;
    for (let i = 0; i < values.length; i++) constants.push(values[i]!);
    return { slot: CONST_TAG + slot, shape, complex };
  };
  for (const n of frontier) {
    const v = values.get(n.id)!;
    views.set(n.id, constView(v.data, n.shape, isComplex(n.dtype)));
  }
  // dynamic slots are also relative (tagged) until the layout is known
  const DYN_TAG = 1 << 29;
  let dynSlots = 0;
  const xSlots = numel(g.nodes[inputNode.id]!.shape);
  views.set(inputNode.id, { slot: DYN_TAG, shape: g.nodes[inputNode.id]!.shape, complex: false });
  dynSlots = xSlots;
  buffers.push({ kind: "input", slot: 0, slots: xSlots, nodes: [inputNode.id] });

  // liveness: the last instruction that reads each root buffer (aliases count for their root)
  const root = new Array<number>(g.nodes.length);
  const lastUse = new Array<number>(g.nodes.length).fill(-1);
  for (const n of g.nodes) {
    root[n.id] = n.op === "reshape" && dynamic[n.id] ? root[n.inputs[0]!]! : n.id;
    for (const i of n.inputs) if (dynamic[i]) lastUse[root[i]!] = Math.max(lastUse[root[i]!]!, n.id);
  }
  for (const o of outputs) lastUse[root[o.id]!] = Infinity;
  const free: { slot: number; slots: number; buffer: PlannedBuffer }[] = [];
  const live = new Map<number, { slot: number; slots: number; buffer: PlannedBuffer }>();
  const allocate = (n: Node): View => {
    const slots = numel(n.shape) * (isComplex(n.dtype) ? 2 : 1);
    let best = -1;
    free.forEach((f, k) => {
      if (f.slots >= slots && (best < 0 || f.slots < free[best]!.slots)) best = k;
    });
    let blk;
    if (best >= 0) {
      blk = free.splice(best, 1)[0]!;
      blk.buffer.nodes.push(n.id);
    } else {
      const buffer: PlannedBuffer = { kind: "scratch", slot: dynSlots, slots, nodes: [n.id] };
      buffers.push(buffer);
      blk = { slot: dynSlots, slots, buffer };
      dynSlots += slots;
    }
    live.set(n.id, blk);
    return { slot: DYN_TAG + blk.slot, shape: n.shape, complex: isComplex(n.dtype) };
  };

  // FLOPs of one run: the op table's costs over the nodes that run (folded ones are free)
  let flops = 0;
  for (const n of g.nodes) if (dynamic[n.id] && needed[n.id] && n.id !== inputNode.id) flops += nodeFlops(n, g);
  let paramSlot0 = -1;
  const paramSlot = (p0: number, p1 = 0, p2 = 0) => constView([p0, p1, p2], [3], false).slot;
  const zeroParams = () => (paramSlot0 < 0 ? (paramSlot0 = paramSlot(0)) : paramSlot0);
  const emit = (op: VmOp, out: View, a: View | undefined, bb: View | undefined, loop: Loop, p: number) => {
    const code = op === "matmul" ? MATMUL : OPS.indexOf(op);
    const flags = (out.complex ? 1 : 0) | (a?.complex ? 2 : 0) | (bb?.complex ? 4 : 0);
    const [so, sa, sb] = [loop.strides[0]!, loop.strides[1] ?? [0, 0, 0, 0], loop.strides[2] ?? [0, 0, 0, 0]];
    words.push(code, flags, ...loop.dims, out.slot, ...so, a?.slot ?? out.slot, ...sa, bb?.slot ?? out.slot, ...sb, p);
  };
  /** out (contiguous, shape S) = op(a, b) with numpy broadcasting. */
  const map = (op: VmOp, out: View, a?: View, bb?: View, p = zeroParams(), outStrides?: number[], dims?: readonly number[]) => {
    const S = dims ?? out.shape;
    const st = [outStrides ?? contiguous(out.shape, out.complex)];
    if (a) st.push(broadcastStrides(a, S));
    if (bb) st.push(broadcastStrides(bb, S));
    emit(op, out, a, bb, normalize(S, st), p);
  };

  for (const n of g.nodes) {
    if (!dynamic[n.id] || !needed[n.id] || n.id === inputNode.id) continue;
    const ins = n.inputs.map((i) => views.get(i)!);
    const a = ins[0]!;
    if (n.op === "reshape") {
      views.set(n.id, { ...a, shape: n.shape });
      continue;
    }
    const out = allocate(n);
    views.set(n.id, out);
    const outC = contiguous(n.shape, out.complex);
    if (UNARY_OPS.has(n.op)) {
      let p = zeroParams();
      if (n.op === "clip") p = paramSlot(n.attrs.lo as number, n.attrs.hi as number);
      if (n.op === "quantize") {
        const lo = n.attrs.lo as number, hi = n.attrs.hi as number;
        p = paramSlot(lo, hi, (hi - lo) / (2 ** (n.attrs.bits as number) - 1));
      }
      map(n.op as VmOp, out, a, undefined, p);
    } else if (BINARY_OPS.has(n.op)) {
      map(n.op as VmOp, out, a, ins[1]!);
    } else if (COPY_OPS.has(n.op)) {
      if (n.dtype === "i32") throw new BuildUnsupported("a cast to i32");
      map("copy", out, a);
    } else if (n.op === "broadcast_to") {
      map("copy", out, a);
    } else if (n.op === "slice") {
      const begin = n.attrs.begin as readonly number[];
      const own = contiguous(a.shape, a.complex);
      const base = begin.reduce((s, bgn, d) => s + bgn * own[d]!, 0);
      emit("copy", out, { ...a, slot: a.slot + base }, undefined, normalize(n.shape, [outC, own]), zeroParams());
    } else if (n.op === "transpose") {
      const perm = n.attrs.perm as readonly number[];
      const own = contiguous(a.shape, a.complex);
      emit("copy", out, a, undefined, normalize(n.shape, [outC, perm.map((p) => own[p]!)]), zeroParams());
    } else if (n.op === "concat") {
      const axis = n.attrs.axis as number;
      let at = 0;
      for (const x of ins) {
        const src = { ...x, shape: x.shape };
        const into = { ...out, slot: out.slot + at * outC[axis]! };
        const st = [outC, broadcastStrides(src, x.shape)];
        emit("copy", into, src, undefined, normalize(x.shape, st), zeroParams());
        at += x.shape[axis]!;
      }
    } else if (n.op === "pad") {
      const before = n.attrs.before as readonly number[];
      map("fill", out, undefined, undefined, zeroParams());
      const base = before.reduce((s, k, d) => s + k * outC[d]!, 0);
      emit("copy", { ...out, slot: out.slot + base }, a, undefined, normalize(a.shape, [outC, contiguous(a.shape, a.complex)]), zeroParams());
    } else if (n.op === "reduce_sum" || n.op === "reduce_mean" || n.op === "reduce_max") {
      if (n.op === "reduce_max" && out.complex) throw new BuildUnsupported("reduce_max of a complex tensor");
      const axes = n.attrs.axes as readonly number[];
      map("fill", out, undefined, undefined, n.op === "reduce_max" ? paramSlot(-Infinity) : zeroParams());
      // out strides over the input's dims: 0 along reduced axes
      const keptShape = a.shape.filter((_, d) => !axes.includes(d));
      const keptStrides = contiguous(keptShape, out.complex);
      let k = 0;
      const os = a.shape.map((_, d) => (axes.includes(d) ? 0 : keptStrides[k++]!));
      const acc: VmOp = n.op === "reduce_max" ? "max" : "add";
      emit(acc, out, a, out, normalize(a.shape, [os, contiguous(a.shape, a.complex), os]), zeroParams());
      if (n.op === "reduce_mean") map("scale", out, out, undefined, paramSlot(numel(n.shape) / numel(a.shape)));
    } else if (n.op === "matmul") {
      const B = ins[1]!;
      const [M, K] = a.shape.slice(-2) as [number, number];
      const N = B.shape[B.shape.length - 1]!;
      const batchShape = n.shape.slice(0, -2);
      const batch = numel(batchShape);
      const batchStride = (v: View, per: number) => {
        const vb = v.shape.slice(0, -2);
        if (numel(vb) === 1) return 0;
        if (vb.length === batchShape.length && vb.every((d, i) => d === batchShape[i])) return per;
        throw new BuildUnsupported("a matmul with partially broadcast batch dimensions");
      };
      const ea = a.complex ? 2 : 1, eb = B.complex ? 2 : 1, eo = out.complex ? 2 : 1;
      emit("matmul", out, a, B, {
        dims: [batch, M, N, K],
        strides: [
          [batch > 1 ? M * N * eo : 0, N * eo, eo, 0],
          [batchStride(a, M * K * ea), K * ea, ea, 0],
          [batchStride(B, K * N * eb), N * eb, eb, 0],
        ],
      }, zeroParams());
    } else {
      throw new BuildUnsupported(`the IR op '${n.op}'`);
    }
    // release buffers whose last reader was this node
    for (const i of new Set(n.inputs.map((x) => root[x]!))) {
      if (lastUse[i] === n.id && live.has(i)) {
        free.push(live.get(i)!);
        live.delete(i);
      }
    }
  }
  // outputs that are constants or aliases of the input still need their own buffer: copy them
  const outViews = outputs.map((o) => {
    const v = views.get(o.id)!;
    if (v.slot >= DYN_TAG && v.slot < CONST_TAG && v.slot !== DYN_TAG) return { o, v };
    const n = g.nodes[o.id]!;
    const copy = allocate(n);
    map("copy", copy, v);
    return { o, v: copy };
  });

  // 4. layout: [instructions][constants][input][scratch]
  const instructions = words.length / INSTR_WORDS;
  const programStart = 0;
  const constStart = Math.ceil((programWords() * 4) / 8); // first f64 slot after the words
  const dynStart = constStart + constants.length;
  const fix = (s: number) => (s >= CONST_TAG ? constStart + (s - CONST_TAG) : s >= DYN_TAG ? dynStart + (s - DYN_TAG) : s);
  for (let ip = 0; ip < words.length; ip += INSTR_WORDS) {
    for (const k of [6, 11, 16, 21]) words[ip + k] = fix(words[ip + k]!);
  }
  const data = new Uint8Array(dynStart * 8);
  const dv = new DataView(data.buffer);
  words.forEach((v, i) => dv.setInt32(4 * i, v, true));
  constants.forEach((v, i) => dv.setFloat64(8 * (constStart + i), v, true));
  const io = (name: string, v: View): IoSlot => ({ name, slot: fix(v.slot), shape: v.shape, complex: v.complex });
  const planned = [
    { kind: "constant" as const, slot: constStart, slots: constants.length, nodes: frontier.map((n) => n.id) },
    ...buffers.map((bf) => ({ ...bf, slot: dynStart + bf.slot })),
  ];
  return {
    data,
    programStart,
    instructions,
    memoryBytes: (dynStart + dynSlots) * 8,
    input: io(inputName, views.get(inputNode.id)!),
    outputs: outViews.map(({ o, v }) => io(o.name, v)),
    buffers: planned,
    flops,
    foldedNodes: g.nodes.filter((n) => !dynamic[n.id]).length,
  };
}
