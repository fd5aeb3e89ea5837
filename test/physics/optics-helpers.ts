// Shared helpers for the optics physics tests: Haar-random unitaries, running one std/optics
// layer lowering through the reference interpreter (twin or device), and a central
// finite-difference check of a graph's gradients.
import { expect } from "vitest";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import { grad } from "../../compiler/ir/autodiff.js";
import { GraphBuilder, type Node } from "../../compiler/ir/graph.js";
import { isComplex, numel } from "../../compiler/ir/types.js";
import type { LowerCtx } from "../../compiler/lower/context.js";
import { zeros, type CMatrix } from "../../compiler/optics/cmatrix.js";
import type { Tensor } from "../../runtime/backend.js";
import { Stream } from "../../runtime/rng.js";
import { OPTICS } from "../../stdlib/optics.js";
import type { ConstValue } from "../../stdlib/types.js";

/** A Haar-random unitary: modified Gram–Schmidt on the columns of a complex Gaussian matrix. */
export function haarUnitary(rng: Stream, n: number): CMatrix {
  const m = zeros(n);
  for (let k = 0; k < n * n; k++) {
    m.re[k] = rng.normal();
    m.im[k] = rng.normal();
  }
  for (let c = 0; c < n; c++) {
    for (let p = 0; p < c; p++) {
      let re = 0, im = 0;
      for (let r = 0; r < n; r++) {
        re += m.re[r * n + p]! * m.re[r * n + c]! + m.im[r * n + p]! * m.im[r * n + c]!;
        im += m.re[r * n + p]! * m.im[r * n + c]! - m.im[r * n + p]! * m.re[r * n + c]!;
      }
      for (let r = 0; r < n; r++) {
        m.re[r * n + c]! -= re * m.re[r * n + p]! - im * m.im[r * n + p]!;
        m.im[r * n + c]! -= re * m.im[r * n + p]! + im * m.re[r * n + p]!;
      }
    }
    let norm = 0;
    for (let r = 0; r < n; r++) norm += m.re[r * n + c]! ** 2 + m.im[r * n + c]! ** 2;
    norm = Math.sqrt(norm);
    for (let r = 0; r < n; r++) {
      m.re[r * n + c]! /= norm;
      m.im[r * n + c]! /= norm;
    }
  }
  return m;
}

/** What a test hands an element's lowering: checked constants (defaults filled), tensors, owned parameters. */
export interface LayerArgs {
  readonly consts: Readonly<Record<string, ConstValue | null>>;
  readonly tensors: Readonly<Record<string, Node>>;
  readonly owned: Readonly<Record<string, Node>>;
}

/** The layer's declared defaults, overridden by `consts`. */
export function layerArgs(layer: string, consts: Record<string, ConstValue | null> = {}, tensors: Record<string, Node> = {}, owned: Record<string, Node> = {}): LayerArgs {
  const sig = OPTICS.find((s) => s.name === layer);
  if (!sig) throw new Error(`no optics layer ${layer}`);
  const defaults = Object.fromEntries(sig.args.filter((a) => a.default !== undefined).map((a) => [a.name, a.default ?? null]));
  return { consts: { ...defaults, ...consts }, tensors, owned };
}

export function ctxFor(b: GraphBuilder, device: boolean, batch = 1): LowerCtx {
  let stream = 0;
  const key = b.input("key", "i32", [4]);
  return { b, device, batch, key, nextStream: () => ++stream };
}

/** The element's own lowering, fed the way the compiler feeds it (values read through its schema). */
export const lower = (layer: string) => {
  const def = OPTICS.find((s) => s.name === layer);
  if (!def) throw new Error(`no optics layer ${layer}`);
  return (ctx: LowerCtx, x: Node, a: LayerArgs) => def.lower(ctx, x, { values: def.schema.read(a.consts), tensors: a.tensors, owned: a.owned });
};

export function keyTensor(a = 1, b = 2, c = 3, d = 4): Tensor {
  return { dtype: "i32", shape: [4], data: Int32Array.from([a, b, c, d]) };
}

export function run(b: GraphBuilder, feeds: Record<string, Tensor>): Record<string, Tensor> {
  return compileInterp(b.build()).run(feeds);
}

/** A random tensor (complex: interleaved), normal entries, or uniform on [lo, hi) when given. */
export function randomTensor(rng: Stream, dtype: "f64" | "c128" | "f32" | "c64", shape: number[], lo?: number, hi?: number): Tensor {
  const n = numel(shape) * (isComplex(dtype) ? 2 : 1);
  const data = Float64Array.from({ length: n }, () => (lo !== undefined ? lo + (hi! - lo) * rng.uniform() : rng.normal()));
  return { dtype, shape, data };
}

/**
 * Checks d loss/d param by central differences, loss = Σ w₁·Re y + w₂·Im y (y real: Σ w₁ y).
 * `build` makes the output from the params (created here from `feeds`' dtypes and shapes).
 */
export function checkGradient(feeds: Record<string, Tensor>, build: (b: GraphBuilder, p: Record<string, Node>) => Node, seed = 1, extra: Record<string, Tensor> = {}): number {
  const b = new GraphBuilder();
  const params = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, b.param(k, t.dtype, t.shape)]));
  const y = build(b, params);
  const rng = new Stream(seed, 77);
  const wl = numel(y.shape);
  let l = b.mul(isComplex(y.dtype) ? b.real(y) : y, b.const(Array.from({ length: wl }, () => rng.normal()), "f64", y.shape));
  if (isComplex(y.dtype)) l = b.add(l, b.mul(b.imag(y), b.const(Array.from({ length: wl }, () => rng.normal()), "f64", y.shape)));
  b.output("loss", b.sum(l));
  const fwd = b.build();
  const fexe = compileInterp(fwd);
  const gexe = compileInterp(grad(fwd, "loss", Object.keys(feeds)));
  const all = { ...feeds, ...extra };
  const got = gexe.run(all);
  const h = 1e-6;
  let checked = 0;
  for (const name of Object.keys(feeds)) {
    const data = feeds[name]!.data as Float64Array;
    const gd = got[`grad:${name}`]!.data;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      data[i] = v + h;
      const lp = fexe.run(all).loss!.data[0]!;
      data[i] = v - h;
      const lm = fexe.run(all).loss!.data[0]!;
      data[i] = v;
      const fd = (lp - lm) / (2 * h);
      expect(Math.abs(gd[i]! - fd), `d loss/d ${name}[${i}]: autodiff ${gd[i]} vs finite difference ${fd}`).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(fd));
      checked++;
    }
  }
  return checked;
}
