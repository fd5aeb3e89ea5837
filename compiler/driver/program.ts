/**
 * A checked program ready to run: one train block resolved into its run configuration (sema's
 * TrainModel, fully defaulted), its network, its rule's one definition, and everything every
 * product derives from them — in ONE place, so `train`, `eval`, `infer`, `build` and `ir` cannot
 * disagree:
 *   - the model spec (parameters, chip variables, data shapes);
 *   - the programs' IR graphs at a batch size under one set of device settings (`DeviceSettings`:
 *     the time after programming): the inference pair (the rule's own when it has one — local
 *     learning's label embedding, an energy rule's relaxation — otherwise the plain twin/device
 *     lowering) and the rule's programs, each with its typed manifest;
 *   - every program through the pass pipeline (compiler/passes), with its per-pass statistics;
 *   - compiled programs on a backend (a program that queries external devices comes with the
 *     probes that compute the rows to send: compiler/lower/external.ts), and the rule's stepper
 *     bound to its options;
 *   - the configuration hash a checkpoint records (a resume must match it).
 */
import { createHash } from "node:crypto";
import * as path from "node:path";
import { loadDataset, type Dataset } from "../../runtime/data/index.js";
import type { ModelSpec } from "../../runtime/model.js";
import type { CompiledProgram, Programs } from "../../runtime/program.js";
import type { RuleContext, RuleStepper, ShardMerger, ShardStepper } from "../../runtime/rules/types.js";
import { gradientShards } from "../../runtime/parallel/data-parallel.js";
import { compileInterp } from "../backends/interp/index.js";
import { graphFlops } from "../ir/flops.js";
import type { Graph } from "../ir/graph.js";
import { lowerInfer, modelSpec, type LowerOptions } from "../lower/lower.js";
import { runPipeline, type PassStat, type PipelineOptions } from "../passes/pipeline.js";
import { splitExternal } from "../lower/external.js";
import { manifestOf } from "../lower/names.js";
import { splitInference } from "../ir/split-invariant.js";
import { preparedExecutable } from "../../runtime/prepared.js";
import type { RuleDef, RuleLowering } from "../rules/rule.js";
import type { NetworkModel, TrainModel } from "../sema/model.js";
import { compileWith, findBackend, type Backend } from "./backends.js";
import type { ProgramOptions } from "./session.js";

/** Device settings every program of a run is lowered with. */
export type DeviceSettings = LowerOptions;

export interface ProgramGraphs {
  readonly inferTwin: Graph;
  readonly inferDevice?: Graph;
  /** The rule's own programs, by name. */
  readonly rule: Readonly<Record<string, Graph>>;
  /** What the pass pipeline did to each program (`inferTwin`, `inferDevice`, the rule's by name). */
  readonly passes: Readonly<Record<string, readonly PassStat[]>>;
}

export interface GraphOptions {
  /** The inference pair alone (eval, infer): the rule's programs are not lowered. */
  readonly inferenceOnly?: boolean;
  /** Passes to run instead of the pipeline, or "none" (the lowered graphs as they are). */
  readonly passes?: PipelineOptions["passes"];
}

/** How a Session made a Program: what a worker needs to make the same one (compiler/driver/parallel/). */
export interface ProgramOrigin {
  /** The options Session.program was given (train block, rule and `--set` overrides). */
  readonly options: ProgramOptions;
  /** Overrides that change the network (constants, parameter defaults), canonical text: part of the identity. */
  readonly networkOverrides: readonly string[];
  /** The files the checker read through the host (imports, matrix files) by absolute path: a worker's host. */
  readonly reads: ReadonlyMap<string, string>;
}

export class Program {
  readonly rule: RuleDef;

  constructor(
    readonly file: string,
    readonly source: string,
    readonly net: NetworkModel,
    readonly train: TrainModel,
    readonly origin: ProgramOrigin = { options: {}, networkOverrides: [], reads: new Map() },
    /** The text of a shipped data file when the host holds it (Session's SourceHost.readShippedData). */
    private readonly readShipped?: (file: string) => string | undefined,
  ) {
    this.rule = train.rule.def;
  }

