// runFmt: in-place rewrite only when changed, --check reporting, syntax errors and missing files;
// and the compiled plugin used straight from Prettier (as `npx prettier --plugin …` does).
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, statSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as prettier from "prettier";
import { describe, expect, it } from "vitest";
import { runFmt } from "../../cli/fmt.js";
import * as plugin from "../../grammar/prettier-plugin.js";

function sink() {
  let text = "";
  return { write: (s: string) => { text += s; }, get text() { return text; } };
}

const UGLY = "network N{\ninput x:real[4]\nh=x|>f(1)\n}\n";
const PRETTY = "network N {\n  input x: real[4]\n  h = x |> f(1)\n}\n";

function dir() {
  const d = mkdtempSync(join(tmpdir(), "pnn-fmt-"));
  writeFileSync(join(d, "ugly.pnn"), UGLY);
  writeFileSync(join(d, "pretty.pnn"), PRETTY);
  writeFileSync(join(d, "bad.pnn"), "layer L( {\n}\n");
  return d;
}

describe("runFmt", () => {
  it("rewrites only files that change, atomically", async () => {
    const d = dir();
    const before = statSync(join(d, "pretty.pnn")).mtimeMs;
    const out = sink(), err = sink();
    const code = await runFmt([join(d, "ugly.pnn"), join(d, "pretty.pnn")], { check: false }, out, err);
    expect(code).toBe(0);
    expect(err.text).toBe("");
    expect(readFileSync(join(d, "ugly.pnn"), "utf8")).toBe(PRETTY);
    expect(statSync(join(d, "pretty.pnn")).mtimeMs).toBe(before);
    expect(out.text).toContain("ugly.pnn");
    expect(out.text).not.toContain("pretty.pnn");
    expect(readdirSync(d).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("--check reports files that would change and writes nothing", async () => {
    const d = dir();
    const out = sink(), err = sink();
    const code = await runFmt([join(d, "ugly.pnn"), join(d, "pretty.pnn")], { check: true }, out, err);
    expect(code).toBe(1);
    expect(out.text).toBe(`${join(d, "ugly.pnn")}: would reformat\n`);
    expect(readFileSync(join(d, "ugly.pnn"), "utf8")).toBe(UGLY);
    expect(await runFmt([join(d, "pretty.pnn")], { check: true }, sink(), sink())).toBe(0);
  });

  it("prints diagnostics for a file with syntax errors, leaves it alone, and still formats the others", async () => {
    const d = dir();
    const out = sink(), err = sink();
    const code = await runFmt([join(d, "bad.pnn"), join(d, "ugly.pnn")], { check: false }, out, err);
    expect(code).toBe(1);
    expect(err.text).toMatch(new RegExp(`^${join(d, "bad.pnn").replace(/[.\\/]/g, "\\$&")}:1:\\d+: error PNN1001: `, "m"));
    expect(readFileSync(join(d, "bad.pnn"), "utf8")).toBe("layer L( {\n}\n");
    expect(readFileSync(join(d, "ugly.pnn"), "utf8")).toBe(PRETTY);
  });

  it("reports a missing file with exit code 2", async () => {
    const d = dir();
    const out = sink(), err = sink();
    const missing = join(d, "nope.pnn");
    const code = await runFmt([missing, join(d, "ugly.pnn")], { check: false }, out, err);
    expect(code).toBe(2);
    expect(err.text).toContain(`pnn fmt: cannot read ${missing}: no such file`);
    expect(readFileSync(join(d, "ugly.pnn"), "utf8")).toBe(PRETTY);
  });
});

describe("prettier plugin", () => {
  it("formats through Prettier with the plugin module", async () => {
    expect(await prettier.format(UGLY, { parser: "pnn", plugins: [plugin] })).toBe(PRETTY);
    expect(await prettier.format(UGLY, { filepath: "x.pnn", plugins: [plugin] })).toBe(PRETTY);
  });

  it.skipIf(!existsSync(join(__dirname, "..", "..", "dist", "grammar", "prettier-plugin.js")))("loads the compiled plugin by path", async () => {
    const out = await prettier.format(UGLY, { filepath: "x.pnn", plugins: [join(__dirname, "..", "..", "dist", "grammar", "prettier-plugin.js")] });
    expect(out).toBe(PRETTY);
  });
});
