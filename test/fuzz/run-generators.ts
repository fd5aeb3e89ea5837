// Input generators for the run-time half of the fuzz suite (issue 16), one per category:
//   dataCsv      a csv() data file: numbers at and past float64's range (1e999, 1e308, thousands of
//                digits), NaN/Infinity/hex/words, empty and quoted cells, ragged rows, BOM, CRLF,
//                blank lines, 1–7 feature columns and 1–5 classes (against a 2-in, 2-out network)
//   inferInput   `pnn infer --input` text: the same cells, headers (named, partial, numeric), rows of
//                the wrong length, separators (commas, spaces, tabs), raw-looking values
//   checkpointEdit a hand edit of a valid checkpoint: metadata values (numbers, fractions,
//                negatives, words, JSON), deleted keys and tensors, NaN in tensors, cut or flipped bytes
//   outPath      an --out / -o path: a file, under a file, empty, NUL, `..`, very long, a link to a
//                folder or a file or nowhere, a folder that exists
//   fmtBytes     a .pnn file's bytes for `pnn fmt`: valid text, invalid UTF-8 spliced in
//   wasmEdit     a change to a built model.wasm: a flipped byte, cut, appended, swapped for another build
//   ruleText     a command line's `--rule` text: rule names and typos, options, garbage, control characters
import fc from "fast-check";

const CELLS = [
  "0", "1", "-1", "0.5", "-2.25", "3e2", "1e-5", ".5", "5.", "+7", "1e308", "-1e308", "1.7e308", "1e999", "-1e999", "4.9e-324", "1e-400",
  "9".repeat(400), "9".repeat(5_000), "NaN", "nan", "Infinity", "-Infinity", "inf", "0x10", "1_000", "1,5", "abc", "", " ", '"3"', '"a,b"', '""',
  "\x1b[2J", "\u202e1", "١٢", "1e", "e5", "--1", "1..2",
];
const cell = fc.oneof({ weight: 8, arbitrary: fc.double({ min: -5, max: 5, noNaN: true }).map((v) => String(v)) }, { weight: 2, arbitrary: fc.constantFrom(...CELLS) });

/** A csv() file whose header is `f0,…,label`; most rows well formed, some not. */
export const dataCsv: fc.Arbitrary<string> = fc
  .record({
    // the network takes 2 features and 2 classes: most files fit, some do not
    features: fc.constantFrom(2, 2, 2, 2, 1, 3, 7),
    classes: fc.constantFrom(2, 2, 2, 2, 1, 3, 5),
    rows: fc.integer({ min: 0, max: 60 }),
    bad: fc.oneof(fc.constant([]), fc.array(fc.record({ row: fc.nat(), col: fc.nat(), cell: fc.constantFrom(...CELLS) }), { maxLength: 2 })),
    ragged: fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.nat() }),
    crlf: fc.boolean(),
    bom: fc.boolean(),
    blank: fc.boolean(),
    scale: fc.constantFrom(1, 1, 1, 1e150, 1e308),
  })
  .chain((c) =>
    fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: c.rows * c.features, maxLength: c.rows * c.features }).map((vals) => {
      const nl = c.crlf ? "\r\n" : "\n";
      const lines = [[...Array.from({ length: c.features }, (_, j) => `f${j}`), "label"].join(",")];
      for (let r = 0; r < c.rows; r++) {
        const cells = vals.slice(r * c.features, (r + 1) * c.features).map((v) => String(v * c.scale));
        cells.push(String.fromCharCode(97 + (r % c.classes)));
        lines.push(cells.join(","));
      }
      for (const b of c.bad) {
        if (lines.length < 2) break;
        const r = 1 + (b.row % (lines.length - 1));
        const cells = lines[r]!.split(",");
        cells[b.col % cells.length] = b.cell;
        lines[r] = cells.join(",");
      }
      if (c.ragged !== undefined && lines.length > 1) lines[1 + (c.ragged % (lines.length - 1))] += ",1";
      if (c.blank) lines.splice(Math.min(2, lines.length), 0, "", "  ");
      return (c.bom ? "\ufeff" : "") + lines.join(nl) + nl;
    }),
  );

/** `--input` text for a 2-feature network (a few rows, maybe a header). */
export const inferInput: fc.Arbitrary<string> = fc
  .record({
    header: fc.constantFrom(undefined, "f0,f1", "f1,label,f0", "a,b,c", "NaN,nan", "x", "f0 f1"),
    rows: fc.array(fc.oneof({ weight: 4, arbitrary: fc.array(cell, { minLength: 2, maxLength: 2 }) }, { weight: 1, arbitrary: fc.array(cell, { minLength: 1, maxLength: 4 }) }), { minLength: 0, maxLength: 6 }),
    sep: fc.constantFrom(",", ", ", " ", "\t", ",,"),
    nl: fc.constantFrom("\n", "\r\n"),
  })
  .map(({ header, rows, sep, nl }) => [...(header ? [header] : []), ...rows.map((r) => r.join(sep))].join(nl));