  /** sha256 of the source, shortened: checkpoints record it. */
  get sourceHash(): string {
    return createHash("sha256").update(this.source).digest("hex").slice(0, 16);
  }

  /** Hash of the resolved configuration except `epochs` (a resume may extend a run). */
  get configHash(): string {
    const t = this.train;
    // keys added later enter only when they differ from their default, so older checkpoints keep their hash;
    // external devices: a run on the device does not resume --simulate'd, nor the reverse
    const external = this.net.externals.length ? { external: this.net.externals.map((e) => e.name) } : {};
    const config = { network: t.network, data: t.data.name, dataArgs: t.data.args, rule: this.rule.name, options: t.rule.options, loss: t.loss, optimizer: t.optimizer, batch: t.batch, seed: t.seed, chips: t.chips, ...external, ...(t.shards !== 1 ? { shards: t.shards } : {}), ...(this.origin.networkOverrides.length ? { set: this.origin.networkOverrides } : {}) };
    return createHash("sha256").update(JSON.stringify(config)).digest("hex").slice(0, 16);
  }

  spec(batch = this.train.batch): ModelSpec {
    return modelSpec(this.net, batch);
  }

  /** What the rule's lowering sees at `batch` under `device` settings (tests build single programs from it); `dataParallel`: for one shard of a data-parallel step. */
  ruleLowering(batch: number, device: DeviceSettings = {}, dataParallel = false): RuleLowering<never> {
    const t = this.train;
    return { net: this.net, options: t.rule.options as never, loss: t.loss, seed: t.seed, optimizer: t.optimizer, batch, hasDevice: this.spec(batch).hasDevice, lowering: device, dataParallel };
  }

  /** Rows of one shard of a batch (data-parallel training, docs/scaling.md). */
  get shardRows(): number {
    return this.train.batch / this.train.shards;
  }

  /** The rule's programs for one shard of a data-parallel step (at `shardRows`, no fused update). */
  shardGraphs(settings: DeviceSettings = {}): Readonly<Record<string, Graph>> {
    return this.rule.programs(this.ruleLowering(this.shardRows, settings, true));
  }

  /** The inference program on the twin (device: false) or the device, at `batch`. */
  inferGraph(device: boolean, batch: number, settings: DeviceSettings = {}): Graph {
    if (this.rule.infer) return this.rule.infer(this.ruleLowering(batch, settings), device);
    return lowerInfer(this.net, device ? "device" : "twin", batch, settings);
  }

  /**
   * Every program of the run: the inference pair and the rule's own, under one set of device
   * settings, each through the pass pipeline.
   */
  graphs(batch: number, settings: DeviceSettings = {}, opts: GraphOptions = {}): ProgramGraphs {
    const hasDevice = this.spec(batch).hasDevice;
    const optimise = (g: Graph) => runPipeline(g, { ...(opts.passes !== undefined ? { passes: opts.passes } : {}), verify: false });
    const twin = optimise(this.inferGraph(false, batch, settings));
    const device = hasDevice ? optimise(this.inferGraph(true, batch, settings)) : undefined;
    const rule = Object.entries(opts.inferenceOnly ? {} : this.rule.programs(this.ruleLowering(batch, settings))).map(([name, g]) => [name, optimise(g)] as const);
    return {
      inferTwin: twin.graph,
      ...(device ? { inferDevice: device.graph } : {}),
      rule: Object.fromEntries(rule.map(([name, r]) => [name, r.graph])),
      passes: { inferTwin: twin.stats, ...(device ? { inferDevice: device.stats } : {}), ...Object.fromEntries(rule.map(([name, r]) => [name, r.stats])) },
    };
  }

