/**
 * CSV tables for data sets: the user's own `csv("path", label: "col")` and the shipped
 * vowels.csv / iris.csv. In: a file path. Out: a numeric feature table, labels as class indices
 * and sorted class names. Every problem with the file is a UserError naming the file and its
 * line: PNN6001 missing, PNN6002 malformed (ragged rows, non-numbers, empty cells, bad quotes).
 * Accepts RFC 4180 quoting within one line (no embedded newlines), CRLF, a UTF-8 BOM, and
 * ignores blank lines. No type inference beyond "the label column may hold strings".
 */
import { MAX_DATA_FILE_BYTES } from "../../diagnostics/limits.js";
import { readTextFile } from "../files.js";
import { fail } from "./args.js";
import type { DatasetSpec } from "./types.js";

export interface CsvTable {
  header: string[];
  /** Cells per row, and the 1-based line of the file each row came from. */
  rows: string[][];
  lines: number[];
}

export interface LabelledTable {
  features: string[];
  x: Float64Array; // rows × features
  y: Int32Array;
  classNames: string[];
  n: number;
  /** The raw cell values of the columns kept aside (e.g. speaker), per row. */
  kept: Record<string, string[]>;
}

type Where = Pick<DatasetSpec, "span">;

/** A data file's text: regular files only, at most MAX_DATA_FILE_BYTES (runtime/files.ts). */
export function readText(where: Where, path: string, shownAs: string): string {
  const r = readTextFile(path, MAX_DATA_FILE_BYTES);
  if (r.ok) return r.text;
  if (r.kind === "missing") fail(where, `data file not found: ${shownAs} (looked for ${path})`, "PNN6001");
  fail(where, `cannot read ${shownAs}: ${r.problem}`, "PNN6001");
}

/** Splits one line into cells, honouring "quoted, cells" and "" escapes. */
function splitLine(where: Where, file: string, lineNo: number, line: string): string[] {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let cell = "";
      i++;
      for (;;) {
        if (i >= line.length) fail(where, `${file} line ${lineNo}: unterminated quoted cell`, "PNN6002");
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
      if (i < line.length && line[i] !== ",") fail(where, `${file} line ${lineNo}: text after a closing quote`, "PNN6002");
      cells.push(cell);
    } else {
      const j = line.indexOf(",", i);
      const end = j < 0 ? line.length : j;
      cells.push(line.slice(i, end).trim());
      i = end;
    }
    if (i >= line.length) return cells;
    i++; // the comma
  }
}

export function parseCsv(where: Where, text: string, file: string): CsvTable {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const raw = text.split("\n");
  let header: string[] | undefined;
  const rows: string[][] = [];
  const lines: number[] = [];
  for (let k = 0; k < raw.length; k++) {
    const line = raw[k].replace(/\r$/, "");
    if (line.trim() === "") continue;
    const cells = splitLine(where, file, k + 1, line);
    if (!header) {
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
  }
  if (!header) fail(where, `${file} is empty (it needs a header line and data rows)`, "PNN6002");
  if (rows.length === 0) fail(where, `${file} has a header but no data rows`, "PNN6002");
  return { header, rows, lines };
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

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
      const s = cells[j];
      if (s === "") fail(where, `${file} line ${t.lines[r]}: column '${t.header[j]}' is empty`, "PNN6002");
      if (!NUMBER.test(s)) fail(where, `${file} line ${t.lines[r]}: column '${t.header[j]}' is '${s}', not a number`, "PNN6002");
      x[r * f + c] = Number(s);
    });
    const l = cells[li];
    if (l === "") fail(where, `${file} line ${t.lines[r]}: the label column '${label}' is empty`, "PNN6002");
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
  return { features: featCols.map((j) => t.header[j]), x, y, classNames, n, kept };
}
