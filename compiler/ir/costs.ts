/**
 * Cost conventions of the op table's `flops` entries, and the helpers the op families use to
 * state them: one real add, multiply, compare or select = 1 FLOP; a complex add = 2, a complex
 * multiply = 6, a complex multiply-add = 8; a transcendental (exp, log, sin, …) counts 1 like the
 * hardware instruction it stands for; matmul [m,k]·[k,n] = 2mkn (×4 when complex); an FFT of n
 * points = 5·n·log₂n per transform; data movement is free. Elementwise ops cost per output
 * element, real or complex (complex when the result or an operand is).
 */
import type { Attrs, TypeShape } from "./types.js";
import { isComplex, numel } from "./types.js";

export type FlopFn = (out: TypeShape, ins: readonly TypeShape[], attrs: Attrs) => number;

/** [real, complex] FLOPs per output element. */
export function perElement(real: number, complex: number): FlopFn {
  return (out, ins) => numel(out.shape) * (isComplex(out.dtype) || ins.some((x) => isComplex(x.dtype)) ? complex : real);
}

/** Reading every input element once: reductions (×2 when complex). */
export const perInputElement: FlopFn = (_out, ins) => numel(ins[0]!.shape) * (isComplex(ins[0]!.dtype) ? 2 : 1);

export const matmulFlops: FlopFn = (out, ins) => {
  const a = ins[0]!.shape;
  const c = isComplex(out.dtype) ? 4 : 1;
  return 2 * numel(out.shape) * a[a.length - 1]! * c;
};

export const fftFlops: FlopFn = (out, _ins, attrs) => {
  const dims = attrs.dims as number;
  const n = numel(out.shape.slice(-dims));
  return n <= 1 ? 0 : (numel(out.shape) / n) * 5 * n * Math.log2(n);
};
