// Issue 3's claim, as a test: on the flagship device (static phase error σ = 0.05 rad, a per-chip
// detector responsivity spread, per-shot read noise), a network trained with `backprop` on the
// twin loses accuracy on the chip, and `physics_aware` training on that chip recovers it. One test
// recording is 1.3 points of the 77-recording test set, so the claim is made on the mean over
// three seeds (each seed is a different chip, initialisation and shuffle), on the reference backend.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ensureBuilt, pnn, tmpDir, VOWELS } from "./helpers.js";

const SEEDS = [1, 2, 3];

function chipAccuracy(rule: string, seed: number, dir: string): { twin: number; chip: number } {
  const file = path.join(dir, `vowels_seed${seed}.pnn`);
  fs.writeFileSync(file, fs.readFileSync(VOWELS, "utf8").replace(/seed = 1\b/, `seed = ${seed}`));
  const r = pnn(["train", file, "--rule", rule, "--backend", "ref", "--json", "--out", path.join(dir, `${rule}-${seed}`)]);
  expect(r.status, r.all).toBe(0);
  const lines = r.stdout.trim().split("\n");
  const s = JSON.parse(lines[lines.length - 1]);
  return { twin: s.test_accuracy, chip: s.device_test_accuracy };
}

describe("physics-aware training recovers what in-silico backprop loses on the chip", () => {
  it("mean over 3 seeds: physics_aware on the chip ≥ backprop on the chip + 2 points, every physics_aware chip ≥ 90%", () => {
    ensureBuilt();
    const dir = tmpDir("pnn-recovery-");
    const pat = SEEDS.map((s) => chipAccuracy("physics_aware", s, dir));
    const bp = SEEDS.map((s) => chipAccuracy("backprop", s, dir));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const report = `physics_aware chips ${pat.map((r) => r.chip.toFixed(3))}; backprop twins ${bp.map((r) => r.twin.toFixed(3))} chips ${bp.map((r) => r.chip.toFixed(3))}`;
    // backprop does lose accuracy between its twin and the chip …
    expect(mean(bp.map((r) => r.twin)) - mean(bp.map((r) => r.chip)), report).toBeGreaterThan(0.02);
    // … and physics-aware training on the chip gets it back
    expect(mean(pat.map((r) => r.chip)) - mean(bp.map((r) => r.chip)), report).toBeGreaterThanOrEqual(0.02);
    for (const r of pat) expect(r.chip, report).toBeGreaterThanOrEqual(0.9);
  }, 400_000);
});
