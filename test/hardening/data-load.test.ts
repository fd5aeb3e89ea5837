// Issue 16 (run time): data is validated when it is loaded, against the network it trains —
// one regression test per reproducer. Each used to train silently, crash with an internal
// error, or zero a feature; each is now PNN6002 naming the file, the line and (in a related
// note) the cell's line:col. In-process through the driver (Program.dataset, what train, eval
// and build call); test/hardening/cli-run.test.ts runs one of them through the real command.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { UserError, type Diagnostic } from "../../diagnostics/catalog.js";
import { loadProgram } from "../helpers/program.js";

/** A folder with d.csv = csv and net.pnn: an `input`-feature, `outputs`-class network trained on csv("d.csv"). */
function project(csv: string, input = 2, outputs = 2): { file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-data-"));
  fs.writeFileSync(path.join(dir, "d.csv"), csv);
  const file = path.join(dir, "net.pnn");
  fs.writeFileSync(file, `network N {\n  input x: real[${input}]\n  output y = dense(x, ${outputs})\n}\ntrain N on csv("d.csv", label: "label") {\n  rule = backprop\n  loss = cross_entropy\n  optimizer = adam(lr: 0.01)\n  epochs = 1\n  batch = 8\n  seed = 1\n}\n`);
  return { file };
}

/** The diagnostic Program.dataset() throws (what train, eval and build would print). */
function dataError(csv: string, input = 2, outputs = 2): Diagnostic {
  const prog = loadProgram(project(csv, input, outputs).file);
  try {
    prog.dataset();
  } catch (e) {
    if (e instanceof UserError) return e.diagnostic;
    throw e;
  }
  throw new Error("the data loaded without an error");
}

const rows = (n: number, cell: (i: number) => string) => Array.from({ length: n }, (_, i) => cell(i)).join("\n") + "\n";
const rnd = (i: number) => ((i * 7919) % 97) / 97;

describe("class count vs the network's outputs", () => {
  it("3 classes into a 2-output network: PNN6002 at the first label of the 3rd class (was: internal error, label 2 outside [0, 2))", () => {
    const d = dataError("a,b,label\n" + rows(40, (i) => `${rnd(i)},${rnd(i + 1)},${i % 3}`));
    expect(d.code).toBe("PNN6002");
    expect(d.message).toMatch(/d\.csv has 3 classes \(0, 1, 2\), but network N has 2 outputs, one per class; line 4's label '2' is the 3rd class/);
    expect(d.span.file).toMatch(/net\.pnn$/);
    expect(d.related[0]!.span).toMatchObject({ line: 4 });
    expect(d.related[0]!.span.file).toMatch(/d\.csv$/);
    // the label is the third cell: column after "a,b," — its text starts at the label
    const line = "a,b,label\n" + rows(40, (i) => `${rnd(i)},${rnd(i + 1)},${i % 3}`);
    const l4 = line.split("\n")[3]!;
    expect(l4.slice(d.related[0]!.span.col - 1)).toBe("2");
  });

  it("2 classes into a 3-output network: PNN6002 at the label column", () => {
    const d = dataError("a,b,label\n" + rows(40, (i) => `${rnd(i)},${rnd(i + 1)},${i % 2}`), 2, 3);
    expect(d.code).toBe("PNN6002");
    expect(d.message).toMatch(/has 2 classes \(0, 1\), but network N has 3 outputs/);
    expect(d.related[0]!.span).toMatchObject({ line: 1, col: 5 });
  });
});

describe("feature count vs the network's input", () => {
  it("2 features into real[5]: PNN6002 at the header (was: trained, exit 0)", () => {
    const d = dataError("a,b,label\n" + rows(40, (i) => `${rnd(i)},${rnd(i + 1)},${i % 2}`), 5, 2);
    expect(d.message).toMatch(/d\.csv has 2 feature columns \(a, b\), but network N takes 5 input features/);
    expect(d.related[0]!.span).toMatchObject({ line: 1, col: 1 });
  });

  it("5,000 features into real[2]: PNN6002, the names listed only in part (was: trained, exit 0)", () => {
    const header = Array.from({ length: 5000 }, (_, i) => `f${i}`).join(",") + ",label\n";
    const d = dataError(header + rows(20, (i) => Array.from({ length: 5000 }, () => "0.5").join(",") + `,${i % 2}`));
    expect(d.message).toMatch(/has 5000 feature columns \(f0, f1, f2, f3, f4, f5, f6, f7, …\), but network N takes 2/);
    expect(d.message.length).toBeLessThan(300);
  });
});

describe("finite values and number syntax", () => {
  it("1e999 is refused at its cell (was: read as Infinity, training diverged)", () => {
    const d = dataError("a,b,label\n" + rows(40, (i) => `${i === 5 ? "1e999" : rnd(i)},${rnd(i + 1)},${i % 2}`));
    expect(d.message).toMatch(/d\.csv line 7: column 'a' is '1e999', beyond the largest float64/);
    expect(d.related[0]!.span).toMatchObject({ line: 7, col: 1 });
  });

  it("a 5-million-digit cell is refused, and the message quotes 40 characters of it", () => {
    const d = dataError("a,b,label\n" + rows(20, (i) => `${i === 3 ? "9".repeat(5_000_000) : "1"},2,${i % 2}`));
    expect(d.message).toMatch(/line 5: column 'a' is '9{40}…' \(5,000,000 characters\), beyond the largest float64/);
    expect(d.message.length).toBeLessThan(200);
  });

  it("NaN, Infinity, hex and empty cells are not numbers; the note points at the cell", () => {
    for (const [cell, why] of [["NaN", /'NaN', not a number/], ["Infinity", /'Infinity', not a number/], ["0x10", /'0x10', not a number/], ["", /is empty/]] as const) {
      const d = dataError("a,b,label\n" + rows(40, (i) => `${rnd(i)},${i === 2 ? cell : rnd(i)},${i % 2}`));
      expect(d.message).toMatch(why);
      expect(d.related[0]!.span.line).toBe(4);
    }
  });

  it("1e308 cells whose mean or std overflows are refused at the column (was: std Infinity, the feature zeroed)", () => {
    const d = dataError("a,b,label\n" + rows(40, (i) => `${i % 2 ? "1e308" : "-1e308"},${rnd(i)},${i % 2}`));
    expect(d.message).toMatch(/column 'a' holds values too large to normalise \(up to 1\.000e\+308; .*overflows float64\); rescale the column/);
    expect(d.related[0]!.span).toMatchObject({ line: 1, col: 1 });
  });

  it("large but normalisable values (1e150) still load, z-scored to O(1)", () => {
    const p = project("a,b,label\n" + rows(40, (i) => `${(1 + rnd(i)) * 1e150},${rnd(i)},${i % 2}`));
    const data = loadProgram(p.file).dataset();
    for (const v of data.train.x) expect(Math.abs(v)).toBeLessThan(10);
  });
});
