/**
 * The learned physical parameters of a network, found in its semantic model and turned into
 * PhysicalViews (plain data the figures draw): MZI mesh phases with the mesh's column layout,
 * diffractive phase masks, crossbar conductances, energy-based couplings (a resistor network as
 * a circuit, synapses as matrices) and the trajectories of pendulum chains. In: the checked
 * NetworkModel, the trained parameters, and a way to run a (modified) network on the twin.
 * Out: views, plus notes for trained physical parameters it does not know how to draw.
 * It does not evaluate anything itself; trajectories come from the caller's `evaluate`.
 */
import { energyStructure, RAIL_GROUP } from "../compiler/lower/energy.js";
import { meshColumns, type Topology } from "../compiler/optics/topology.js";
import type { NetworkModel, SemNode, TrainModel } from "../compiler/sema/model.js";
import type { ConstValue } from "../stdlib/types.js";
import type { PhysicalView } from "./input.js";

type LayerNode = Extract<SemNode, { op: "layer" }>;

export interface ViewContext {
  readonly net: NetworkModel;
  readonly train: TrainModel;
  readonly params: ReadonlyMap<string, Float64Array>;
  /** Runs `net` (a variant of ctx.net with the same parameters) on the twin for `count` rows; its output rows. */
  readonly evaluate: (net: NetworkModel, rows: Float64Array, count: number) => number[][];
  /** Test inputs to show dynamics on: features per row, labels and class names. */
  readonly samples: { readonly x: Float64Array; readonly y: Int32Array; readonly n: number; readonly features: number; readonly classNames: readonly string[] };
}

const TWO_PI = 2 * Math.PI;
const wrap = (v: number) => ((v % TWO_PI) + TWO_PI) % TWO_PI;
const numConst = (c: ConstValue | null | undefined): number | undefined => (c && c.kind === "num" ? c.value : undefined);
/** Trajectory frames at most (each is one evaluation of the network up to the dynamical layer). */
const MAX_FRAMES = 40;
/** Samples (of different classes) whose trajectories are drawn. */
const TRAJECTORY_SAMPLES = 2;

/** The parameter a tensor argument is computed from (`phases + phase_error` → phases), if any. */
function paramOf(net: NetworkModel, id: number | undefined): number | undefined {
  if (id === undefined) return undefined;
  const n = net.nodes[id];
  if (n.op === "param") return n.param;
  if (n.op === "neg") return paramOf(net, n.a);
  if (n.op === "binary") return paramOf(net, n.a) ?? paramOf(net, n.b);
  return undefined;
}

/** The trained parameter a layer uses under `name`: owned by the instance, or passed as a tensor argument. */
function layerParam(net: NetworkModel, node: LayerNode, name: string): { path: string; shape: readonly number[] } | undefined {
  const id = node.owned[name] !== undefined ? paramOf(net, node.owned[name]) : paramOf(net, node.tensorArgs[name]);
  return id === undefined ? undefined : { path: net.params[id].path, shape: net.params[id].type.shape };
}

const instanceTitle = (node: LayerNode) => node.instance.replace(/\.[^.]+$/, "") || node.instance;

function meshView(ctx: ViewContext, node: LayerNode): PhysicalView | undefined {
  const p = layerParam(ctx.net, node, "phases");
  if (!p) return undefined;
  const phases = ctx.params.get(p.path)!;
  const modes = node.type.shape[0];
  const topology = (node.consts.topology?.kind === "enum" ? node.consts.topology.value : "clements") as Topology;
  const count = phases.length / 2;
  return {
    kind: "mesh",
    title: `Mesh ${instanceTitle(node)}`,
    path: p.path,
    topology,
    modes,
    columns: meshColumns(topology, modes),
    theta: Array.from({ length: count }, (_, m) => wrap(phases[2 * m])),
    phi: Array.from({ length: count }, (_, m) => wrap(phases[2 * m + 1])),
  };
}

