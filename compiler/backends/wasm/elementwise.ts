/**
 * Elementwise kernels (unary, binary with numpy broadcasting and real->complex widening, clip,
 * quantize, casts): one affine loop over the output, operands read through broadcast strides.
 * Real f32 ops with a SIMD128 form run 4 lanes at a time on the innermost contiguous (or
 * broadcast) dim; the rest are scalar f32, with transcendental functions computed in f64 by the
 * host's Math (same functions as the interpreter) and rounded to f32.
 */
import type { Node } from "../../ir/graph.js";
import { F32_MIN_NORMAL } from "../../../runtime/backend.js";
import { strides } from "../../ir/types.js";
import { addr, down, m32, m64, up, type Ctx } from "./ctx.js";
import { elemBytes, kindOf, type Kind } from "./plan.js";
import { ewHelper, operandPattern, padRank, type Helpers } from "./helpers.js";
import { affine, collapse, f32c, f64c, Fn, get, set } from "./wat.js";

interface Val { re: string; im?: string }

/** Byte strides of operand x read at every index of outShape (0 on broadcast dims). */
export function bcastStrides(xShape: readonly number[], outShape: readonly number[], eb: number): number[] {
  const st = strides(xShape);
  const off = outShape.length - xShape.length;
  return outShape.map((_, k) => (k < off || xShape[k - off] === 1 ? 0 : st[k - off]! * eb));
}

const sel = (a: string, b: string, c: string): string => `(select ${a} ${b} ${c})`;
const F0 = f32c(0), F1 = f32c(1);

function realUnary(ctx: Ctx, n: Node, x: string): Val {
  const at = n.attrs;
  switch (n.op) {
    case "neg": return { re: `(f32.neg ${x})` };
    case "exp": return { re: m32(ctx, "exp", x) };
    case "log": return { re: m32(ctx, "log", x) };
    case "sqrt": return { re: `(f32.sqrt ${x})` };
    case "abs": return { re: `(f32.abs ${x})` };
    case "sin": return { re: m32(ctx, "sin", x) };
    case "cos": return { re: m32(ctx, "cos", x) };
    case "tanh": return { re: m32(ctx, "tanh", x) };
    case "sigmoid": {
      // t = e^{-|x|}: x >= 0 -> 1/(1+t), else t/(1+t)
      const t = m64(ctx, "exp", `(f64.neg (f64.abs ${up(x)}))`);
      return { re: `(call $sigmoid_of ${x} ${t})` };
    }
    case "relu": return { re: sel(x, F0, `(f32.gt ${x} ${F0})`) };
    case "square": case "abs2": return { re: `(f32.mul ${x} ${x})` };
    case "recip": return { re: `(f32.div ${F1} ${x})` };
    case "sign": return { re: sel(F1, sel(f32c(-1), F0, `(f32.lt ${x} ${F0})`), `(f32.gt ${x} ${F0})`) };
    case "conj": case "real": case "stop_gradient": return { re: x };
    case "imag": return { re: F0 };
    case "angle": return { re: m32(ctx, "atan2", F0, x) };
    case "expi": return { re: m32(ctx, "cos", x), im: m32(ctx, "sin", x) };
    case "flush": return { re: sel(F0, x, `(f32.lt (f32.abs ${x}) ${f32c(F32_MIN_NORMAL)})`) };
    case "clip": {
      const lo = f32c(at.lo as number), hi = f32c(at.hi as number);
      return { re: sel(lo, sel(hi, x, `(f32.gt ${x} ${hi})`), `(f32.lt ${x} ${lo})`) };
    }
    case "quantize": {
      const lo = at.lo as number, hi = at.hi as number;
      const step = (hi - lo) / (2 ** (at.bits as number) - 1);
      const c = sel(f32c(lo), sel(f32c(hi), x, `(f32.gt ${x} ${f32c(hi)})`), `(f32.lt ${x} ${f32c(lo)})`);
      const q = `(f64.floor (f64.add (f64.div (f64.sub ${up(c)} ${f64c(lo)}) ${f64c(step)}) ${f64c(0.5)}))`;
      return { re: down(`(f64.add ${f64c(lo)} (f64.mul ${q} ${f64c(step)}))`) };
    }
    default: throw new Error(`wasm: no real unary kernel for ${n.op}`);
  }
}

