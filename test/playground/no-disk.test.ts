// The page's view of the world, simulated in Node: node:fs is replaced by the playground's
// browser fs (playground/browser/fs.ts: no file system), so anything that would read or write a
// disk fails. Through the in-memory host (playground/host.ts) every data set the playground
// offers still loads with the CLI's own loaders, and the flagship checks, compiles (reference
// interpreter) and trains an epoch with the trainer pnn train uses — no file touched.
import * as realFs from "node:fs";
import * as path from "node:path";
import { describe, expect, it, vi } from "vitest";

vi.mock("node:fs", async () => await import("../../playground/browser/fs.js"));

const { Session, trainConfig } = await import("../../compiler/driver/index.js");
const { train } = await import("../../runtime/trainer.js");
const { MemoryHost, PLAYGROUND_DATASETS } = await import("../../playground/host.js");
const { UserError } = await import("../../diagnostics/catalog.js");
const browserFs = await import("node:fs");

// read before the replacement could matter: the test's own fixtures come from the real disk
const { readFileSync, readdirSync } = (await vi.importActual<typeof realFs>("node:fs"));
const REPO = path.resolve(import.meta.dirname, "../..");
const shipped = Object.fromEntries(readdirSync(path.join(REPO, "data")).filter((f) => f.endsWith(".csv")).map((f) => [f, readFileSync(path.join(REPO, "data", f), "utf8")]));

describe("the playground without a disk", () => {
  it("runs with the browser fs in place of node:fs, in the compiler's modules too", () => {
    expect(browserFs.existsSync(path.join(REPO, "package.json"))).toBe(false);
    // without the shipped text the vowels loader falls back to data/ on disk, and there is none
    const src = `network N {\n  input x: real[12]\n  output y = dense(x, 7)\n}\ntrain N on vowels() {\n  rule = backprop\n}\n`;
    const p = new Session("n.pnn", src, new MemoryHost({}, {})).program();
    let code: string | undefined;
    try {
      p.dataset();
    } catch (e) {
      code = (e as InstanceType<typeof UserError>).diagnostic?.code;
    }
    expect(code).toBe("PNN6001");
  });

  it.each(PLAYGROUND_DATASETS)("loads %s through the in-memory host with the CLI's loaders", (name) => {
    const [features, classes] = ({ vowels: [12, 7], iris: [4, 3] } as Record<string, [number, number]>)[name] ?? [2, 2];
    const src = `network N {\n  input x: real[${features}]\n  output y = dense(x, ${classes})\n}\ntrain N on ${name}() {\n  rule = backprop\n  epochs = 1\n}\n`;
    const data = new Session("n.pnn", src, new MemoryHost({}, shipped)).program().dataset();
    expect(data.name).toBe(name);
    expect(data.train.n).toBeGreaterThan(0);
    expect(data.test.n).toBeGreaterThan(0);
    expect(data.featureShape).toEqual([features]);
    expect(data.classes).toBe(classes);
    expect(data.train.x.length).toBe(data.train.n * features);
  });

  it("checks, compiles and trains the flagship for an epoch", async () => {
    const source = readFileSync(path.join(REPO, "examples/vowels_mzi.pnn"), "utf8");
    const p = new Session("vowels_mzi.pnn", source, new MemoryHost({}, shipped)).program();
    const { spec, programs } = await p.compile("ref", p.train.batch);
    const progress = { startEpoch() {}, batch() {}, endEpoch() {} };
    const out = await train(spec, programs, p.dataset(), trainConfig(p, spec, 1), { progress, span: p.train.span, makeStepper: p.stepper() });
    expect(out.kind).toBe("trained");
    if (out.kind === "trained") {
      expect(out.summary.test_accuracy).toBeGreaterThan(0.3);
      expect([...out.params.keys()].sort()).toEqual(spec.params.map((q) => q.path).sort());
    }
  }, 60_000);
});
