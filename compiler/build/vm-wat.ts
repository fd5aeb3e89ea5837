/**
 * The wasm code of a built model: a small table-driven executor, written here as WebAssembly
 * text and assembled by binaryen (emit.ts). The model itself is data: a table of fixed-size
 * instructions (program.ts) and float64 slots for constants, the input and every intermediate
 * buffer (plan.ts). Code size therefore does not grow with the network; only the data does.
 *
 * An instruction is INSTR_WORDS i32 words:
 *   0 op  1 flags (1: out complex, 2: a complex, 4: b complex)  2..5 dims n0..n3 (outer → inner)
 *   6 out slot  7..10 out strides   11 a slot  12..15 a strides   16 b slot  17..20 b strides
 *   21 slot of the op's float parameters (p0, p1, p2)
 * Slots and strides count float64 values (a complex element is two slots: re, im). An
 * elementwise instruction computes, for every index (i0..i3) < (n0..n3),
 *   out[Σ ik·os_k] = f(a[Σ ik·as_k], b[Σ ik·bs_k])
 * so broadcasting (stride 0), slices, transposes, concatenation, padding and reductions
 * (b = out, accumulate) are all the same loop. MATMUL reads dims as (batch, M, N, K) and strides
 * as out (b, i, j), a (b, i, k), b (b, k, j). Transcendentals come from the host's Math (imports).
 */

export const INSTR_WORDS = 22;

/** Opcodes of the elementwise loop (order = br_table order in the WAT below) and MATMUL. */
export const OPS = [
  "copy", "neg", "exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "square", "recip", "sign",
  "conj", "imag", "abs2", "expi", "angle", "clip", "quantize", "complex", "add", "sub", "mul", "div", "pow", "max",
  "min", "eq", "ge", "gt", "fill", "scale",
] as const;
export type VmOp = (typeof OPS)[number] | "matmul";
export const MATMUL = 100;

/** Math functions the module imports from module "m" (the loader passes Math's). */
export const IMPORTS = ["exp", "log", "sin", "cos", "tanh", "atan2", "pow"] as const;

const cases = OPS.map((o) => `$${o}`);

