/**
 * CSV tables for data sets: the user's own `csv("path", label: "col")` and the shipped
 * vowels.csv / iris.csv. In: a file path. Out: a numeric feature table, labels as class indices
 * and sorted class names. Every problem with the file is a UserError naming the file and its
 * line: PNN6001 missing, PNN6002 malformed (ragged rows, non-numbers, empty cells, bad quotes,
 * numbers that are not finite float64 values such as `1e999`), with a related note at the
 * cell's file:line:col. Accepts RFC 4180 quoting within one line (no embedded newlines), CRLF,
 * a UTF-8 BOM, and ignores blank lines. No type inference beyond "the label column may hold
 * strings". Also the numeric-row reader of `pnn infer --input` (readNumberRows).
 */
import { diag, UserError } from "../../diagnostics/catalog.js";
import { MAX_DATA_FILE_BYTES } from "../../diagnostics/limits.js";
import type { Span } from "../../diagnostics/span.js";
import { readTextFile } from "../files.js";
import { fail } from "./args.js";
import type { DatasetSpec } from "./types.js";

/** Where a row's cells are in the file: its line's offset in the text and each cell's 0-based column. */
export interface RowPlace {
  readonly line: number;
  readonly offset: number;
  readonly cols: readonly number[];
  readonly widths: readonly number[];
}

export interface CsvTable {
  /** The file as spans name it (a path the CLI can open to show context). */
  spanFile: string;
  header: string[];
  headerPlace: RowPlace;
  /** Cells per row, and the 1-based line of the file each row came from. */
  rows: string[][];
  lines: number[];
  places: RowPlace[];
}

export interface LabelledTable {
  features: string[];
  x: Float64Array; // rows × features
  y: Int32Array;
  classNames: string[];
  n: number;
  /** The raw cell values of the columns kept aside (e.g. speaker), per row. */
  kept: Record<string, string[]>;
  /** Where it came from: the table, the column of each feature and of the label (for messages that point at a cell). */
  table: CsvTable;
  featCols: number[];
  labelCol: number;
}

type Where = Pick<DatasetSpec, "span">;

/** A data file's text: regular files only, at most MAX_DATA_FILE_BYTES (runtime/files.ts). */
export function readText(where: Where, path: string, shownAs: string): string {
  const r = readTextFile(path, MAX_DATA_FILE_BYTES);
  if (r.ok) return r.text;
  if (r.kind === "missing") fail(where, `data file not found: ${shownAs} (looked for ${path})`, "PNN6001");
  fail(where, `cannot read ${shownAs}: ${r.problem}`, "PNN6001");
}

/** A span over `width` characters at 0-based column `col` of a row. */
export function placeSpan(file: string, p: RowPlace, j: number): Span {
  const col = p.cols[j] ?? 0;
  const width = p.widths[j] ?? 0;
  return { file, start: p.offset + col, end: p.offset + col + width, line: p.line, col: col + 1, endLine: p.line, endCol: col + width + 1 };
}

/** A cell's text for a message: at most 40 characters, with the length of the rest. */
export function showCell(s: string): string {
  return s.length > 40 ? `'${s.slice(0, 40)}…' (${s.length.toLocaleString("en-US")} characters)` : `'${s}'`;
}

/** A data problem at cell j of a row: the message names the file and line; a related note points at the cell's line:col. */
export function failAtCell(where: Where, t: Pick<CsvTable, "spanFile">, place: RowPlace, j: number, message: string, note: string, code: "PNN6002" | "PNN6005" | "PNN6006" = "PNN6002"): never {
  throw new UserError(diag(code, where.span, message, { related: [{ span: placeSpan(t.spanFile, place, j), message: note }] }));
}

/** Splits one line into cells, honouring "quoted, cells" and "" escapes; `cols`/`widths` receive each cell's place. */
export function splitLine(where: Where, file: string, lineNo: number, line: string, cols: number[] = [], widths: number[] = [], code: "PNN6002" | "PNN6005" = "PNN6002"): string[] {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    const start = i;
    cols.push(i);
    if (line[i] === '"') {
      let cell = "";
      i++;
      for (;;) {
        if (i >= line.length) fail(where, `${file} line ${lineNo}: unterminated quoted cell`, code);
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        cell += line[i++];
      }
      if (i < line.length && line[i] !== ",") fail(where, `${file} line ${lineNo}: text after a closing quote`, code);
      cells.push(cell);
      widths.push(i - start);
    } else {
      const j = line.indexOf(",", i);
      const end = j < 0 ? line.length : j;
      const raw = line.slice(i, end);
      const lead = raw.length - raw.trimStart().length;
      cols[cols.length - 1] = i + lead;
      cells.push(raw.trim());
      widths.push(raw.trim().length);
      i = end;
    }
    if (i >= line.length) return cells;
    i++; // the comma
  }
}

