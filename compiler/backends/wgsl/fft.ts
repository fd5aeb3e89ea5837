/**
 * fft / ifft as mixed-radix Stockham transforms (self-sorting: no bit reversal), 1-D over the
 * last axis or 2-D over the last two (rows, then columns in place), any length. The length is
 * factored into radices 4, 2, 3, 5, 7, then remaining primes; stage s with radix R and
 * Ns = product of earlier radices maps
 *     v_r = x[j + r·n/R] · w^{(j mod Ns)·r·n/(Ns·R)},   X[(j div Ns)·Ns·R + (j mod Ns) + q·Ns] = Σ_r v_r w^{q·r·n/R}
 * (w = e^{∓2πi/n}), radix 2 and 4 as butterflies, other radices as their O(R²) DFT. Twiddles come
 * from one table per length (e^{-2πi t/n}, t < n, float64-computed, stored as f32 after the
 * plan); ifft conjugates them and scales each axis by 1/n at the end, as the interpreter.
 *   - lines up to SHARED_MAX long: one workgroup per line runs every stage in workgroup memory
 *     (two halves of one array, ping-pong), one dispatch per axis;
 *   - longer lines: one dispatch per stage through the arena, ping-ponging between the output
 *     and the node's scratch buffer (plan.ts).
 * Parameters: lines, n, line view (word offsets of each line's start) for source and
 * destination, source and destination element strides (words), direction sign, scale, stage
 * count, radices.
 */
import type { Node } from "../../ir/graph.js";
import { numel } from "../../ir/types.js";
import { grid, nodeOf, off, Params, VIEW_WORDS, type Ctx, type View } from "./ctx.js";
import { kindOf, width, type Kind } from "./plan.js";

/** Longest line transformed in workgroup memory (2 × n complex f32 = 16 KiB, WebGPU's minimum). */
export const SHARED_MAX = 1024;
const THREADS = 64;
const MAX_STAGES = 24;

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
const LINES = 0, N = 1, SRC = 2, DST = SRC + VIEW_WORDS, SST = DST + VIEW_WORDS, DSTR = SST + 1, DIR = DSTR + 1, SCALE = DIR + 1, TW = SCALE + 1, NST = TW + 1, RAD = NST + 1;

/** Radix-R output q from inputs v(r) (already twiddled): the stage body shared by both variants. */
function stageBody(get: (r: string) => string, put: (q: string, v: string) => string, tw: (t: string) => string): string {
  return `      if (R == 2u) {
        let v0 = ${get("0u")}; let v1 = ${get("1u")};
        ${put("0u", "v0 + v1")}; ${put("1u", "v0 - v1")};
      } else if (R == 4u) {
        let v0 = ${get("0u")}; let v1 = ${get("1u")}; let v2 = ${get("2u")}; let v3 = ${get("3u")};
        let r1 = vec2f(dir * v1.y, -dir * v1.x); let r3 = vec2f(dir * v3.y, -dir * v3.x);
        ${put("0u", "v0 + v1 + v2 + v3")}; ${put("1u", "v0 + r1 - v2 - r3")};
        ${put("2u", "v0 - v1 + v2 - v3")}; ${put("3u", "v0 - r1 - v2 + r3")};
      } else {
        for (var q = 0u; q < R; q++) {
          var acc = vec2f(0.0, 0.0);
          for (var r = 0u; r < R; r++) { acc = acc + cmul(${get("r")}, ${tw("((q * r) % R) * (n / R)")}); }
          ${put("q", "acc")};
        }
      }`;
}

const TW_FN = `  let twb = p(${TW}u); let dir = pf(${DIR}u);`;

