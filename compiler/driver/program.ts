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
import type { RuleContext, RuleStepper } from "../../runtime/rules/types.js";
import { compileInterp } from "../backends/interp/index.js";
import { graphFlops } from "../ir/flops.js";
import type { Graph } from "../ir/graph.js";
import { lowerInfer, modelSpec, type LowerOptions } from "../lower/lower.js";
import { splitExternal } from "../lower/external.js";
import { manifestOf } from "../lower/names.js";
import type { RuleDef, RuleLowering } from "../rules/rule.js";
import type { NetworkModel, TrainModel } from "../sema/model.js";
import { compileWith, findBackend } from "./backends.js";

/** Device settings every program of a run is lowered with. */
export type DeviceSettings = LowerOptions;

export interface ProgramGraphs {
  readonly inferTwin: Graph;
  readonly inferDevice?: Graph;
  /** The rule's own programs, by name. */
  readonly rule: Readonly<Record<string, Graph>>;
}

export class Program {
  readonly rule: RuleDef;

  constructor(
    readonly file: string,
    readonly source: string,
    readonly net: NetworkModel,
    readonly train: TrainModel,
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
    // external devices (absent from older hashes): a run on the device does not resume --simulate'd, nor the reverse
    const external = this.net.externals.length ? { external: this.net.externals.map((e) => e.name) } : {};
    const config = { network: t.network, data: t.data.name, dataArgs: t.data.args, rule: this.rule.name, options: t.rule.options, loss: t.loss, optimizer: t.optimizer, batch: t.batch, seed: t.seed, chips: t.chips, ...external };
    return createHash("sha256").update(JSON.stringify(config)).digest("hex").slice(0, 16);
  }

  spec(batch = this.train.batch): ModelSpec {
    return modelSpec(this.net, batch);
  }

  /** What the rule's lowering sees at `batch` under `device` settings (tests build single programs from it). */
  ruleLowering(batch: number, device: DeviceSettings = {}): RuleLowering<never> {
    const t = this.train;
    return { net: this.net, options: t.rule.options as never, loss: t.loss, seed: t.seed, optimizer: t.optimizer, batch, hasDevice: this.spec(batch).hasDevice, lowering: device };
  }

  /** The inference program on the twin (device: false) or the device, at `batch`. */
  inferGraph(device: boolean, batch: number, settings: DeviceSettings = {}): Graph {
    if (this.rule.infer) return this.rule.infer(this.ruleLowering(batch, settings), device);
    return lowerInfer(this.net, device ? "device" : "twin", batch, settings);
  }

  /**
   * Every program of the run: the inference pair and the rule's own, under one set of device
   * settings. `inferenceOnly` (eval, infer): the pair alone.
   */
  graphs(batch: number, settings: DeviceSettings = {}, inferenceOnly = false): ProgramGraphs {
    const hasDevice = this.spec(batch).hasDevice;
    return {
      inferTwin: this.inferGraph(false, batch, settings),
      ...(hasDevice ? { inferDevice: this.inferGraph(true, batch, settings) } : {}),
      rule: inferenceOnly ? {} : this.rule.programs(this.ruleLowering(batch, settings)),
    };
  }

  /** The graphs compiled with a backend (`ref`, `wasm`), with manifests and FLOPs; `inferenceOnly` skips the rule's programs. */
  async compile(backendName: string, batch: number, settings: DeviceSettings = {}, inferenceOnly = false): Promise<{ spec: ModelSpec; programs: Programs }> {
    const backend = findBackend(backendName);
    const g = this.graphs(batch, settings, inferenceOnly);
    const plain = async (graph: Graph): Promise<CompiledProgram> => ({ exe: await compileWith(backend, graph, this.train.span), manifest: manifestOf(graph), flops: graphFlops(graph) });
    const one = async (graph: Graph): Promise<CompiledProgram> => {
      const split = splitExternal(graph);
      if (!split) return plain(graph);
      const [main, ...probes] = await Promise.all([plain(split.main), ...split.probes.map((q) => plain(q.graph))]);
      return { ...main!, probes: split.probes.map((q, i) => ({ device: q.device, program: probes[i]! })) };
    };
    const names = Object.keys(g.rule);
    const [twin, device, ...rule] = await Promise.all([one(g.inferTwin), g.inferDevice ? one(g.inferDevice) : undefined, ...names.map((n) => one(g.rule[n]!))]);
    return { spec: this.spec(batch), programs: { inferTwin: twin!, ...(device ? { inferDevice: device } : {}), rule: Object.fromEntries(names.map((n, i) => [n, rule[i]!])) } };
  }

  /** The same programs on the reference interpreter, synchronously (tests and tools that need no wasm). */
  compileReference(batch: number, settings: DeviceSettings = {}): { spec: ModelSpec; programs: Programs } {
    const g = this.graphs(batch, settings);
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

  /** The rule's run-time half, bound to this run's options. */
  stepper(): (ctx: RuleContext) => RuleStepper {
    const options = this.train.rule.options;
    return (ctx) => this.rule.stepper(ctx, options as never);
  }

  /** The train block's data set (a path argument resolves against the program's folder). */
  dataset(): Dataset {
    return loadDataset({ ...this.train.data, baseDir: path.dirname(path.resolve(this.file)) });
  }
}
