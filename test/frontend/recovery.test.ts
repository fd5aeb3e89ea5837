// Parser error recovery (issue 17, bug 6): one missing delimiter gives one diagnostic, placed
// where the delimiter belongs; the statement it breaks is not checked any further (no echoes of
// the syntax error), and the statements after it are checked normally. Also: a misspelled
// callee does not report its arguments. Cases are small programs with a `¦` marker where the
// one diagnostic must start, plus a sweep over every delimiter of the flagship example.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { LineMap } from "../../diagnostics/span.js";
import { PnnLexer } from "../../grammar/lexer.js";
import { MAX_REPAIRS, repair } from "../../grammar/recovery.js";
import { checkText, EXAMPLES_DIR, memHost, unmark } from "./helpers.js";

const brief = (ds: ReturnType<typeof checkText>) => ds.map((d) => `${d.span.line}:${d.span.col} ${d.code} ${d.message}`);

/** Checks `src` (with one `¦`) and expects exactly one diagnostic, starting at the marker. */
function one(src: string, code = "PNN1001") {
  const { text, at } = unmark(src);
  const ds = checkText(text);
  expect(brief(ds)).toHaveLength(1);
  expect(`${ds[0].span.line}:${ds[0].span.col}`).toBe(at);
  expect(ds[0].code).toBe(code);
  return ds[0];
}

const net = (body: string) => `network N {\n  input x: real[4]\n${body}\n}\n`;

describe("one missing delimiter, one diagnostic", () => {
  it("a ')' missing at the end of a line: reported after the last token of that line, not at the next statement", () => {
    const d = one(net("  h = relu(dense(x, 4)¦\n  z = h |> relu\n  output y = dense(z, 3)"));
    expect(d.message).toMatch(/'\)'/);
  });

  it("a '(' left open does not swallow the next line (the issue's six errors)", () => {
    const d = one(net("  h = dense(x, 4) |> relu(¦\n  z = h |> relu\n  w = z\n  output y = dense(w, 3)"));
    expect(d.message).toContain("')'");
    expect(d.related[0]?.span.line).toBe(3); // the '(' that is never closed
  });

  it("a ')' missing before a pipe: the pipe is not judged as an argument", () => {
    one(net("  h = dense(x, 128 |> relu¦\n  output y = dense(h, 3)"));
  });

  it("a ']' missing in a type: the input is not re-reported as a scalar later", () => {
    one(`network N {\n  input x: real[4¦\n  output y = dense(x, 3)\n}\ntrain N on iris() {\n  rule = backprop\n}\n`);
  });

  it("a '|>' with nothing after it, then the next statement", () => {
    one(net("  h = x |> relu |>¦\n  output y = dense(x, 3)"));
  });

  it("a '(' missing: one diagnostic on that line, the rest of the line is not re-parsed as statements", () => {
    const { text } = unmark(net("  h = x |> dense out: 3) |> relu\n  output y = dense(h, 3)"));
    const ds = checkText(text);
    expect(brief(ds)).toHaveLength(1);
    expect(ds[0].span.line).toBe(3);
  });

  it("a '}' missing at the end of a layer", () => {
    one(`layer L(n: int) {\n  forward(x: real[n]) -> real[n] = relu(x)¦\nnetwork N {\n  input x: real[4]\n  output y = x |> L(n: 4)\n}\n`);
  });

  it("statements after the broken one are still checked normally", () => {
    const { text } = unmark(net("  h = relu(dense(x, 4)\n  z = x |> relu\n  w = z |> dens(3)\n  output y = dense(z, 3)"));
    const ds = checkText(text);
    expect(brief(ds).map((s) => s.replace(/ .*? /, " "))).toEqual([
      expect.stringMatching(/^3:\d+ expected '\)'|^3:\d+ missing '\)'/),
      expect.stringMatching(/^5:\d+ unknown name 'dens'/),
    ]);
  });
});

describe("a misspelled callee", () => {
  it("reports the callee only, not its arguments (enum options are names only the callee knows)", () => {
    const ds = checkText(`import optics from "std/optics"\nnetwork N {\n  input x: real[4]\n  f = x |> optics.amplitude_encode\n  output y = optics.mzi_mess(f, topology: clements) |> optics.photodetect\n}\n`);
    expect(brief(ds)).toEqual([expect.stringContaining("PNN2012 std/optics has no member 'mzi_mess'; did you mean 'mzi_mesh'?")]);
  });

  it("still records the uses of names in its arguments (navigation keeps working)", async () => {
    const { checkSource } = await import("../../compiler/sema/check.js");
    const r = checkSource(net("  h = dens(x, 3)\n  output y = h"), "/virtual/t.pnn", memHost());
    const x = r.model.symbols.find((s) => s.name === "x");
    expect(x?.refs).toHaveLength(1);
  });
});

describe("the flagship, one delimiter at a time", () => {
  const file = path.join(EXAMPLES_DIR, "vowels_mzi.pnn");
  const text = fs.readFileSync(file, "utf8");
  const delimiters = PnnLexer.tokenize(text).tokens.filter((t) => "()[]{}".includes(t.image));

  it("blanking any one delimiter gives exactly one diagnostic, on its line or the line before", () => {
    expect(delimiters.length).toBeGreaterThan(60);
    const bad: string[] = [];
    for (const t of delimiters) {
      const broken = text.slice(0, t.startOffset) + " " + text.slice(t.startOffset + 1);
      const ds = checkText(broken, file, memHost());
      const near = ds.length === 1 && ds[0].span.line >= t.startLine! - 1 && ds[0].span.line <= t.startLine!;
      if (!near) bad.push(`'${t.image}' at ${t.startLine}:${t.startColumn} → ${brief(ds).join(" | ")}`);
    }
    expect(bad).toEqual([]);
  });
});

describe("garbage", () => {
  it("with more than MAX_REPAIRS unclosed brackets is left to the parser's own recovery (cost bounded)", () => {
    const plan = (text: string) => repair(PnnLexer.tokenize(text).tokens, new LineMap("t", text)).repairs.length;
    expect(plan("const a = " + "(]".repeat(5000) + "\n")).toBe(0);
    expect(plan("const a = dense(\n".repeat(MAX_REPAIRS + 1))).toBe(0);
    expect(plan("const a = dense(\n".repeat(3))).toBe(3);
  });
});
