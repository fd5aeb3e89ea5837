// Tricky inputs for the .pnn formatter: each is formatted, then checked for idempotence, an
// unchanged AST (ignoring spans) and every comment kept; some also pin the exact output.
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatSource } from "../../compiler/driver/format.js";
import { checkRoundTrip } from "./helpers.js";

const net = (body: string) => `network N {\n${body}\n}\n`;

const CASES: Record<string, string> = {
  "parens from precedence": net("k = (a + b) * c\nm = -(x ^ 2)\nn = (-2) ^ 2\np = 2 ^ 3 ^ 2\nq = (2 ^ 3) ^ 2\nr = (a |> f) + 1\ns = a - (b - c)\nt = a / (b * c)\nu = 2 ^ -3\nv = - - x\nw = (1 .. 2)\nz = x |> (a + b)\nzz = (a + b).re\nc2 = (f |> g)(x)"),
  "units and rates": net("l = f(loss: 0.1 dB per mzi, v: 3 m/s, w: 5 m / s, g: (5 m) / s, h: 2 rad.re, i: -0.5 rad * 2)"),
  "ranges": "layer L(n: int) {\n  param g: real[n] init uniform(0.1 S, 1 S) range 0.1 S .. 1 S\n  param p: real range -1 .. 1 + 2\n}\n",
  "keywords as names": "train N on mnist(train: 8000, test: 2000, range: 1, per: 2) {\n  rule = physics_aware\n  input = x.output\n  epochs = 5\n}\n",
  "energy based": "network H {\n  nodes h: real[4]\n  output y: real[2]\n  couple x -> h\n  couple h <-> y via resistor(g: 0.1 S .. 1 S)\n}\n",
  "device per shot": "layer L() {\n  device v: real[4] ~ normal(0, 0.01) per shot\n  device w: real ~ normal(0 rad, 0.02 rad)\n}\n",
  "empty bodies": "layer A() {}\nnetwork B {}\nnetwork C(n: int) {\n}\ntrain B on d {}\n",
  "dangling comments": "layer A() {\n  // nothing yet\n}\nnetwork B { /* later */ }\ntrain B on d {\n  // todo\n  /* more */\n}\nconst z = f(/* none */)\nconst y = g(\n  // none\n)\n",
  "comments everywhere": `// header
/* block header */
import optics from "std/optics" // trailing import

const k = 3 // three
layer L(n: int /* size */, m: int) { // opens
  // leading
  param p: real[n] init uniform(0, 1) // trailing param

  /* between */
  let q = a + // after plus
    b
  forward(x: real[n]) -> real[n] = x
    // before step
    |> f(1) // after step
    |> g(/* inner */ 2, // after arg
      3)
  // last in body
}
// between items

network N {
  h = f(a, /* before b */ b)
  y = a.b /* member */ .c
} // after network
// at the end
`,
  "nested pipelines": net("h = f(x |> g(1) |> h(2), y |> k) |> m(z |> n)\nh2 = a |> (b |> c) |> d"),
  "long argument lists": net("y = optics.mzi_mesh(input_signal, phases + phase_error, topology: clements, loss: 0.1 dB per mzi, seed: 42)"),
  "strings keep escapes": 'import a from "std/\\"q\\"\\n"\nconst s = "tab\\tx"\n',
  "blank lines": "layer L() {\n\n\n  let a = 1\n\n\n\n  let b = 2\n  let c = 3\n\n}\nimport a from \"a\"\nimport b from \"b\"\n\nimport c from \"c\"\nconst x = 1\nconst y = 2\n",
  "only comments": "// just a comment\n/* and a block */\n",
  "empty file": "",
};

