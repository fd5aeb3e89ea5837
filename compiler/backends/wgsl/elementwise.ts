/**
 * Fused elementwise kernels: one invocation per element of a group's root (fuse.ts), which
 * evaluates the members as `let`s at their index variables — through index steps for slices,
 * pads (masked by their window), transposes and broadcasts, the same flat index through reshapes
 * — loads the leaves at their flat indices and stores the root. The kernel text depends on the
 * group's structure (ops, attributes, kinds, step ranks), not on shapes or offsets, which come
 * from the parameter block.
 * Values: f32 for real, vec2f (re, im) for complex, i32 for i32. The expressions follow the
 * interpreter's formulas (compiler/backends/interp/elementwise.ts); transcendental functions
 * are the prelude's (lib.ts).
 */
import { strides } from "../../ir/types.js";
import type { Node } from "../../ir/graph.js";
import { F32_MIN_NORMAL } from "../../../runtime/backend.js";
import { grid, header1d, nodeOf, off, Params, type Ctx } from "./ctx.js";
import { indexStep, isMoving, isReduce, reduceViews, stepView } from "./fuse.js";
import { flit } from "./lib.js";
import { kindOf, width, type Kind } from "./plan.js";

interface Val { readonly e: string; readonly k: Kind }

/** Word strides of x read at every index of outShape (0 on broadcast axes). */
export function broadcastStrides(xShape: readonly number[], outShape: readonly number[], w: number): number[] {
  const st = strides(xShape);
  const lead = outShape.length - xShape.length;
  return outShape.map((_, k) => (k < lead || xShape[k - lead] === 1 ? 0 : st[k - lead]! * w));
}

const asComplex = (v: Val): string => (v.k === "c" ? v.e : `vec2f(${v.e}, 0.0)`);
const sel = (f: string, t: string, c: string): string => `select(${f}, ${t}, ${c})`;

function realUnary(n: Node, x: string): string {
  const at = n.attrs;
  switch (n.op) {
    case "neg": return `-${x}`;
    case "exp": return `pexp(${x})`;
    case "log": return `plog(${x})`;
    case "sqrt": return `sqrt(${x})`;
    case "abs": return `abs(${x})`;
    case "sin": return `psin(${x})`;
    case "cos": return `pcos(${x})`;
    case "tanh": return `ptanh(${x})`;
    case "sigmoid": return `psigmoid(${x})`;
    case "relu": return sel("0.0", x, `${x} > 0.0`);
    case "square": case "abs2": return `${x} * ${x}`;
    case "recip": return `1.0 / ${x}`;
    case "sign": return sel(sel("0.0", "-1.0", `${x} < 0.0`), "1.0", `${x} > 0.0`);
    case "conj": case "real": case "stop_gradient": return x;
    case "imag": return "0.0";
    case "angle": return `patan2(0.0, ${x})`;
    case "flush": return sel(x, "0.0", `abs(${x}) < ${flit(F32_MIN_NORMAL)}`);
    case "clip": {
      const lo = flit(at.lo as number), hi = flit(at.hi as number);
      return sel(sel(x, hi, `${x} > ${hi}`), lo, `${x} < ${lo}`);
    }
    case "quantize": {
      // y = lo + round((c − lo)/Δ)·Δ with lo/Δ = A split into whole A_i and fraction A_f on the
      // host (float64): y = floor(c/Δ − A_f + ½)·Δ + (lo − A_i·Δ), all terms small, so f32 keeps
      // the precision the interpreter's float64 has (lo may be −2π·1024 for a phase grid)
      const lo = at.lo as number, hi = at.hi as number;
      const step = (hi - lo) / (2 ** (at.bits as number) - 1);
      const A = lo / step, Ai = Math.floor(A), Af = A - Ai;
      const c = sel(sel(x, flit(hi), `${x} > ${flit(hi)}`), flit(lo), `${x} < ${flit(lo)}`);
      return `floor(${c} / ${flit(step)} + ${flit(0.5 - Af)}) * ${flit(step)} + ${flit(lo - Ai * step)}`;
    }
    default: throw new Error(`wgsl: no real unary kernel for ${n.op}`);
  }
}

