// Property: parse and check never throw, whatever the text. Two generators: (a) random token
// soup from a .pnn-ish alphabet, (b) mutations of the example files (delete / insert / swap
// tokens or characters). The seed is fixed (CI is deterministic) and printed; PNN_FC_SEED=random
// explores new cases; to reproduce a failure, set PNN_FC_SEED to the printed seed:
//   PNN_FC_SEED=123 npx vitest run test/frontend/property.test.ts
import * as fs from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkSource } from "../../compiler/sema/check.js";
import { parse } from "../../grammar/parse.js";
import { EXAMPLES_DIR, exampleFiles, memHost } from "./helpers.js";

// A fixed seed by default, so CI is deterministic; PNN_FC_SEED=random explores, PNN_FC_SEED=N replays.
const SEED = process.env.PNN_FC_SEED === "random" ? Date.now() % 2 ** 31 : Number(process.env.PNN_FC_SEED ?? 20261128);
console.log(`[frontend property] fast-check seed = ${SEED} (rerun with PNN_FC_SEED=${SEED})`);

const TOKENS = [
  "import", "from", "const", "layer", "param", "device", "let", "forward", "network", "input", "nodes", "output",
  "couple", "via", "train", "on", "init", "range", "per", "shot", "int", "real", "complex", "true", "false",
  "x", "y", "h", "n", "N", "optics", "dense", "relu", "mnist", "iris", "rule", "backprop", "normal", "uniform",
  "optics.mzi_mesh", "circuits.resistor", "\"std/optics\"", "\"std/circuits\"", "\"../x.pnn\"", "\"",
  "0", "1", "3", "2.5", "1e-3", "784", "99999999", "rad", "mm", "dB", "S", "uS", "deg",
  "|>", "<->", "->", "..", ".", ",", ":", "=", "~", "(", ")", "[", "]", "{", "}", "+", "-", "*", "/", "^",
  "//", "/*", "*/", "\n", " ", "#", "@", "é",
];
const tokenSoup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }).map((ts) => ts.join(" "));

const EXAMPLES = exampleFiles().map((f) => fs.readFileSync(f, "utf8"));
/** The data files next to the examples (matrix CSVs), where the checker looks for them from /virtual/p.pnn. */
const exampleData = (): Record<string, string> => {
  const out: Record<string, string> = {};
  const walk = (dir: string, rel: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(`${dir}/${e.name}`, `${rel}${e.name}/`);
      else if (!e.name.endsWith(".pnn")) out[`/virtual/${rel}${e.name}`] = fs.readFileSync(`${dir}/${e.name}`, "utf8");
    }
  };
  walk(EXAMPLES_DIR, "");
  return out;
};
const DATA = exampleData();
const lexemes = (s: string) => s.match(/\s+|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|\|>|<->|->|\.\.|"[^"\n]*"|\/\/[^\n]*|./g) ?? [];

type Edit =
  | { kind: "deleteChar" | "deleteToken"; at: number }
  | { kind: "insertChar"; at: number; ch: string }
  | { kind: "insertToken"; at: number; tok: string }
  | { kind: "swapTokens"; at: number; other: number }
  | { kind: "duplicateToken"; at: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constantFrom("deleteChar" as const, "deleteToken" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("insertChar" as const), at: fc.nat(), ch: fc.constantFrom(..."(){}[]<>|-.:,=~\"/*#^ \n0az") }),
  fc.record({ kind: fc.constant("insertToken" as const), at: fc.nat(), tok: fc.constantFrom(...TOKENS) }),
  fc.record({ kind: fc.constant("swapTokens" as const), at: fc.nat(), other: fc.nat() }),
  fc.record({ kind: fc.constant("duplicateToken" as const), at: fc.nat() }),
);

function apply(text: string, e: Edit): string {
  if (e.kind === "deleteChar") return text.length ? text.slice(0, e.at % text.length) + text.slice((e.at % text.length) + 1) : text;
  if (e.kind === "insertChar") {
    const i = e.at % (text.length + 1);
    return text.slice(0, i) + e.ch + text.slice(i);
  }
  const ts = lexemes(text);
  if (!ts.length) return text;
  const i = e.at % ts.length;
  if (e.kind === "deleteToken") ts.splice(i, 1);
  else if (e.kind === "insertToken") ts.splice(i, 0, " " + e.tok + " ");
  else if (e.kind === "duplicateToken") ts.splice(i, 0, ts[i]);
  else if (e.kind === "swapTokens") {
    const j = e.other % ts.length;
    [ts[i], ts[j]] = [ts[j], ts[i]];
  }
  return ts.join("");
}

const mutated = fc
  .tuple(fc.integer({ min: 0, max: EXAMPLES.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 6 }))
  .map(([i, edits]) => edits.reduce(apply, EXAMPLES[i]));

function neverThrows(text: string): boolean {
  const p = parse(text, "/virtual/p.pnn");
  const r = checkSource(text, "/virtual/p.pnn", memHost(DATA));
  // Every diagnostic has a catalogued code and a span inside the text.
  for (const d of [...p.diagnostics, ...r.diagnostics]) {
    if (!/^PNN\d{4}$/.test(d.code)) return false;
    if (d.span.file === "/virtual/p.pnn" && (d.span.start < 0 || d.span.end > text.length)) return false;
  }
  return true;
}

describe("parse + check never throw", () => {
  it("on random token soup (1,000 cases)", () => {
    fc.assert(fc.property(tokenSoup, neverThrows), { seed: SEED, numRuns: 1000 });
  });

  it("on mutated examples (1,200 cases)", () => {
    fc.assert(fc.property(mutated, neverThrows), { seed: SEED + 1, numRuns: 1200 });
  });

  it("the unmutated examples are clean (the mutation baseline)", () => {
    for (const t of EXAMPLES) expect(checkSource(t, "/virtual/p.pnn", memHost(DATA)).diagnostics).toEqual([]);
  });
});