/** WAT of one element's op: inputs $ar $ai $br $bi, params $p0 $p1 $p2; sets $yr $yi. */
const ELEM: Record<(typeof OPS)[number], string> = {
  copy: `(local.set $yr (local.get $ar)) (local.set $yi (local.get $ai))`,
  neg: `(local.set $yr (f64.neg (local.get $ar))) (local.set $yi (f64.neg (local.get $ai)))`,
  exp: `(local.set $t (call $exp (local.get $ar)))
        (local.set $yr (f64.mul (local.get $t) (call $cos (local.get $ai))))
        (local.set $yi (f64.mul (local.get $t) (call $sin (local.get $ai))))
        (if (f64.eq (local.get $ai) (f64.const 0)) (then (local.set $yr (local.get $t)) (local.set $yi (f64.const 0))))`,
  log: `(local.set $yr (call $log (f64.sqrt (f64.add (f64.mul (local.get $ar) (local.get $ar)) (f64.mul (local.get $ai) (local.get $ai))))))
        (local.set $yi (call $atan2 (local.get $ai) (local.get $ar)))
        (if (i32.eqz (i32.and (local.get $fl) (i32.const 1))) (then (local.set $yr (call $log (local.get $ar)))))`,
  sqrt: `(if (i32.eqz (i32.and (local.get $fl) (i32.const 1)))
          (then (local.set $yr (f64.sqrt (local.get $ar))))
          (else
            (local.set $t (f64.sqrt (f64.add (f64.mul (local.get $ar) (local.get $ar)) (f64.mul (local.get $ai) (local.get $ai)))))
            (local.set $yr (f64.sqrt (f64.mul (f64.const 0.5) (f64.add (local.get $t) (local.get $ar)))))
            (local.set $yi (f64.copysign (f64.sqrt (f64.mul (f64.const 0.5) (f64.sub (local.get $t) (local.get $ar)))) (local.get $ai)))))`,
  abs: `(local.set $yr (f64.sqrt (f64.add (f64.mul (local.get $ar) (local.get $ar)) (f64.mul (local.get $ai) (local.get $ai)))))
        (if (f64.eq (local.get $ai) (f64.const 0)) (then (local.set $yr (f64.abs (local.get $ar)))))`,
  sin: `(local.set $yr (call $sin (local.get $ar)))`,
  cos: `(local.set $yr (call $cos (local.get $ar)))`,
  tanh: `(local.set $yr (call $tanh (local.get $ar)))`,
  sigmoid: `(local.set $yr (f64.div (f64.const 1) (f64.add (f64.const 1) (call $exp (f64.neg (local.get $ar))))))`,
  relu: `(local.set $yr (select (local.get $ar) (f64.const 0) (f64.gt (local.get $ar) (f64.const 0))))`,
  square: `(local.set $yr (f64.sub (f64.mul (local.get $ar) (local.get $ar)) (f64.mul (local.get $ai) (local.get $ai))))
           (local.set $yi (f64.mul (f64.const 2) (f64.mul (local.get $ar) (local.get $ai))))`,
  recip: `(local.set $t (f64.add (f64.mul (local.get $ar) (local.get $ar)) (f64.mul (local.get $ai) (local.get $ai))))
          (local.set $yr (f64.div (local.get $ar) (local.get $t)))
          (local.set $yi (f64.div (f64.neg (local.get $ai)) (local.get $t)))
          (if (f64.eq (local.get $ai) (f64.const 0)) (then (local.set $yr (f64.div (f64.const 1) (local.get $ar)))))`,
  sign: `(local.set $yr (f64.sub (f64.convert_i32_u (f64.gt (local.get $ar) (f64.const 0))) (f64.convert_i32_u (f64.lt (local.get $ar) (f64.const 0)))))`,
  conj: `(local.set $yr (local.get $ar)) (local.set $yi (f64.neg (local.get $ai)))`,
  imag: `(local.set $yr (local.get $ai))`,
  abs2: `(local.set $yr (f64.add (f64.mul (local.get $ar) (local.get $ar)) (f64.mul (local.get $ai) (local.get $ai))))`,
  expi: `(local.set $yr (call $cos (local.get $ar))) (local.set $yi (call $sin (local.get $ar)))`,
  angle: `(local.set $yr (call $atan2 (local.get $ai) (local.get $ar)))`,
  clip: `(local.set $yr (f64.min (f64.max (local.get $ar) (local.get $p0)) (local.get $p1)))`,
  // p0 = lo, p1 = hi, p2 = step; Math.round (ties toward +∞), as the interpreter
  quantize: `(local.set $yr (f64.add (local.get $p0) (f64.mul (local.get $p2) (f64.floor (f64.add (f64.const 0.5)
              (f64.div (f64.sub (f64.min (f64.max (local.get $ar) (local.get $p0)) (local.get $p1)) (local.get $p0)) (local.get $p2)))))))`,
  complex: `(local.set $yr (local.get $ar)) (local.set $yi (local.get $br))`,
  add: `(local.set $yr (f64.add (local.get $ar) (local.get $br))) (local.set $yi (f64.add (local.get $ai) (local.get $bi)))`,
  sub: `(local.set $yr (f64.sub (local.get $ar) (local.get $br))) (local.set $yi (f64.sub (local.get $ai) (local.get $bi)))`,
  mul: `(local.set $yr (f64.sub (f64.mul (local.get $ar) (local.get $br)) (f64.mul (local.get $ai) (local.get $bi))))
        (local.set $yi (f64.add (f64.mul (local.get $ar) (local.get $bi)) (f64.mul (local.get $ai) (local.get $br))))`,
  div: `(if (i32.and (local.get $fl) (i32.const 4))
          (then
            (local.set $t (f64.add (f64.mul (local.get $br) (local.get $br)) (f64.mul (local.get $bi) (local.get $bi))))
            (local.set $yr (f64.div (f64.add (f64.mul (local.get $ar) (local.get $br)) (f64.mul (local.get $ai) (local.get $bi))) (local.get $t)))
            (local.set $yi (f64.div (f64.sub (f64.mul (local.get $ai) (local.get $br)) (f64.mul (local.get $ar) (local.get $bi))) (local.get $t))))
          (else (local.set $yr (f64.div (local.get $ar) (local.get $br))) (local.set $yi (f64.div (local.get $ai) (local.get $br)))))`,
  pow: `(local.set $yr (call $pow (local.get $ar) (local.get $br)))`,
  max: `(local.set $yr (select (local.get $ar) (local.get $br) (f64.ge (local.get $ar) (local.get $br))))
        (if (f64.ne (local.get $ar) (local.get $ar)) (then (local.set $yr (local.get $ar))))
        (if (f64.ne (local.get $br) (local.get $br)) (then (local.set $yr (local.get $br))))`,
  min: `(local.set $yr (select (local.get $ar) (local.get $br) (f64.le (local.get $ar) (local.get $br))))
        (if (f64.ne (local.get $ar) (local.get $ar)) (then (local.set $yr (local.get $ar))))
        (if (f64.ne (local.get $br) (local.get $br)) (then (local.set $yr (local.get $br))))`,
  eq: `(local.set $yr (f64.convert_i32_u (f64.eq (local.get $ar) (local.get $br))))`,
  ge: `(local.set $yr (f64.convert_i32_u (f64.ge (local.get $ar) (local.get $br))))`,
  gt: `(local.set $yr (f64.convert_i32_u (f64.gt (local.get $ar) (local.get $br))))`,
  fill: `(local.set $yr (local.get $p0)) (local.set $yi (local.get $p1))`,
  scale: `(local.set $yr (f64.mul (local.get $ar) (local.get $p0))) (local.set $yi (f64.mul (local.get $ai) (local.get $p0)))`,
};