describe("pnn fmt: tricky inputs", () => {
  for (const [name, text] of Object.entries(CASES)) {
    it(name, async () => {
      await checkRoundTrip(text);
    });
  }

  it("prints parentheses only where precedence needs them", async () => {
    const out = await checkRoundTrip(CASES["parens from precedence"]);
    expect(out).toContain("k = (a + b) * c\n");
    expect(out).toContain("m = -(x ^ 2)\n");
    expect(out).toContain("n = (-2) ^ 2\n");
    expect(out).toContain("p = 2 ^ 3 ^ 2\n");
    expect(out).toContain("q = (2 ^ 3) ^ 2\n");
    expect(out).toContain("r = (a |> f) + 1\n");
    expect(out).toContain("s = a - (b - c)\n");
    expect(out).toContain("u = 2 ^ -3\n");
    expect(out).toContain("v = -(-x)\n");
    expect(out).toContain("w = 1 .. 2\n");
    expect(out).toContain("z = x |> (a + b)\n");
    expect(out).toContain("c2 = (f |> g)(x)\n");
  });

  it("keeps a unit apart from a following division", async () => {
    const out = await checkRoundTrip(CASES["units and rates"]);
    expect(out).toContain("loss: 0.1 dB per mzi");
    expect(out).toContain("v: 3 m/s");
    expect(out).toContain("w: 5 m/s");
    expect(out).toContain("g: (5 m) / s");
  });

  it("formats the language sketch in house style", async () => {
    const src = `import optics from "std/optics"
layer PhotonicLayer(n: int) {
  param  phases: real[n * (n - 1)] init uniform(0, 2 * pi)
  device phase_error: real[n * (n - 1)] ~ normal(0 rad, 0.02 rad)   // static
  forward(x: complex[n]) -> complex[n] =
    optics.mzi_mesh(x, phases + phase_error, topology: clements, loss: 0.1 dB per mzi)
}
network OpticalMLP(classes: int = 10) {
  input x: real[784]
  h1  = enc |> PhotonicLayer(n: 64) |> optics.saturable_absorber(optical_depth: 2.0) |> optics.photodetect(adc_bits: 8)
  output y = dense(h1, classes)
}
train OpticalMLP on mnist(train: 8000, test: 2000) {
  rule      = physics_aware
  epochs    = 5
}
`;
    expect(await checkRoundTrip(src)).toBe(`import optics from "std/optics"

layer PhotonicLayer(n: int) {
  param phases: real[n * (n - 1)] init uniform(0, 2 * pi)
  device phase_error: real[n * (n - 1)] ~ normal(0 rad, 0.02 rad) // static
  forward(x: complex[n]) -> complex[n] = optics.mzi_mesh(
    x,
    phases + phase_error,
    topology: clements,
    loss: 0.1 dB per mzi
  )
}

network OpticalMLP(classes: int = 10) {
  input x: real[784]
  h1 = enc
    |> PhotonicLayer(n: 64)
    |> optics.saturable_absorber(optical_depth: 2.0)
    |> optics.photodetect(adc_bits: 8)
  output y = dense(h1, classes)
}

train OpticalMLP on mnist(train: 8000, test: 2000) {
  rule = physics_aware
  epochs = 5
}
`);
  });

  it("keeps dangling comments inside empty bodies", async () => {
    const out = await checkRoundTrip(CASES["dangling comments"]);
    expect(out).toContain("layer A() {\n  // nothing yet\n}\n");
    expect(out).toContain("const z = f(/* none */)\n");
  });

  it("keeps at most one blank line between members", async () => {
    const out = await checkRoundTrip(CASES["blank lines"]);
    expect(out).toContain("layer L() {\n  let a = 1\n\n  let b = 2\n  let c = 3\n}\n");
    expect(out).toContain('import a from "a"\nimport b from "b"\n\nimport c from "c"\n');
  });

  it("refuses a file with syntax errors", async () => {
    await expect(formatSource("layer L( {\n", "bad.pnn")).rejects.toThrow(/bad\.pnn:1:\d+: error PNN1001:/);
    await expect(formatSource("network N { h = }\n", "bad.pnn")).rejects.toThrow(/PNN1001/);
  });
});

const examplesDir = join(__dirname, "..", "..", "examples");
const examples = existsSync(examplesDir) ? readdirSync(examplesDir).filter((f) => f.endsWith(".pnn")) : [];
describe.skipIf(examples.length === 0)("pnn fmt: examples/*.pnn", () => {
  for (const f of examples) {
    it(f, async () => {
      await checkRoundTrip(readFileSync(join(examplesDir, f), "utf8"));
    });
  }
});
