// Issue 16 (run time): a hand-edited checkpoint is a clear PNN6003, never a run that trains
// nothing, counts fractional or negative epochs, or crashes. One case per reproducer (epoch
// "abc", "2.5", "-5", a missing optimizer tensor) and per field loadRunState validates, and the
// data description `pnn infer` reads (class names, feature names, normalisation).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../../diagnostics/catalog.js";
import { decodeSafetensors, encodeSafetensors } from "../../runtime/checkpoint.js";
import type { ModelSpec } from "../../runtime/model.js";
import { newOptimizerState } from "../../runtime/optim.js";
import { loadRunState, readDataDescription, saveRunState, zeroCounters } from "../../runtime/run-state.js";

const spec: ModelSpec = { network: "N", params: [{ path: "w", shape: [2, 2], init: { kind: "glorot" } }], chipVars: [], twinVars: [], externals: [], hasDevice: false, features: 2, classes: 2, batch: 4 };
const id = { network: "N", rule: "backprop", sourceHash: "s", configHash: "c", seed: 1 };
const data = { name: "csv", classNames: ["no", "yes"], featureNames: ["a", "b"], normalization: { log: false, mean: [1, 2], std: [3, 4] } };

/** A valid checkpoint, then `edit` applied to its metadata and tensors; returns the file. */
function edited(edit: (meta: Record<string, string>, tensors: Map<string, unknown>) => void): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pnn-meta-")), "c.safetensors");
  const params = new Map([["w", Float64Array.from([1, 2, 3, 4])]]);
  saveRunState(file, spec, { params, optimizer: newOptimizerState(params), epoch: 2, epochs: 5, counters: zeroCounters(), samples: 10, trainSeconds: 0.5, twin: new Map(), deviceRows: {} }, id, data);
  const ck = decodeSafetensors(fs.readFileSync(file), file);
  edit(ck.metadata, ck.tensors as Map<string, unknown>);
  fs.writeFileSync(file, encodeSafetensors(ck.tensors, ck.metadata));
  return file;
}

function refusal(file: string, read: (f: string) => unknown = (f) => loadRunState(f, spec)): string {
  try {
    read(file);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    expect(e.diagnostic.code).toBe("PNN6003");
    return e.diagnostic.message;
  }
  throw new Error("the checkpoint was accepted");
}

describe("hand-edited run state", () => {
  it("an unedited checkpoint loads (the baseline the cases below change)", () => {
    const { state } = loadRunState(edited(() => {}), spec);
    expect(state).toMatchObject({ epoch: 2, epochs: 5, samples: 10, trainSeconds: 0.5 });
  });

  it.each([
    ["abc", /metadata 'epoch' is "abc", not a non-negative whole number/],
    ["2.5", /metadata 'epoch' is "2.5", not a non-negative whole number/],
    ["-5", /metadata 'epoch' is "-5", not a non-negative whole number/],
    ["", /metadata 'epoch' is "", not a non-negative whole number/],
    ["1e400", /'epoch' is "1e400"/],
    ["9", /metadata says epoch 9 of 5/],
  ])("epoch %j is PNN6003 (was: trained nothing, fractional or negative epochs)", (value, message) => {
    expect(refusal(edited((m) => (m.epoch = value)))).toMatch(message);
  });

  it("a missing optimizer tensor, one of the wrong shape, one with NaN: PNN6003 (was: a crash)", () => {
    expect(refusal(edited((_m, t) => t.delete("optimizer.m:w")))).toMatch(/has no optimizer state 'm' for 'w'/);
    expect(refusal(edited((_m, t) => t.set("optimizer.v:w", { dtype: "F64", shape: [4], data: new Float64Array(4) })))).toMatch(/has no optimizer state 'v' for 'w'/);
    expect(refusal(edited((_m, t) => t.set("optimizer.v:w", { dtype: "F64", shape: [2, 2], data: Float64Array.from([0, NaN, 0, 0]) })))).toMatch(/optimizer state 'v' of 'w' holds non-finite values/);
  });

  it("every counter, the optimizer step, the seed and the identity are validated", () => {
    for (const key of ["epochs", "optimizer_step", "device_forwards", "device_relaxations", "device_measurements", "digital_flops", "samples", "seed"])
      expect(refusal(edited((m) => (m[key] = "-1"))), key).toMatch(new RegExp(`'${key}' is "-1"`));
    expect(refusal(edited((m) => (m.train_seconds = "NaN")))).toMatch(/'train_seconds' is "NaN", not a non-negative number/);
    for (const key of ["network", "rule", "source_hash", "config_hash", "epoch"]) expect(refusal(edited((m) => delete m[key])), key).toMatch(new RegExp(`no '${key}'`));
    expect(refusal(edited((m) => (m.last_epoch = "[1]")))).toMatch(/'last_epoch' is not a JSON record/);
    expect(refusal(edited((m) => (m.format = "pnn-checkpoint/9")))).toMatch(/is format pnn-checkpoint\/9/);
    expect(refusal(edited((_m, t) => t.set("w", { dtype: "F64", shape: [2, 2], data: Float64Array.from([Infinity, 0, 0, 0]) })))).toMatch(/'w' holds non-finite values/);
  });
});

describe("the recorded data description (what pnn infer reads)", () => {
  const read = (f: string) => readDataDescription(decodeSafetensors(fs.readFileSync(f), f).metadata, spec, f);

  it("round-trips; a checkpoint without one reads as undefined", () => {
    expect(read(edited(() => {}))).toEqual(data);
    expect(read(edited((m) => delete m.data))).toBeUndefined();
  });

  it("malformed: not JSON, wrong class or feature count, a zero or non-finite std", () => {
    expect(refusal(edited((m) => (m.data = "{")), read)).toMatch(/metadata 'data' is not JSON/);
    expect(refusal(edited((m) => (m.data = JSON.stringify({ ...data, classNames: ["a", "b", "c"] }))), read)).toMatch(/does not list 2 class names/);
    expect(refusal(edited((m) => (m.data = JSON.stringify({ ...data, featureNames: ["a"] }))), read)).toMatch(/does not list 2 feature names/);
    expect(refusal(edited((m) => (m.data = JSON.stringify({ ...data, normalization: { log: false, mean: [0, 0], std: [1, 0] } }))), read)).toMatch(/std > 0/);
    expect(refusal(edited((m) => (m.data = JSON.stringify({ ...data, normalization: { log: false, mean: [0, "x"], std: [1, 1] } }))), read)).toMatch(/normalisation/);
  });
});
