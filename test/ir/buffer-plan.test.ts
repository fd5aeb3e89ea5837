// The shared buffer planner (compiler/ir/buffer-plan.ts), as the wasm backend uses it, on every
// example's programs: no two values that are alive at the same time overlap, a value never
// overlaps its operands, aliases sit inside their root, permanent values never move; and the
// cost table (op table `flops`) covers every op that computes.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { byteSize, planBuffers, planReads, scanLayout } from "../../compiler/backends/wasm/plan.js";
import { graphFlops, nodeFlops } from "../../compiler/ir/flops.js";
import { GraphBuilder, type Graph } from "../../compiler/ir/graph.js";
import { OP_LIST } from "../../compiler/ir/ops.js";
import { loadProgram } from "../helpers/program.js";
import { REPO } from "../train/helpers.js";

/** Checks the plan by replaying the program: every pair of simultaneously live storages is disjoint. */
function checkPlan(g: Graph, what: string, plan = planBuffers(g)): void {
  const N = g.nodes.length;
  const root = (id: number): number => (plan.alias[id] ? root(g.nodes[id]!.inputs[0]!) : id);
  const size = (id: number) => (g.nodes[id]!.op === "scan" ? scanLayout(g.nodes[id]!).bytes : byteSize(g.nodes[id]!));
  const reads = (id: number) => planReads(plan, g.nodes[id]!);
  const last = new Array<number>(N).fill(-1);
  for (const n of g.nodes) if (plan.live[n.id]) for (const r of reads(n.id)) last[root(r)] = Math.max(last[root(r)]!, n.id);
  const permanent = new Set<number>();
  for (const n of g.nodes) if (["input", "param", "const"].includes(n.op)) permanent.add(n.id);
  for (const o of g.outputs) permanent.add(root(o.id));
  const alive = new Map<number, [number, number]>();
  for (const n of g.nodes) {
    if (!plan.live[n.id]) continue;
    if (plan.alias[n.id]) {
      const r = root(n.id), at = plan.offset[n.id]!;
      expect(at >= plan.offset[r]! && at + byteSize(n) <= plan.offset[r]! + size(r), `${what} %${n.id}: alias inside its root %${r}`).toBe(true);
      continue;
    }
    const span: [number, number] = [plan.offset[n.id]!, plan.offset[n.id]! + size(n.id)];
    if (plan.offset[n.id]! < 0) throw new Error(`${what} %${n.id}: live but not placed`);
    for (const [id, [lo, hi]] of alive)
      if (span[0] < hi && lo < span[1] && size(n.id) > 0 && hi > lo) throw new Error(`${what}: %${n.id} [${span}] overlaps live %${id} [${lo},${hi}]`);
    alive.set(n.id, span);
    for (const [id] of [...alive]) if (!permanent.has(id) && last[id]! <= n.id && id !== n.id) alive.delete(id);
    if (!permanent.has(n.id) && last[n.id] === -1) alive.delete(n.id);
  }
  // loop bodies: the same check inside each scan's region
  for (const [id, body] of plan.bodies) checkPlan(g.nodes[id]!.body!, `${what} (body of %${id})`, body.plan);
}

const EXAMPLES = fs.readdirSync(path.join(REPO, "examples")).filter((f) => f.endsWith(".pnn")).sort();

describe("the shared buffer planner", () => {
  for (const file of EXAMPLES)
    it(`${file}: live values never overlap`, () => {
      const p = loadProgram(path.join(REPO, "examples", file));
      // the driver's programs, through the pass pipeline as the backends get them
      const g = p.graphs(2);
      const graphs = { inferTwin: g.inferTwin, ...(g.inferDevice ? { inferDevice: g.inferDevice } : {}), ...g.rule };
      for (const [name, graph] of Object.entries(graphs)) checkPlan(graph, `${file} ${name}`);
    });
});

describe("the cost table", () => {
  const FREE = new Set(["input", "param", "const", "reshape", "transpose", "slice", "concat", "pad", "broadcast_to", "cast", "real", "imag", "stop_gradient", "complex", "gather", "one_hot"]);
  it("every op that computes has a FLOP count; data movement is free", () => {
    for (const op of OP_LIST) expect(op.flops === undefined, `${op.name}`).toBe(FREE.has(op.name) || (op.region ?? false) || op.name === "scan_result");
  });
  it("matmul, complex products and FFTs follow the stated conventions", () => {
    const b = new GraphBuilder();
    const a = b.input("a", "f32", [4, 3]), w = b.input("w", "c64", [3, 5]), z = b.input("z", "c64", [2, 8]);
    const m = b.matmul(a, w), p = b.mul(z, z), f = b.fft(z), s = b.sum(z, [1]);
    b.output("m", m); b.output("p", p); b.output("f", f); b.output("s", s);
    const g = b.build();
    expect(nodeFlops(m, g)).toBe(2 * 4 * 5 * 3 * 4);
    expect(nodeFlops(p, g)).toBe(16 * 6);
    expect(nodeFlops(f, g)).toBe(2 * 5 * 8 * 3);
    expect(nodeFlops(s, g)).toBe(16 * 2);
    expect(graphFlops(g)).toBe(480 + 96 + 240 + 32);
  });
});