function complexUnary(ctx: Ctx, n: Node, re: string, im: string): Val {
  const hyp = `(f64.sqrt (f64.add (f64.mul ${up(re)} ${up(re)}) (f64.mul ${up(im)} ${up(im)})))`;
  switch (n.op) {
    case "neg": return { re: `(f32.neg ${re})`, im: `(f32.neg ${im})` };
    case "conj": return { re, im: `(f32.neg ${im})` };
    case "stop_gradient": return { re, im };
    case "exp": {
      const e = m64(ctx, "exp", up(re));
      return { re: `(call $cexp_re ${e} ${up(im)})`, im: `(call $cexp_im ${e} ${up(im)})` };
    }
    case "log": return { re: down(m64(ctx, "log", hyp)), im: m32(ctx, "atan2", im, re) };
    case "sqrt": {
      const r = `(call $csqrt_re ${up(re)} ${hyp})`;
      return { re: down(r), im: down(`(call $csqrt_im ${up(re)} ${up(im)} ${hyp})`) };
    }
    case "square": return { re: `(f32.sub (f32.mul ${re} ${re}) (f32.mul ${im} ${im}))`, im: `(f32.mul (f32.add ${re} ${re}) ${im})` };
    case "recip": {
      const d = `(f32.add (f32.mul ${re} ${re}) (f32.mul ${im} ${im}))`;
      return { re: `(f32.div ${re} ${d})`, im: `(f32.div (f32.neg ${im}) ${d})` };
    }
    case "abs": return { re: down(hyp) };
    case "real": return { re };
    case "imag": return { re: im };
    case "abs2": return { re: `(f32.add (f32.mul ${re} ${re}) (f32.mul ${im} ${im}))` };
    case "angle": return { re: m32(ctx, "atan2", im, re) };
    default: throw new Error(`wasm: no complex unary kernel for ${n.op}`);
  }
}

function i32Unary(n: Node, x: string): Val {
  switch (n.op) {
    case "neg": return { re: `(i32.sub (i32.const 0) ${x})` };
    case "abs": return { re: sel(`(i32.sub (i32.const 0) ${x})`, x, `(i32.lt_s ${x} (i32.const 0))`) };
    case "sign": return { re: `(i32.sub (i32.gt_s ${x} (i32.const 0)) (i32.lt_s ${x} (i32.const 0)))` };
    case "stop_gradient": case "conj": case "real": return { re: x };
    default: throw new Error(`wasm: no i32 unary kernel for ${n.op}`);
  }
}

function realBinary(ctx: Ctx, op: string, a: string, b: string): Val {
  switch (op) {
    case "add": return { re: `(f32.add ${a} ${b})` };
    case "sub": return { re: `(f32.sub ${a} ${b})` };
    case "mul": return { re: `(f32.mul ${a} ${b})` };
    case "div": return { re: `(f32.div ${a} ${b})` };
    case "pow": return { re: m32(ctx, "pow", a, b) };
    case "max": return { re: sel(a, b, `(f32.ge ${a} ${b})`) };
    case "min": return { re: sel(a, b, `(f32.le ${a} ${b})`) };
    case "eq": return { re: sel(F1, F0, `(f32.eq ${a} ${b})`) };
    case "ge": return { re: sel(F1, F0, `(f32.ge ${a} ${b})`) };
    case "gt": return { re: sel(F1, F0, `(f32.gt ${a} ${b})`) };
    default: throw new Error(`wasm: no real binary kernel for ${op}`);
  }
}

