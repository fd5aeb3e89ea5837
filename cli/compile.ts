/**
 * From a .pnn path to runnable programs: read, check (any diagnostic stops here and is printed
 * by the caller), pick the train block, lower to IR and compile with a backend. The only place
 * the CLI ties compiler and runtime together.
 */
import { createHash } from "node:crypto";
import { diag, type Diagnostic } from "../diagnostics/catalog.js";
import { summarize } from "../compiler/sema/train.js";
import { findRule, RULES } from "../stdlib/rules.js";
import { compileInterp } from "../compiler/backends/interp/index.js";
import { compileWasmCached } from "../compiler/backends/wasm/cache.js";
import { WasmLimitError } from "../compiler/backends/wasm/index.js";
import { UserError } from "../diagnostics/catalog.js";
import { checkLowerable, modelSpec } from "../compiler/lower/lower.js";
import { RULE_LOWERINGS, type RuleGraphs } from "../compiler/lower/rules/index.js";
import { graphFlops } from "../compiler/ir/flops.js";
import { runPipeline, type PipelineOptions } from "../compiler/passes/pipeline.js";
import type { Graph } from "../compiler/ir/graph.js";
import type { Executable } from "../runtime/backend.js";
import { checkSource } from "../compiler/sema/check.js";
import type { NetworkModel, TrainModel } from "../compiler/sema/model.js";
import type { ModelSpec } from "../runtime/model.js";
import type { Programs } from "../runtime/trainer.js";
import { diskHost, readSource, UsageError } from "./io.js";

export class DiagnosticsError extends Error {
  constructor(readonly diagnostics: readonly Diagnostic[], readonly sources: ReadonlyMap<string, string>) {
    super(`${diagnostics.length} diagnostics`);
  }
}

export interface LoadedProgram {
  readonly file: string;
  readonly source: string;
  readonly hash: string;
  readonly net: NetworkModel;
  readonly train: TrainModel;
}

/** Loads and checks FILE; `ruleOverride` swaps the train block's rule (checked for legality like one written there). */
export function loadProgram(file: string, trainIndex = 0, ruleOverride?: string): LoadedProgram {
  const source = readSource(file);
  const r = checkSource(source, file, diskHost);
  if (r.diagnostics.length) throw new DiagnosticsError(r.diagnostics, new Map([[file, source]]));
  const train = r.model.trains[trainIndex];
  if (!train) throw new UsageError(`${file} has no train block${trainIndex ? ` number ${trainIndex + 1}` : ""}: nothing to run`);
  const net = r.model.networks.get(train.network)!;
  let chosen = train;
  if (ruleOverride) {
    const sig = findRule(ruleOverride);
    if (!sig) throw new UsageError(`--rule: unknown learning rule '${ruleOverride}'; the rules are ${RULES.map((x) => x.name).join(", ")}`);
    const problems = sig.check(summarize(net));
    if (problems.length) throw new DiagnosticsError(problems.map((pr) => diag("PNN4002", pr.span ?? train.rule.span, pr.message)), new Map([[file, source]]));
    const options = Object.fromEntries(sig.options.map((o) => [o.name, o.default ?? null]));
    chosen = { ...train, rule: { sig, options, span: train.rule.span } };
  }
  checkLowerable(net, chosen);
  return { file, source, hash: createHash("sha256").update(source).digest("hex").slice(0, 16), net, train: chosen };
}

export type BackendName = "wasm" | "ref";
export const BACKENDS: readonly BackendName[] = ["wasm", "ref"];
/** wasm (f32, compiled, cached under .pnn-cache/) once it matches the interpreter; ref = the float64 interpreter. */
export const DEFAULT_BACKEND: BackendName = "wasm";

async function compileWith(backend: BackendName, g: Graph, p: LoadedProgram): Promise<Executable> {
  if (backend === "ref") return compileInterp(g);
  try {
    return await compileWasmCached(g);
  } catch (e) {
    if (e instanceof WasmLimitError) throw new UserError(diag("PNN5010", p.train.span, e.message));
    throw e;
  }
}

/** `time`: seconds after programming at which the device programs evaluate (`pnn eval --time`). */
export async function buildPrograms(p: LoadedProgram, batch: number, backend: string, time = 0, passes?: PipelineOptions["passes"]): Promise<{ spec: ModelSpec; programs: Programs }> {
  if (!(BACKENDS as readonly string[]).includes(backend)) throw new UsageError(`unknown backend '${backend}' (available: ${BACKENDS.join(", ")})`);
  const { spec, graphs } = ruleGraphs(p, batch, time, passes);
  const names = Object.keys(graphs).filter((name) => graphs[name] !== undefined);
  const compiled = await Promise.all(names.map((name) => compileWith(backend as BackendName, graphs[name]!, p)));
  return { spec, programs: assemble(graphs, Object.fromEntries(names.map((name, i) => [name, compiled[i]]))) };
}

/** The same programs on the reference interpreter, synchronously (tests and tools that need no wasm). */
export function buildReferencePrograms(p: LoadedProgram, batch: number, time = 0, passes?: PipelineOptions["passes"]): { spec: ModelSpec; programs: Programs } {
  const { spec, graphs } = ruleGraphs(p, batch, time, passes);
  const names = Object.keys(graphs).filter((name) => graphs[name] !== undefined);
  return { spec, programs: assemble(graphs, Object.fromEntries(names.map((name) => [name, compileInterp(graphs[name]!)]))) };
}

/** The rule's programs, each through the pass pipeline (compiler/passes; `passes` overrides it). */
function ruleGraphs(p: LoadedProgram, batch: number, time: number, passes?: PipelineOptions["passes"]): { spec: ModelSpec; graphs: RuleGraphs } {
  const spec = modelSpec(p.net, batch);
  const lowered = RULE_LOWERINGS[p.train.rule.sig.name](p.net, p.train, batch, spec.hasDevice, { time });
  const graphs = Object.fromEntries(Object.entries(lowered).map(([name, g]) => [name, g && runPipeline(g, { passes, verify: false }).graph]));
  return { spec, graphs: graphs as RuleGraphs };
}

/** Programs from compiled executables: the infer pair, and the rule's own with their digital FLOPs. */
function assemble(graphs: RuleGraphs, all: Record<string, Executable>): Programs {
  const rule: Record<string, Executable> = {};
  const flops: Record<string, number> = {};
  for (const name of Object.keys(all)) {
    if (name === "inferTwin" || name === "inferDevice") continue;
    rule[name] = all[name];
    flops[name] = graphFlops(graphs[name]!);
  }
  return { inferTwin: all.inferTwin, ...(all.inferDevice ? { inferDevice: all.inferDevice } : {}), rule, flops };
}

/** The rule's options as plain values (numbers, booleans, enum names) for the runtime. */
export function ruleOptions(p: LoadedProgram): Record<string, number | boolean | string> {
  const out: Record<string, number | boolean | string> = {};
  for (const [k, v] of Object.entries(p.train.rule.options)) {
    if (!v) continue;
    if (v.kind === "num") out[k] = v.value;
    else if (v.kind === "bool") out[k] = v.value;
    else if (v.kind === "enum") out[k] = v.value;
  }
  return out;
}
