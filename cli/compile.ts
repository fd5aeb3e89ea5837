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
import type { Graph } from "../compiler/ir/graph.js";
import type { Executable } from "../runtime/backend.js";
import { checkLowerable, lowerInfer, lowerTrainStep, modelSpec, trainMode } from "../compiler/lower/lower.js";
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

export async function buildPrograms(p: LoadedProgram, batch: number, backend: string): Promise<{ spec: ModelSpec; programs: Programs }> {
  if (!(BACKENDS as readonly string[]).includes(backend)) throw new UsageError(`unknown backend '${backend}' (available: ${BACKENDS.join(", ")})`);
  const b = backend as BackendName;
  const spec = modelSpec(p.net, batch);
  const [train, inferTwin, inferDevice] = await Promise.all([
    compileWith(b, lowerTrainStep(p.net, p.train, trainMode(p.train.rule.sig.name), batch), p),
    compileWith(b, lowerInfer(p.net, "twin", batch), p),
    spec.hasDevice ? compileWith(b, lowerInfer(p.net, "device", batch), p) : undefined,
  ]);
  const programs: Programs = { train, inferTwin, ...(inferDevice ? { inferDevice } : {}) };
  return { spec, programs };
}
