/**
 * Data set arguments: the declared parameters of each data set, and the one function that turns
 * a call's positional and named arguments into validated values. Every mistake (unknown name,
 * too many positionals, duplicate, wrong type, out of range) is a PNN6006 UserError at the
 * call's span. No file is read here (a path argument is only confined and stat'ed), so the
 * checker may call it freely.
 */
import { diag, UserError } from "../../diagnostics/catalog.js";
import { MAX_DATA_FILE_BYTES } from "../../diagnostics/limits.js";
import { confine, fileProblem } from "../files.js";
import type { DatasetSpec } from "./types.js";

export interface ArgDef {
  name: string;
  /** undefined = required. */
  default: number | string | undefined;
  doc: string;
  kind: "int" | "number" | "string";
  /** A file path: relative to the .pnn file's folder and confined to it (runtime/files.ts confine). */
  file?: boolean;
  min?: number;
  max?: number;
  choices?: readonly number[];
}

export type ArgValues = Record<string, number | string>;

export function fail(spec: Pick<DatasetSpec, "span">, message: string, code: "PNN6001" | "PNN6002" | "PNN6006" = "PNN6006"): never {
  throw new UserError(diag(code, spec.span, message));
}

/**
 * Resolves a call against its parameter list; throws PNN6006 on any mistake. With `baseDir`,
 * a file argument must stay inside that folder (symbolic links resolved) and, when it exists,
 * be a regular file of at most MAX_DATA_FILE_BYTES; nothing is read.
 */
export function resolveArgs(spec: Pick<DatasetSpec, "name" | "positional" | "named" | "span"> & { baseDir?: string }, defs: readonly ArgDef[]): ArgValues {
  const call = `${spec.name}()`;
  const out: ArgValues = {};
  const names = defs.map((d) => d.name);
  if (spec.positional.length > defs.length)
    fail(spec, `${call} takes at most ${defs.length} argument${defs.length === 1 ? "" : "s"}${defs.length ? ` (${names.join(", ")})` : ""}, got ${spec.positional.length} positional`);
  spec.positional.forEach((v, i) => (out[defs[i].name] = v));
  for (const [k, v] of Object.entries(spec.named)) {
    if (!names.includes(k)) fail(spec, `${call} has no argument '${k}'${names.length ? `; its arguments are ${names.join(", ")}` : "; it takes no arguments"}`);
    if (k in out) fail(spec, `${call}: argument '${k}' is given twice`);
    out[k] = v;
  }
  for (const d of defs) {
    const v = out[d.name];
    if (v === undefined) {
      if (d.default === undefined) fail(spec, `${call} needs the argument '${d.name}' (${d.doc})`);
      out[d.name] = d.default;
      continue;
    }
    if (d.kind === "string") {
      if (typeof v !== "string") fail(spec, `${call}: '${d.name}' must be a string, got ${v}`);
      if (d.file && spec.baseDir !== undefined) checkFileArg(spec, call, d.name, v, spec.baseDir);
      continue;
    }
    if (typeof v !== "number" || !Number.isFinite(v)) fail(spec, `${call}: '${d.name}' must be a number, got ${JSON.stringify(v)}`);
    if (d.kind === "int" && !Number.isInteger(v)) fail(spec, `${call}: '${d.name}' must be a whole number, got ${v}`);
    if (d.choices && !d.choices.includes(v)) fail(spec, `${call}: '${d.name}' must be one of ${d.choices.join(", ")}, got ${v}`);
    if (d.min !== undefined && v < d.min) fail(spec, `${call}: '${d.name}' must be at least ${d.min}, got ${v}`);
    if (d.max !== undefined && v > d.max) fail(spec, `${call}: '${d.name}' must be at most ${d.max}, got ${v}`);
  }
  return out;
}

function checkFileArg(spec: Pick<DatasetSpec, "span">, call: string, name: string, rel: string, baseDir: string): void {
  if (rel.trim() === "") fail(spec, `${call}: '${name}' is empty`);
  const at = confine(baseDir, rel);
  if (!at.ok) fail(spec, `${call}: ${at.problem}; data files must be inside it`);
  const unfit = fileProblem(at.path, MAX_DATA_FILE_BYTES);
  if (unfit) fail(spec, `${call}: cannot read '${rel}': ${unfit.problem}`, "PNN6001");
}
