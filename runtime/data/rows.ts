/**
 * Rows of features for inference (`pnn infer --input FILE` or `--input "v1,v2,…"`). In: the
 * text, the name spans should carry (the file, or `--input`), the number of features the network
 * takes, optionally the training data's feature names and normalisation. Out: row-major values
 * and where each row came from. Every row is used or refused, never silently dropped: each
 * problem is PNN6005 at the cell's line:col — an empty cell, a cell that is not a decimal number
 * (`NaN`, a word, a quoted text), a number float64 cannot hold (`1e999`), a row of the wrong
 * length. The first line may be a header (every cell a name, none a number or a NaN/Infinity
 * spelling): with the training data's feature names it selects and orders the columns by name
 * (so the training CSV, label column and all, can be fed back); otherwise it must have one
 * column per feature. Cells are separated by commas (RFC 4180 quotes allowed) or, on a line
 * without commas, by white space.
 *
 * `normalise` maps raw features as training did (x = (log?(raw) − mean) / std); `checkScale`
 * refuses values that cannot be the network's normalised inputs (more than OUTLIER_Z standard
 * deviations from the training mean), saying whether they look raw. Neither runs a model.
 */
import { diag, UserError } from "../../diagnostics/catalog.js";
import type { Span } from "../../diagnostics/span.js";
import { cellNumber, placeSpan, showCell, splitLine, type RowPlace } from "./csv.js";

/** |x| beyond this (in training standard deviations) cannot be a normalised feature: refused unless --raw. */
export const OUTLIER_Z = 10;

export interface InputRows {
  readonly values: Float64Array;
  readonly count: number;
  readonly spanFile: string;
  /** Where row r came from, and which cell of it is feature j (`cellOf[j]`). */
  readonly places: readonly RowPlace[];
  readonly cellOf: readonly number[];
}

