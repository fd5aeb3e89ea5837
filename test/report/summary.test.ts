// The end-of-run summary in the terminal (runtime/metrics.ts, ProgressReporter.summary and
// summaryRows): aligned, labelled rows for the twin, the trained chip, K chips mean ± std, device
// queries, FLOPs and time, for a device-in-the-loop run, a twin-only run and an energy-based run
// without a device model; keys it does not know still show; `--json` output is unchanged; and
// `pnn train` prints the block.
import { Writable } from "node:stream";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ProgressReporter, summaryRows, type ProgressMode } from "../../runtime/metrics.js";
import { ensureBuilt, lastJson, pnn, REPO, tmpDir } from "../train/helpers.js";

function printed(mode: ProgressMode, summary: Record<string, unknown>): string {
  let text = "";
  const out = new Writable({ write(chunk, _enc, cb) { text += chunk.toString(); cb(); } });
  new ProgressReporter({ mode, out }).summary(summary);
  return text;
}

/** What `pnn train examples/vowels_mzi.pnn` writes to summary.json (numbers from a real run). */
const PHYSICS_AWARE = {
  type: "summary", network: "VowelOptical", rule: "physics_aware", epochs: 60, train_accuracy: 0.9171, test_accuracy: 0.9351, wall_s: 3.84, samples_per_s: 2850.4,
  device_forwards: 10860, device_relaxations: 0, device_measurements: 0, digital_flops: 281971680,
  device_test_accuracy: 0.9091, device_chips: 5, device_test_accuracy_mean: 0.8961, device_test_accuracy_std: 0.0187, twin_device_gap: 0.039, device_per_chip: [0.9091, 0.8831, 0.8961, 0.8831, 0.9091],
  dataset: "vowels", train_samples: 181, test_samples: 77, checkpoint: "runs/vowels_mzi/checkpoint.safetensors",
};

describe("end-of-run summary", () => {
  it("is a block of aligned, labelled rows", () => {
    expect(printed("plain", PHYSICS_AWARE)).toBe(
      [
        "training done",
        "  network         VowelOptical (rule physics_aware, 60 epochs)",
        "  data            vowels: 181 train, 77 test samples",
        "  twin            93.5% test accuracy (train 91.7%)",
        "  trained chip    90.9% test accuracy (chip 0)",
        "  5 chips         89.6% ± 1.9% (mean ± std)",
        "  twin − device   3.9 points",
        "  device queries  10,860 forward passes",
        "  digital FLOPs   281.97 M",
        "  time            3.84 s (2,850 samples/s)",
        "  checkpoint      runs/vowels_mzi/checkpoint.safetensors",
        "",
      ].join("\n"),
    );
    // tty and quiet print the same block
    expect(printed("tty", PHYSICS_AWARE)).toBe(printed("plain", PHYSICS_AWARE));
    expect(printed("quiet", PHYSICS_AWARE)).toBe(printed("plain", PHYSICS_AWARE));
  });

  it("says when a rule never asked the device anything, and leaves out what a run without a device lacks", () => {
    const twinOnly = summaryRows({ ...PHYSICS_AWARE, rule: "backprop", device_forwards: 0 });
    expect(twinOnly.find((r) => r.label === "device queries")!.value).toBe("none (trained on the twin alone)");
    const energy = summaryRows({ type: "summary", network: "HopfieldEP", rule: "equilibrium_propagation", epochs: 1, train_accuracy: 0.551, test_accuracy: 0.769, wall_s: 75.5, samples_per_s: 26.5, device_forwards: 0, device_relaxations: 6000, device_measurements: 6000, digital_flops: 159096000 });
    expect(energy.map((r) => r.label)).toEqual(["network", "twin", "device queries", "digital FLOPs", "time"]);
    expect(energy.find((r) => r.label === "network")!.value).toBe("HopfieldEP (rule equilibrium_propagation, 1 epoch)");
    expect(energy.find((r) => r.label === "device queries")!.value).toBe("6,000 relaxations, 6,000 measurements");
    expect(energy.find((r) => r.label === "time")!.value).toBe("1 min 16 s (27 samples/s)");
  });

  it("shows keys it does not know, after the known ones", () => {
    const rows = summaryRows({ ...PHYSICS_AWARE, drift_time_s: 86400, calibration: { offset: 0.1 }, extra_accuracy: 0.5 });
    expect(rows.slice(-3)).toEqual([
      { label: "drift_time_s", value: "86400" },
      { label: "calibration", value: '{"offset":0.1}' },
      { label: "extra_accuracy", value: "50.0%" },
    ]);
  });

  it("--json output is unchanged: one object, the summary's keys and values", () => {
    const line = printed("json", PHYSICS_AWARE);
    expect(line.endsWith("\n")).toBe(true);
    expect(JSON.parse(line)).toEqual(PHYSICS_AWARE);
    expect(line).toBe(JSON.stringify(PHYSICS_AWARE) + "\n");
  });

  it("pnn train prints the block; pnn train --json still ends with the summary object", () => {
    ensureBuilt();
    const dir = tmpDir("pnn-summary-");
    const file = path.join(REPO, "examples/vowels_mzi.pnn");
    const plain = pnn(["train", file, "--epochs", "1", "--quiet", "--out", path.join(dir, "a")]);
    expect(plain.status, plain.all).toBe(0);
    const lines = plain.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("training done");
    expect(lines.slice(1).map((l) => l.trim().split(/\s{2,}/)[0])).toEqual(["network", "data", "twin", "trained chip", "5 chips", "twin − device", "device queries", "digital FLOPs", "time", "checkpoint"]);
    const column = lines[1].indexOf("VowelOptical");
    for (const l of lines.slice(1)) expect(l.length > column && l[column - 1] === " " && l[column] !== " ", l).toBe(true);
    const json = pnn(["train", file, "--epochs", "1", "--json", "--out", path.join(dir, "b")]);
    expect(json.status, json.all).toBe(0);
    const summary = lastJson(json.stdout);
    expect(summary.type).toBe("summary");
    expect(Object.keys(summary)).toEqual(["type", ...Object.keys(PHYSICS_AWARE).filter((k) => k !== "type")]);
  }, 60_000);
});
