// The std/optics examples train from the command line (5 epochs each, a few seconds): a trainable
// chip with the full mesh device model, and a DFT programmed onto a mesh by decomposition. Both
// must beat chance (1/7) by far on the twin and on the simulated chips, with finite metrics.
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, lastJson, pnn, REPO, tmpDir } from "./helpers.js";

beforeAll(() => ensureBuilt());

describe("std/optics examples train from the command line", () => {
  for (const [file, floor] of [["vowels_mesh_device.pnn", 0.6], ["vowels_fourier_mesh.pnn", 0.75]] as const)
    it(`${file}: 5 epochs reach ${floor * 100}% on the twin and the device`, () => {
      const out = tmpDir();
      const r = pnn(["train", path.join(REPO, "examples", file), "--epochs", "5", "--json", "--out", out]);
      expect(r.status, r.all).toBe(0);
      const s = lastJson(r.stdout);
      expect(s.type).toBe("summary");
      expect(s.test_accuracy as number).toBeGreaterThan(floor);
      expect(s.device_test_accuracy_mean as number).toBeGreaterThan(floor);
      expect(s.device_chips).toBe(5);
      expect(Number.isFinite(s.device_test_accuracy_std as number)).toBe(true);
    });
});