function i32Binary(op: string, a: string, b: string): Val {
  switch (op) {
    case "add": return { re: `(i32.add ${a} ${b})` };
    case "sub": return { re: `(i32.sub ${a} ${b})` };
    case "mul": return { re: `(i32.mul ${a} ${b})` };
    case "max": return { re: sel(a, b, `(i32.ge_s ${a} ${b})`) };
    case "min": return { re: sel(a, b, `(i32.le_s ${a} ${b})`) };
    case "eq": return { re: `(i32.eq ${a} ${b})` };
    case "ge": return { re: `(i32.ge_s ${a} ${b})` };
    case "gt": return { re: `(i32.gt_s ${a} ${b})` };
    default: throw new Error(`wasm: no i32 binary kernel for ${op}`);
  }
}

function complexBinary(op: string, a: Val, b: Val): Val {
  const ar = a.re, ai = a.im ?? F0, br = b.re, bi = b.im ?? F0;
  switch (op) {
    case "add": return { re: `(f32.add ${ar} ${br})`, im: `(f32.add ${ai} ${bi})` };
    case "sub": return { re: `(f32.sub ${ar} ${br})`, im: `(f32.sub ${ai} ${bi})` };
    case "mul": return { re: `(f32.sub (f32.mul ${ar} ${br}) (f32.mul ${ai} ${bi}))`, im: `(f32.add (f32.mul ${ar} ${bi}) (f32.mul ${ai} ${br}))` };
    case "div": {
      const d = `(f32.add (f32.mul ${br} ${br}) (f32.mul ${bi} ${bi}))`;
      return {
        re: `(f32.div (f32.add (f32.mul ${ar} ${br}) (f32.mul ${ai} ${bi})) ${d})`,
        im: `(f32.div (f32.sub (f32.mul ${ai} ${br}) (f32.mul ${ar} ${bi})) ${d})`,
      };
    }
    default: throw new Error(`wasm: no complex binary kernel for ${op}`);
  }
}

/**
 * The 4-lane form of a real f32 op on v128 operand expressions, or null when there is none.
 * `temp` names a fresh v128 local for an op that reads its operand twice (flush), so the operand
 * expression, perhaps a whole fused chain, is computed once.
 */
function vectorOf(n: Node, xs: readonly string[], temp: () => string): string | null {
  const [a, b] = xs as [string, string];
  const splat = (v: number): string => `(f32x4.splat ${f32c(v)})`;
  const one = (cmp: string): string => `(v128.and ${cmp} ${splat(1)})`;
  switch (n.op) {
    case "neg": return `(f32x4.neg ${a})`;
    case "abs": return `(f32x4.abs ${a})`;
    case "sqrt": return `(f32x4.sqrt ${a})`;
    case "relu": return `(f32x4.pmax ${splat(0)} ${a})`;
    case "square": case "abs2": return `(f32x4.mul ${a} ${a})`;
    case "recip": return `(f32x4.div ${splat(1)} ${a})`;
    case "imag": return splat(0);
    case "conj": case "real": case "stop_gradient": return a;
    case "flush": {
      const t = temp();
      return `(v128.andnot (local.tee ${t} ${a}) (f32x4.lt (f32x4.abs (local.get ${t})) ${splat(F32_MIN_NORMAL)}))`;
    }
    case "clip": return `(f32x4.pmin ${splat(n.attrs.hi as number)} (f32x4.pmax ${splat(n.attrs.lo as number)} ${a}))`;
    case "add": return `(f32x4.add ${a} ${b})`;
    case "sub": return `(f32x4.sub ${a} ${b})`;
    case "mul": return `(f32x4.mul ${a} ${b})`;
    case "div": return `(f32x4.div ${a} ${b})`;
    case "max": return `(f32x4.pmax ${b} ${a})`;
    case "min": return `(f32x4.pmin ${b} ${a})`;
    case "eq": return one(`(f32x4.eq ${a} ${b})`);
    case "ge": return one(`(f32x4.ge ${a} ${b})`);
    case "gt": return one(`(f32x4.gt ${a} ${b})`);
    default: return null;
  }
}

const SIGN_IM = "(v128.const i32x4 0 -2147483648 0 -2147483648)";
const SIGN_RE = "(v128.const i32x4 -2147483648 0 -2147483648 0)";
/** Complex ops with a two-at-a-time form on (re, im, re, im) lanes (operands: local.get expressions). */
const COMPLEX_LANE_OPS = new Set(["add", "sub", "mul", "neg", "conj", "stop_gradient"]);

