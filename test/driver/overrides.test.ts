// `--set NAME=VALUE` overrides (compiler/driver/overrides.ts), the sweep's axes: each kind of
// name sets what it says, checked exactly as if written in the file; a value's diagnostics point
// into the value; a name that sets nothing is PNN2021; overrides that change the network enter the
// run's identity (configHash), so --resume cannot mix them up. And the `shards` train key.
import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { DiagnosticsError } from "../../compiler/driver/errors.js";
import { parseAssignment } from "../../compiler/driver/overrides.js";
import { Session } from "../../compiler/driver/session.js";
import { UsageError } from "../../compiler/driver/errors.js";
import { loadProgram, loadSource } from "../helpers/program.js";
import { VOWELS } from "../train/helpers.js";

const source = fs.readFileSync(VOWELS, "utf8");
const open = (set: string[], rule?: string) => new Session(VOWELS, source, { readFile: () => undefined }).program({ set: set.map((a) => parseAssignment(a)), ...(rule ? { rule } : {}) });
function diagnostics(set: string[]) {
  try {
    open(set);
  } catch (e) {
    if (e instanceof DiagnosticsError) return e.diagnostics.map((d) => ({ code: d.code, file: d.span.file, message: d.message, related: d.related ?? [] }));
    throw e;
  }
  throw new Error("expected diagnostics");
}

describe("--set overrides", () => {
  it("set train keys, rule options, optimizer arguments and data-set arguments", () => {
    const p = open(["seed=3", "epochs=2", "rule=spsa", "rule.c=0.05", "optimizer.lr=0.02", "shards=2"]);
    expect([p.train.seed, p.train.epochs, p.rule.name, p.train.rule.options.c, p.train.optimizer.args.lr, p.train.shards]).toEqual([3, 2, "spsa", 0.05, 0.02, 2]);
    const mnist = loadProgram(VOWELS.replace("vowels_mzi", "mnist_mlp"), undefined, ["data.train=300", "data.test=100"]);
    expect(mnist.train.data.args).toMatchObject({ train: 300, test: 100 });
  });

  it("set a layer's parameter default (a device parameter: the phase-error σ of every chip)", () => {
    const base = open([]).spec();
    const wider = open(["NoisyMesh.sigma=0.2 rad"]).spec();
    const sigma = (s: typeof base) => s.chipVars.filter((v) => v.path.endsWith("phase_error")).map((v) => (v.dist.kind === "normal" ? v.dist.std : NaN));
    expect(sigma(base)).toEqual([0.05, 0.05]);
    expect(sigma(wider)).toEqual([0.2, 0.2]);
  });

  it("set a top-level constant", () => {
    const p = loadSource("const width = 4\nnetwork N {\n  input x: real[4]\n  h = dense(x, width)\n  output y = dense(h, 3)\n}\ntrain N on iris() {\n  rule = backprop\n}\n", undefined, "c.pnn", ["width=9"]);
    expect(p.spec().params.find((q) => q.path.endsWith("weight") && q.shape[0] === 9)).toBeDefined();
  });

  it("put overrides that change the network into the configuration hash (train keys are there already)", () => {
    const base = open([]).configHash;
    expect(open(["NoisyMesh.sigma=0.2 rad"]).configHash).not.toBe(base);
    expect(open(["seed=3"]).configHash).not.toBe(base);
    // a train key set on the command line is the same run as the same key written in the file
    const written = new Session(VOWELS, source.replace("seed = 1", "seed = 3"), { readFile: () => undefined }).program();
    expect(written.configHash).toBe(open(["seed=3"]).configHash);
  });

  it("refuse names that set nothing (PNN2021) with the closest name", () => {
    expect(diagnostics(["seeed=3"])).toEqual([expect.objectContaining({ code: "PNN2021", file: "--set seeed", message: expect.stringContaining("did you mean 'seed'?") })]);
    expect(diagnostics(["NoisyMesh.sigmaa=0.1 rad"])[0]!.message).toContain("layer NoisyMesh has no parameter 'sigmaa'; did you mean 'sigma'?");
    expect(diagnostics(["NoisyMsh.sigma=0.1 rad"])[0]!.message).toContain("did you mean 'NoisyMesh'?");
    expect(diagnostics(["data.trian=5"])[0]!.message).toContain("vowels() has no argument 'trian'");
    expect(diagnostics(["seed=1", "seed=2"])[0]!.message).toContain("'seed' is set twice");
  });

  it("check values as if written in the file, with diagnostics pointing into the value", () => {
    // a length where the mesh takes an angle: refused where the file uses it, as if written there, with a note pointing into the value
    const mm = diagnostics(["NoisyMesh.sigma=3 mm"]);
    expect(mm).toEqual([expect.objectContaining({ code: "PNN3001", message: expect.stringContaining("an angle (rad) but its std is a length (mm)") })]);
    expect(mm[0]!.related).toContainEqual(expect.objectContaining({ span: expect.objectContaining({ file: "--set NoisyMesh.sigma", col: 3 }), message: "a length (mm) written here" }));
    expect(diagnostics(["seed=-1"])[0]!.file).toBe("--set seed");
    expect(diagnostics(["rule=spsa(c: nope)"])).toEqual([expect.objectContaining({ code: "PNN2001", file: "--set rule" })]);
    expect(diagnostics(["rule.c=(("])[0]!.code).toMatch(/^PNN1/);
  });

  it("take NAME=VALUE only", () => {
    expect(() => parseAssignment("seed")).toThrow(UsageError);
    expect(() => parseAssignment("=3")).toThrow(UsageError);
    expect(() => parseAssignment("a.b.c=3")).toThrow(UsageError);
    expect(parseAssignment(" rule = spsa(c: 0.02) ")).toEqual({ name: "rule", value: "spsa(c: 0.02)" });
  });
});

describe("the shards train key", () => {
  it("must divide the batch (PNN2020, at the setting)", () => {
    const d = diagnostics(["shards=3"]);
    expect(d).toEqual([expect.objectContaining({ code: "PNN2020", file: "--set shards", message: expect.stringContaining("shards = 3 does not divide batch = 16") })]);
    expect(open(["shards=4"]).shardRows).toBe(4);
  });

  it("is in the configuration hash only when it is not 1 (older checkpoints keep their hash)", () => {
    expect(open(["shards=1"]).configHash).toBe(open([]).configHash);
    expect(open(["shards=2"]).configHash).not.toBe(open([]).configHash);
  });
});
