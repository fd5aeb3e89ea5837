// Input generators for the fuzz suite, one per category of issue 16 (fast-check arbitraries;
// each yields the text of a .pnn file, or a small project description):
//   soup      random tokens of the language mixed with control characters, huge numbers, long names
//   mutated   the examples with tokens deleted, inserted, swapped or duplicated
//   bytes     random bytes and random Unicode (invalid UTF-8, NUL, ESC, bidi overrides)
//   chain     operator, pipe, call and member chains up to 3,000 long, in constants, networks,
//             shapes and layers (the stack-overflow reproducers)
//   layers    user layers calling user layers 1–3 times, up to 30 deep (the 2^n reproducer)
//   numbers   literals and arithmetic at and past float64's range; batch, shape and data-set
//             arguments from 1 to 10^12
//   printing  long lines with an error somewhere inside; control characters in names/strings
//   project   imports and data paths into a folder of links (in, out, to devices, FIFOs), `..`,
//             absolute paths, import chains and cycles
// and HEAVY: generated files near the size limits, one aimed at each budget.
import * as fs from "node:fs";
import fc from "fast-check";
import { MAX_SOURCE_BYTES } from "../../diagnostics/limits.js";
import { exampleFiles } from "../frontend/helpers.js";

const CONTROLS = ["\x00", "\x07", "\x08", "\x1b", "\x1b]0;title\x07", "\x1b[2J", "\x7f", "\x85", "\x9b", "\u202e", "\u2066", "\u200f", "\r", "\t", "\f", "\v", "\u2028"];
const TOKENS = [
  "import", "from", "const", "layer", "param", "device", "let", "forward", "network", "input", "nodes", "output",
  "couple", "via", "train", "on", "init", "range", "per", "shot", "int", "real", "complex", "true", "false",
  "x", "y", "h", "n", "N", "L", "optics", "circuits", "dense", "relu", "mnist", "iris", "csv", "rule", "backprop", "normal", "uniform",
  "optics.mzi_mesh", "optics.amplitude_encode", "optics.photodetect", "circuits.resistor", "\"std/optics\"", "\"std/circuits\"", "\"../x.pnn\"", "\"/etc/passwd\"", "\"",
  "0", "1", "3", "2.5", "1e-3", "784", "99999999", "1e400", "1e308", "1e-400", "9".repeat(400), "batch", "epochs", "100000000",
  "rad", "mm", "dB", "S", "uS", "deg", "km",
  "|>", "<->", "->", "..", ".", ",", ":", "=", "~", "(", ")", "[", "]", "{", "}", "+", "-", "*", "/", "^",
  "//", "/*", "*/", "\n", " ", "#", "@", "é", "µ", "a".repeat(300),
  ...CONTROLS,
];

export const soup: fc.Arbitrary<string> = fc.array(fc.constantFrom(...TOKENS), { maxLength: 120 }).map((ts) => ts.join(" "));

// ── mutations of the examples ────────────────────────────────────────────────
const EXAMPLES = exampleFiles().map((f) => fs.readFileSync(f, "utf8"));
const lexemes = (s: string) => s.match(/\s+|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|\|>|<->|->|\.\.|"[^"\n]*"|\/\/[^\n]*|./g) ?? [];
const edit = fc.record({ kind: fc.constantFrom("delete", "insert", "swap", "duplicate"), at: fc.nat(), other: fc.nat(), tok: fc.constantFrom(...TOKENS) });

export const mutated: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 0, max: EXAMPLES.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 8 }))
  .map(([i, edits]) => {
    const ts = lexemes(EXAMPLES[i]);
    for (const e of edits) {
      if (!ts.length) break;
      const at = e.at % ts.length;
      if (e.kind === "delete") ts.splice(at, 1);
      else if (e.kind === "insert") ts.splice(at, 0, ` ${e.tok} `);
      else if (e.kind === "duplicate") ts.splice(at, 0, ts[at]);
      else [ts[at], ts[e.other % ts.length]] = [ts[e.other % ts.length], ts[at]];
    }
    return ts.join("");
  });

// ── raw bytes ────────────────────────────────────────────────────────────────
export const bytes: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 4_096 }).map((a) => Buffer.from(a)),
  fc.string({ unit: "grapheme", maxLength: 600 }).map((s) => Buffer.from(s, "utf8")),
  fc.array(fc.constantFrom(...CONTROLS, "const a = ", "\"", "x", "\n"), { maxLength: 200 }).map((a) => Buffer.from(a.join(""), "utf8")),
);

// ── chains ───────────────────────────────────────────────────────────────────
const length = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 60 }) }, { weight: 2, arbitrary: fc.integer({ min: 60, max: 1_500 }) }, { weight: 2, arbitrary: fc.integer({ min: 1_500, max: 3_000 }) });
const CHAIN_KINDS = ["+", "-", "*", "/", "mixed", "pipe", "call", "member", "pow", "unary"] as const;

