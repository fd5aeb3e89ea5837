/**
 * Fused elementwise kernels: one invocation per element of a group's root (fuse.ts), which
 * loads each leaf through its strided view (broadcast strides, collapsed), evaluates every member
 * as a `let` in topological order and stores the root. The kernel text depends only on the
 * group's structure (ops, attributes, kinds), not on shapes or offsets, which come from the
 * parameter block: [count, out base, view of leaf 0, view of leaf 1, …].
 * Values: f32 for real, vec2f (re, im) for complex, i32 for i32. The expressions follow the
 * interpreter's formulas (compiler/backends/interp/elementwise.ts); transcendental functions
 * are the prelude's (lib.ts).
 */
import { strides } from "../../ir/types.js";
import type { Node } from "../../ir/graph.js";
import { collapseView, grid, header1d, nodeOf, off, Params, viewOffset, VIEW_WORDS, type Ctx } from "./ctx.js";
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

/** The kernel of the group rooted at `root`, and its dispatch. */
export function elementwiseGroup(ctx: Ctx, root: Node): void {
  const members = ctx.plan.fusion.members.get(root.id)!;
  const count = root.shape.reduce((a, b) => a * b, 1);
  const leaves = ctx.plan.fusion.leaves.get(root.id)!;
  const name = new Map<number, Val>();
  const lines: string[] = [];
  const views = leaves.map((id) => {
    const x = nodeOf(ctx, id);
    return collapseView(off(ctx, x), root.shape, broadcastStrides(x.shape, root.shape, width(kindOf(x))));
  });
  leaves.forEach((id, j) => {
    const k = kindOf(nodeOf(ctx, id));
    lines.push(`  let x${j}: ${wgslType(k)} = ${load(k, viewOffset(2 + j * VIEW_WORDS, views[j]!, count, "i"))};`);
    name.set(id, { e: `x${j}`, k });
  });
  const labels: string[] = [];
  members.forEach((m, q) => {
    const n = nodeOf(ctx, m);
    const k = kindOf(n);
    lines.push(`  let v${q}: ${wgslType(k)} = ${valueOf(n, n.inputs.map((x) => name.get(x)!))};`);
    name.set(m, { e: `v${q}`, k });
    labels.push(n.op);
  });
  const out = kindOf(root);
  const w = width(out);
  const code = `${header1d()}
${lines.join("\n")}
  ${store(out, `p(1u) + ${w === 2 ? "2u * i" : "i"}`, name.get(root.id)!.e)};
}`;
  // local names are relative to the group (v<index>), so equal structures share one kernel text
  const k = ctx.kernel(`ew ${labels.join(" ")}`, code);
  if (count === 0) return;
  const p = new Params().u(count).u(off(ctx, root));
  for (const v of views) p.view(v);
  ctx.dispatch(k, grid(count), p);
}
