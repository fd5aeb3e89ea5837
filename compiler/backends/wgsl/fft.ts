/**
 * fft / ifft as mixed-radix Stockham transforms (self-sorting: no bit reversal), 1-D over the
 * last axis or 2-D over the last two (rows, then columns in place), any length. The length is
 * factored into radices 4, 2, 3, 5, 7, then remaining primes; stage s with radix R and
 * Ns = product of earlier radices maps
 *     v_r = x[j + r·n/R] · w^{(j mod Ns)·r·n/(Ns·R)},   X[(j div Ns)·Ns·R + (j mod Ns) + q·Ns] = Σ_r v_r w^{q·r·n/R}
 * (w = e^{∓2πi/n}), radix 2 and 4 as butterflies, other radices as their O(R²) DFT. Twiddles come
 * from one table per length (e^{-2πi t/n}, t < n, float64-computed, stored as f32 after the
 * plan); ifft conjugates them and scales each axis by 1/n at the end, as the interpreter.
 *   - lines up to SHARED_MAX long: a workgroup runs every stage of one or more lines (short lines
 *     are packed, about 256 elements per workgroup) in workgroup memory (two halves of one array,
 *     ping-pong), one dispatch per axis;
 *   - longer lines: one dispatch per stage through the arena, ping-ponging between the output
 *     and the node's scratch buffer (plan.ts).
 * Kernels are specialised on the length and its radices (every index division is by a constant);
 * parameters: line count, line views (word offset of each line's start) for source and
 * destination, their element strides (words), direction sign, scale, twiddle table offset.
 */
import type { Node } from "../../ir/graph.js";
import { numel } from "../../ir/types.js";
import { grid, nodeOf, off, Params, VIEW_WORDS, type Ctx, type View } from "./ctx.js";
import { kindOf, width, type Kind } from "./plan.js";

/** Longest line transformed in workgroup memory (2 × n complex f32 = 16 KiB, WebGPU's minimum). */
export const SHARED_MAX = 1024;
const THREADS = 64;

export function radices(n: number): number[] {
  const f: number[] = [];
  for (const r of [4, 2, 3, 5, 7]) while (n % r === 0 && n > 1) { f.push(r); n /= r; }
  for (let q = 11; n > 1; q += 2) while (n % q === 0) { f.push(q); n /= q; }
  return f;
}

/** e^{-2πi t/n} for t < n, interleaved (re, im). */
export function twiddles(n: number): Float32Array {
  const t = new Float32Array(2 * n);
  for (let k = 0; k < n; k++) {
    const a = (-2 * Math.PI * k) / n;
    t[2 * k] = Math.cos(a);
    t[2 * k + 1] = Math.sin(a);
  }
  return t;
}

/** Scratch words an fft node needs: lines longer than SHARED_MAX ping-pong through one. */
export function fftScratchWords(n: Node): number {
  if (n.op !== "fft" && n.op !== "ifft") return 0;
  const r = n.shape.length;
  const long = n.shape[r - 1]! > SHARED_MAX || (n.attrs.dims === 2 && n.shape[r - 2]! > SHARED_MAX);
  return long ? numel(n.shape) * 2 : 0;
}

// parameter words
const LINES = 0, SRC = 1, DST = SRC + VIEW_WORDS, SST = DST + VIEW_WORDS, DSTR = SST + 1, DIR = DSTR + 1, SCALE = DIR + 1, TW = SCALE + 1;

const u = (v: number): string => `${v}u`;

/**
 * One radix-R stage for one j (R, Ns, n constants, so every division is by a constant): inputs
 * get(r) (untwiddled), outputs put(q, value).
 */
function stageBody(n: number, R: number, Ns: number, get: (r: string) => string, put: (q: string, v: string) => string, ind: string): string {
  const step = n / (Ns * R);
  const tw = (t: string): string => `$K_tw(twb, dir, ${t})`;
  const v = (r: number): string => (r === 0 || Ns === 1 ? get(u(r)) : `cmul(${get(u(r))}, ${tw(`(jj * ${u(r * step)}) % ${u(n)}`)})`);
  const head = `${ind}let jj = j % ${u(Ns)};\n${ind}let dbase = (j / ${u(Ns)}) * ${u(Ns * R)} + jj;\n`;
  if (R === 2) return head + `${ind}let v0 = ${v(0)}; let v1 = ${v(1)};\n${ind}${put("0u", "v0 + v1")}; ${put("1u", "v0 - v1")};`;
  if (R === 4)
    return head + `${ind}let v0 = ${v(0)}; let v1 = ${v(1)}; let v2 = ${v(2)}; let v3 = ${v(3)};
${ind}let r1 = vec2f(dir * v1.y, -dir * v1.x); let r3 = vec2f(dir * v3.y, -dir * v3.x);
${ind}${put("0u", "v0 + v1 + v2 + v3")}; ${put("1u", "v0 + r1 - v2 - r3")};
${ind}${put("2u", "v0 - v1 + v2 - v3")}; ${put("3u", "v0 - r1 - v2 + r3")};`;
  // other radices: their R-point DFT (twiddles w^{q·r·n/R} from the table)
  return head + `${ind}for (var q = 0u; q < ${u(R)}; q++) {
${ind}  var acc = vec2f(0.0, 0.0);
${ind}  for (var r = 0u; r < ${u(R)}; r++) {
${ind}    acc = acc + cmul(cmul(${get("r")}, ${tw(`(jj * r * ${u(step)}) % ${u(n)}`)}), ${tw(`((q * r) % ${u(R)}) * ${u(n / R)}`)});
${ind}  }
${ind}  ${put("q", "acc")};
${ind}}`;
}