function chainText(kind: (typeof CHAIN_KINDS)[number], n: number, term: string): string {
  switch (kind) {
    case "pipe": return term + " |> relu()".repeat(n);
    case "call": return "f" + "(1)".repeat(n);
    case "member": return "optics" + ".x".repeat(n);
    case "pow": return Array(Math.min(n, 400)).fill(`(${term})`).join(" ^ ");
    case "unary": return "-".repeat(Math.min(n, 300)) + term;
    case "mixed": return Array.from({ length: n }, (_, i) => (i ? ["+", "*", "-"][i % 3] + " " : "") + term).join(" ");
    default: return Array(n).fill(term).join(` ${kind} `);
  }
}

/** A chain in one of four places: a constant, a network binding, a shape, a layer's forward. */
export const chain = fc.record({ kind: fc.constantFrom(...CHAIN_KINDS), n: length, where: fc.constantFrom("const", "network", "shape", "layer") }).map(({ kind, n, where }) => {
  const head = 'import optics from "std/optics"\n';
  if (where === "const") return head + `const a = ${chainText(kind, n, "1")}\n`;
  if (where === "shape") return head + `network N {\n  input x: real[${chainText(kind, n, "1")}]\n  output y = dense(x, 3)\n}\n`;
  if (where === "layer") return head + `layer L() {\n  forward(x: real[4]) -> real[4] = ${chainText(kind, n, "x")}\n}\nnetwork N {\n  input x: real[4]\n  output y = L(x)\n}\n`;
  return head + `network N {\n  input x: real[4]\n  output y = ${chainText(kind, n, "x")}\n}\n`;
});

// ── layers calling layers ────────────────────────────────────────────────────
export const layers = fc.record({ depth: fc.integer({ min: 1, max: 30 }), calls: fc.integer({ min: 1, max: 3 }), extra: fc.constantFrom("", " + x", " * 2", " |> relu()") }).map(({ depth, calls, extra }) => {
  let src = "";
  for (let i = 0; i < depth; i++) {
    let body = "x";
    if (i < depth - 1) for (let c = 0; c < calls; c++) body = `L${i + 1}(${body})`;
    src += `layer L${i}() {\n  forward(x: real[4]) -> real[4] = ${body}${extra}\n}\n`;
  }
  return src + "network N {\n  input x: real[4]\n  output y = L0(x) |> dense(3)\n}\ntrain N on iris() {\n  rule = backprop\n}\n";
});

// ── numbers and sizes ────────────────────────────────────────────────────────
const literal = fc.oneof(
  fc.integer({ min: -330, max: 330 }).map((e) => `1e${e}`),
  fc.integer({ min: 1, max: 2_000 }).map((k) => "9".repeat(k)),
  fc.integer({ min: 1, max: 2_000 }).map((k) => "0." + "0".repeat(k) + "1"),
  fc.constantFrom("0", "1", "2.5", "1e308", "1.8e308", "1e400", "4.9e-324", "1e-400", "179769313486231570000" + "0".repeat(290)),
);
const power = fc.integer({ min: 0, max: 12 }).map((k) => String(10 ** k));
export const numbers = fc.oneof(
  fc.tuple(literal, fc.constantFrom("+", "-", "*", "/", "^"), literal).map(([a, op, b]) => `const a = ${a} ${op} ${b}\n`),
  fc.tuple(literal, fc.constantFrom("", " rad", " km", " dB", " nm", " S")).map(([a, u]) => `const a = ${a}${u}\n`),
  fc.tuple(literal, literal).map(([m, s]) => `layer L() {\n  device d: real[2] ~ normal(${m}, ${s})\n  param p: real[2] init uniform(${m}, ${s})\n  forward(x: real[2]) -> real[2] = x + d + p\n}\n`),
  fc.tuple(power, power, fc.constantFrom("batch", "epochs", "chips", "seed")).map(([w, v, key]) => `network N {\n  input x: real[4]\n  h = dense(x, ${w})\n  output y = dense(h, 3)\n}\ntrain N on iris() {\n  rule = backprop\n  ${key} = ${v}\n}\n`),
  fc.tuple(power, power).map(([a, b]) => `network N {\n  input x: real[${a}, ${b}]\n  output y = x\n}\n`),
  fc.tuple(power, literal).map(([n, noise]) => `network N {\n  input x: real[2]\n  output y = dense(x, 2)\n}\ntrain N on moons(n: ${n}, noise: ${noise}) {\n  rule = backprop\n}\n`),
);

// ── printing ─────────────────────────────────────────────────────────────────
export const printing = fc.oneof(
  fc.record({ before: fc.integer({ min: 0, max: 6_000 }), after: fc.integer({ min: 0, max: 6_000 }), bad: fc.constantFrom("@", "#", "zz", "\x1b", "\u202e", "1e400") }).map(
    ({ before, after, bad }) => `const a = ${"1 + ".repeat(before)}${bad}${" + 1".repeat(after)}\n`,
  ),
  fc.array(fc.constantFrom(...CONTROLS, "zz", "q", "\"", " "), { minLength: 1, maxLength: 40 }).map((cs) => `const a = zz${cs.join("")}\nconst b = "${cs.join("")}"\n// ${cs.join("")}\nnetwork ${cs.join("")} {\n}\n`),
  fc.integer({ min: 1, max: 5_000 }).map((k) => `network N {\n  input x: real[4]\n  output y = ${"x\t".repeat(k)}\n}\n`),
);

