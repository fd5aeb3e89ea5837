/**
 * Shared, runtime-strided kernels: one function per (op, dtypes) reused by every node of that
 * kind, so a node is a single call with constant arguments in the entry function. This keeps
 * modules with thousands of tiny ops (meshes lowered element by element) small and quick to
 * build. Shapes are still static: the arguments are compile-time constants.
 *   ew_*  elementwise, up to rank 3 after collapsing (SIMD on the innermost dim when it is
 *         contiguous or broadcast for every operand and the op has a 4-lane form; complex
 *         results two at a time, (re, im, re, im) per v128, when every op has a complex lane form);
 *   mv4/mv8  strided copy of 4- or 8-byte elements, rank ≤ 4 (rows copied with memory.copy);
 *   radd_*   out[affine] += x[affine], rank ≤ 4 (reduce_sum / reduce_mean).
 */
import type { Node } from "../../ir/graph.js";
import type { Ctx } from "./ctx.js";
import { counted, f32c, Fn, get, i32c, set } from "./wat.js";

const add = (l: string, by: string): string => set(l, `(i32.add ${get(l)} ${by})`);

export interface Helpers {
  readonly texts: Map<string, string>;
}

function nested(fn: Fn, rank: number, ptrs: string[], dims: string[], str: (ptr: number, dim: number) => string, inner: (p: string[]) => void): void {
  // levels 0..rank-2 are plain loops; the caller handles the innermost dim in `inner`
  const level = (k: number, cur: string[]): void => {
    if (k === rank - 1) { inner(cur); return; }
    const next = cur.map((_, j) => fn.local(`q${k}_${j}`, "i32"));
    counted(fn, `c${k}`, get(dims[k]!), () => {
      next.forEach((q, j) => fn.emit(set(q, get(cur[j]!))));
      level(k + 1, next);
      cur.forEach((p, j) => fn.emit(add(p, get(str(j, k)))));
    });
  };
  level(0, ptrs);
}

export interface EwSpec {
  readonly key: string;
  /** Operands (≥ 1; fused groups have one per outside value). */
  readonly arity: number;
  readonly outBytes: number;
  /** Scalar body: given operand pointers, emit code storing one output element at out. */
  scalar(fn: Fn, out: string, ins: readonly string[]): void;
  /** 4-lane body on v128 operand expressions, or null (`fn`: where it may declare v128 temporaries). */
  vector: ((xs: readonly string[], fn: Fn) => string) | null;
  /**
   * Complex results two at a time: given v128 locals holding two complex operand values each
   * ((re, im, re, im); real operands widened to (x, 0, y, 0)), emit code and return the v128
   * expression of the two results; null when some op has no such form. Needs `kinds`.
   */
  cvector?: ((fn: Fn, xs: readonly string[]) => string) | null;
  /** Operand kinds ("f" or "c"; i32 operands have no complex vector form). */
  kinds?: readonly ("f" | "c" | "i")[];
  /**
   * What the call sites' strides say about each operand, fixed at compile time (operandPattern):
   * "scalar" (stride 0 on every dim: splat once before the loop), "dense" (innermost stride 4:
   * a plain v128.load), "strided" (decided in the loop). Part of the function's identity.
   */
  pattern?: readonly OperandPattern[];
}

export type OperandPattern = "scalar" | "dense" | "strided";

/** An operand's pattern from its (collapsed, padded) byte strides and element size. */
export function operandPattern(strides: readonly number[], elemBytes: number): OperandPattern {
  if (strides.every((s) => s === 0)) return "scalar";
  return strides[strides.length - 1] === elemBytes ? "dense" : "strided";
}

/** (x, y) real f32 pair at p, widened to complex lanes (x, 0, y, 0). */
const widenPair = (p: string): string => `(i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 16 17 18 19 (v128.load64_zero ${p}) (v128.const i32x4 0 0 0 0))`;
/** One real f32 at p as complex lanes (x, 0, x, 0). */
const widenSplat = (p: string): string => `(v128.and (v128.load32_splat ${p}) (v128.const i32x4 -1 0 -1 0))`;

