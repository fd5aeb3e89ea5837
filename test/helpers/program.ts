// Shared helpers for tests that compile programs in-process through the driver (the same
// Session and Program the CLI uses): load a file or a source text (optionally with another
// rule), run a synchronous (interpreter) executable, and train a program quietly.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DiagnosticsError } from "../../compiler/driver/errors.js";
import { parseAssignment } from "../../compiler/driver/overrides.js";
import { Program } from "../../compiler/driver/program.js";
import { Session } from "../../compiler/driver/session.js";
import type { Executable, SyncExecutable, Tensor } from "../../runtime/backend.js";
import { ProgressReporter } from "../../runtime/metrics.js";
import type { Programs } from "../../runtime/program.js";
import { train } from "../../runtime/trainer.js";
import type { ModelSpec } from "../../runtime/model.js";

export const diskHost = {
  readFile(p: string) {
    try {
      return fs.readFileSync(p, "utf8");
    } catch {
      return undefined;
    }
  },
};

/** The checked program of FILE's first train block (with `--rule` and `--set name=value` overrides; `simulate`: external layers on their device model); diagnostics become one readable Error. */
export function loadProgram(file: string, rule?: string, set: readonly string[] = [], simulate = false): Program {
  try {
    return new Session(file, fs.readFileSync(file, "utf8"), diskHost).program({ ...(rule !== undefined ? { rule } : {}), ...(set.length ? { set: set.map((a) => parseAssignment(a)) } : {}), ...(simulate ? { simulate } : {}) });
  } catch (e) {
    if (e instanceof DiagnosticsError) throw new Error(e.diagnostics.map((d) => `${d.code}: ${d.message}`).join("\n"));
    throw e;
  }
}

/** Writes `source` to a fresh temporary folder and loads it. */
export function loadSource(source: string, rule?: string, name = "net.pnn", set: readonly string[] = []): Program {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pnn-src-")), name);
  fs.writeFileSync(file, source);
  return loadProgram(file, rule, set);
}

/** Runs an executable that must be synchronous (the interpreter); fails on an asynchronous one. */
export function runSync(exe: Executable, inputs: Readonly<Record<string, Tensor>>): Record<string, Tensor> {
  const out = (exe as SyncExecutable).run(inputs);
  if (out instanceof Promise) throw new Error("runSync needs a synchronous executable");
  return out;
}

/** Trains `p` on already compiled programs, quietly, with no run directory; returns the summary. */
export async function trainCompiled(p: Program, compiled: { spec: ModelSpec; programs: Programs }, epochs = p.train.epochs): Promise<Record<string, number>> {
  const progress = new ProgressReporter({ mode: "quiet", out: process.stdout, epochs });
  const outcome = await train(
    compiled.spec,
    compiled.programs,
    p.dataset(),
    { epochs, seed: p.train.seed, chips: p.train.chips, optimizer: p.train.optimizer, identity: { network: compiled.spec.network, rule: p.rule.name, sourceHash: p.sourceHash, configHash: p.configHash, seed: p.train.seed } },
    { progress, span: p.train.span, makeStepper: p.stepper() },
  );
  if (outcome.kind !== "trained") throw new Error("expected a trained run");
  return outcome.summary as Record<string, number>;
}

/** Trains `p` on the reference interpreter. */
export function trainReference(p: Program, epochs?: number): Promise<Record<string, number>> {
  return trainCompiled(p, p.compileReference(p.train.batch), epochs);
}

/** The rule's stepper of `p` on compiled programs, with `params` bound (and chip 0 unless given). */
export function stepperFor(p: Program, compiled: { spec: ModelSpec; programs: Programs }, params: Map<string, Float64Array>, chip?: Map<string, Float64Array>, extra: { trainSamples?: number; optimizer?: import("../../runtime/rules/types.js").RuleContext["optimizer"] } = {}) {
  const rule = compiled.programs.rule;
  return p.stepper()({
    spec: compiled.spec,
    programs: Object.fromEntries(Object.entries(rule).map(([k, v]) => [k, v.exe])),
    manifests: Object.fromEntries(Object.entries(rule).map(([k, v]) => [k, v.manifest])),
    flops: Object.fromEntries(Object.entries(rule).map(([k, v]) => [k, v.flops])),
    params,
    ...(chip ? { chip } : {}),
    seed: p.train.seed,
    ...extra,
  });
}