/** `file` names the file in messages; `spanFile` in spans (default: the same). */
export function parseCsv(where: Where, text: string, file: string, spanFile = file): CsvTable {
  const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const raw = text.slice(bom).split("\n");
  let header: string[] | undefined;
  let headerPlace: RowPlace | undefined;
  const rows: string[][] = [];
  const lines: number[] = [];
  const places: RowPlace[] = [];
  let offset = bom;
  for (let k = 0; k < raw.length; k++) {
    const lineOffset = offset;
    offset += raw[k].length + 1;
    const line = raw[k].replace(/\r$/, "");
    if (line.trim() === "") continue;
    const cols: number[] = [];
    const widths: number[] = [];
    const cells = splitLine(where, file, k + 1, line, cols, widths);
    const place: RowPlace = { line: k + 1, offset: lineOffset, cols, widths };
    if (!header) {
      headerPlace = place;
      header = cells.map((c) => c.trim());
      header.forEach((h, j) => {
        if (h === "") fail(where, `${file} line ${k + 1}: column ${j + 1} of the header has no name`, "PNN6002");
        if (header!.indexOf(h) !== j) fail(where, `${file} line ${k + 1}: the header names column '${h}' twice`, "PNN6002");
      });
      continue;
    }
    if (cells.length !== header.length)
      fail(where, `${file} line ${k + 1}: ${cells.length} cells, but the header has ${header.length} columns`, "PNN6002");
    rows.push(cells);
    lines.push(k + 1);
    places.push(place);
  }
  if (!header || !headerPlace) fail(where, `${file} is empty (it needs a header line and data rows)`, "PNN6002");
  if (rows.length === 0) fail(where, `${file} has a header but no data rows`, "PNN6002");
  return { spanFile, header, headerPlace, rows, lines, places };
}

/** Decimal number syntax (no NaN, Infinity, hex or underscores). */
export const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A cell as a finite float64, or why not: empty, not a number, or a number float64 cannot hold
 * (`1e999`, a 5-million-digit integer: both would read as Infinity).
 */
export function cellNumber(s: string): number | string {
  if (s === "") return "is empty";
  if (!NUMBER.test(s)) return `is ${showCell(s)}, not a number`;
  const v = Number(s);
  if (!Number.isFinite(v)) return `is ${showCell(s)}, beyond the largest float64 (about 1.8e308)`;
  return v;
}

/**
 * Turns a table into features and labels: `label` is the class column, `keep` columns are set
 * aside as strings, every other column must be numeric. Labels that are all integers are
 * ordered numerically, otherwise as strings; either way class k is the k-th sorted value.
 */
export function labelledTable(where: Where, t: CsvTable, file: string, label: string, keep: string[] = []): LabelledTable {
  const li = t.header.indexOf(label);
  if (li < 0) fail(where, `${file} has no column '${label}' to use as the label; its columns are ${t.header.join(", ")}`, "PNN6006");
  for (const k of keep) if (!t.header.includes(k)) fail(where, `${file} has no column '${k}'; its columns are ${t.header.join(", ")}`, "PNN6006");
  const featCols = t.header.map((_, j) => j).filter((j) => j !== li && !keep.includes(t.header[j]));
  if (featCols.length === 0) fail(where, `${file} has no feature columns besides the label '${label}'`, "PNN6002");
  const n = t.rows.length;
  const f = featCols.length;
  const x = new Float64Array(n * f);
  const labels: string[] = [];
  t.rows.forEach((cells, r) => {
    featCols.forEach((j, c) => {
      const v = cellNumber(cells[j]);
      if (typeof v === "string") failAtCell(where, t, t.places[r], j, `${file} line ${t.lines[r]}: column '${t.header[j]}' ${v}`, `column '${t.header[j]}' of line ${t.lines[r]}`);
      x[r * f + c] = v;
    });
    const l = cells[li];
    if (l === "") failAtCell(where, t, t.places[r], li, `${file} line ${t.lines[r]}: the label column '${label}' is empty`, `the label of line ${t.lines[r]}`);
    labels.push(l);
  });
  const distinct = [...new Set(labels)];
  const integers = distinct.every((s) => /^[+-]?\d+$/.test(s));
  const classNames = integers ? distinct.sort((a, b) => Number(a) - Number(b)) : distinct.sort();
  if (classNames.length < 2) fail(where, `${file}: the label column '${label}' has only one class (${classNames[0]})`, "PNN6002");
  const index = new Map(classNames.map((c, k) => [c, k]));
  const y = Int32Array.from(labels, (l) => index.get(l)!);
  const kept: Record<string, string[]> = {};
  for (const k of keep) {
    const j = t.header.indexOf(k);
    kept[k] = t.rows.map((cells) => cells[j]);
  }
  return { features: featCols.map((j) => t.header[j]), x, y, classNames, n, kept, table: t, featCols, labelCol: li };
}