/**
 * Two complex results of a complex op at once, exactly the scalar form's f32 operations:
 * (a·b).re = a.re·b.re + (−a.im·b.im), (a·b).im = a.im·b.re + a.re·b.im (IEEE addition is
 * commutative, and x + (−y) = x − y), with real operands widened to (x, 0).
 */
function complexLanes(op: string, a: string, b?: string): string {
  switch (op) {
    case "add": return `(f32x4.add ${a} ${b})`;
    case "sub": return `(f32x4.sub ${a} ${b})`;
    case "neg": return `(f32x4.neg ${a})`;
    case "conj": return `(v128.xor ${a} ${SIGN_IM})`;
    case "stop_gradient": return a;
    case "mul": {
      const reB = `(i8x16.shuffle 0 1 2 3 0 1 2 3 8 9 10 11 8 9 10 11 ${b} ${b})`;
      const swapA = `(i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 ${a} ${a})`;
      const imB = `(i8x16.shuffle 4 5 6 7 4 5 6 7 12 13 14 15 12 13 14 15 ${b} ${b})`;
      return `(f32x4.add (f32x4.mul ${a} ${reB}) (v128.xor (f32x4.mul ${swapA} ${imB}) ${SIGN_RE}))`;
    }
    default: throw new Error(`wasm: no complex lane form for ${op}`);
  }
}

/** A node computed with complexLanes: complex result, float operands, an op with a lane form. */
const hasComplexLanes = (n: Node, operandKinds: readonly Kind[]): boolean =>
  kindOf(n) === "c" && COMPLEX_LANE_OPS.has(n.op) && operandKinds.every((k) => k !== "i");

/** Computes one output element from loaded operand values. */
function scalarOf(ctx: Ctx, n: Node, vals: readonly Val[], kinds: readonly Kind[]): Val {
  const out = kindOf(n);
  if (n.op === "cast") return castOf(kinds[0]!, out, vals[0]!);
  if (n.op === "complex") return { re: vals[0]!.re, im: vals[1]!.re };
  if (vals.length === 1) {
    const k = kinds[0]!;
    if (k === "i") return i32Unary(n, vals[0]!.re);
    if (k === "c") return complexUnary(ctx, n, vals[0]!.re, vals[0]!.im!);
    return realUnary(ctx, n, vals[0]!.re);
  }
  if (out === "c") return complexBinary(n.op, vals[0]!, vals[1]!);
  if (kinds[0] === "i") return i32Binary(n.op, vals[0]!.re, vals[1]!.re);
  return realBinary(ctx, n.op, vals[0]!.re, vals[1]!.re);
}

function castOf(from: Kind, to: Kind, v: Val): Val {
  if (to === "i") return { re: from === "i" ? v.re : `(i32.trunc_sat_f32_s ${v.re})` };
  const re = from === "i" ? `(f32.convert_i32_s ${v.re})` : v.re;
  if (to === "c") return { re, im: from === "c" ? v.im! : F0 };
  return { re };
}

const load = (k: Kind, p: string, off = 0): string => (k === "i" ? `(i32.load offset=${off} ${p})` : `(f32.load offset=${off} ${p})`);
const store = (k: Kind, p: string, v: string, off = 0): string => (k === "i" ? `(i32.store offset=${off} ${p} ${v})` : `(f32.store offset=${off} ${p} ${v})`);

