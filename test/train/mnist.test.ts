// The acceptance run: the digital 784-128-10 MLP (examples/mnist_mlp.pnn: adam, 15 epochs,
// 8,000 train / 2,000 test) trained by `pnn train` must reach ≥ 94.5% test accuracy.
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, lastJson, pnn, REPO, tmpDir } from "./helpers.js";

beforeAll(() => ensureBuilt(), 180_000);

describe("examples/mnist_mlp.pnn", () => {
  it("trains to ≥ 94.5% test accuracy", () => {
    const out = tmpDir("pnn-mnist-");
    const r = pnn(["train", path.join(REPO, "examples/mnist_mlp.pnn"), "--quiet", "--json", "--out", out]);
    expect(r.status, r.all).toBe(0);
    const s = lastJson(r.stdout);
    expect(s.type).toBe("summary");
    expect(s.network).toBe("MnistMLP");
    expect(s.epochs).toBe(15);
    expect(s.train_samples).toBe(8000);
    expect(s.test_samples).toBe(2000);
    console.log(`mnist_mlp: test_accuracy ${s.test_accuracy}, train_accuracy ${s.train_accuracy}, wall ${s.wall_s} s`);
    expect(s.test_accuracy as number).toBeGreaterThanOrEqual(0.945);
  }, 240_000);
});