  /**
   * The graphs compiled with a backend (`ref`, `wasm`, `webgpu`, or a Backend of the caller's:
   * the browser playground compiles through binaryen without Node's module cache), with
   * manifests and FLOPs, and what the pass pipeline did to each.
   */
  async compile(using: string | Backend, batch: number, settings: DeviceSettings = {}, opts: GraphOptions = {}): Promise<{ spec: ModelSpec; programs: Programs; passes: ProgramGraphs["passes"] }> {
    const backend = typeof using === "string" ? findBackend(using) : using;
    const g = this.graphs(batch, settings, opts);
    const plain = async (graph: Graph): Promise<CompiledProgram> => ({ exe: await compileWith(backend, graph, this.train.span), manifest: manifestOf(graph), flops: graphFlops(graph) });
    const one = async (graph: Graph, split = splitExternal(graph)): Promise<CompiledProgram> => {
      if (!split) return plain(graph);
      const [main, ...probes] = await Promise.all([plain(split.main), ...split.probes.map((q) => plain(q.graph))]);
      return { ...main!, probes: split.probes.map((q, i) => ({ device: q.device, program: probes[i]! })) };
    };
    // an inference program's parameter- and chip-only work runs once per evaluation, not per batch
    const inference = async (graph: Graph): Promise<CompiledProgram> => {
      const external = splitExternal(graph);
      if (external || !backend.hostMemory) return one(graph, external);
      const split = splitInference(graph);
      if (!split) return plain(graph);
      const [prepare, main] = await Promise.all([compileWith(backend, split.prepare, this.train.span), compileWith(backend, split.main, this.train.span)]);
      return { exe: preparedExecutable({ inputs: split.inputs, prepare, main, fixedInputs: split.fixedInputs }), manifest: manifestOf(graph), flops: graphFlops(graph) };
    };
    const names = Object.keys(g.rule);
    const [twin, device, ...rule] = await Promise.all([inference(g.inferTwin), g.inferDevice ? inference(g.inferDevice) : undefined, ...names.map((n) => one(g.rule[n]!))]);
    return { spec: this.spec(batch), programs: { inferTwin: twin!, ...(device ? { inferDevice: device } : {}), rule: Object.fromEntries(names.map((n, i) => [n, rule[i]!])) }, passes: g.passes };
  }

  /** The same programs on the reference interpreter, synchronously (tests and tools that need no wasm). */
  compileReference(batch: number, settings: DeviceSettings = {}, opts: GraphOptions = {}): { spec: ModelSpec; programs: Programs } {
    const g = this.graphs(batch, settings, opts);
    const plain = (graph: Graph): CompiledProgram => ({ exe: compileInterp(graph), manifest: manifestOf(graph), flops: graphFlops(graph) });
    const one = (graph: Graph): CompiledProgram => {
      const split = splitExternal(graph);
      return split ? { ...plain(split.main), probes: split.probes.map((q) => ({ device: q.device, program: plain(q.graph) })) } : plain(graph);
    };
    return {
      spec: this.spec(batch),
      programs: { inferTwin: one(g.inferTwin), ...(g.inferDevice ? { inferDevice: one(g.inferDevice) } : {}), rule: Object.fromEntries(Object.entries(g.rule).map(([n, graph]) => [n, one(graph)])) },
    };
  }

  /** The rule's step on one shard of a data-parallel step (compiler/rules/rule.ts ParallelPlan), bound to this run's options. */
  shardStepper(): (ctx: RuleContext) => ShardStepper {
    const plan = this.rule.parallel;
    const options = this.train.rule.options as never;
    return (ctx) => (plan === "gradient" ? gradientShards(this.rule.stepper(ctx, options), ctx.params) : plan.shard(ctx, options));
  }

  /** A rule with its own sums: their merge on the main thread; undefined for gradient rules (one optimizer update). */
  shardMerger(): ((ctx: RuleContext) => ShardMerger) | undefined {
    const plan = this.rule.parallel;
    const options = this.train.rule.options as never;
    return plan === "gradient" ? undefined : (ctx) => plan.merge(ctx, options);
  }

  /** The rule's run-time half, bound to this run's options. */
  stepper(): (ctx: RuleContext) => RuleStepper {
    const options = this.train.rule.options;
    return (ctx) => this.rule.stepper(ctx, options as never);
  }

  /**
   * The train block's data set (a path argument resolves against the program's folder),
   * checked to fit the network: its features and classes (PNN6002 naming the file and the cell).
   */
  dataset(): Dataset {
    const spec = this.spec(1);
    return loadDataset({ ...this.train.data, baseDir: path.dirname(path.resolve(this.file)), fits: { network: spec.network, features: spec.features, classes: spec.classes }, ...(this.readShipped ? { readShipped: this.readShipped } : {}) });
  }
}
