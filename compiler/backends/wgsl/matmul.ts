/**
 * Matrix products, real and complex, tiled in workgroup memory: a 16×16 workgroup computes a
 * 32×32 tile of C (2×2 per invocation, rows ly and ly+16, columns lx and lx+16), staging 16-deep
 * slices of A (32×16) and B (16×32) in workgroup memory; every operand element is loaded once
 * per tile. Operands are read through run-time strides, so a transposed operand (plan.ts) and
 * broadcast batch dims cost nothing; a real operand of a complex product is widened on load.
 * Workgroups: (⌈N/32⌉, ⌈M/32⌉, batch), the batch looped when it exceeds 65535.
 * Parameters: M, N, K, then per operand A, B: (row stride, col stride) in words, then the batch
 * count and three batch views (A, B, C: base + batch strides).
 */
import type { Node } from "../../ir/graph.js";
import { numel, strides } from "../../ir/types.js";
import { collapseView, nodeOf, off, Params, VIEW_WORDS, type Ctx } from "./ctx.js";
import { broadcastStrides } from "./elementwise.js";
import { kindOf, width, type Kind } from "./plan.js";

const TILE = 32, DEPTH = 16;

function kernelText(ka: Kind, kb: Kind, out: Kind): string {
  const cx = out === "c";
  const T = cx ? "vec2f" : "f32";
  const zero = cx ? "vec2f(0.0, 0.0)" : "0.0";
  const load = (k: Kind, at: string): string => (k === "c" ? `ldc(${at})` : cx ? `vec2f(ld(${at}), 0.0)` : `ld(${at})`);
  const fma = (a: string, b: string): string => (cx ? `cmul(${a}, ${b})` : `${a} * ${b}`);
  const AV = 8, BV = AV + VIEW_WORDS, CV = BV + VIEW_WORDS;
  const acc = [0, 1, 2, 3].map((q) => `  var c${q}: ${T} = ${zero};`).join("\n");
  const madd = [[0, 0], [0, 1], [1, 0], [1, 1]].map(([r, c], q) => `      c${q} = c${q} + ${fma(`a${r}`, `b${c}`)};`).join("\n");
  const storeOne = (r: number, c: number, q: number): string =>
    `    if (row0 + ly + ${16 * r}u < M && col0 + lx + ${16 * c}u < N) { ${cx ? "stc" : "st"}(cb + ((row0 + ly + ${16 * r}u) * N + col0 + lx + ${16 * c}u)${cx ? " * 2u" : ""}, c${q}); }`;
  return `var<workgroup> $K_a: array<${T}, ${TILE * DEPTH}>;
var<workgroup> $K_b: array<${T}, ${TILE * DEPTH}>;
@compute @workgroup_size(16, 16) fn $K(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let M = p(0u); let N = p(1u); let K = p(2u);
  let sar = p(3u); let sac = p(4u); let sbr = p(5u); let sbc = p(6u);
  let nb = p(7u);
  let lx = lid.x; let ly = lid.y;
  let t = ly * 16u + lx;
  let row0 = wid.y * ${TILE}u;
  let col0 = wid.x * ${TILE}u;
  for (var bt = wid.z; bt < nb; bt += nw.z) {
    let ab = voff(${AV}u, bt); let bb = voff(${BV}u, bt); let cb = voff(${CV}u, bt);
${acc}
    for (var k0 = 0u; k0 < K; k0 += ${DEPTH}u) {
      for (var q = 0u; q < 2u; q++) {
        let e = t + q * 256u;
        // A slice: e = kk·32 + m
        let am = e % ${TILE}u; let ak = e / ${TILE}u;
        var av: ${T} = ${zero};
        if (row0 + am < M && k0 + ak < K) { av = ${load(ka, `ab + (row0 + am) * sar + (k0 + ak) * sac`)}; }
        $K_a[e] = av;
        // B slice: e = kk·32 + n
        let bn = e % ${TILE}u; let bk = e / ${TILE}u;
        var bv: ${T} = ${zero};
        if (col0 + bn < N && k0 + bk < K) { bv = ${load(kb, `bb + (k0 + bk) * sbr + (col0 + bn) * sbc`)}; }
        $K_b[e] = bv;
      }
      workgroupBarrier();
      for (var kk = 0u; kk < ${DEPTH}u; kk++) {
        let a0 = $K_a[kk * ${TILE}u + ly]; let a1 = $K_a[kk * ${TILE}u + ly + 16u];
        let b0 = $K_b[kk * ${TILE}u + lx]; let b1 = $K_b[kk * ${TILE}u + lx + 16u];
${madd}
      }
      workgroupBarrier();
    }
${[storeOne(0, 0, 0), storeOne(0, 1, 1), storeOne(1, 0, 2), storeOne(1, 1, 3)].join("\n")}
  }
}`;
}

export function matmulKernel(ctx: Ctx, n: Node): void {
  const [ra, rb] = ctx.plan.matmul.get(n.id)!;
  const A = nodeOf(ctx, ra.id), B = nodeOf(ctx, rb.id);
  const r = n.shape.length;
  const M = n.shape[r - 2]!, N = n.shape[r - 1]!;
  const ka = kindOf(A), kb = kindOf(B), ko = kindOf(n);
  const wa = width(ka), wb = width(kb), wo = width(ko);
  // logical (row, col) word strides of an operand stored as [..., rows, cols], maybe transposed
  const rc = (x: Node, t: boolean, w: number): [number, number] => {
    const cols = x.shape[x.shape.length - 1]!;
    return t ? [w, cols * w] : [cols * w, w];
  };
  const [sar, sac] = rc(A, ra.t, wa), [sbr, sbc] = rc(B, rb.t, wb);
  const K = ra.t ? A.shape[A.shape.length - 2]! : A.shape[A.shape.length - 1]!;
  const batch = n.shape.slice(0, -2);
  const nb = numel(batch);
  if (nb === 0 || M === 0 || N === 0) return;
  const mat = (x: Node, w: number): number => x.shape[x.shape.length - 2]! * x.shape[x.shape.length - 1]! * w;
  const bview = (x: Node, w: number) =>
    collapseView(off(ctx, x), batch, broadcastStrides(x.shape.slice(0, -2), batch, 1).map((s) => s * mat(x, w)));
  const cview = collapseView(off(ctx, n), batch, strides(batch).map((s) => s * M * N * wo));
  const k = ctx.kernel(`matmul ${ka}${kb}`, kernelText(ka, kb, ko));
  const p = new Params().u(M).u(N).u(K).u(sar).u(sac).u(sbr).u(sbc).u(nb).view(bview(A, wa)).view(bview(B, wb)).view(cview);
  ctx.dispatch(k, [Math.ceil(N / TILE), Math.ceil(M / TILE), Math.min(nb, 65535)], p);
}