export function elementwiseKernel(ctx: Ctx, fn: Fn, n: Node): void {
  const ins = n.inputs.map((i) => ctx.g.nodes[i]!);
  const kinds = ins.map(kindOf);
  const out = kindOf(n);
  const ops = [
    { base: addr(ctx, n), strides: strides(n.shape).map((s) => s * elemBytes(out)) },
    ...ins.map((x, j) => ({ base: addr(ctx, x), strides: bcastStrides(x.shape, n.shape, elemBytes(kinds[j]!)) })),
  ];
  const valType = (k: Kind): "i32" | "f32" => (k === "i" ? "i32" : "f32");
  // operands stored conjugated (a fused conj, plan.ts): negate their imaginary part on load
  const conj = ins.map((x) => ctx.plan.conjParity[x.id] === 1);
  const canVec = out === "f" && kinds.every((k) => k === "f") && n.op !== "cast" && vectorOf(n, ins.map(() => "x"), () => "$t") !== null;
  const scalar = (f: Fn, o: string, ptrs: readonly string[]): void => {
    const vals = ins.map((_, j): Val => {
      const k = kinds[j]!, p = ptrs[j]!;
      const re = f.local(`x${j}r_${k}`, valType(k));
      f.emit(set(re, load(k, p)));
      if (k !== "c") return { re: get(re) };
      const im = f.local(`x${j}i`, "f32");
      f.emit(set(im, conj[j] ? `(f32.neg ${load(k, p, 4)})` : load(k, p, 4)));
      return { re: get(re), im: get(im) };
    });
    const v = scalarOf(ctx, n, vals, kinds);
    if (out === "c") {
      const r = f.local("yr", "f32"), i = f.local("yi", "f32");
      f.emit(set(r, v.re), set(i, v.im!), store(out, o, get(r)), store(out, o, get(i), 4));
    } else f.emit(store(out, o, v.re));
  };
  const vector = (xs: readonly string[], f: Fn): string => vectorOf(n, xs, vectorTemps(f))!;
  // shared helper when the collapsed rank fits (one call per node)
  const c = collapse(n.shape, ops);
  const fit = ins.length <= 2 ? padRank(c.dims, c.strides, 3) : null;
  if (fit) {
    const attrKey = Object.keys(n.attrs).length ? "_" + [...JSON.stringify(n.attrs)].map((ch) => (/[a-z0-9]/i.test(ch) ? ch : ch.charCodeAt(0).toString(36))).join("") : "";
    const cvector = hasComplexLanes(n, kinds)
      ? (_f: Fn, xs: readonly string[]) => {
          const v = xs.map((x, j) => (conj[j] ? complexLanes("conj", get(x)) : get(x)));
          return complexLanes(n.op, v[0]!, v[1]);
        }
      : null;
    const sa = fit.strides[1]!, sb = fit.strides[2] ?? [0, 0, 0];
    const name = ewHelper(ctx.h, {
      key: `${n.op}_${out}${kinds.map((k, j) => (conj[j] ? "C" : k)).join("")}${attrKey}`, arity: ins.length as 1 | 2, outBytes: elemBytes(out),
      scalar, vector: canVec ? vector : null, cvector, kinds,
      ...(canVec ? { pattern: ins.map((_, j) => operandPattern(fit.strides[j + 1]!, 4)) } : {}),
    });
    ctx.call(name, [addr(ctx, n), ops[1]!.base, ops[2]?.base ?? 0, ...fit.dims, ...sa, ...sb]);
    return;
  }
  affine(fn, n.shape, ops, {
    elem: [elemBytes(out), ...kinds.map(elemBytes)],
    scalar: (ptrs) => scalar(fn, ptrs[0]!, ptrs.slice(1)),
    ...(canVec
      ? {
          vector(ptrs: readonly string[], bc: readonly boolean[]) {
            const xs = ins.map((_, j) => (bc[j + 1] ? `(f32x4.splat (f32.load ${ptrs[j + 1]}))` : `(v128.load ${ptrs[j + 1]})`));
            fn.emit(`(v128.store ${ptrs[0]} ${vector(xs, fn)})`);
          },
        }
      : {}),
  });
}