export interface Normalization {
  readonly log: boolean;
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

function refuse(span: Span, message: string): never {
  throw new UserError(diag("PNN6005", span, message));
}

const NAN_OR_INF = /^[+-]?(nan|inf|infinity)$/i;
/** A header cell: a name, not a number, not a spelling of NaN or Infinity (those are refused as values, not skipped). */
const isName = (c: string) => {
  const s = c.trim();
  return s !== "" && !NAN_OR_INF.test(s) && !/^[\d.+-]/.test(s);
};

/** Splits the input into a table: commas (quotes allowed) where a line has them, else white space. */
function table(text: string, spanFile: string): { header?: { cells: string[]; place: RowPlace }; rows: string[][]; places: RowPlace[] } {
  const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const rows: string[][] = [];
  const places: RowPlace[] = [];
  let offset = bom;
  const lines = text.slice(bom).split("\n");
  for (let k = 0; k < lines.length; k++) {
    const lineOffset = offset;
    offset += lines[k]!.length + 1;
    const line = lines[k]!.replace(/\r$/, "");
    if (line.trim() === "") continue;
    if (line.includes(",") || line.includes('"')) {
      const where = { span: { file: spanFile, start: lineOffset, end: lineOffset + line.length, line: k + 1, col: 1, endLine: k + 1, endCol: line.length + 1 } };
      const cols: number[] = [];
      const widths: number[] = [];
      rows.push(splitLine(where, spanFile, k + 1, line, cols, widths, "PNN6005"));
      places.push({ line: k + 1, offset: lineOffset, cols, widths });
    } else {
      const cols: number[] = [];
      const widths: number[] = [];
      const cells: string[] = [];
      for (const m of line.matchAll(/\S+/g)) {
        cells.push(m[0]);
        cols.push(m.index!);
        widths.push(m[0].length);
      }
      rows.push(cells);
      places.push({ line: k + 1, offset: lineOffset, cols, widths });
    }
  }
  const first = rows[0];
  if (first && first.every(isName))
    return { header: { cells: first, place: places[0]! }, rows: rows.slice(1), places: places.slice(1) };
  return { rows, places };
}

/**
 * Reads rows of `features` numbers (see the file comment). `featureNames`: the training data's
 * feature columns, which a header may name in any order among other columns.
 */
export function readInputRows(text: string, spanFile: string, features: number, featureNames?: readonly string[]): InputRows {
  const t = table(text, spanFile);
  const whole: Span = { file: spanFile, start: 0, end: 0, line: 1, col: 1, endLine: 1, endCol: 1 };
  let cellOf = Array.from({ length: features }, (_, j) => j);
  let width = features;
  if (t.header) {
    const h = t.header.cells.map((c) => c.trim());
    const named = featureNames && featureNames.every((n) => h.includes(n));
    if (named) cellOf = featureNames.map((n) => h.indexOf(n));
    else if (h.length !== features)
      refuse(placeSpan(spanFile, t.header.place, 0), `the header has ${h.length} columns; the network takes ${features} features${featureNames ? ` (${featureNames.slice(0, 12).join(", ")}${featureNames.length > 12 ? ", …" : ""}), and the header does not name them all` : ""}`);
    width = h.length;
  }
  if (t.rows.length === 0) refuse(t.header ? placeSpan(spanFile, t.header.place, 0) : whole, t.header ? "a header but no rows of numbers" : "no input rows (the input is empty)");
  const values = new Float64Array(t.rows.length * features);
  t.rows.forEach((cells, r) => {
    const place = t.places[r]!;
    if (cells.length !== width)
      refuse(placeSpan(spanFile, place, cells.length > width ? width : cells.length - 1), `row ${r + 1} (line ${place.line}) has ${cells.length} values; ${t.header ? `the header has ${width} columns` : `the network takes ${features}`}`);
    cellOf.forEach((c, j) => {
      const v = cellNumber(cells[c]!.trim());
      if (typeof v === "string") refuse(placeSpan(spanFile, place, c), `row ${r + 1} (line ${place.line}), ${t.header ? `column '${t.header.cells[c]}'` : `value ${c + 1}`} ${v === "is empty" ? "is empty" : v}`);
      values[r * features + j] = v;
    });
  });
  return { values, count: t.rows.length, spanFile, places: t.places, cellOf };
}

/** Raw features mapped as training mapped them (in place). Values log cannot take are PNN6005. */
export function normalise(rows: InputRows, n: Normalization, dataset: string): void {
  const f = n.mean.length;
  for (let r = 0; r < rows.count; r++)
    for (let j = 0; j < f; j++) {
      const raw = rows.values[r * f + j]!;
      if (n.log && !(raw > 0)) refuse(placeSpan(rows.spanFile, rows.places[r]!, rows.cellOf[j]!), `row ${r + 1}, feature ${j + 1} is ${raw}: the ${dataset} data set's normalisation takes the log of raw features, which must be > 0`);
      rows.values[r * f + j] = ((n.log ? Math.log(raw) : raw) - n.mean[j]!) / n.std[j]!;
    }
}

/**
 * Refuses normalised inputs more than OUTLIER_Z training standard deviations from the mean: the
 * network never saw anything like them (its scores would be meaningless, or overflow). When
 * the row would be in range as raw features, says so and suggests --raw.
 */
export function checkScale(rows: InputRows, n: Normalization, dataset: string): void {
  const f = n.mean.length;
  for (let r = 0; r < rows.count; r++)
    for (let j = 0; j < f; j++) {
      const v = rows.values[r * f + j]!;
      if (Math.abs(v) <= OUTLIER_Z) continue;
      let looksRaw = true;
      for (let k = 0; k < f && looksRaw; k++) {
        const raw = rows.values[r * f + k]!;
        const z = ((n.log ? Math.log(raw) : raw) - n.mean[k]!) / n.std[k]!;
        looksRaw = Number.isFinite(z) && Math.abs(z) <= OUTLIER_Z;
      }
      refuse(
        placeSpan(rows.spanFile, rows.places[r]!, rows.cellOf[j]!),
        `row ${r + 1}, feature ${j + 1} is ${showCell(String(v)).slice(1, -1)}, but the network takes the ${dataset} data set's features normalised (x = ${n.log ? "(log(raw)" : "(raw"} − mean) / std, within ±${OUTLIER_Z} in training)` +
          (looksRaw ? `; these look like raw features: pass --raw to normalise them with the normalisation stored in the checkpoint` : `; it is far outside what the network was trained on`),
      );
    }
}

/** The span of row r's cell for feature j (for errors found after the model ran). */
export function rowSpan(rows: InputRows, r: number): Span {
  return placeSpan(rows.spanFile, rows.places[r]!, rows.cellOf[0]!);
}
