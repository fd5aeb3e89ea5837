// examples/crossbar_mnist.pnn from the command line: it trains (one epoch on a 1000-image subset
// here, to stay fast),
// `pnn eval --time` evaluates the device at a time after programming (the time reaches the
// device graph: a year of drift changes the device's outputs but not the twin's), and a bad
// duration is a usage error (exit 2, no stack trace).
import { describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as path from "node:path";
import { ensureBuilt, hasStackTrace, lastJson, pnn, tmpDir } from "../train/helpers.js";

describe("crossbar_mnist from the CLI", () => {
  it("trains, then evaluates at 1 s and 1 y after programming", () => {
    ensureBuilt();
    const out = tmpDir();
    const file = path.join(out, "crossbar_small.pnn");
    const src = fs.readFileSync("examples/crossbar_mnist.pnn", "utf8");
    fs.writeFileSync(file, src.replace("mnist(train: 8000, test: 2000, size: 14)", "mnist(train: 1000, test: 300, size: 14)"));
    expect(fs.readFileSync(file, "utf8")).toContain("train: 1000");
    const t = pnn(["train", file, "--epochs", "4", "--out", out, "--json"]);
    expect(t.status).toBe(0);
    const s = lastJson(t.stdout);
    expect(s.test_accuracy as number).toBeGreaterThan(0.5);
    expect(s.device_test_accuracy_mean as number).toBeGreaterThan(0.5);
    const ckpt = path.join(out, "checkpoint.safetensors");
    const at = (time: string) => {
      const r = pnn(["eval", file, "--weights", ckpt, "--time", time, "--chips", "1", "--json"]);
      expect(r.status).toBe(0);
      return lastJson(r.stdout);
    };
    const early = at("1s");
    const late = at("1y");
    expect(early.time_s).toBe(1);
    expect(late.time_s).toBe(365.25 * 86400);
    expect(late.test_accuracy).toBe(early.test_accuracy);
    expect(late.device_test_accuracy).not.toBe(early.device_test_accuracy);
    expect(late.device_test_accuracy as number).toBeGreaterThan(0.4);
  }, 180_000);

  it("rejects a bad --time with a usage error", () => {
    ensureBuilt();
    for (const bad of ["soon", "-1d"]) {
      const r = pnn(["eval", "examples/crossbar_mnist.pnn", "--weights", "nowhere.safetensors", "--time", bad]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/--time must be a duration/);
      expect(hasStackTrace(r.all)).toBe(false);
    }
  });
});