/** Helper functions the elementwise kernels call (added to every module; unused ones are removed by the optimizer). */
export const ELEMENTWISE_HELPERS = `
(func $sigmoid_of (param $x f32) (param $t f64) (result f32)
  (f32.demote_f64 (select
    (f64.div (f64.const 1) (f64.add (f64.const 1) (local.get $t)))
    (f64.div (local.get $t) (f64.add (f64.const 1) (local.get $t)))
    (f32.ge (local.get $x) (f32.const 0)))))
(func $cexp_re (param $e f64) (param $im f64) (result f32)
  (f32.demote_f64 (f64.mul (local.get $e) (call $math_cos (local.get $im)))))
(func $cexp_im (param $e f64) (param $im f64) (result f32)
  (f32.demote_f64 (f64.mul (local.get $e) (call $math_sin (local.get $im)))))
(func $csqrt_re (param $re f64) (param $r f64) (result f64)
  (f64.sqrt (f64.div (f64.add (local.get $r) (local.get $re)) (f64.const 2))))
(func $csqrt_im (param $re f64) (param $im f64) (param $r f64) (result f64)
  (f64.mul (select (f64.const -1) (f64.const 1) (f64.lt (local.get $im) (f64.const 0)))
    (f64.sqrt (f64.max (f64.const 0) (f64.div (f64.sub (local.get $r) (local.get $re)) (f64.const 2))))))
`;

/**
 * One loop for a fused group (fusion.ts): per output element, load each leaf once (negating the
 * imaginary part of conj-parity leaves), compute every member in order into locals, store the
 * root. Real f32 groups whose every member has a 4-lane form run SIMD on the innermost dim.
 * Like single ops, a group whose loop collapses to rank ≤ 3 calls a shared helper keyed by its
 * structure (ops, attributes, operand kinds), so repeated chains share one function.
 */
