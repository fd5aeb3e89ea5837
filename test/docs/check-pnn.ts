/**
 * Checks one ```pnn block of the documentation against its intent (docs/writing-docs.md), in
 * process, through the compiler driver (Session.check, formatSource) — what `pnn check` and
 * `pnn fmt --check` would say of the block saved as `t.pnn` in a scratch copy of examples/.
 * In: the block, its parsed intent, the scratch folder and the ```text block after it (if any);
 * out: a list of problems, empty when the block is what it says. Writes nothing but t.pnn.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Session } from "../../compiler/driver/session.js";
import { formatSource } from "../../compiler/driver/format.js";
import type { Diagnostic } from "../../diagnostics/catalog.js";
import { formatDiagnostic } from "../../diagnostics/format.js";
import { parse } from "../../grammar/parse.js";
import { diskHost } from "../helpers/program.js";
import { lineMatches, type Block, type FragmentKind, type PnnIntent } from "./markdown.js";

/** The name a block is saved under; shown output of an error example starts with it. */
export const BLOCK_FILE = "t.pnn";

/** A fragment, wrapped into the smallest file that holds that kind of text. */
export function wrapFragment(kind: FragmentKind, body: string): string {
  switch (kind) {
    case "items":
      return body;
    case "network":
      return `network Fragment {\n${body}}\n`;
    case "layer":
      return `layer Fragment() {\n${body}}\n`;
    case "train":
      return `train Fragment on xor() {\n${body}}\n`;
    case "expr":
      return `const fragment =\n${body}`;
  }
}

const where = (d: Diagnostic, dir: string) => `${path.relative(dir, d.span.file) || d.span.file}:${d.span.line}: ${d.code} ${d.message}`;

/** What `pnn check t.pnn` prints, run inside `dir` (paths relative to it). */
export function renderDiagnostics(ds: readonly Diagnostic[], file: string, text: string, dir: string): string {
  const sources = new Map([[file, text]]);
  for (const d of ds) if (!sources.has(d.span.file)) sources.set(d.span.file, diskHost.readFile(d.span.file) ?? "");
  return ds.map((d) => formatDiagnostic(d, sources)).join("\n").replaceAll(dir + path.sep, "");
}

/**
 * The problems of `block` against `intent`, checked as `dir/t.pnn`. `shown` is the ```text block
 * right after it when that block starts with `t.pnn:` (an error example's printed output).
 */
export async function checkPnnBlock(block: Block, intent: PnnIntent, dir: string, shown?: Block): Promise<string[]> {
  const file = path.join(dir, BLOCK_FILE);
  const text = block.body;
  const check = () => {
    fs.writeFileSync(file, text);
    return new Session(file, text, diskHost).check().diagnostics;
  };
  switch (intent.kind) {
    case "exempt":
      return [];
    case "program": {
      const problems = check().map((d) => `a program must check clean, but: ${where(d, dir)}`);
      if (problems.length) return problems;
      const formatted = await formatSource(text, file);
      return formatted === text ? [] : [`a program must pass pnn fmt --check; formatted it reads:\n${formatted}`];
    }
    case "fragment": {
      const wrapped = wrapFragment(intent.of, text);
      const syntax = parse(wrapped, file).diagnostics.map((d) => `a '${intent.of}' fragment must parse, but: ${d.code} ${d.message} (line ${d.span.line} of the wrapped text)`);
      if (syntax.length) return syntax;
      return check().length === 0 ? [`this fragment is a complete program that checks clean: mark it \`\`\`pnn program`] : [];
    }
    case "error": {
      const ds = check();
      const want = intent.expect.map((e) => `${e.code}:${e.line}`).sort();
      const got = ds.map((d) => (d.span.file === file ? `${d.code}:${d.span.line}` : `${d.code} in ${d.span.file}`)).sort();
      if (want.join(" ") !== got.join(" "))
        return [`expected exactly ${want.join(", ")}; pnn check reports ${ds.length ? ds.map((d) => where(d, dir)).join("; ") : "nothing"}`];
      if (!shown) return [];
      const actual = renderDiagnostics(ds, file, text, dir).split("\n");
      const doc = shown.body.replace(/\n$/, "").split("\n");
      const same = actual.length === doc.length && doc.every((l, i) => lineMatches(l, actual[i]!));
      return same ? [] : [`the output shown at ${shown.doc}:${shown.line} is not what pnn check prints (… matches any text):\n${actual.join("\n")}`];
    }
  }
}