function complexUnary(n: Node, z: string): Val {
  switch (n.op) {
    case "neg": return { e: `-${z}`, k: "c" };
    case "conj": return { e: `vec2f(${z}.x, -${z}.y)`, k: "c" };
    case "stop_gradient": return { e: z, k: "c" };
    case "exp": return { e: `cexp(${z})`, k: "c" };
    case "log": return { e: `clog(${z})`, k: "c" };
    case "sqrt": return { e: `csqrt(${z})`, k: "c" };
    case "square": return { e: `vec2f(${z}.x * ${z}.x - ${z}.y * ${z}.y, 2.0 * ${z}.x * ${z}.y)`, k: "c" };
    case "recip": return { e: `cdiv(vec2f(1.0, 0.0), ${z})`, k: "c" };
    case "abs": return { e: `chypot(${z})`, k: "f" };
    case "real": return { e: `${z}.x`, k: "f" };
    case "imag": return { e: `${z}.y`, k: "f" };
    case "abs2": return { e: `${z}.x * ${z}.x + ${z}.y * ${z}.y`, k: "f" };
    case "angle": return { e: `patan2(${z}.y, ${z}.x)`, k: "f" };
    default: throw new Error(`wgsl: no complex unary kernel for ${n.op}`);
  }
}

function i32Unary(n: Node, x: string): string {
  switch (n.op) {
    case "neg": return `-${x}`;
    case "abs": return sel(x, `-${x}`, `${x} < 0`);
    case "sign": return sel(sel("0", "-1", `${x} < 0`), "1", `${x} > 0`);
    case "stop_gradient": case "conj": case "real": return x;
    default: throw new Error(`wgsl: no i32 unary kernel for ${n.op}`);
  }
}

function binary(op: string, a: Val, b: Val, out: Kind): string {
  if (out === "c") {
    const x = asComplex(a), y = asComplex(b);
    switch (op) {
      case "add": return `${x} + ${y}`;
      case "sub": return `${x} - ${y}`;
      case "mul": return `cmul(${x}, ${y})`;
      case "div": return `cdiv(${x}, ${y})`;
      default: throw new Error(`wgsl: no complex binary kernel for ${op}`);
    }
  }
  const x = a.e, y = b.e;
  const [one, zero] = out === "i" ? ["1", "0"] : ["1.0", "0.0"];
  switch (op) {
    case "add": return `${x} + ${y}`;
    case "sub": return `${x} - ${y}`;
    case "mul": return `${x} * ${y}`;
    case "div": return `${x} / ${y}`;
    case "pow": return `ppow(${x}, ${y})`;
    case "max": return sel(y, x, `${x} >= ${y}`);
    case "min": return sel(y, x, `${x} <= ${y}`);
    case "eq": return sel(zero, one, `${x} == ${y}`);
    case "ge": return sel(zero, one, `${x} >= ${y}`);
    case "gt": return sel(zero, one, `${x} > ${y}`);
    default: throw new Error(`wgsl: no ${out === "i" ? "i32" : "real"} binary kernel for ${op}`);
  }
}

function castOf(v: Val, to: Kind): string {
  if (to === v.k) return v.e;
  if (to === "i") return `i32(${v.k === "c" ? `${v.e}.x` : v.e})`;
  const re = v.k === "i" ? `f32(${v.e})` : v.k === "c" ? `${v.e}.x` : v.e;
  return to === "c" ? `vec2f(${re}, 0.0)` : re;
}

/** One member's value from its operands' values. */
function valueOf(n: Node, xs: readonly Val[]): string {
  const out = kindOf(n);
  if (n.op === "cast") return castOf(xs[0]!, out);
  if (n.op === "complex") return `vec2f(${xs[0]!.e}, ${xs[1]!.e})`;
  if (xs.length === 2) return binary(n.op, xs[0]!, xs[1]!, out);
  const x = xs[0]!;
  if (n.op === "expi") return `psincos(${x.e}).yx`;
  if (x.k === "c") return complexUnary(n, x.e).e;
  if (x.k === "i") return i32Unary(n, x.e);
  return realUnary(n, x.e);
}

const wgslType = (k: Kind): string => (k === "c" ? "vec2f" : k === "i" ? "i32" : "f32");
const load = (k: Kind, at: string): string => (k === "c" ? `ldc(${at})` : k === "i" ? `ldi(${at})` : `ld(${at})`);
const store = (k: Kind, at: string, v: string): string => (k === "c" ? `stc(${at}, ${v})` : k === "i" ? `sti(${at}, ${v})` : `st(${at}, ${v})`);
const zeroOf = (k: Kind): string => (k === "c" ? "vec2f(0.0, 0.0)" : k === "i" ? "0" : "0.0");

