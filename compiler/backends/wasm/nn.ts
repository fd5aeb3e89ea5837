/**
 * Softmax family, per-sample losses and counter-based random draws. Exponentials and logs are
 * computed in f64 (host Math, as in the interpreter) from f32 storage; sums accumulate in f64.
 * Philox4x32-10 runs in wasm with exactly the scheme of runtime/rng.ts (hi/lo words of one i64 product), so the
 * uniform words are bit-identical to the interpreter's; values are then rounded to f32.
 */
import type { Node } from "../../ir/graph.js";
import { numel } from "../../ir/types.js";
import { addr, m64, type Ctx } from "./ctx.js";
import { kindOf, PHILOX_SCRATCH } from "./plan.js";
import { counted, f64c, Fn, get, i32c, set } from "./wat.js";

export function nnKernel(ctx: Ctx, fn: Fn, n: Node): void {
  const x = ctx.g.nodes[n.inputs[0]!]!;
  switch (n.op) {
    case "softmax": case "log_softmax": return softmax(ctx, fn, n, x);
    case "softmax_cross_entropy": return sce(ctx, fn, n, x);
    case "mse": return mse(ctx, fn, n);
    case "random_uniform": case "random_normal": return random(ctx, fn, n, x);
    default: throw new Error(`wasm: no nn kernel for ${n.op}`);
  }
}

function softmax(ctx: Ctx, fn: Fn, n: Node, x: Node): void {
  const ax = n.attrs.axis as number;
  const outer = numel(x.shape.slice(0, ax)), D = x.shape[ax]!, inner = numel(x.shape.slice(ax + 1));
  const step = inner * 4;
  const src = fn.local("s", "i32"), dst = fn.local("o", "i32"), q = fn.local("q", "i32"), r = fn.local("r", "i32");
  const mx = fn.local("m", "f64"), z = fn.local("z", "f64"), v = fn.local("v", "f64");
  const log = n.op === "log_softmax";
  const row = (body: (p: string) => void): void => {
    fn.emit(set(q, get(src)), set(r, get(dst)));
    counted(fn, "d", D, () => { body(get(q)); fn.emit(set(q, `(i32.add ${get(q)} ${i32c(step)})`), set(r, `(i32.add ${get(r)} ${i32c(step)})`)); });
  };
  const lp = fn.local("lp", "i32"), li = fn.local("li", "i32");
  fn.emit(set(lp, i32c(0)));
  counted(fn, "po", outer, () => {
    fn.emit(set(li, i32c(0)));
    counted(fn, "pi", inner, () => {
      fn.emit(set(src, `(i32.add ${i32c(addr(ctx, x))} (i32.add ${get(lp)} ${get(li)}))`), set(dst, `(i32.add ${i32c(addr(ctx, n))} (i32.add ${get(lp)} ${get(li)}))`));
      fn.emit(set(mx, f64c(-Infinity)), set(z, f64c(0)));
      row((p) => fn.emit(set(mx, `(f64.max ${get(mx)} (f64.promote_f32 (f32.load ${p})))`)));
      row((p) => fn.emit(set(z, `(f64.add ${get(z)} ${m64(ctx, "exp", `(f64.sub (f64.promote_f32 (f32.load ${p})) ${get(mx)})`)})`)));
      if (log) fn.emit(set(z, `(f64.add ${get(mx)} ${m64(ctx, "log", get(z))})`));
      else fn.emit(set(z, `(f64.div (f64.const 1) ${get(z)})`));
      row((p) => {
        fn.emit(set(v, `(f64.promote_f32 (f32.load ${p}))`));
        const val = log ? `(f64.sub ${get(v)} ${get(z)})` : `(f64.mul ${m64(ctx, "exp", `(f64.sub ${get(v)} ${get(mx)})`)} ${get(z)})`;
        fn.emit(`(f32.store ${get(r)} (f32.demote_f64 ${val}))`);
      });
      fn.emit(set(li, `(i32.add ${get(li)} (i32.const 4))`));
    });
    fn.emit(set(lp, `(i32.add ${get(lp)} ${i32c(D * inner * 4)})`));
  });
}