const TW_FN = `fn $K_tw(twb: u32, dir: f32, t: u32) -> vec2f { let w = ldc(twb + 2u * t); return vec2f(w.x, dir * w.y); }`;
const TW_LET = `  let twb = p(${TW}u); let dir = pf(${DIR}u);`;

/** Word offset of line l's first element under the view at parameter s, for a view of rank 1 or 2. */
function lineStart(s: number, rank: number, l: string): string {
  if (rank === 1) return `(p(${s}u) + (${l}) * p(${s + 3}u))`;
  return `(p(${s}u) + ((${l}) % p(${s + 2}u)) * p(${s + 3}u) + ((${l}) / p(${s + 2}u)) * p(${s + 5}u))`;
}

/**
 * All stages of lines of length n in workgroup memory: `lpw` lines per workgroup, each in a
 * `size`-element slot of both halves of the buffer. Specialised on n and the radices.
 */
function sharedKernel(n: number, rads: readonly number[], size: number, lpw: number, src: Kind, rank: number): string {
  const load = src === "c" ? "ldc(s)" : "vec2f(ld(s), 0.0)";
  const half = size * lpw;
  let Ns = 1, fr = 0;
  const stages = rads.map((R) => {
    const to = half - fr;
    const body = stageBody(n, R, Ns, (r) => `$K_buf[${u(fr)} + lb + j + ${r} * ${u(n / R)}]`, (q, v) => `$K_buf[${u(to)} + lb + dbase + ${q} * ${u(Ns)}] = ${v}`, "    ");
    const text = `  for (var w = lid.x; w < nl * ${u(n / R)}; w += ${u(THREADS)}) {
    let lb = (w / ${u(n / R)}) * ${u(size)};
    let j = w % ${u(n / R)};
${body}
  }
  workgroupBarrier();`;
    fr = to;
    Ns *= R;
    return text;
  });
  return `var<workgroup> $K_buf: array<vec2f, ${2 * half}>;
${TW_FN}
@compute @workgroup_size(${THREADS}) fn $K(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let first = (wid.x + wid.y * nw.x) * ${u(lpw)};
  let lines = p(${LINES}u);
  if (first >= lines) { return; }
  let nl = min(${u(lpw)}, lines - first);
${TW_LET}
  for (var e = lid.x; e < nl * ${u(n)}; e += ${u(THREADS)}) {
    let l = e / ${u(n)}; let k = e % ${u(n)};
    let s = ${lineStart(SRC, rank, "first + l")} + k * p(${SST}u);
    $K_buf[l * ${u(size)} + k] = ${load};
  }
  workgroupBarrier();
${stages.join("\n")}
  let scale = pf(${SCALE}u);
  for (var e = lid.x; e < nl * ${u(n)}; e += ${u(THREADS)}) {
    let l = e / ${u(n)}; let k = e % ${u(n)};
    stc(${lineStart(DST, rank, "first + l")} + k * p(${DSTR}u), $K_buf[${u(fr)} + l * ${u(size)} + k] * scale);
  }
}`;
}

/** One stage through the arena (lines longer than SHARED_MAX): invocation (line, j). */
function globalStageKernel(n: number, R: number, Ns: number, src: Kind, rank: number): string {
  const load = (at: string): string => (src === "c" ? `ldc(${at})` : `vec2f(ld(${at}), 0.0)`);
  const per = n / R;
  return `${TW_FN}
@compute @workgroup_size(${THREADS}) fn $K(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = lin(gid, nw, ${u(THREADS)});
  if (i >= p(${LINES}u) * ${u(per)}) { return; }
  let line = i / ${u(per)}; let j = i % ${u(per)};
${TW_LET}
  let sb = ${lineStart(SRC, rank, "line")}; let db = ${lineStart(DST, rank, "line")};
  let ss = p(${SST}u); let ds = p(${DSTR}u);
  let scale = pf(${SCALE}u);
${stageBody(n, R, Ns, (r) => load(`sb + (j + ${r} * ${u(per)}) * ss`), (q, v) => `stc(db + (dbase + ${q} * ${u(Ns)}) * ds, (${v}) * scale)`, "  ")}
}`;
}