/**
 * The kernel of the group rooted at `root` (fuse.ts), and its dispatch. Index variables are i32
 * flat indices (a pad's step may leave the operand's range; its window masks the value).
 * Parameters: [count, out base, leaf bases…, steps…]; a step is [shift, (dim, coef[, lo, hi])…]
 * innermost first, its rank fixed in the kernel text.
 */
export function elementwiseGroup(ctx: Ctx, root: Node): void {
  const members = ctx.plan.fusion.members.get(root.id)!;
  const leaves = ctx.plan.fusion.leaves.get(root.id)!;
  const count = root.shape.reduce((a, b) => a * b, 1);
  const inGroup = new Set(members);
  const p = new Params().u(count).u(off(ctx, root));
  for (const id of leaves) p.u(off(ctx, id));
  const lines: string[] = [];
  const memo = new Map<string, Val>();
  const steps = new Map<string, { idx: string; ok: string | null }>();
  // parameter slots per edge (a node evaluated at several indices reuses its steps' parameters)
  const slots = new Map<string, number>();
  const labels: string[] = [];
  let nv = 0, ns = 0;

  const step = (r: Node, x: Node, idx: string): { idx: string; ok: string | null } => {
    const s = indexStep(r, x);
    if (!s) return { idx, ok: null };
    const key = `${r.id}>${x.id}@${idx}`;
    const had = steps.get(key);
    if (had) return had;
    const v = stepView(s);
    const edge = `${r.id}>${x.id}`;
    const known = slots.get(edge);
    const slot = known ?? p.at;
    if (known === undefined) {
      slots.set(edge, slot);
      p.i(v.shift);
      v.dims.forEach((_, d) => { p.u(v.dims[d]!).i(v.coef[d]!); if (v.windowed) p.u(v.lo[d]!).u(v.hi[d]!); });
    }
    const k = ns++;
    const out = `s${k}`;
    const full = v.dims.reduce((a, b) => a * b, 1) === s.dims.reduce((a, b) => a * b, 1);
    lines.push(`  var su${k} = u32(${idx});`, `  var ${out} = bitcast<i32>(p(${slot}u));`);
    const conds: string[] = [];
    v.dims.forEach((_, d) => {
      const base = slot + 1 + d * (v.windowed ? 4 : 2);
      const last = d === v.dims.length - 1;
      const c = `c${k}_${d}`;
      lines.push(`  let ${c} = ${last && full ? `su${k}` : `su${k} % p(${base}u)`};${last ? "" : ` su${k} = su${k} / p(${base}u);`}`);
      lines.push(`  ${out} = ${out} + i32(${c}) * bitcast<i32>(p(${base + 1}u));`);
      if (v.windowed) conds.push(`${c} >= p(${base + 2}u) && ${c} < p(${base + 3}u)`);
    });
    const res = { idx: out, ok: v.windowed ? `(${conds.join(" && ")})` : null };
    steps.set(key, res);
    return res;
  };

  /** A compact view [base, (dim, stride)…] at the next parameter words; the offset expression of idx. */
  const view = (v: { dims: readonly number[]; strides: readonly number[] }, count: number, idx: string): string => {
    const slot = p.at;
    p.u(0);
    v.dims.forEach((d, k) => p.u(d).u(v.strides[k]!));
    const full = v.dims.reduce((a, b) => a * b, 1) === count;
    const terms = v.dims.map((_, k) => {
      const last = k === v.dims.length - 1;
      let c = idx;
      for (let q = 0; q < k; q++) c = `(${c} / p(${slot + 1 + 2 * q}u))`;
      if (!(last && full)) c = `(${c} % p(${slot + 1 + 2 * k}u))`;
      return `${c} * p(${slot + 2 + 2 * k}u)`;
    });
    return terms.length ? `(p(${slot}u) + ${terms.join(" + ")})` : `p(${slot}u)`;
  };

  /** A reduction root: its operand evaluated inside the loop over the reduced elements. */
  const reduction = (r: Node): string => {
    const x = nodeOf(ctx, r.inputs[0]!);
    const k = kindOf(x);
    const rv = reduceViews(r, x);
    const nOut = count;
    const b = view(rv.kept, nOut, "i");
    const off = view(rv.red, rv.count, "j");
    const nred = p.at;
    p.u(rv.count);
    lines.push(`    let t0 = i32(b + ${off});`);
    const v = at(x, "t0");
    const body = lines.map((l) => "  " + l).join("\n");
    let loop: string;
    if (r.op === "reduce_max") {
      const init = k === "i" ? "-2147483647 - 1" : "-f_inf()";
      loop = `  var acc: ${wgslType(k)} = ${init};
  for (var j = 0u; j < p(${nred}u); j++) {
${body}
    if (${v.e} > acc${k === "i" ? "" : ` || is_nan(${v.e})`}) { acc = ${v.e}; }
  }`;
    } else if (k === "i") {
      loop = `  var acc = 0;
  for (var j = 0u; j < p(${nred}u); j++) {
${body}
    acc = acc + ${v.e};
  }`;
    } else {
      // Kahan: c carries the low-order bits each addition loses
      loop = `  var acc = ${zeroOf(k)};
  var c = ${zeroOf(k)};
  for (var j = 0u; j < p(${nred}u); j++) {
${body}
    let y = ${v.e} - c;
    let t = acc + y;
    c = (t - acc) - y;
    acc = t;
  }${r.op === "reduce_mean" ? `\n  acc = acc / f32(p(${nred}u));` : ""}`;
    }
    labels.push(r.op);
    return `${header1d()}
  let b = ${b};
${loop}
  ${store(kindOf(r), `p(1u) + ${width(kindOf(r)) === 2 ? "2u * i" : "i"}`, "acc")};
}`;
  };

  const at = (x: Node, idx: string): Val => {
    const key = `${x.id}@${idx}`;
    const had = memo.get(key);
    if (had) return had;
    const k = kindOf(x);
    const name = `v${nv++}`;
    let e: string;
    if (!inGroup.has(x.id)) {
      const j = leaves.indexOf(x.id);
      e = load(k, `p(${2 + j}u) + u32(${idx})${width(k) === 2 ? " * 2u" : ""}`);
    } else if (x.op === "concat") {
      // pieces along the axis: coordinate c of the axis picks piece q (offset o_q, size d_q)
      const ax = x.attrs.axis as number;
      const inner = x.shape.slice(ax + 1).reduce((a, b) => a * b, 1), D = x.shape[ax]!;
      const known = slots.get(`concat ${x.id}`);
      const slot = known ?? p.at;
      if (known === undefined) {
        slots.set(`concat ${x.id}`, slot);
        p.u(inner).u(D);
        let at0 = 0;
        for (const id of x.inputs) { const d = nodeOf(ctx, id).shape[ax]!; p.u(at0).u(d); at0 += d; }
      }
      const q = nv++;
      lines.push(`  let cu${q} = u32(${idx});`, `  let ci${q} = cu${q} % p(${slot}u);`, `  let ca${q} = (cu${q} / p(${slot}u)) % p(${slot + 1}u);`, `  let co${q} = cu${q} / (p(${slot}u) * p(${slot + 1}u));`);
      const pieces = x.inputs.map((id, j) => {
        const o = nodeOf(ctx, id);
        const pos = slot + 2 + 2 * j;
        lines.push(`  let cx${q}_${j} = i32((co${q} * p(${pos + 1}u) + (ca${q} - p(${pos}u))) * p(${slot}u) + ci${q});`);
        return { v: at(o, `cx${q}_${j}`), pos };
      });
      e = pieces[pieces.length - 1]!.v.e;
      for (let j = pieces.length - 2; j >= 0; j--) e = `select(${e}, ${pieces[j]!.v.e}, ca${q} < p(${pieces[j + 1]!.pos}u))`;
      labels.push("concat");
    } else if (isMoving(x)) {
      const o = nodeOf(ctx, x.inputs[0]!);
      const s = step(x, o, idx);
      const v = at(o, s.idx);
      e = s.ok ? `select(${zeroOf(k)}, ${v.e}, ${s.ok})` : v.e;
      labels.push(x.op);
    } else {
      const vals = x.inputs.map((id) => { const o = nodeOf(ctx, id); return at(o, step(x, o, idx).idx); });
      e = valueOf(x, vals);
      labels.push(x.op);
    }
    lines.push(`  let ${name}: ${wgslType(k)} = ${e};`);
    const v = { e: name, k };
    memo.set(key, v);
    return v;
  };

  const out = kindOf(root);
  let code: string;
  if (isReduce(root)) code = reduction(root);
  else {
    lines.push("  let t0 = i32(i);");
    const value = at(root, "t0");
    code = `${header1d()}
${lines.join("\n")}
  ${store(out, `p(1u) + ${width(out) === 2 ? "2u * i" : "i"}`, value.e)};
}`;
  }
  const k = ctx.kernel(`ew ${labels.join(" ")}`, code);
  if (count === 0) return;
  ctx.dispatch(k, grid(count), p);
}