function sce(ctx: Ctx, fn: Fn, n: Node, x: Node): void {
  const [B, C] = x.shape as [number, number];
  const l = ctx.g.nodes[n.inputs[1]!]!;
  ctx.uses("fail");
  const row = fn.local("row", "i32"), lab = fn.local("lab", "i32"), lp = fn.local("lp", "i32"), o = fn.local("o", "i32"), p = fn.local("p", "i32");
  const mx = fn.local("m", "f64"), z = fn.local("z", "f64");
  fn.emit(set(row, i32c(addr(ctx, x))), set(lp, i32c(addr(ctx, l))), set(o, i32c(addr(ctx, n))));
  counted(fn, "b", B, () => {
    fn.emit(set(lab, `(i32.load ${get(lp)})`),
      `(if (i32.ge_u ${get(lab)} ${i32c(C)}) (then (call $pnn_fail (i32.const 3) ${get(lab)} ${i32c(C)})))`);
    fn.emit(set(mx, f64c(-Infinity)), set(z, f64c(0)), set(p, get(row)));
    counted(fn, "c1", C, () => fn.emit(set(mx, `(f64.max ${get(mx)} (f64.promote_f32 (f32.load ${get(p)})))`), set(p, `(i32.add ${get(p)} (i32.const 4))`)));
    fn.emit(set(p, get(row)));
    counted(fn, "c2", C, () => fn.emit(set(z, `(f64.add ${get(z)} ${m64(ctx, "exp", `(f64.sub (f64.promote_f32 (f32.load ${get(p)})) ${get(mx)})`)})`), set(p, `(i32.add ${get(p)} (i32.const 4))`)));
    fn.emit(`(f32.store ${get(o)} (f32.demote_f64 (f64.sub (f64.add ${get(mx)} ${m64(ctx, "log", get(z))}) (f64.promote_f32 (f32.load (i32.add ${get(row)} (i32.shl ${get(lab)} (i32.const 2))))))))`);
    fn.emit(set(row, `(i32.add ${get(row)} ${i32c(4 * C)})`), set(lp, `(i32.add ${get(lp)} (i32.const 4))`), set(o, `(i32.add ${get(o)} (i32.const 4))`));
  });
}

function mse(ctx: Ctx, fn: Fn, n: Node): void {
  const [p, t] = n.inputs.map((i) => ctx.g.nodes[i]!) as [Node, Node];
  const B = p.shape[0]!;
  const M = numel(p.shape) / Math.max(1, B);
  const cp = kindOf(p) === "c", ct = kindOf(t) === "c";
  const pp = fn.local("pp", "i32"), tp = fn.local("tp", "i32"), o = fn.local("o", "i32");
  const acc = fn.local("acc", "f64"), d = fn.local("d", "f64");
  fn.emit(set(pp, i32c(addr(ctx, p))), set(tp, i32c(addr(ctx, t))), set(o, i32c(addr(ctx, n))));
  const ld = (ptr: string, off: number): string => `(f64.promote_f32 (f32.load offset=${off} ${get(ptr)}))`;
  counted(fn, "b", B, () => {
    fn.emit(set(acc, f64c(0)));
    counted(fn, "m", M, () => {
      fn.emit(set(d, `(f64.sub ${ld(pp, 0)} ${ld(tp, 0)})`), set(acc, `(f64.add ${get(acc)} (f64.mul ${get(d)} ${get(d)}))`));
      if (cp || ct) {
        fn.emit(set(d, `(f64.sub ${cp ? ld(pp, 4) : f64c(0)} ${ct ? ld(tp, 4) : f64c(0)})`), set(acc, `(f64.add ${get(acc)} (f64.mul ${get(d)} ${get(d)}))`));
      }
      fn.emit(set(pp, `(i32.add ${get(pp)} ${i32c(cp ? 8 : 4)})`), set(tp, `(i32.add ${get(tp)} ${i32c(ct ? 8 : 4)})`));
    });
    fn.emit(`(f32.store ${get(o)} (f32.demote_f64 (f64.div ${get(acc)} ${f64c(M)})))`, set(o, `(i32.add ${get(o)} (i32.const 4))`));
  });
}

