// A small diffractive network (3 phase masks on 14×14 digits) trains from the command line: after
// three epochs on 300 digits its test accuracy clears a threshold that the same program with a
// vanishing learning rate (the untrained masks) does not reach, and the simulated devices (mask
// phase error, phase levels, detector noise) are evaluated too.
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, lastJson, pnn, tmpDir } from "./helpers.js";

const program = (optimizer: string, epochs: number) => `import optics from "std/optics"
import freespace from "std/freespace"

layer Diffract(n: int) {
  forward(u: complex[n, n]) -> complex[n, n] = u
    |> freespace.propagate(distance: 3 mm, wavelength: 0.75 mm, pitch: 0.4 mm)
    |> freespace.phase_mask(levels: 16, phase_error: 0.1 rad)
}

network Tiny {
  input x: real[196]
  u = x * 6 |> optics.amplitude_encode |> reshape(14, 14)
  output y = u
    |> Diffract(n: 14)
    |> Diffract(n: 14)
    |> Diffract(n: 14)
    |> freespace.propagate(distance: 3 mm, wavelength: 0.75 mm, pitch: 0.4 mm)
    |> freespace.detector_regions(classes: 10, size: 2, noise: 0.05)
}

train Tiny on mnist(train: 300, test: 200, size: 14) {
  rule = backprop
  loss = cross_entropy
  optimizer = ${optimizer}
  epochs = ${epochs}
  batch = 16
  seed = 3
  chips = 2
}
`;

function trainSummary(optimizer: string, epochs: number): Record<string, unknown> {
  const dir = tmpDir("pnn-freespace-");
  const file = path.join(dir, "tiny.pnn");
  fs.writeFileSync(file, program(optimizer, epochs));
  const r = pnn(["train", file, "--json", "--out", path.join(dir, "run")]);
  expect(r.status, r.all).toBe(0);
  return lastJson(r.stdout);
}

describe("diffractive network training (std/freespace)", () => {
  beforeAll(() => ensureBuilt());

  it("learns MNIST digits beyond what the untrained masks reach, on the twin and on the device", () => {
    const untrained = trainSummary("sgd(lr: 1e-12)", 1);
    const trained = trainSummary("adam(lr: 0.05)", 3);
    const acc = (s: Record<string, unknown>, k: string) => s[k] as number;
    expect(acc(untrained, "test_accuracy")).toBeLessThan(0.3);
    expect(acc(trained, "test_accuracy")).toBeGreaterThan(0.5);
    expect(acc(trained, "device_test_accuracy")).toBeGreaterThan(0.45);
    expect(acc(trained, "device_chips")).toBe(2);
  });
});
