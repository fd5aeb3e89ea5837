/**
 * The one entry point for loading data sets. In: a DatasetSpec (a train block's `on NAME(args…)`,
 * its arguments checked and defaulted by the checker against stdlib/datasets.ts). Out: a
 * Dataset, two dense splits with class indices. Every problem only loading can find (a missing
 * or malformed file) is a UserError at spec.span, never a raw Error. Loads are deterministic:
 * the same spec gives the same arrays on every run.
 */
import { InternalError } from "../../diagnostics/internal.js";
import { fail, type ArgValues } from "./args.js";
import { loadFashionMnist, loadIdx } from "./idx.js";
import { loadMnist } from "./mnist.js";
import { loadSynthetic } from "./synthetic.js";
import { loadCsv, loadIris, loadVowels } from "./tabular.js";
import type { Dataset, DatasetSpec } from "./types.js";

export type { Dataset, DatasetSpec, NetworkShape, Split } from "./types.js";

const LOADERS: Readonly<Record<string, (spec: DatasetSpec, a: ArgValues) => Dataset>> = {
  mnist: loadMnist,
  fashion_mnist: loadFashionMnist,
  idx: loadIdx,
  vowels: loadVowels,
  iris: loadIris,
  moons: (_s, a) => loadSynthetic("moons", a),
  spirals: (_s, a) => loadSynthetic("spirals", a),
  xor: (_s, a) => loadSynthetic("xor", a),
  csv: loadCsv,
};

/**
 * Loads a data set. Throws UserError (PNN6001/6002/6006) at spec.span for any problem in the
 * data, and PNN6002 when it does not fit `spec.fits` (the csv loader says which row or column;
 * the checker already refuses the built-in sets that do not fit a feed-forward network, this
 * catches the rest). Every value of x is finite.
 */
export function loadDataset(spec: DatasetSpec): Dataset {
  const load = LOADERS[spec.name];
  if (!load) throw new InternalError(`data set '${spec.name}' is declared in stdlib/datasets.ts but has no loader`);
  const data = load(spec, spec.args);
  const features = data.featureShape.reduce((a, b) => a * b, 1);
  const fits = spec.fits;
  if (fits && features !== fits.features) fail(spec, `${spec.name} has ${features} features per sample, but network ${fits.network} takes ${fits.features}`, "PNN6002");
  if (fits && data.classes !== fits.classes) fail(spec, `${spec.name} has ${data.classes} classes, but network ${fits.network} has ${fits.classes} outputs (one per class)`, "PNN6002");
  for (const s of [data.train, data.test])
    if (!s.x.every(Number.isFinite)) throw new InternalError(`data set ${spec.name}: the loader produced a non-finite feature`);
  return data;
}

/** The data sets that have loaders (a test keeps this equal to stdlib/datasets.ts). */
export const LOADED_DATASETS: readonly string[] = Object.keys(LOADERS);
