/**
 * What every wasm kernel generator receives: the graph, the buffer plan, and the module being
 * assembled (functions, data segments, imported Math functions). Also the f64 Math helpers that
 * kernels use for transcendental functions (imported from the host as module "math").
 */
import type { Graph, Node } from "../../ir/graph.js";
import type { Helpers } from "./helpers.js";
import type { BufferPlan } from "./plan.js";

export interface Ctx {
  readonly g: Graph;
  readonly plan: BufferPlan;
  /** Imported Math functions used so far (name -> arity). */
  readonly imports: Map<string, number>;
  readonly funcs: string[];
  /** Shared runtime-strided kernels (helpers.ts), by name. */
  readonly h: Helpers;
  readonly data: { offset: number; bytes: Uint8Array }[];
  /** Read-only tables (twiddles, DFT matrices) placed after the plan; returns the byte offset. */
  table(key: string, values: Float32Array | Int32Array): number;
  uses(op: "fail"): void;
  /** Appends a program-table entry: call helper `name` with these i32 arguments (in node order). */
  call(name: string, args: readonly number[]): void;
  /** Prefix of node-specific function names (a loop body's nodes have their own ids). */
  readonly prefix: string;
}

export const addr = (ctx: Ctx, n: Node | number): number => ctx.plan.offset[typeof n === "number" ? n : n.id]!;
export const nodeOf = (ctx: Ctx, id: number): Node => ctx.g.nodes[id]!;

/** f64 Math.<name>(args) as a wat expression (args are f64 expressions). */
export function m64(ctx: Ctx, name: "exp" | "log" | "sin" | "cos" | "tanh" | "atan2" | "pow", ...args: string[]): string {
  ctx.imports.set(name, args.length);
  return `(call $math_${name} ${args.join(" ")})`;
}
/** The same on f32 expressions, rounding the result to f32. */
export function m32(ctx: Ctx, name: "exp" | "log" | "sin" | "cos" | "tanh" | "atan2" | "pow", ...args: string[]): string {
  return `(f32.demote_f64 ${m64(ctx, name, ...args.map((a) => `(f64.promote_f32 ${a})`))})`;
}
export const up = (e: string): string => `(f64.promote_f32 ${e})`;
export const down = (e: string): string => `(f32.demote_f64 ${e})`;