function sharedKernel(size: number, src: Kind): string {
  const load = src === "c" ? "ldc(s)" : "vec2f(ld(s), 0.0)";
  return `var<workgroup> $K_buf: array<vec2f, ${2 * size}>;
fn $K_tw(twb: u32, dir: f32, t: u32) -> vec2f { let w = ldc(twb + 2u * t); return vec2f(w.x, dir * w.y); }
@compute @workgroup_size(${THREADS}) fn $K(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let line = wid.x + wid.y * nw.x;
  if (line >= p(${LINES}u)) { return; }
  let n = p(${N}u);
${TW_FN}
  let sb = voff(${SRC}u, line); let db = voff(${DST}u, line);
  for (var e = lid.x; e < n; e += ${THREADS}u) { let s = sb + e * p(${SST}u); $K_buf[e] = ${load}; }
  workgroupBarrier();
  var fr = 0u;
  var Ns = 1u;
  for (var st = 0u; st < p(${NST}u); st++) {
    let R = p(${RAD}u + st);
    let to = ${size}u - fr;
    for (var j = lid.x; j < n / R; j += ${THREADS}u) {
      let jj = j % Ns;
      let step = n / (Ns * R);
      let dbase = (j / Ns) * Ns * R + jj;
${stageBody((r) => `cmul($K_buf[fr + j + ${r} * (n / R)], $K_tw(twb, dir, (jj * ${r} * step) % n))`, (q, v) => `$K_buf[to + dbase + ${q} * Ns] = ${v}`, (t) => `$K_tw(twb, dir, ${t})`)}
    }
    workgroupBarrier();
    fr = to;
    Ns = Ns * R;
  }
  let scale = pf(${SCALE}u);
  for (var e = lid.x; e < n; e += ${THREADS}u) { stc(db + e * p(${DSTR}u), $K_buf[fr + e] * scale); }
}`;
}

/** One stage through the arena (lines longer than SHARED_MAX): invocation (line, j). */
function globalStageKernel(src: Kind): string {
  const load = (at: string): string => (src === "c" ? `ldc(${at})` : `vec2f(ld(${at}), 0.0)`);
  // extra parameters: stage radix R at RAD, Ns at RAD + 1
  return `fn $K_tw(twb: u32, dir: f32, t: u32) -> vec2f { let w = ldc(twb + 2u * t); return vec2f(w.x, dir * w.y); }
@compute @workgroup_size(${THREADS}) fn $K(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let n = p(${N}u);
  let R = p(${RAD}u); let Ns = p(${RAD + 1}u);
  let i = lin(gid, nw, ${THREADS}u);
  let per = n / R;
  if (i >= p(${LINES}u) * per) { return; }
  let line = i / per; let j = i % per;
${TW_FN}
  let sb = voff(${SRC}u, line); let db = voff(${DST}u, line);
  let ss = p(${SST}u); let ds = p(${DSTR}u);
  let scale = pf(${SCALE}u);
  let jj = j % Ns;
  let step = n / (Ns * R);
  let dbase = (j / Ns) * Ns * R + jj;
${stageBody((r) => `cmul(${load(`sb + (j + ${r} * per) * ss`)}, $K_tw(twb, dir, (jj * ${r} * step) % n))`, (q, v) => `stc(db + (dbase + ${q} * Ns) * ds, (${v}) * scale)`, (t) => `$K_tw(twb, dir, ${t})`)}
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
  if (rads.length > MAX_STAGES) throw new Error(`fft length ${n} has more than ${MAX_STAGES} factors`);
  const scale = inv ? 1 / n : 1;
  const dir = inv ? -1 : 1;
  const params = (srcBase: number, srcW: number, dstBase: number, sc: number, extra: number[]): Params => {
    const p = new Params().u(lines).u(n).view(pass.lineView(srcBase, srcW)).view(pass.lineView(dstBase, 2)).u(pass.stride * srcW).u(pass.stride * 2).f(dir).f(sc).u(tw);
    for (const e of extra) p.u(e);
    return p;
  };
  if (n <= SHARED_MAX) {
    let size = 64;
    while (size < n) size *= 2;
    const k = ctx.kernel(`fft shared ${size} ${srcKind}`, sharedKernel(size, srcKind));
    const groups = lines <= 65535 ? [lines, 1, 1] as const : [65535, Math.ceil(lines / 65535), 1] as const;
    ctx.dispatch(k, groups, params(src, sw, out, scale, [rads.length, ...rads]));
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
    const k = ctx.kernel(`fft stage ${fromKind}`, globalStageKernel(fromKind));
    const count = lines * (n / R);
    ctx.dispatch(k, grid(count, THREADS), params(from, fromW, to, s === S - 1 ? scale : 1, [S, R, Ns]));
    from = to; fromW = 2; fromKind = "c"; Ns *= R;
  });
  if (from !== out) {
    // the last stage landed in the scratch: copy the lines back (radix-1 DFT = identity stage)
    const k = ctx.kernel("fft stage c", globalStageKernel("c"));
    ctx.dispatch(k, grid(lines * n, THREADS), params(from, 2, out, 1, [1, 1, Ns]));
  }
}