/** br_table dispatch: nested blocks, innermost first; each case falls out to $done. */
function dispatch(): string {
  let s = `(br_table ${cases.join(" ")} $done (local.get $op))`;
  OPS.forEach((o, k) => {
    s = `(block ${cases[k]} ${s})\n ${ELEM[o]} (br $done)`;
  });
  return `(block $done ${s})`;
}

const w = (k: number) => `(i32.load offset=${4 * k} (local.get $ip))`;
const ld = (slot: string) => `(f64.load (i32.shl ${slot} (i32.const 3)))`;
const ldIm = (slot: string) => `(f64.load offset=8 (i32.shl ${slot} (i32.const 3)))`;

/** The executor's text for a program of `instructions` at byte `programStart`, in `pages` 64 KiB pages. */
export function vmWat(pages: number, programStart: number, instructions: number): string {
  const locals = [
    "$op i32", "$fl i32", "$n0 i32", "$n1 i32", "$n2 i32", "$n3 i32", "$i0 i32", "$i1 i32", "$i2 i32", "$i3 i32",
    "$o i32", "$a i32", "$b i32", "$ao i32", "$bo i32", "$oo i32",
    ...[0, 1, 2, 3].flatMap((k) => [`$os${k} i32`, `$as${k} i32`, `$bs${k} i32`]),
    "$ar f64", "$ai f64", "$br f64", "$bi f64", "$yr f64", "$yi f64", "$t f64", "$p0 f64", "$p1 f64", "$p2 f64",
  ].map((l) => `(local ${l})`).join(" ");
  // operand X's base and strides live in locals ($oo $os0..3, $ao $as0..3, $bo $bs0..3), loaded
  // once per instruction; its offset at index (i0..i3) is base + Σ ik·stride_k
  const REG: Record<number, string> = { 6: "o", 11: "a", 16: "b" };
  const loadRegs = [6, 11, 16].map((base) => {
    const r = REG[base]!;
    return `(local.set $${r}o ${w(base)}) ${[0, 1, 2, 3].map((k) => `(local.set $${r}s${k} ${w(base + 1 + k)})`).join(" ")}`;
  }).join("\n    ");
  const off = (base: number) => {
    const r = REG[base]!;
    return `(i32.add (local.get $${r}o) (i32.add (i32.add (i32.mul (local.get $i0) (local.get $${r}s0)) (i32.mul (local.get $i1) (local.get $${r}s1)))
       (i32.add (i32.mul (local.get $i2) (local.get $${r}s2)) (i32.mul (local.get $i3) (local.get $${r}s3)))))`;
  };
  const loop = (k: number, body: string) =>
    `(local.set $i${k} (i32.const 0))
     (block $x${k} (loop $l${k} (br_if $x${k} (i32.ge_u (local.get $i${k}) (local.get $n${k})))
       ${body}
       (local.set $i${k} (i32.add (local.get $i${k}) (i32.const 1))) (br $l${k})))`;
  const elem = `
    (local.set $o ${off(6)}) (local.set $a ${off(11)}) (local.set $b ${off(16)})
    (local.set $ar ${ld("(local.get $a)")}) (local.set $ai (f64.const 0))
    (if (i32.and (local.get $fl) (i32.const 2)) (then (local.set $ai ${ldIm("(local.get $a)")})))
    (local.set $br ${ld("(local.get $b)")}) (local.set $bi (f64.const 0))
    (if (i32.and (local.get $fl) (i32.const 4)) (then (local.set $bi ${ldIm("(local.get $b)")})))
    (local.set $yi (f64.const 0))
    ${dispatch()}
    (f64.store (i32.shl (local.get $o) (i32.const 3)) (local.get $yr))
    (if (i32.and (local.get $fl) (i32.const 1)) (then (f64.store offset=8 (i32.shl (local.get $o) (i32.const 3)) (local.get $yi))))`;
  // matmul: i0 = batch, i1 = row, i2 = column, i3 = k (accumulated in $yr/$yi)
  const mmOff = (base: number, i: string, j: string) => {
    const r = REG[base]!;
    return `(i32.add (local.get $${r}o) (i32.add (i32.mul (local.get $i0) (local.get $${r}s0)) (i32.add (i32.mul (local.get ${i}) (local.get $${r}s1)) (i32.mul (local.get ${j}) (local.get $${r}s2)))))`;
  };
  // all-real matmul: the k loop walks a and b by their k strides (byte pointers), one f64 FMA-free
  // multiply-add per step
  const mmReal = `
    (local.set $yr (f64.const 0))
    (local.set $a (i32.shl ${mmOff(11, "$i1", "$i3")} (i32.const 3)))
    (local.set $b (i32.shl ${mmOff(16, "$i3", "$i2")} (i32.const 3)))
    (local.set $i3 (local.get $n3))
    (block $xk (loop $lk (br_if $xk (i32.eqz (local.get $i3)))
      (local.set $yr (f64.add (local.get $yr) (f64.mul (f64.load (local.get $a)) (f64.load (local.get $b)))))
      (local.set $a (i32.add (local.get $a) (i32.shl (local.get $as2) (i32.const 3))))
      (local.set $b (i32.add (local.get $b) (i32.shl (local.get $bs1) (i32.const 3))))
      (local.set $i3 (i32.sub (local.get $i3) (i32.const 1))) (br $lk)))
    (f64.store (i32.shl ${mmOff(6, "$i1", "$i2")} (i32.const 3)) (local.get $yr))`;
  const mmBody = `
    (local.set $yr (f64.const 0)) (local.set $yi (f64.const 0))
    ${loop(3, `
      (local.set $a ${mmOff(11, "$i1", "$i3")}) (local.set $b ${mmOff(16, "$i3", "$i2")})
      (local.set $ar ${ld("(local.get $a)")}) (local.set $ai (f64.const 0))
      (if (i32.and (local.get $fl) (i32.const 2)) (then (local.set $ai ${ldIm("(local.get $a)")})))
      (local.set $br ${ld("(local.get $b)")}) (local.set $bi (f64.const 0))
      (if (i32.and (local.get $fl) (i32.const 4)) (then (local.set $bi ${ldIm("(local.get $b)")})))
      (local.set $yr (f64.add (local.get $yr) (f64.sub (f64.mul (local.get $ar) (local.get $br)) (f64.mul (local.get $ai) (local.get $bi)))))
      (local.set $yi (f64.add (local.get $yi) (f64.add (f64.mul (local.get $ar) (local.get $bi)) (f64.mul (local.get $ai) (local.get $br)))))`)}
    (local.set $o ${mmOff(6, "$i1", "$i2")})
    (f64.store (i32.shl (local.get $o) (i32.const 3)) (local.get $yr))
    (if (i32.and (local.get $fl) (i32.const 1)) (then (f64.store offset=8 (i32.shl (local.get $o) (i32.const 3)) (local.get $yi))))`;
  return `(module
  ${IMPORTS.map((f) => `(import "m" "${f}" (func $${f} (param f64${f === "atan2" || f === "pow" ? " f64" : ""}) (result f64)))`).join("\n  ")}
  (memory $mem (export "memory") ${pages} ${pages})
  (func $instr (param $ip i32) ${locals}
    (local.set $op ${w(0)}) (local.set $fl ${w(1)})
    (local.set $n0 ${w(2)}) (local.set $n1 ${w(3)}) (local.set $n2 ${w(4)}) (local.set $n3 ${w(5)})
    (local.set $t (f64.const 0))
    ${loadRegs}
    (local.set $p0 ${ld(w(21))}) (local.set $p1 (f64.load offset=8 (i32.shl ${w(21)} (i32.const 3))))
    (local.set $p2 (f64.load offset=16 (i32.shl ${w(21)} (i32.const 3))))
    (if (i32.eq (local.get $op) (i32.const ${MATMUL}))
      (then (if (i32.eqz (local.get $fl))
        (then (local.set $i3 (i32.const 0)) ${loop(0, loop(1, loop(2, mmReal)))})
        (else ${loop(0, loop(1, loop(2, mmBody)))})))
      (else ${loop(0, loop(1, loop(2, loop(3, elem))))})))
  (func (export "run")
    (local $ip i32) (local $end i32)
    (local.set $ip (i32.const ${programStart}))
    (local.set $end (i32.const ${programStart + 4 * INSTR_WORDS * instructions}))
    (block $x (loop $l (br_if $x (i32.ge_u (local.get $ip) (local.get $end)))
      (call $instr (local.get $ip))
      (local.set $ip (i32.add (local.get $ip) (i32.const ${4 * INSTR_WORDS}))) (br $l))))
)`;
}
