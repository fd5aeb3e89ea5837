/**
 * A tiny builder for WebAssembly text: functions with named locals, counted loops, and the
 * affine nested loop that every data-movement and elementwise kernel is made of. Kernels emit
 * text; index.ts parses the module once with binaryen (so every expression is fresh, never a
 * shared ExpressionRef).
 */

export type ValType = "i32" | "i64" | "f32" | "f64" | "v128";

export class Fn {
  private readonly locals = new Map<string, ValType>();
  private readonly lines: string[] = [];
  private labels = 0;
  /**
   * fromMemory: the function is an entry of the program table (index.ts): its signature is
   * (param $args i32) and its named i32 params are loaded from memory at $args.
   */
  constructor(readonly name: string, readonly params: readonly [string, ValType][] = [], readonly fromMemory = false) {}

  /** Declares (once) and returns a local's name, `$`-prefixed. */
  local(name: string, type: ValType): string {
    const n = `$${name}`;
    if (this.params.some(([p]) => `$${p}` === n)) return n;
    const had = this.locals.get(n);
    if (had && had !== type) throw new Error(`wat: local ${n} redeclared as ${type} (was ${had})`);
    this.locals.set(n, type);
    return n;
  }
  label(): string {
    return `$L${this.labels++}`;
  }
  emit(...s: string[]): void {
    this.lines.push(...s);
  }
  /** True when the body uses no locals (so it can be inlined into a caller as is). */
  get plain(): boolean {
    return this.locals.size === 0;
  }
  get body(): readonly string[] {
    return this.lines;
  }
  text(name = this.name): string {
    if (this.fromMemory) {
      const ps = this.params.map(([p, t]) => `(local $${p} ${t})`).join(" ");
      const loads = this.params.map(([p], i) => `(local.set $${p} (i32.load offset=${4 * i} (local.get $args)))`).join(" ");
      const ls = [...this.locals].map(([n, t]) => `(local ${n} ${t})`).join(" ");
      return `(func $${name} (type $entry) (param $args i32) ${ps} ${ls}\n  ${loads}\n  ${this.lines.join("\n  ")})`;
    }
    const ps = this.params.map(([p, t]) => `(param $${p} ${t})`).join(" ");
    const ls = [...this.locals].map(([n, t]) => `(local ${n} ${t})`).join(" ");
    return `(func $${name} ${ps} ${ls}\n  ${this.lines.join("\n  ")})`;
  }
  /** Returns the text of the body so far as function `name`, and starts an empty body. */
  take(name: string): string {
    const t = this.text(name);
    this.lines.length = 0;
    this.locals.clear();
    return t;
  }
}

export const i32c = (v: number): string => `(i32.const ${v | 0})`;
export const f32c = (v: number): string =>
  Number.isNaN(v) ? "(f32.const nan)" : v === Infinity ? "(f32.const inf)" : v === -Infinity ? "(f32.const -inf)" : `(f32.const ${Object.is(v, -0) ? "-0" : v})`;
export const f64c = (v: number): string =>
  Number.isNaN(v) ? "(f64.const nan)" : v === Infinity ? "(f64.const inf)" : v === -Infinity ? "(f64.const -inf)" : `(f64.const ${Object.is(v, -0) ? "-0" : v})`;
export const get = (l: string): string => `(local.get ${l})`;
export const set = (l: string, e: string): string => `(local.set ${l} ${e})`;

/** `for (c = n; c > 0; c--) body` with the counter local c (n > 0 is checked here). */
export function counted(fn: Fn, counter: string, n: number | string, body: () => void): void {
  const c = fn.local(counter, "i32");
  const L = fn.label();
  if (typeof n === "number") {
    if (n <= 0) return;
    fn.emit(set(c, i32c(n)));
  } else fn.emit(set(c, n));
  fn.emit(`(block ${L}b (br_if ${L}b (i32.le_s ${get(c)} (i32.const 0))) (loop ${L}`);
  body();
  fn.emit(`(br_if ${L} (local.tee ${c} (i32.sub ${get(c)} (i32.const 1))))))`);
}

export interface AffineOperand {
  /** Base byte address: a constant, or a wat i32 expression (evaluated once). */
  readonly base: number | string;
  /** Byte stride of each loop dimension (0 = broadcast). */
  readonly strides: readonly number[];
}

/**
 * Merges neighbouring dims where every operand's strides are contiguous across them, and
 * drops size-1 dims. Returns the reduced dims and strides.
 */