// ── projects: imports and data paths ─────────────────────────────────────────
/** Names planted in every project folder (see fuzz/structure.test.ts). */
export const PROJECT_SPECS = [
  "ok.pnn", "sub/ok.pnn", "inside.pnn", "secret.pnn", "linked/secret.pnn", "passwd.pnn", "zero.pnn", "fifo.pnn", "dir.pnn",
  "chain/c0.pnn", "cycle_a.pnn", "big.pnn", "missing.pnn", "../outside/secret.pnn", "/etc/passwd", "/dev/zero", "..", ".", "",
  "sub/../ok.pnn", "sub/../../outside/secret.pnn", "ok.csv", "secret.csv", "pw.csv", "fifo.csv", "../../etc/passwd", "u.csv", "zero.csv",
];
/** A main file importing 0–4 of `specs`, reading csv data and (sometimes) a matrix file named from them. */
export const project = (specs: readonly string[] = PROJECT_SPECS) =>
  fc.record({
    imports: fc.array(fc.constantFrom(...specs), { maxLength: 4 }),
    data: fc.constantFrom(...specs),
    matrix: fc.option(fc.constantFrom(...specs)),
  }).map(({ imports, data, matrix }) => {
    const net = matrix !== null
      ? `import optics from "std/optics"\nnetwork N {\n  input x: real[4]\n  h = x |> optics.amplitude_encode\n  output y = h |> optics.unitary(matrix: "${matrix}") |> optics.photodetect |> dense(3)\n}\n`
      : "network N {\n  input x: real[4]\n  output y = dense(x, 3)\n}\n";
    return imports.map((s, i) => `import m${i} from "${s}"\n`).join("") + net + `train N on csv("${data}", label: "label") {\n  rule = backprop\n}\n`;
  });

// ── generated heavy files ────────────────────────────────────────────────────
/** Repeats `unit(i)` after `head` until the text (with `tail`) nears `chars`. */
function fill(unit: (i: number) => string, head = "", tail = "", chars = MAX_SOURCE_BYTES - 200): string {
  let s = head;
  for (let i = 0; s.length + tail.length < chars; i++) s += unit(i);
  return s + tail;
}

/** Files near the size and token limits, each aimed at one budget (name, contents). */
export const HEAVY: readonly [string, () => string | Buffer][] = [
  ["half a million lines of '#'", () => "#\n".repeat(499_000)],
  ["1 MB of random bytes", () => Buffer.from(Array.from({ length: MAX_SOURCE_BYTES - 1 }, (_, i) => (Math.imul(i + 7, 2654435761) >>> 24) & 0xff))],
  ["one line of 'a ' words", () => "a ".repeat(499_000)],
  ["an unclosed 'network N {' repeated", () => "network N { ".repeat(80_000)],
  ["a call with half a million arguments (past the token limit)", () => `const a = f(${"1,".repeat(499_000)}1)\n`],
  ["a 1 MB chain '1+1+…' (past the token and depth limits)", () => `const a = ${"1+".repeat(499_000)}1\n`],
  ["20,000 constants and 4,000 unknown names (did-you-mean over all of them)", () => fill((i) => `const c${i} = 1\n`, "", "", 300_000) + fill((i) => `const d${i} = zz${i}\n`, "", "", 100_000)],
  ["a layer with 8,000 parameters called with 8,000 wrong named arguments", () => {
    const params = Array.from({ length: 8_000 }, (_, i) => `p${i}: int = 1`).join(", ");
    const args = Array.from({ length: 8_000 }, (_, i) => `q${i}: 1`).join(", ");
    return `layer L(${params}) {\n  forward(x: real[4]) -> real[4] = x\n}\nnetwork N {\n  input x: real[4]\n  output y = L(x, ${args})\n}\n`;
  }],
  ["a layer with 20,000 let members, called 3 times", () => fill((i) => `  let v${i} = x\n`, "layer L() {\n  forward(x: real[4]) -> real[4] = x\n", "}\nnetwork N {\n  input x: real[4]\n  output y = L(L(L(x)))\n}\n", 400_000)],
  ["two 400,000-character names, one misspelled", () => `const ${"a".repeat(400_000)} = 1\nconst b = ${"a".repeat(399_999)}b\n`],
  ["a 999,000-digit number", () => `const a = ${"9".repeat(999_000)}\n`],
  ["a 10,000-term product inside 60 nested parentheses", () => `const a = ${"(".repeat(60)}${Array(10_000).fill("2").join(" * ")}${")".repeat(60)}\n`],
];
