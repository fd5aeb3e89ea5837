/**
 * Loops (`scan`) in wasm: one function per scan with a real `loop`. Its body's nodes are emitted
 * like any program (index.ts emitEntries, with the body's own plan inside the scan's scratch
 * region, plan.ts) and called directly, in order, once per step; their arguments sit in a
 * read-only table. Per step, with idx = t (or T−1−t when reversed):
 *   copy X[idx] into each sequence input; run the body; copy each per-step output into Y[idx];
 *   copy the new carries into the carry inputs (through a staging area when a new carry is
 *   another carry's old value).
 * Before the loop the initial carries are copied in; after it the final carries are copied to
 * the scan's results. Invariants are read in place. In: ctx at the scan's graph. Out: the name
 * of the function, called with no arguments from the enclosing program.
 */
import type { Node } from "../../ir/graph.js";
import { scanCounts } from "../../ir/ops-loop.js";
import type { Ctx } from "./ctx.js";
import type { Entry } from "./index.js";
import { byteSize, scanLayout, type BufferPlan } from "./plan.js";
import { copyBytes } from "./wat.js";

/** dst ← src (bytes), through the locals $cd/$cs so that small copies inline (wat.ts copyBytes). */
const copy = (dst: string, src: string, bytes: number): string =>
  bytes > 0 ? `(local.set $cd ${dst}) (local.set $cs ${src}) ${copyBytes("(local.get $cd)", "(local.get $cs)", bytes)}` : "";
const at = (base: number, idx: string, stride: number): string => `(i32.add (i32.const ${base}) (i32.mul ${idx} (i32.const ${stride})))`;
const c = (v: number) => `(i32.const ${v})`;

export function scanFunction(ctx: Ctx, s: Node, emitBody: (body: Ctx) => Entry[]): string {
  const body = s.body!;
  const { plan: bp, staging } = ctx.plan.bodies.get(s.id)!;
  const prefix = `${ctx.prefix}s${s.id}_`;
  const bctx: Ctx = { ...ctx, g: body, plan: bp, prefix };
  const entries = emitBody(bctx);
  const T = s.attrs.length as number, reverse = s.attrs.reverse === true;
  const { nc, ni } = scanCounts(s.attrs, s.inputs.length);
  const layout = scanLayout(s);
  const self = ctx.plan.offset[s.id]!;
  const off = (p: BufferPlan, id: number) => p.offset[id]!;
  const inId = (k: number) => body.inputs[k]!.id;
  const outId = (k: number) => body.outputs[k]!.id;
  const size = (id: number) => byteSize(body.nodes[id]!);
  // arguments of the body's calls, in a table
  const words: number[] = [];
  const argAt: number[] = [];
  for (const e of entries) {
    argAt.push(words.length * 4);
    words.push(...e.args);
  }
  const argsBase = words.length ? ctx.table(`scan:${prefix}`, Int32Array.from(words)) : 0;
  const lines: string[] = [];
  for (let k = 0; k < nc; k++) if (bp.live[inId(k)]) lines.push(copy(c(off(bp, inId(k))), c(ctx.plan.offset[s.inputs[k]!]!), size(inId(k))));
  lines.push(`(local.set $t (i32.const 0))`, `(loop $step`);
  lines.push(`(local.set $idx ${reverse ? `(i32.sub (i32.const ${T - 1}) (local.get $t))` : "(local.get $t)"})`);
  for (let k = nc + ni; k < s.inputs.length; k++) {
    if (!bp.live[inId(k)]) continue;
    const bytes = size(inId(k));
    lines.push(copy(c(off(bp, inId(k))), at(ctx.plan.offset[s.inputs[k]!]!, "(local.get $idx)", bytes), bytes));
  }
  entries.forEach((e, q) => lines.push(`(call $${e.fn} (i32.const ${e.args.length ? argsBase + argAt[q]! : 0}))`));
  for (let j = nc; j < body.outputs.length; j++) {
    const bytes = size(outId(j));
    lines.push(copy(at(self + layout.offsets[j]!, "(local.get $idx)", bytes), c(off(bp, outId(j))), bytes));
  }
  // new carries: those whose storage is a carry input go through the staging area first
  const carryIn = new Set(Array.from({ length: nc }, (_, k) => off(bp, inId(k))));
  const staged: [number, number, number][] = [];
  let stage = staging;
  for (let k = 0; k < nc; k++) {
    const src = off(bp, outId(k)), dst = off(bp, inId(k)), bytes = size(inId(k));
    if (src === dst || !bp.live[inId(k)]) continue;
    if (carryIn.has(src)) {
      lines.push(copy(c(stage), c(src), bytes));
      staged.push([dst, stage, bytes]);
      stage += Math.ceil(bytes / 16) * 16;
    }
  }
  for (let k = 0; k < nc; k++) {
    const src = off(bp, outId(k)), dst = off(bp, inId(k));
    if (src !== dst && bp.live[inId(k)] && !carryIn.has(src)) lines.push(copy(c(dst), c(src), size(inId(k))));
  }
  for (const [dst, src, bytes] of staged) lines.push(copy(c(dst), c(src), bytes));
  lines.push(`(local.set $t (i32.add (local.get $t) (i32.const 1)))`, `(br_if $step (i32.lt_u (local.get $t) (i32.const ${T}))))`);
  // final carries: the carry inputs hold them after the last step (or the initial values, if the body never reads them)
  for (let k = 0; k < nc; k++) {
    const src = bp.live[inId(k)] ? off(bp, inId(k)) : off(bp, outId(k));
    lines.push(copy(c(self + layout.offsets[k]!), c(src), layout.sizes[k]!));
  }
  const name = `${prefix}loop`;
  ctx.funcs.push(`(func $${name} (type $entry) (param $args i32) (local $t i32) (local $idx i32) (local $cd i32) (local $cs i32)\n  ${lines.filter((l) => l).join("\n  ")})`);
  return name;
}
