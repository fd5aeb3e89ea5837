// Issue 16: `pnn infer --input` rows (runtime/data/rows.ts), as pure functions — the header rule,
// separators, and the normalisation checks the CLI tests (cli-run.test.ts) do not reach: a log
// normalisation given a value ≤ 0, a value far outside the training range that does not look raw.
import { describe, expect, it } from "vitest";
import { UserError } from "../../diagnostics/catalog.js";
import { checkScale, normalise, readInputRows } from "../../runtime/data/rows.js";

const refusal = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    expect(e.diagnostic.code).toBe("PNN6005");
    const s = e.diagnostic.span;
    return `${s.file}:${s.line}:${s.col}: ${e.diagnostic.message}`;
  }
  throw new Error("accepted");
};

describe("reading rows", () => {
  it("commas, white space, tabs, CRLF, a BOM and blank lines; values in order", () => {
    const r = readInputRows("\ufeff1,2\r\n\n3 4\n5\t6\n", "in.csv", 2);
    expect(Array.from(r.values)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.places.map((p) => p.line)).toEqual([1, 3, 4]);
  });

  it("a header is a first line of names only: NaN, Inf or a number make it a row (refused, not skipped)", () => {
    expect(readInputRows("x,y\n1,2\n", "in.csv", 2).count).toBe(1);
    expect(refusal(() => readInputRows("NaN,inf\n1,2\n", "in.csv", 2))).toBe("in.csv:1:1: row 1 (line 1), value 1 is 'NaN', not a number");
    expect(refusal(() => readInputRows("x,1\n1,2\n", "in.csv", 2))).toBe("in.csv:1:1: row 1 (line 1), value 1 is 'x', not a number");
    expect(refusal(() => readInputRows("1,2\nx,y\n", "in.csv", 2))).toBe("in.csv:2:1: row 2 (line 2), value 1 is 'x', not a number");
  });

  it("a header naming the training columns picks them by name, in training order", () => {
    const r = readInputRows("label,F2,id,F1\nae,20,7,10\n", "in.csv", 2, ["F1", "F2"]);
    expect(Array.from(r.values)).toEqual([10, 20]);
    expect(refusal(() => readInputRows("F1,G\n1,2,3\n", "in.csv", 2, ["F1", "F2"]))).toBe("in.csv:2:5: row 1 (line 2) has 3 values; the header has 2 columns");
    expect(refusal(() => readInputRows("F1,G,H\n1,2,3\n", "in.csv", 2, ["F1", "F2"]))).toMatch(/^in\.csv:1:1: the header has 3 columns; the network takes 2 features \(F1, F2\), and the header does not name them all/);
  });

  it("quoted cells are text: a quoted number is read, a quoted word is refused at its column", () => {
    expect(Array.from(readInputRows('"1","2"\n', "in.csv", 2).values)).toEqual([1, 2]);
    expect(refusal(() => readInputRows('1,"two"\n', "in.csv", 2))).toBe("in.csv:1:3: row 1 (line 1), value 2 is 'two', not a number");
    expect(refusal(() => readInputRows('1,"open\n', "in.csv", 2))).toMatch(/unterminated quoted cell/);
  });
});

describe("normalisation", () => {
  const n = { log: true, mean: [Math.log(1000), Math.log(100)], std: [0.5, 0.5] };

  it("--raw with a log normalisation: values ≤ 0 are refused at the cell", () => {
    const rows = readInputRows("1000,0\n", "in.csv", 2);
    expect(refusal(() => normalise(rows, n, "vowels"))).toBe("in.csv:1:6: row 1, feature 2 is 0: the vowels data set's normalisation takes the log of raw features, which must be > 0");
  });

  it("--raw normalises exactly: (log(raw) − mean) / std", () => {
    const rows = readInputRows("2000,50\n", "in.csv", 2);
    normalise(rows, n, "vowels");
    expect(Array.from(rows.values)).toEqual([(Math.log(2000) - Math.log(1000)) / 0.5, (Math.log(50) - Math.log(100)) / 0.5]);
  });

  it("without --raw: ±10 is accepted; beyond it, raw-looking rows get the --raw hint, others 'far outside'", () => {
    checkScale(readInputRows("10,-10\n", "in.csv", 2), n, "vowels");
    expect(refusal(() => checkScale(readInputRows("1200,90\n", "in.csv", 2), n, "vowels"))).toMatch(/^in\.csv:1:1: row 1, feature 1 is 1200, .*these look like raw features: pass --raw/);
    expect(refusal(() => checkScale(readInputRows("0.5,-40\n", "in.csv", 2), n, "vowels"))).toMatch(/^in\.csv:1:5: row 1, feature 2 is -40, .*it is far outside what the network was trained on$/);
  });
});