function maskView(ctx: ViewContext, node: LayerNode): PhysicalView | undefined {
  const p = layerParam(ctx.net, node, "phases");
  if (!p || p.shape.length !== 2) return undefined;
  const pitch = numConst(node.consts.pitch);
  return { kind: "mask", title: `Phase mask ${instanceTitle(node)}`, path: p.path, rows: p.shape[0], cols: p.shape[1], values: Array.from(ctx.params.get(p.path)!, wrap), ...(pitch !== undefined ? { pitchMm: pitch * 1e3 } : {}) };
}

/**
 * A crossbar's target conductance differences g⁺ − g⁻ in µS: each tile maps its |W|max to g_max
 * (the mapping of compiler/lower/layers/analog.ts, before programming noise and drift).
 */
function crossbarView(ctx: ViewContext, node: LayerNode): PhysicalView | undefined {
  const p = layerParam(ctx.net, node, "weight");
  if (!p || p.shape.length !== 2) return undefined;
  const w = ctx.params.get(p.path)!;
  const [rows, cols] = p.shape;
  const tile = numConst(node.consts.tile) ?? Math.max(rows, cols);
  const gMaxMicro = (numConst(node.consts.g_max) ?? 25e-6) * 1e6;
  const values = new Array<number>(rows * cols);
  for (let r0 = 0; r0 < rows; r0 += tile)
    for (let c0 = 0; c0 < cols; c0 += tile) {
      let wmax = 1e-30;
      for (let r = r0; r < Math.min(rows, r0 + tile); r++) for (let c = c0; c < Math.min(cols, c0 + tile); c++) wmax = Math.max(wmax, Math.abs(w[r * cols + c]));
      for (let r = r0; r < Math.min(rows, r0 + tile); r++) for (let c = c0; c < Math.min(cols, c0 + tile); c++) values[r * cols + c] = (w[r * cols + c] / wmax) * gMaxMicro;
    }
  return { kind: "matrix", title: `Crossbar ${instanceTitle(node)}: programmed conductances`, path: p.path, rows, cols, values, quantity: `target conductance difference g⁺ − g⁻ of each device pair (µS; each ${tile}×${tile} tile maps its largest |weight| to g_max = ${gMaxMicro} µS)`, rowLabel: "output line", colLabel: "input line", signed: true };
}

/** θ(t) of a pendulum chain for a few test inputs: the network up to the layer, cut at frame times. */
function pendulaViews(ctx: ViewContext, id: number, node: LayerNode): PhysicalView[] {
  const duration = numConst(node.consts.duration);
  const steps = numConst(node.consts.steps);
  if (duration === undefined || steps === undefined) return [];
  // frames at multiples of a divisor of `steps`, so every frame integrates with the trained step size
  let frames = 1;
  for (let d = 1; d <= Math.min(MAX_FRAMES, steps); d++) if (steps % d === 0) frames = d;
  const picks: number[] = [];
  const seen = new Set<number>();
  for (let i = 0; i < ctx.samples.n && picks.length < TRAJECTORY_SAMPLES; i++) if (!seen.has(ctx.samples.y[i])) (seen.add(ctx.samples.y[i]), picks.push(i));
  const rows = new Float64Array(picks.length * ctx.samples.features);
  picks.forEach((r, i) => rows.set(ctx.samples.x.subarray(r * ctx.samples.features, (r + 1) * ctx.samples.features), i * ctx.samples.features));
  const at = (k: number): number[][] => {
    if (k === 0) return ctx.evaluate({ ...ctx.net, output: node.operand }, rows, picks.length);
    const num = (value: number, like: ConstValue | null | undefined): ConstValue => ({ ...(like as Extract<ConstValue, { kind: "num" }>), value });
    const cut: LayerNode = { ...node, consts: { ...node.consts, duration: num((duration * k) / frames, node.consts.duration), steps: num((steps * k) / frames, node.consts.steps) } };
    return ctx.evaluate({ ...ctx.net, nodes: ctx.net.nodes.map((n, i) => (i === id ? cut : n)), output: id }, rows, picks.length);
  };
  const series = Array.from({ length: frames + 1 }, (_, k) => at(k));
  const times = Array.from({ length: frames + 1 }, (_, k) => (duration * k) / frames);
  const n = node.type.shape[0];
  return picks.map((row, s) => ({
    kind: "trajectory" as const,
    title: `Pendulum chain ${instanceTitle(node)}: test sample ${row} (class ${ctx.samples.classNames[ctx.samples.y[row]] ?? ctx.samples.y[row]})`,
    path: node.instance,
    timesS: times,
    traces: Array.from({ length: n }, (_, j) => ({ name: `θ${j}`, values: series.map((f) => f[s][j]) })),
    quantity: "angle θ (rad)",
  }));
}