export function fusedKernel(ctx: Ctx, fn: Fn, root: Node, members: readonly number[]): void {
  const g = ctx.g;
  const nodes = members.map((id) => g.nodes[id]!);
  const inside = new Set(members);
  const leaves: Node[] = [];
  for (const m of nodes) for (const i of m.inputs) if (!inside.has(i) && !leaves.some((l) => l.id === i)) leaves.push(g.nodes[i]!);
  const lk = leaves.map(kindOf);
  const conj = leaves.map((x) => ctx.plan.conjParity[x.id] === 1);
  const out = kindOf(root);
  const ops = [
    { base: addr(ctx, root), strides: strides(root.shape).map((s) => s * elemBytes(out)) },
    ...leaves.map((x, j) => ({ base: addr(ctx, x), strides: bcastStrides(x.shape, root.shape, elemBytes(lk[j]!)) })),
  ];
  const valType = (k: Kind): "i32" | "f32" => (k === "i" ? "i32" : "f32");
  const ref = (id: number) => (inside.has(id) ? `m${members.indexOf(id)}` : `l${leaves.findIndex((l) => l.id === id)}`);
  const scalar = (f: Fn, o: string, ptrs: readonly string[]): void => {
    const val = new Map<string, Val>();
    leaves.forEach((_, j) => {
      const k = lk[j]!, p = ptrs[j]!;
      const re = f.local(`fl${j}r_${k}`, valType(k));
      f.emit(set(re, load(k, p)));
      if (k !== "c") return void val.set(`l${j}`, { re: get(re) });
      const im = f.local(`fl${j}i`, "f32");
      f.emit(set(im, conj[j] ? `(f32.neg ${load(k, p, 4)})` : load(k, p, 4)));
      val.set(`l${j}`, { re: get(re), im: get(im) });
    });
    nodes.forEach((m, q) => {
      const v = scalarOf(ctx, m, m.inputs.map((i) => val.get(ref(i))!), m.inputs.map((i) => kindOf(g.nodes[i]!)));
      const k = kindOf(m);
      const re = f.local(`fm${q}r_${k}`, valType(k));
      f.emit(set(re, v.re));
      if (k !== "c") return void val.set(`m${q}`, { re: get(re) });
      const im = f.local(`fm${q}i`, "f32");
      f.emit(set(im, v.im ?? F0));
      val.set(`m${q}`, { re: get(re), im: get(im) });
    });
    const r = val.get(`m${nodes.length - 1}`)!;
    if (out === "c") f.emit(store(out, o, r.re), store(out, o, r.im!, 4));
    else f.emit(store(out, o, r.re));
  };
  const simd = out === "f" && lk.every((k) => k === "f") && nodes.every((m) => m.op !== "cast" && kindOf(m) === "f" && m.inputs.every((i) => kindOf(g.nodes[i]!) === "f") && vectorOf(m, m.inputs.map(() => "x"), () => "$t") !== null);
  const vector = (xs: readonly string[], f: Fn): string => {
    // a chain of v128 expressions would repeat shared members; fused SIMD groups are trees of single-use members
    const val = new Map<string, string>(leaves.map((_, j) => [`l${j}`, xs[j]!]));
    const temp = vectorTemps(f);
    nodes.forEach((m, q) => val.set(`m${q}`, vectorOf(m, m.inputs.map((i) => val.get(ref(i))!), temp)!));
    return val.get(`m${nodes.length - 1}`)!;
  };
  // complex groups two results at a time: every member complex with a lane form (members in v128 locals)
  const lanes = out === "c" && nodes.every((m) => hasComplexLanes(m, m.inputs.map((i) => kindOf(g.nodes[i]!))));
  const cvector = (f: Fn, xs: readonly string[]): string => {
    const val = new Map<string, string>(leaves.map((_, j) => [`l${j}`, conj[j] ? complexLanes("conj", get(xs[j]!)) : get(xs[j]!)]));
    nodes.forEach((m, q) => {
      const e = complexLanes(m.op, ...(m.inputs.map((i) => val.get(ref(i))!) as [string, string?]));
      if (q === nodes.length - 1) return void val.set(`m${q}`, e);
      const local = f.local(`cm${q}`, "v128");
      f.emit(set(local, e));
      val.set(`m${q}`, get(local));
    });
    return val.get(`m${nodes.length - 1}`)!;
  };
  // a member read twice would be computed twice in a vector expression tree: SIMD only for trees
  const tree = nodes.every((m) => new Set(m.inputs).size === m.inputs.length);
  const c = collapse(root.shape, ops);
  const fit = padRank(c.dims, c.strides, 3);
  if (fit) {
    const structure = JSON.stringify([out, lk.map((k, j) => (conj[j] ? "C" : k)), nodes.map((m) => [m.op, m.attrs, kindOf(m), m.inputs.map(ref)])]);
    const names = fusedNames.get(ctx.h) ?? new Map<string, string>();
    fusedNames.set(ctx.h, names);
    if (!names.has(structure)) names.set(structure, `fz${names.size}`);
    const name = ewHelper(ctx.h, {
      key: names.get(structure)!, arity: leaves.length, outBytes: elemBytes(out), scalar, vector: simd && tree ? vector : null, cvector: lanes ? cvector : null, kinds: lk,
      ...(simd && tree ? { pattern: leaves.map((_, j) => operandPattern(fit.strides[j + 1]!, 4)) } : {}),
    });
    const leafArgs = leaves.length === 1 ? [ops[1]!.base, 0] : leaves.map((_, j) => ops[j + 1]!.base);
    const strideArgs = leaves.length === 1 ? [...fit.strides[1]!, 0, 0, 0] : leaves.flatMap((_, j) => fit.strides[j + 1]!);
    ctx.call(name, [ops[0]!.base as number, ...(leafArgs as number[]), ...fit.dims, ...strideArgs]);
    return;
  }
  affine(fn, root.shape, ops, {
    elem: [elemBytes(out), ...lk.map(elemBytes)],
    scalar: (ptrs) => scalar(fn, ptrs[0]!, ptrs.slice(1)),
    ...(simd && tree ? {
      vector(ptrs: readonly string[], bc: readonly boolean[]) {
        const xs = leaves.map((_, j) => (bc[j + 1] ? `(f32x4.splat (f32.load ${ptrs[j + 1]}))` : `(v128.load ${ptrs[j + 1]})`));
        fn.emit(`(v128.store ${ptrs[0]} ${vector(xs, fn)})`);
      },
    } : {}),
  });
}

/** Fresh v128 locals of `f` for one vector expression (vt0, vt1, …; a later expression reuses them: they live only inside it). */
function vectorTemps(f: Fn): () => string {
  let k = 0;
  return () => f.local(`vt${k++}`, "v128");
}

/** Per module being assembled: fused-group structure → its shared helper's key. */
const fusedNames = new WeakMap<Helpers, Map<string, string>>();