function random(ctx: Ctx, fn: Fn, n: Node, key: Node): void {
  const stream = (n.attrs.stream as number) >>> 0;
  const count = numel(n.shape);
  const ka = addr(ctx, key);
  const k = (i: number): string => `(i32.load ${i32c(ka + 4 * i)})`;
  const b = fn.local("blk", "i32"), o = fn.local("o", "i32");
  const S = PHILOX_SCRATCH;
  const w = (i: number): string => `(i32.load ${i32c(S + 4 * i)})`;
  const philox = (): string => `(call $philox ${get(b)} ${k(2)} ${k(3)} ${i32c(stream)} ${k(0)} ${k(1)})`;
  fn.emit(set(b, i32c(0)), set(o, i32c(addr(ctx, n))));
  if (n.op === "random_uniform") {
    counted(fn, "r", Math.floor(count / 2), () => {
      fn.emit(philox(),
        `(f32.store ${get(o)} (f32.demote_f64 (call $u53 ${w(0)} ${w(1)})))`,
        `(f32.store offset=4 ${get(o)} (f32.demote_f64 (call $u53 ${w(2)} ${w(3)})))`,
        set(o, `(i32.add ${get(o)} (i32.const 8))`), set(b, `(i32.add ${get(b)} (i32.const 1))`));
    });
    if (count % 2) fn.emit(philox(), `(f32.store ${get(o)} (f32.demote_f64 (call $u53 ${w(0)} ${w(1)})))`);
    return;
  }
  ctx.imports.set("log", 1);
  ctx.imports.set("cos", 1);
  counted(fn, "r", count, () => {
    fn.emit(philox(), `(f32.store ${get(o)} (f32.demote_f64 (call $box_muller)))`,
      set(o, `(i32.add ${get(o)} (i32.const 4))`), set(b, `(i32.add ${get(b)} (i32.const 1))`));
  });
}

/**
 * One Philox round (runtime/rng.ts): (hi, lo) of each 32×32-bit product from one i64 multiply,
 * the rounds unrolled (no calls: this runs once per random element).
 */
function philoxRound(bumpKey: boolean): string {
  const bump = bumpKey ? "(local.set $k0 (i32.add (local.get $k0) (i32.const 0x9E3779B9))) (local.set $k1 (i32.add (local.get $k1) (i32.const 0xBB67AE85))) " : "";
  const product = (m: string, c: string) => `(i64.mul (i64.const ${m}) (i64.extend_i32_u (local.get ${c})))`;
  const hi = (p: string) => `(i32.wrap_i64 (i64.shr_u (local.get ${p}) (i64.const 32)))`;
  return `${bump}(local.set $p0 ${product("0xD2511F53", "$c0")}) (local.set $p1 ${product("0xCD9E8D57", "$c2")}) ` +
    `(local.set $c0 (i32.xor (i32.xor ${hi("$p1")} (local.get $c1)) (local.get $k0))) (local.set $c1 (i32.wrap_i64 (local.get $p1))) ` +
    `(local.set $c2 (i32.xor (i32.xor ${hi("$p0")} (local.get $c3)) (local.get $k1))) (local.set $c3 (i32.wrap_i64 (local.get $p0)))`;
}

/** Philox4x32-10 (runtime/rng.ts) writing its 4 words to memory[PHILOX_SCRATCH..+16). */
export const NN_HELPERS = `
(func $philox (param $c0 i32) (param $c1 i32) (param $c2 i32) (param $c3 i32) (param $k0 i32) (param $k1 i32)
  (local $p0 i64) (local $p1 i64)
  ${Array.from({ length: 10 }, (_, r) => philoxRound(r > 0)).join("\n  ")}
  (i32.store (i32.const ${PHILOX_SCRATCH}) (local.get $c0))
  (i32.store (i32.const ${PHILOX_SCRATCH + 4}) (local.get $c1))
  (i32.store (i32.const ${PHILOX_SCRATCH + 8}) (local.get $c2))
  (i32.store (i32.const ${PHILOX_SCRATCH + 12}) (local.get $c3)))
(func $u53 (param $a i32) (param $b i32) (result f64)
  (f64.mul (f64.add (f64.mul (f64.convert_i32_u (i32.shr_u (local.get $a) (i32.const 5))) (f64.const 67108864))
                    (f64.convert_i32_u (i32.shr_u (local.get $b) (i32.const 6))))
           (f64.const 1.1102230246251565e-16)))
(func $box_muller (result f64)
  (f64.mul
    (f64.sqrt (f64.mul (f64.const -2) (call $math_log (f64.sub (f64.const 1)
      (call $u53 (i32.load (i32.const ${PHILOX_SCRATCH})) (i32.load (i32.const ${PHILOX_SCRATCH + 4})))))))
    (call $math_cos (f64.mul (f64.const 6.283185307179586)
      (call $u53 (i32.load (i32.const ${PHILOX_SCRATCH + 8})) (i32.load (i32.const ${PHILOX_SCRATCH + 12})))))))
`;