/** Energy-based networks: the couplings' conductances or weights. */
function energyViews(ctx: ViewContext): PhysicalView[] {
  const e = energyStructure(ctx.net);
  const inputName = ctx.net.inputs[0].name;
  const groupName = (g: number) => (g === RAIL_GROUP ? "rails" : g < 0 ? inputName : e.groups[g].name);
  const edges = e.couplings.reduce((a, c) => a + c.shape[0] * c.shape[1], 0);
  if (e.family === "resistor" && edges <= 400) {
    // groups of the circuit: the input, the node groups, then the two rails (ground, supply)
    const groups = [
      { name: inputName, size: e.inputSize, role: "input" as const },
      ...e.groups.map((g) => ({ name: g.name, size: g.size, role: g.isOutput ? ("output" as const) : ("hidden" as const) })),
      { name: "rails", size: 2, role: "rail" as const },
    ];
    const index = (g: number) => (g === RAIL_GROUP ? groups.length - 1 : g + 1);
    const out: { a: [number, number]; b: [number, number]; value: number }[] = [];
    for (const c of e.couplings) {
      const k = ctx.params.get(c.path)!;
      for (let i = 0; i < c.shape[0]; i++) for (let j = 0; j < c.shape[1]; j++) out.push({ a: [index(c.a), i], b: [index(c.b), j], value: k[i * c.shape[1] + j] });
    }
    return [{ kind: "circuit", title: `Resistor network ${ctx.net.name}: trained conductances`, groups, edges: out, quantity: "conductance (S)" }];
  }
  return e.couplings.map((c) => ({
    kind: "matrix" as const,
    title: `${e.family === "resistor" ? "Conductances" : "Synapses"} ${groupName(c.a)} ↔ ${groupName(c.b)}`,
    path: c.path,
    rows: c.shape[0],
    cols: c.shape[1],
    values: Array.from(ctx.params.get(c.path)!),
    quantity: e.family === "resistor" ? "conductance (S)" : "coupling weight W",
    rowLabel: c.a === RAIL_GROUP ? "rail (ground, supply)" : `${groupName(c.a)} node`,
    colLabel: `${groupName(c.b)} node`,
    signed: e.family !== "resistor",
  }));
}

export function physicalViews(ctx: ViewContext): { views: PhysicalView[]; notes: string[] } {
  if (ctx.net.kind === "energy_based") return { views: energyViews(ctx), notes: [] };
  const views: PhysicalView[] = [];
  const notes: string[] = [];
  ctx.net.nodes.forEach((node, id) => {
    if (node.op !== "layer") return;
    const key = `${node.sig.module}.${node.sig.name}`;
    let made: PhysicalView[] | undefined;
    if (key === "optics.mzi_mesh") made = [meshView(ctx, node)].filter((v): v is PhysicalView => v !== undefined);
    else if (key === "freespace.phase_mask") made = [maskView(ctx, node)].filter((v): v is PhysicalView => v !== undefined);
    else if (key === "analog.crossbar") made = [crossbarView(ctx, node)].filter((v): v is PhysicalView => v !== undefined);
    else if (key === "mechanics.pendula") made = pendulaViews(ctx, id, node);
    if (made) views.push(...made);
    else if (node.sig.capabilities.includes("physical") && Object.keys(node.owned).length) notes.push(`${node.instance} (${node.qualified}) has trained parameters this report does not draw yet.`);
  });
  return { views, notes };
}