/** Name of the shared elementwise function for this spec (created on first use). */
export function ewHelper(h: Helpers, s: EwSpec): string {
  const pat = (j: number): OperandPattern => s.pattern?.[j] ?? "strided";
  const name = `ew_${s.key}${s.pattern ? "_" + s.pattern.map((q) => q[0]).join("") : ""}`;
  if (h.texts.has(name)) return name;
  // params: o, a, b (b unused by unary ops), x2 … for wider fused groups, d0..2, then 3 strides per operand
  const names = ["a", "b", ...Array.from({ length: Math.max(0, s.arity - 2) }, (_, j) => `x${j + 2}`)];
  const params: [string, "i32"][] = [["o", "i32"], ...names.map((x): [string, "i32"] => [x, "i32"])];
  for (let k = 0; k < 3; k++) params.push([`d${k}`, "i32"]);
  for (const x of names) for (let k = 0; k < 3; k++) params.push([`s${x}${k}`, "i32"]);
  const fn = new Fn(name, params, true);
  // the output is dense: $o only moves forward, in the innermost loop
  const strideOf = (j: number, k: number): string => `$s${names[j]}${k}`;
  const ops = names.slice(0, s.arity).map((x) => `$${x}`);
  const o = "$o";
  nested(fn, 3, ops, ["$d0", "$d1", "$d2"], strideOf, (xs) => {
    const rem = fn.local("rem", "i32");
    fn.emit(set(rem, get("$d2")));
    if (s.vector) {
      // operands known to be scalar or dense need no test here, and no test in the loop
      const ok = xs.flatMap((_, j) => {
        if (pat(j) !== "strided") return [];
        const st = get(strideOf(j, 2));
        return [`(i32.or (i32.eqz ${st}) (i32.eq ${st} (i32.const 4)))`];
      }).reduce((x, y) => `(i32.and ${x} ${y})`, "(i32.const 1)");
      fn.emit(`(if (i32.and (i32.ge_u ${get("$d2")} (i32.const 4)) ${ok}) (then`);
      const splats = xs.map((x, j) => {
        if (pat(j) !== "scalar") return undefined;
        const v = fn.local(`sp${j}`, "v128");
        fn.emit(set(v, `(f32x4.splat (f32.load ${get(x)}))`));
        return v;
      });
      counted(fn, "v", `(i32.shr_u ${get("$d2")} (i32.const 2))`, () => {
        const loads = xs.map((x, j) => {
          if (pat(j) === "scalar") return get(splats[j]!);
          if (pat(j) === "dense") return `(v128.load ${get(x)})`;
          const st = get(strideOf(j, 2));
          return `(if (result v128) ${st} (then (v128.load ${get(x)})) (else (f32x4.splat (f32.load ${get(x)}))))`;
        });
        fn.emit(`(v128.store ${get(o)} ${s.vector!(loads, fn)})`, add(o, "(i32.const 16)"));
        xs.forEach((x, j) => {
          if (pat(j) === "dense") fn.emit(add(x, "(i32.const 16)"));
          else if (pat(j) === "strided") fn.emit(add(x, `(i32.shl ${get(strideOf(j, 2))} (i32.const 2))`));
        });
      });
      fn.emit(set(rem, `(i32.and ${get("$d2")} (i32.const 3))`), "))");
    }
    if (s.cvector && s.kinds && s.outBytes === 8 && s.kinds.every((k) => k !== "i")) {
      // two complex results per step: every operand contiguous (8-byte complex, 4-byte real) or broadcast
      const ok = xs.map((_, j) => {
        const st = get(strideOf(j, 2));
        return `(i32.or (i32.eqz ${st}) (i32.eq ${st} (i32.const ${s.kinds![j] === "c" ? 8 : 4})))`;
      }).reduce((x, y) => `(i32.and ${x} ${y})`);
      fn.emit(`(if (i32.and (i32.ge_u ${get("$d2")} (i32.const 2)) ${ok}) (then`);
      counted(fn, "cv", `(i32.shr_u ${get("$d2")} (i32.const 1))`, () => {
        const vs = xs.map((x, j) => {
          const st = get(strideOf(j, 2));
          const v = fn.local(`cv${j}`, "v128");
          const [moved, same] = s.kinds![j] === "c" ? [`(v128.load ${get(x)})`, `(v128.load64_splat ${get(x)})`] : [widenPair(get(x)), widenSplat(get(x))];
          fn.emit(set(v, `(if (result v128) ${st} (then ${moved}) (else ${same}))`));
          return v;
        });
        fn.emit(`(v128.store ${get(o)} ${s.cvector!(fn, vs)})`, add(o, "(i32.const 16)"));
        xs.forEach((x, j) => fn.emit(add(x, `(i32.shl ${get(strideOf(j, 2))} (i32.const 1))`)));
      });
      fn.emit(set(rem, `(i32.and ${get("$d2")} (i32.const 1))`), "))");
    }
    counted(fn, "t", get(rem), () => {
      s.scalar(fn, get(o), xs.map(get));
      fn.emit(add(o, i32c(s.outBytes)));
      xs.forEach((x, j) => fn.emit(add(x, get(strideOf(j, 2)))));
    });
  });
  h.texts.set(name, fn.text());
  return name;
}

/** Strided copy of eb-byte elements over rank ≤ 4: mv{eb}(dst, src, d0..3, sd0..3, ss0..3). */
export function moveHelper(h: Helpers, eb: 4 | 8): string {
  const name = `mv${eb}`;
  if (h.texts.has(name)) return name;
  const params: [string, "i32"][] = [["o", "i32"], ["a", "i32"]];
  for (let k = 0; k < 4; k++) params.push([`d${k}`, "i32"]);
  for (const x of ["o", "a"]) for (let k = 0; k < 4; k++) params.push([`s${x}${k}`, "i32"]);
  const fn = new Fn(name, params, true);
  const t = eb === 8 ? "i64" : "i32";
  nested(fn, 4, ["$o", "$a"], ["$d0", "$d1", "$d2", "$d3"], (j, k) => `$s${j === 0 ? "o" : "a"}${k}`, ([o, a]) => {
    fn.emit(`(if (i32.and (i32.eq ${get("$so3")} ${i32c(eb)}) (i32.eq ${get("$sa3")} ${i32c(eb)})) (then (memory.copy ${get(o!)} ${get(a!)} (i32.mul ${get("$d3")} ${i32c(eb)}))) (else`);
    counted(fn, "e", get("$d3"), () => fn.emit(`(${t}.store ${get(o!)} (${t}.load ${get(a!)}))`, add(o!, get("$so3")), add(a!, get("$sa3"))));
    fn.emit("))");
  });
  h.texts.set(name, fn.text());
  return name;
}