const META_KEYS = ["epoch", "epochs", "optimizer_step", "device_forwards", "samples", "train_seconds", "seed", "last_epoch", "network", "rule", "format", "data", "config_hash"];
const META_VALUES = ["abc", "2.5", "-5", "", "1e400", "9007199254740993", "0", "3", "NaN", "null", "[1]", "{}", "{\"name\":1}", "{\"name\":\"csv\",\"classNames\":[\"a\",\"b\"],\"normalization\":{\"log\":false,\"mean\":[0,0],\"std\":[0,1]}}", "\x1b]0;t\x07"];

export type CheckpointEdit =
  | { kind: "meta"; key: string; value: string }
  | { kind: "delete-meta"; key: string }
  | { kind: "delete-tensor"; which: number }
  | { kind: "nan"; which: number; at: number }
  | { kind: "cut"; at: number }
  | { kind: "flip"; at: number; bit: number };

export const checkpointEdit: fc.Arbitrary<CheckpointEdit[]> = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant("meta" as const), key: fc.constantFrom(...META_KEYS), value: fc.constantFrom(...META_VALUES) }),
    fc.record({ kind: fc.constant("delete-meta" as const), key: fc.constantFrom(...META_KEYS) }),
    fc.record({ kind: fc.constant("delete-tensor" as const), which: fc.nat() }),
    fc.record({ kind: fc.constant("nan" as const), which: fc.nat(), at: fc.nat() }),
    fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
    fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  ),
  { minLength: 1, maxLength: 3 },
);

/** An output path relative to a planted folder (run-time.test.ts plants `file`, `dir`, `link-*`). */
export const outPath: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("", " ", "file", "file/sub", "file/sub/deeper", "dir", "dir/new", "new/a/b/c", "link-dir", "link-file", "link-nowhere", "link-file/x", "..", ".", "a\0b", "dir/../file", "x".repeat(300), `${"d/".repeat(40)}end`),
  fc.stringMatching(/^[a-z./]{1,30}$/),
);

/** Bytes of a .pnn file: one of a few sources, with maybe a run of invalid UTF-8 spliced in. */
export const fmtBytes: fc.Arbitrary<Buffer> = fc
  .record({
    text: fc.constantFrom("network N{\ninput x:real[4]\nh=x|>f(1)\n}\n", "const a = 1\n", "// café ☕\nconst b=2\n", "layer L( {\n}\n", ""),
    junk: fc.option(fc.constantFrom([0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0x80], [0xef, 0xbf, 0xbd]), { nil: undefined }),
    at: fc.nat(),
  })
  .map(({ text, junk, at }) => {
    const b = Buffer.from(text, "utf8");
    if (!junk) return b;
    const i = b.length ? at % b.length : 0;
    return Buffer.concat([b.subarray(0, i), Buffer.from(junk), b.subarray(i)]);
  });

export type WasmEdit = { kind: "flip"; at: number; bit: number } | { kind: "cut"; at: number } | { kind: "append"; bytes: number[] } | { kind: "other" } | { kind: "none" };

export const wasmEdit: fc.Arbitrary<WasmEdit> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("append" as const), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 }) }),
  fc.constant({ kind: "other" as const }),
  fc.constant({ kind: "none" as const }),
);

const RULE_TOKENS = ["backprop", "physics_aware", "spsa", "spsaa", "sspa", "finite_difference", "evolution_strategies", "feedback_alignment", "local", "readout_only", "equilibrium_propagation", "in_situ_adjoint", "(", ")", ",", ":", "c", "cc", "samples", "sigma", "lr", "0.02", "-1", "1e400", "0", "3", "\"x\"", "rad", "=", "{", "}", "|>", "\n", "\x1b[2J", "a".repeat(200), "const", "import"];

export const ruleText: fc.Arbitrary<string> = fc.oneof(
  fc.array(fc.constantFrom(...RULE_TOKENS), { minLength: 0, maxLength: 8 }).map((t) => t.join(" ")),
  fc.record({ rule: fc.constantFrom("spsa", "finite_difference", "evolution_strategies", "backprop", "physics_aware", "feedback_alignment"), opt: fc.constantFrom("c", "samples", "sigma", "population", "h", "cc"), v: fc.constantFrom("0.02", "1", "0", "-3", "1e400", "2.5", "\"s\"") }).map(({ rule, opt, v }) => `${rule}(${opt}: ${v})`),
);