interface Pass {
  readonly lines: number;
  readonly n: number;
  /** Line start views over the line index (words) for a buffer at `base` with element width w. */
  readonly lineView: (base: number, w: number) => View;
  /** Element stride along the line, in elements. */
  readonly stride: number;
}

export function fftKernel(ctx: Ctx, node: Node): void {
  const x = nodeOf(ctx, node.inputs[0]!);
  const inv = node.op === "ifft";
  const r = node.shape.length;
  const n1 = node.shape[r - 1]!;
  const total = numel(node.shape);
  if (total === 0) return;
  const passes: Pass[] = [{ lines: total / n1, n: n1, lineView: (base, w) => ({ base, dims: [total / n1], strides: [n1 * w] }), stride: 1 }];
  if (node.attrs.dims === 2) {
    const n2 = node.shape[r - 2]!;
    passes.push({ lines: total / n2, n: n2, lineView: (base, w) => ({ base, dims: [n1, total / (n1 * n2)], strides: [w, n1 * n2 * w] }), stride: n1 });
  }
  const out = off(ctx, node);
  passes.forEach((pass, k) => {
    const fromInput = k === 0;
    const srcKind: Kind = fromInput ? kindOf(x) : "c";
    const sw = width(srcKind);
    const src = fromInput ? off(ctx, x) : out;
    runPass(ctx, pass, srcKind, src, sw, out, ctx.plan.scratch[node.id]!, inv);
  });
}

function runPass(ctx: Ctx, pass: Pass, srcKind: Kind, src: number, sw: number, out: number, scratch: number, inv: boolean): void {
  const { n, lines } = pass;
  const tw = ctx.table(`fft-twiddles-${n}`, twiddles(n));
  const rads = radices(n);
  const scale = inv ? 1 / n : 1;
  const dir = inv ? -1 : 1;
  const rank = pass.lineView(0, 1).dims.length;
  const params = (srcBase: number, srcW: number, dstBase: number, sc: number): Params =>
    new Params().u(lines).view(pass.lineView(srcBase, srcW)).view(pass.lineView(dstBase, 2)).u(pass.stride * srcW).u(pass.stride * 2).f(dir).f(sc).u(tw);
  if (n <= SHARED_MAX) {
    let size = 8;
    while (size < n) size *= 2;
    // several short lines per workgroup (about 256 elements), as workgroup memory allows
    const lpw = Math.max(1, Math.min(Math.floor(SHARED_MAX / size), Math.ceil(256 / size)));
    const k = ctx.kernel(`fft ${n} ×${lpw} ${srcKind}`, sharedKernel(n, rads, size, lpw, srcKind, rank));
    const wgs = Math.ceil(lines / lpw);
    const groups = wgs <= 65535 ? [wgs, 1, 1] as const : [65535, Math.ceil(wgs / 65535), 1] as const;
    ctx.dispatch(k, groups, params(src, sw, out, scale));
    return;
  }
  // through the arena: stages alternate between out and scratch so the last lands in out; a pass
  // reading its own output (the column pass) starts into the scratch
  if (scratch < 0) throw new Error("fft: a long line needs the node's scratch buffer");
  const S = rads.length;
  const inPlace = src === out;
  // destination of stage s: out when (S − 1 − s) is even; the scratch otherwise
  const dstOf = (s: number): number => ((S - 1 - s) % 2 === 0 ? out : scratch);
  const needCopy = inPlace && dstOf(0) === out;
  const dest = (s: number): number => (needCopy ? (dstOf(s) === out ? scratch : out) : dstOf(s));
  let from = src, fromW = sw, fromKind = srcKind, Ns = 1;
  rads.forEach((R, s) => {
    const to = dest(s);
    const k = ctx.kernel(`fft ${n} stage ${R}·${Ns} ${fromKind}`, globalStageKernel(n, R, Ns, fromKind, rank));
    ctx.dispatch(k, grid(lines * (n / R), THREADS), params(from, fromW, to, s === S - 1 ? scale : 1));
    from = to; fromW = 2; fromKind = "c"; Ns *= R;
  });
  if (from !== out) {
    // the last stage landed in the scratch: copy the lines back (a radix-1 stage is the identity)
    const k = ctx.kernel(`fft ${n} copy`, globalStageKernel(n, 1, n, "c", rank));
    ctx.dispatch(k, grid(lines * n, THREADS), params(from, 2, out, 1));
  }
}