/** out[affine] += x[affine] over rank ≤ 4: radd_{f,c,i}(o, x, d0..3, so0..3, sx0..3). */
export function raddHelper(h: Helpers, kind: "f" | "c" | "i"): string {
  const name = `radd_${kind}`;
  if (h.texts.has(name)) return name;
  const params: [string, "i32"][] = [["o", "i32"], ["a", "i32"]];
  for (let k = 0; k < 4; k++) params.push([`d${k}`, "i32"]);
  for (const x of ["o", "a"]) for (let k = 0; k < 4; k++) params.push([`s${x}${k}`, "i32"]);
  const fn = new Fn(name, params, true);
  const t = kind === "i" ? "i32" : "f32";
  nested(fn, 4, ["$o", "$a"], ["$d0", "$d1", "$d2", "$d3"], (j, k) => `$s${j === 0 ? "o" : "a"}${k}`, ([o, a]) => {
    const rem = fn.local("rem", "i32");
    fn.emit(set(rem, get("$d3")));
    if (kind === "f") {
      fn.emit(`(if (i32.and (i32.ge_u ${get("$d3")} (i32.const 4)) (i32.and (i32.eq ${get("$sa3")} (i32.const 4)) (i32.or (i32.eqz ${get("$so3")}) (i32.eq ${get("$so3")} (i32.const 4))))) (then`);
      counted(fn, "v", `(i32.shr_u ${get("$d3")} (i32.const 2))`, () => {
        fn.emit(`(if ${get("$so3")} (then (v128.store ${get(o!)} (f32x4.add (v128.load ${get(o!)}) (v128.load ${get(a!)})))) (else (f32.store ${get(o!)} (f32.add (f32.load ${get(o!)}) (call $hsum (v128.load ${get(a!)}))))))`,
          add(o!, `(i32.shl ${get("$so3")} (i32.const 2))`), add(a!, "(i32.const 16)"));
      });
      fn.emit(set(rem, `(i32.and ${get("$d3")} (i32.const 3))`), "))");
    }
    counted(fn, "e", get(rem), () => {
      fn.emit(`(${t}.store ${get(o!)} (${t}.add (${t}.load ${get(o!)}) (${t}.load ${get(a!)})))`);
      if (kind === "c") fn.emit(`(f32.store offset=4 ${get(o!)} (f32.add (f32.load offset=4 ${get(o!)}) (f32.load offset=4 ${get(a!)})))`);
      fn.emit(add(o!, get("$so3")), add(a!, get("$sa3")));
    });
  });
  h.texts.set(name, fn.text());
  return name;
}

/** Pads collapsed dims/strides on the left to `rank` (size 1, stride 0); null if too many dims. */
export function padRank(dims: readonly number[], strides: readonly (readonly number[])[], rank: number): { dims: number[]; strides: number[][] } | null {
  if (dims.length > rank) return null;
  const pad = rank - dims.length;
  return {
    dims: [...new Array<number>(pad).fill(1), ...dims],
    strides: strides.map((s) => [...new Array<number>(pad).fill(0), ...s]),
  };
}

/** fill0(o, bytes): zeroes a buffer. */
export function fillHelper(h: Helpers): string {
  if (!h.texts.has("fill0")) {
    const fn = new Fn("fill0", [["o", "i32"], ["n", "i32"]], true);
    fn.emit(`(memory.fill ${get("$o")} (i32.const 0) ${get("$n")})`);
    h.texts.set("fill0", fn.text());
  }
  return "fill0";
}

/** scale(o, n, count): o[0..n) *= 1/count (f32). */
export function scaleHelper(h: Helpers): string {
  if (!h.texts.has("scale")) {
    const fn = new Fn("scale", [["o", "i32"], ["n", "i32"], ["cnt", "i32"]], true);
    const f = fn.local("f", "f32");
    fn.emit(set(f, `(f32.demote_f64 (f64.div (f64.const 1) (f64.convert_i32_u ${get("$cnt")})))`));
    counted(fn, "e", get("$n"), () => fn.emit(`(f32.store ${get("$o")} (f32.mul (f32.load ${get("$o")}) ${get(f)}))`, add("$o", "(i32.const 4)")));
    h.texts.set("scale", fn.text());
  }
  return "scale";
}

export const f32const = f32c;
export type { Ctx, Node };