export function collapse(dims: readonly number[], ops: readonly AffineOperand[]): { dims: number[]; strides: number[][] } {
  const d: number[] = [];
  const s: number[][] = ops.map(() => []);
  dims.forEach((n, k) => {
    if (n === 1) return;
    const last = d.length - 1;
    if (last >= 0 && ops.every((o, j) => s[j]![last]! === o.strides[k]! * n)) {
      d[last] = d[last]! * n;
      ops.forEach((o, j) => (s[j]![last] = o.strides[k]!));
      return;
    }
    d.push(n);
    ops.forEach((o, j) => s[j]!.push(o.strides[k]!));
  });
  return { dims: d, strides: s };
}

export interface AffineBody {
  /** Scalar step: pointers (wat i32 exprs) to the current element of each operand. */
  scalar(ptrs: readonly string[]): void;
  /** Optional 4-lane step on the innermost dim; bcast[j] says operand j is broadcast (stride 0). */
  vector?: (ptrs: readonly string[], bcast: readonly boolean[]) => void;
  /** Element byte size per operand, for deciding whether the innermost dim is contiguous. */
  readonly elem: readonly number[];
}

let affineIds = 0;
/**
 * Nested loops over `dims` (row-major) moving one pointer per operand by its strides. When a
 * vector body is given and the innermost dim is contiguous (or broadcast) for every operand,
 * it runs 4 elements per step with a scalar tail.
 */
export function affine(fn: Fn, dims: readonly number[], ops: readonly AffineOperand[], body: AffineBody): void {
  if (dims.some((d) => d === 0)) return;
  const c = collapse(dims, ops);
  const D = c.dims, S = c.strides;
  const id = affineIds++;
  const r = D.length;
  const ptr = (lvl: number, j: number): string => fn.local(`a${id}_${lvl}_${j}`, "i32");
  ops.forEach((o, j) => fn.emit(set(ptr(0, j), typeof o.base === "number" ? i32c(o.base) : o.base)));
  const level = (k: number): void => {
    const inner = k === r - 1;
    const vec = inner && body.vector !== undefined && D[k]! >= 4 && ops.every((_, j) => S[j]![k] === 0 || S[j]![k] === body.elem[j]);
    if (k > 0) ops.forEach((_, j) => fn.emit(set(ptr(k, j), get(ptr(k - 1, j)))));
    const ps = (): string[] => ops.map((_, j) => get(ptr(k, j)));
    const bump = (j: number, by: number): void => {
      if (by !== 0) fn.emit(set(ptr(k, j), `(i32.add ${get(ptr(k, j))} ${i32c(by)})`));
    };
    if (vec) {
      const bc = ops.map((_, j) => S[j]![k] === 0);
      counted(fn, `c${id}_${k}v`, Math.floor(D[k]! / 4), () => {
        body.vector!(ps(), bc);
        ops.forEach((_, j) => bump(j, 4 * S[j]![k]!));
      });
      counted(fn, `c${id}_${k}t`, D[k]! % 4, () => {
        body.scalar(ps());
        ops.forEach((_, j) => bump(j, S[j]![k]!));
      });
      return;
    }
    counted(fn, `c${id}_${k}`, D[k]!, () => {
      if (inner) body.scalar(ps());
      else level(k + 1);
      ops.forEach((_, j) => bump(j, S[j]![k]!));
    });
  };
  if (r === 0) body.scalar(ops.map((_, j) => get(ptr(0, j))));
  else level(0);
}

/** Copies of at most this many bytes are inlined as loads and stores (V8 runs memory.copy as a call). */
export const INLINE_COPY_BYTES = 256;

/**
 * Copies `bytes` (a constant) from src to dst, non-overlapping: small copies as v128/i64/i32
 * loads and stores at constant offsets (dst and src must be cheap expressions, a local or a
 * constant: they are repeated), larger ones with memory.copy.
 */
export function copyBytes(dst: string, src: string, bytes: number): string {
  if (bytes <= 0) return "";
  if (bytes > INLINE_COPY_BYTES) return `(memory.copy ${dst} ${src} (i32.const ${bytes}))`;
  const out: string[] = [];
  let off = 0;
  for (const [w, t] of [[16, "v128"], [8, "i64"], [4, "i32"]] as const)
    for (; off + w <= bytes; off += w) out.push(`(${t}.store offset=${off} align=1 ${dst} (${t}.load offset=${off} align=1 ${src}))`);
  for (; off < bytes; off++) out.push(`(i32.store8 offset=${off} ${dst} (i32.load8_u offset=${off} ${src}))`);
  return out.join(" ");
}
