// Every refusal a rule or the lowering can make is a check-time diagnostic (issue 11): the rules'
// plans and the energy lowering's structural checks run inside the checker, so `pnn check`
// reports them at file:line:col (exit 1) and the language server shows them in the editor. This
// file enumerates them: one program per code, and a guard that scans the rule modules and the
// lowering for refusal codes, so a new refusal without a case here fails the suite.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LspClient, uriOf } from "../lsp/client.js";
import { hasStackTrace, pnn, REPO, tmpDir } from "../train/helpers.js";

const iris = (net: string, rule: string, extra = "") => `${net}
train N on iris() {
  rule = ${rule}
  loss = ${extra || "cross_entropy"}
  optimizer = adam(lr: 0.01)
  epochs = 1
  batch = 8
}
`;

const DENSE = "network N {\n  input x: real[4]\n  h = dense(x, 6) |> relu\n  output y = dense(h, 3)\n}";
const MESH = (phases: string) => `import optics from "std/optics"
layer M(n: int) {
  param phases: real[n * (n - 1)] init uniform(0, 2 * pi)
  forward(x: complex[n]) -> complex[n] = optics.mzi_mesh(x, ${phases})
}
network N {
  input x: real[4]
  h = x |> optics.amplitude_encode |> M(n: 4) |> optics.saturable_absorber |> optics.photodetect
  output y = h |> take(3) |> gain
}`;
const RESISTOR = (g: string) => `import circuits from "std/circuits"
network N {
  input x: real[4]
  nodes h: real[5]
  output y: real[3]
  couple x <-> h via circuits.resistor(g: ${g})
  couple h <-> y via circuits.resistor
}`;

const EXTERNAL = `layer L(n: int) {
  param w: real[n] init uniform(0.5, 1.5)
  external tcp("127.0.0.1:7000")
  forward(x: real[n]) -> real[n] = tanh(x * w)
}
network N {
  input x: real[4]
  output y = x |> L(n: 4) |> dense(3)
}`;

/** code → [why, source, the line it must point at] */
const CASES: Record<string, [string, string, number]> = {
  PNN4002: ["a rule the physics cannot run (in-situ through a saturable absorber)", iris(MESH("phases"), "in_situ_adjoint"), 8],
  PNN4003: ["a rule option out of range", iris(DENSE, "spsa(c: -1)"), 7],
  PNN4004: ["a rule that needs more than forward passes from an external device (feedback alignment), at the external declaration", iris(EXTERNAL, "feedback_alignment"), 3],
  PNN4010: ["an energy-based network trained with cross-entropy", iris(RESISTOR("0.01 S .. 1 S"), "coupled_learning"), 11],
  PNN5070: ["a conductance range the lowering cannot use (k_min = k_max)", iris(RESISTOR("0.5 S .. 0.5 S"), "coupled_learning", "mse"), 6],
  PNN5080: ["in-situ on a mesh whose phases are not one parameter", iris(MESH("2 * phases").replace(" |> optics.saturable_absorber", ""), "in_situ_adjoint"), 4],
  PNN5081: ["readout_only without a linear readout", iris(DENSE.replace("output y = dense(h, 3)", "output y = h |> take(3) |> gain"), "readout_only"), 4],
  PNN5082: ["local with fewer input features than classes", `network N {\n  input x: real[2]\n  output y = dense(x, 3)\n}\ntrain N on spirals(classes: 3) {\n  rule = local\n}\n`, 2],
  PNN5083: ["in-situ on a network without a mesh", iris(DENSE, "in_situ_adjoint"), 7],
};

describe("every refusal is a check-time diagnostic", () => {
  const dir = tmpDir("pnn-checktime-");
  const file = (code: string) => {
    const f = path.join(dir, `${code}.pnn`);
    fs.writeFileSync(f, CASES[code]![1]);
    return f;
  };

  it("the cases cover every refusal code in the rule modules and the lowering", () => {
    const scan = (d: string) => fs.readdirSync(path.join(REPO, d)).filter((f) => f.endsWith(".ts")).flatMap((f) => [...fs.readFileSync(path.join(REPO, d, f), "utf8").matchAll(/code: "(PNN\d{4})"|ev\.error\("(PNN\d{4})"/g)].map((m) => m[1] ?? m[2]));
    const found = new Set([...scan("compiler/rules"), ...scan("compiler/lower"), "PNN5070", "PNN4003", "PNN4010"]);
    expect([...found].sort()).toEqual(Object.keys(CASES).sort());
  });

  for (const code of Object.keys(CASES))
    it(`${code} (${CASES[code]![0]}): pnn check reports it at file:line:col`, () => {
      const f = file(code);
      const r = pnn(["check", f]);
      expect(r.status, r.all).toBe(1);
      expect(r.all).toMatch(new RegExp(`${code}\\.pnn:${CASES[code]![2]}:\\d+: error ${code}`));
      expect(hasStackTrace(r.all)).toBe(false);
    });
});

describe("…and the editor shows them", () => {
  let client: LspClient;
  let ws: string;
  beforeAll(async () => {
    ws = tmpDir("pnn-checktime-lsp-");
    client = new LspClient();
    await client.initialize(ws);
  }, 120_000);
  afterAll(async () => {
    await client.shutdown();
  });

  for (const code of Object.keys(CASES))
    it(`${code} in the language server's diagnostics, on line ${CASES[code]![2]}`, async () => {
      const f = path.join(ws, `${code}.pnn`);
      fs.writeFileSync(f, CASES[code]![1]);
      const got = client.waitFor("textDocument/publishDiagnostics", (p) => p.uri === uriOf(f));
      client.open(f, CASES[code]![1]);
      const ds = (await got).diagnostics as { code: string; range: { start: { line: number } } }[];
      const hit = ds.find((d) => d.code === code);
      expect(hit, JSON.stringify(ds)).toBeDefined();
      expect(hit!.range.start.line).toBe(CASES[code]![2] - 1);
    });
});
