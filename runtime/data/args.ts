/**
 * Data-set arguments as loaders receive them: already checked and defaulted by the checker
 * against the data set's schema (stdlib/datasets.ts). `fail` reports what only loading can find
 * (a missing file, malformed data, a label column that is not there) at the call's span.
 */
import { diag, UserError } from "../../diagnostics/catalog.js";
import type { DatasetSpec } from "./types.js";

export type ArgValues = Readonly<Record<string, number | string>>;

export function fail(spec: Pick<DatasetSpec, "span">, message: string, code: "PNN6001" | "PNN6002" | "PNN6005" | "PNN6006" = "PNN6006"): never {
  throw new UserError(diag(code, spec.span, message));
}
