// The many-chip recipe's command support (compiler/driver/run.ts trainProduct, runtime/trainer.ts):
// `--from CKPT` starts a run from a checkpoint's parameters (fresh optimizer, epochs from 0) and
// `--chip K` trains on simulated chip K and reports that chip's accuracy; a resume on another
// chip is refused, and --from with --resume is a usage error. Docs: docs/deploy-many-chips.md.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../compiler/driver/errors.js";
import { trainProduct } from "../../compiler/driver/run.js";
import { UserError } from "../../diagnostics/catalog.js";
import { ProgressReporter } from "../../runtime/metrics.js";
import { readParams } from "../../runtime/run-state.js";
import { fileSpan } from "../../diagnostics/span.js";
import { loadSource } from "../helpers/program.js";

const SOURCE = (optimizer: string, epochs: number) => `import optics from "std/optics"
layer NoisyMesh(n: int) {
  param phases: real[n * (n - 1)] init uniform(0, 2 * pi)
  device phase_error: real[n * (n - 1)] ~ normal(0 rad, 0.2 rad)
  forward(x: complex[n]) -> complex[n] = optics.mzi_mesh(x, phases + phase_error)
}
network V {
  input x: real[12]
  output y = x |> optics.amplitude_encode |> NoisyMesh(n: 12) |> optics.photodetect |> take(7) |> gain
}
train V on vowels() {
  rule = physics_aware
  loss = cross_entropy
  optimizer = ${optimizer}
  epochs = ${epochs}
  batch = 16
  seed = 2
  chips = 4
}
`;

const quiet = () => new ProgressReporter({ mode: "quiet", out: process.stdout, epochs: 1 });
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "pnn-chips-"));
type Summary = Record<string, unknown> & { device_per_chip: number[]; device_test_accuracy: number; test_accuracy: number };

async function trained(source: string, r: { outDir: string; from?: string; chip?: number; resume?: boolean; epochs?: number }): Promise<Summary> {
  const out = await trainProduct(loadSource(source), { backend: "ref", progress: quiet(), ...r });
  if (out.kind !== "trained") throw new Error("expected a trained run");
  return out.summary as Summary;
}

describe("pnn train --from CKPT --chip K", () => {
  it("--from starts from the checkpoint's parameters (a vanishing learning rate keeps them)", async () => {
    const a = tmp(), b = tmp();
    const base = await trained(SOURCE("adam(lr: 0.05)", 3), { outDir: a });
    const resumed = await trained(SOURCE("sgd(lr: 1e-12)", 1), { outDir: b, from: path.join(a, "checkpoint.safetensors") });
    expect(resumed.test_accuracy).toBe(base.test_accuracy);
    expect(resumed.device_per_chip).toEqual(base.device_per_chip);
    const spec = loadSource(SOURCE("adam(lr: 0.05)", 3)).spec();
    const pa = readParams(path.join(a, "checkpoint.safetensors"), spec, fileSpan("a")).params;
    const pb = readParams(path.join(b, "checkpoint.safetensors"), spec, fileSpan("b")).params;
    for (const [k, v] of pa) pb.get(k)!.forEach((x, i) => expect(Math.abs(x - v[i]!)).toBeLessThan(1e-9));
    // a fresh run (no --from) with the same lr starts elsewhere
    const fresh = await trained(SOURCE("sgd(lr: 1e-12)", 1), { outDir: tmp() });
    expect(fresh.test_accuracy).not.toBe(base.test_accuracy);
  });

  it("--chip K trains on chip K and reports chip K's accuracy as the trained chip's", async () => {
    const a = tmp();
    await trained(SOURCE("adam(lr: 0.05)", 5), { outDir: a });
    const from = path.join(a, "checkpoint.safetensors");
    const onChip2 = await trained(SOURCE("adam(lr: 0.02)", 5), { outDir: tmp(), from, chip: 2 });
    expect(onChip2.trained_chip).toBe(2);
    expect(onChip2.device_test_accuracy).toBe(onChip2.device_per_chip[2]);
    const onChip0 = await trained(SOURCE("adam(lr: 0.02)", 5), { outDir: tmp(), from });
    expect(onChip0.trained_chip).toBeUndefined();
    expect(onChip0.device_test_accuracy).toBe(onChip0.device_per_chip[0]);
    // the two runs saw different chips (same data, same steps): they end with different parameters
    expect(onChip2.device_per_chip).not.toEqual(onChip0.device_per_chip);
    // a chip beyond the train block's `chips` is still evaluated (the trained chip is always reported)
    const onChip6 = await trained(SOURCE("adam(lr: 0.02)", 1), { outDir: tmp(), from, chip: 6 });
    expect(onChip6.trained_chip).toBe(6);
    expect(onChip6.device_per_chip.length).toBe(4);
  });

  it("a resume on another chip is refused (PNN6004); --from with --resume is a usage error", async () => {
    const a = tmp();
    await trained(SOURCE("adam(lr: 0.05)", 1), { outDir: a, chip: 1 });
    const err = await trained(SOURCE("adam(lr: 0.05)", 1), { outDir: a, resume: true, chip: 3, epochs: 2 }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).diagnostic.code).toBe("PNN6004");
    expect((err as UserError).diagnostic.message).toMatch(/configuration hash/);
    const ok = await trained(SOURCE("adam(lr: 0.05)", 1), { outDir: a, resume: true, chip: 1, epochs: 2 });
    expect(ok.trained_chip).toBe(1);
    await expect(trained(SOURCE("adam(lr: 0.05)", 1), { outDir: a, resume: true, epochs: 3, from: path.join(a, "checkpoint.safetensors") })).rejects.toBeInstanceOf(UsageError);
  });

  it("--chip K with data-parallel shards is a usage error (the shards train on chip 0), before anything is written", async () => {
    const a = tmp();
    const sharded = SOURCE("adam(lr: 0.05)", 1).replace("seed = 2", "seed = 2\n  shards = 2");
    const err = await trained(sharded, { outDir: a, chip: 2 }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/--chip 2.*shards = 2.*chip 0/);
    expect(fs.existsSync(path.join(a, "checkpoint.safetensors"))).toBe(false);
  });
});
