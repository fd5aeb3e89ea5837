// `pnn train / eval / infer / ir` end to end through the built CLI: the flagship trains to ≥ 90%
// on the twin and the device and is reproducible, resume reproduces an uninterrupted run
// bit for bit, and the run-time errors (PNN4002, PNN6001–PNN6005) are reported with
// exit code 1 and no stack trace.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseGraph } from "../../compiler/ir/parse-text.js";
import { verifyGraph } from "../../compiler/ir/verify.js";
import { loadCheckpoint } from "../../runtime/checkpoint.js";
import { ensureBuilt, hasStackTrace, lastJson, PNN, pnn, REPO, tmpDir, VOWELS, type CliResult } from "./helpers.js";

beforeAll(() => ensureBuilt(), 180_000);

/** Expects a clean user-facing failure: exit 1, the code, and no stack trace. */
function expectUserError(r: CliResult, code: string): void {
  expect(r.status, r.all).toBe(1);
  expect(r.all).toContain(code);
  expect(hasStackTrace(r.all), r.all).toBe(false);
  expect(r.all).not.toMatch(/internal error|TypeError|RangeError/i);
}

const VOLATILE = ["wall_s", "samples_per_s", "checkpoint"];
const stable = (s: Record<string, unknown>) => Object.fromEntries(Object.entries(s).filter(([k]) => !VOLATILE.includes(k)));

const TINY_CSV = `network Tiny {
  input x: real[2]
  output y = dense(x, 2)
}

train Tiny on csv("DATA", label: "y") {
  rule = backprop
  loss = cross_entropy
  optimizer = adam(lr: 0.01)
  epochs = 1
  batch = 4
  seed = 1
}
`;

function tinyCsvProject(csvName: string, csv?: string): { dir: string; file: string } {
  const dir = tmpDir("pnn-csv-");
  const file = path.join(dir, "tiny.pnn");
  fs.writeFileSync(file, TINY_CSV.replace("DATA", csvName));
  if (csv !== undefined) fs.writeFileSync(path.join(dir, csvName), csv);
  return { dir, file };
}

const GOOD_CSV = "a,b,y\n" + Array.from({ length: 16 }, (_, i) => `${i % 4},${(i * 7) % 5},${i % 2}`).join("\n") + "\n";

describe("pnn train on the flagship (examples/vowels_mzi.pnn)", () => {
  let dirA = "";
  let first: Record<string, unknown> = {};

  it("reaches ≥ 90% on the twin and on the trained chip, and writes metrics, summary and checkpoint", () => {
    dirA = tmpDir();
    const r = pnn(["train", VOWELS, "--json", "--out", dirA]);
    expect(r.status, r.all).toBe(0);
    first = lastJson(r.stdout);
    expect(first.type).toBe("summary");
    expect(first.epochs).toBe(60);
    expect(first.test_accuracy as number).toBeGreaterThanOrEqual(0.9);
    expect(first.device_test_accuracy as number).toBeGreaterThanOrEqual(0.9);
    const metrics = fs.readFileSync(path.join(dirA, "metrics.jsonl"), "utf8").trim().split("\n");
    expect(metrics).toHaveLength(60);
    expect(metrics.map((l) => JSON.parse(l).epoch)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(fs.existsSync(path.join(dirA, "checkpoint.safetensors"))).toBe(true);
    const summary = JSON.parse(fs.readFileSync(path.join(dirA, "summary.json"), "utf8"));
    expect(stable(summary)).toEqual(stable(first));
  }, 120_000);

  it("is reproducible: a second run gives the same summary (but for timings)", () => {
    expect(first.type).toBe("summary");
    const r = pnn(["train", VOWELS, "--json", "--out", tmpDir()]);
    expect(r.status, r.all).toBe(0);
    expect(stable(lastJson(r.stdout))).toEqual(stable(first));
  }, 120_000);

  it("pnn eval --weights reports twin and device accuracies over K chips", () => {
    const ckpt = path.join(dirA, "checkpoint.safetensors");
    const r = pnn(["eval", VOWELS, "--weights", ckpt, "--chips", "3", "--json"]);
    expect(r.status, r.all).toBe(0);
    const e = JSON.parse(r.stdout.trim());
    expect(e.test_accuracy).toBe(first.test_accuracy);
    expect(e.device_test_accuracy).toBe(first.device_test_accuracy);
    expect(e.per_chip).toHaveLength(3);
    expect(e.per_chip[0]).toBe(first.device_test_accuracy);
    expect(typeof e.device_test_accuracy_mean).toBe("number");
    expect(typeof e.device_test_accuracy_std).toBe("number");
    const mean = e.per_chip.reduce((a: number, b: number) => a + b, 0) / 3;
    expect(e.device_test_accuracy_mean).toBeCloseTo(mean, 12);
    const text = pnn(["eval", VOWELS, "--weights", ckpt, "--chips", "3"]);
    expect(text.status, text.all).toBe(0);
    expect(text.stdout).toMatch(/twin\s+test accuracy: \d+\.\d\d%/);
    expect(text.stdout).toMatch(/device test accuracy: \d+\.\d\d% ± \d+\.\d\d% over 3 chips/);
  }, 60_000);

  it("pnn infer: predictions for a right-sized row; PNN6005 for a wrong number of values", () => {
    const ckpt = path.join(dirA, "checkpoint.safetensors");
    const ok = pnn(["infer", VOWELS, "--weights", ckpt, "--input", Array(12).fill("0.1").join(","), "--json"]);
    expect(ok.status, ok.all).toBe(0);
    const pred = JSON.parse(ok.stdout.trim());
    expect(pred.predictions).toHaveLength(1);
    expect(pred.scores[0]).toHaveLength(7);
    expectUserError(pnn(["infer", VOWELS, "--weights", ckpt, "--input", "1,2,3"]), "PNN6005");
  }, 60_000);

  it("a truncated checkpoint is PNN6003; a checkpoint of another network is PNN6004", () => {
    const bad = path.join(tmpDir(), "cut.safetensors");
    const bytes = fs.readFileSync(path.join(dirA, "checkpoint.safetensors"));
    fs.writeFileSync(bad, bytes.subarray(0, Math.floor(bytes.length / 2)));
    expectUserError(pnn(["eval", VOWELS, "--weights", bad]), "PNN6003");
    fs.writeFileSync(bad, bytes.subarray(0, 100));
    expectUserError(pnn(["infer", VOWELS, "--weights", bad, "--input", Array(12).fill("0").join(",")]), "PNN6003");

    const other = tinyCsvProject("data.csv", GOOD_CSV);
    const t = pnn(["train", other.file, "--quiet", "--out", path.join(other.dir, "run")]);
    expect(t.status, t.all).toBe(0);
    expectUserError(pnn(["eval", VOWELS, "--weights", path.join(other.dir, "run", "checkpoint.safetensors")]), "PNN6004");
  }, 60_000);
});

describe("pnn train --resume", () => {
  it("5 epochs + resume to 10 equals 10 uninterrupted epochs bit for bit", () => {
    const whole = tmpDir();
    const split = tmpDir();
    const a = pnn(["train", VOWELS, "--epochs", "10", "--json", "--out", whole]);
    expect(a.status, a.all).toBe(0);
    const b1 = pnn(["train", VOWELS, "--epochs", "5", "--json", "--out", split]);
    expect(b1.status, b1.all).toBe(0);
    const b2 = pnn(["train", VOWELS, "--epochs", "10", "--resume", "--json", "--out", split]);
    expect(b2.status, b2.all).toBe(0);

    const ca = loadCheckpoint(path.join(whole, "checkpoint.safetensors"));
    const cb = loadCheckpoint(path.join(split, "checkpoint.safetensors"));
    expect([...cb.tensors.keys()].sort()).toEqual([...ca.tensors.keys()].sort());
    expect(ca.tensors.size).toBeGreaterThan(0);
    for (const [name, t] of ca.tensors) {
      const u = cb.tensors.get(name)!;
      expect(u.shape, name).toEqual(t.shape);
      const bytesA = Buffer.from(Float64Array.from(t.data as ArrayLike<number>).buffer);
      const bytesB = Buffer.from(Float64Array.from(u.data as ArrayLike<number>).buffer);
      expect(bytesB.equals(bytesA), `tensor ${name} differs`).toBe(true);
    }
    expect(cb.metadata.epoch).toBe("10");
    expect(cb.metadata.optimizer_step).toBe(ca.metadata.optimizer_step);

    const sa = lastJson(a.stdout), sb = lastJson(b2.stdout);
    // the summary of the resumed run equals the uninterrupted one in every counter (timings aside)
    for (const k of Object.keys(sa).filter((k) => !["wall_s", "samples_per_s", "checkpoint"].includes(k))) expect(sb[k], k).toEqual(sa[k]);
    expect(sb.device_forwards).toBe(10 * 181);
    // metrics.jsonl of the resumed run holds epochs 1..10 once each, equal to the uninterrupted run's
    const rows = (dir: string) => fs.readFileSync(path.join(dir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l)).map((o) => ({ epoch: o.epoch, loss: o.loss, test_accuracy: o.test_accuracy }));
    expect(rows(split)).toEqual(rows(whole));

    // resuming the finished run is a no-op that says so (the summary is left as it was)
    const summaryBefore = fs.readFileSync(path.join(split, "summary.json"), "utf8");
    const again = pnn(["train", VOWELS, "--epochs", "10", "--resume", "--out", split]);
    expect(again.status, again.all).toBe(0);
    expect(again.stdout).toMatch(/finished run \(epoch 10 of 10\); nothing to do/);
    expect(fs.readFileSync(path.join(split, "summary.json"), "utf8")).toBe(summaryBefore);
    // resuming with another rule, or other settings, is a clear error naming what differs
    const other = pnn(["train", VOWELS, "--epochs", "12", "--resume", "--rule", "backprop", "--out", split]);
    expectUserError(other, "PNN6004");
    expect(other.all).toMatch(/its rule is physics_aware, this one's is backprop\); resume with --rule physics_aware/);
    const edited = path.join(tmpDir(), "vowels_edited.pnn");
    fs.writeFileSync(edited, fs.readFileSync(VOWELS, "utf8").replace("seed = 1", "seed = 2"));
    expect(fs.readFileSync(edited, "utf8")).toContain("seed = 2");
    expectUserError(pnn(["train", edited, "--epochs", "12", "--resume", "--out", split]), "PNN6004");
  }, 180_000);

  it("a run killed mid-training (SIGKILL) and resumed equals the uninterrupted run: parameters bit for bit, every counter", async () => {
    const whole = tmpDir();
    const killed = tmpDir();
    const a = pnn(["train", VOWELS, "--epochs", "8", "--json", "--out", whole]);
    expect(a.status, a.all).toBe(0);
    const ckpt = path.join(killed, "checkpoint.safetensors");
    const child = spawn(process.execPath, [PNN, "train", VOWELS, "--epochs", "8", "--quiet", "--out", killed], { cwd: REPO, stdio: "ignore" });
    const epochOf = () => {
      try {
        return Number(loadCheckpoint(ckpt).metadata.epoch ?? 0);
      } catch {
        return 0;
      }
    };
    const deadline = Date.now() + 120_000;
    while (epochOf() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    child.kill("SIGKILL");
    await new Promise((r) => child.on("exit", r));
    const at = epochOf();
    expect(at).toBeGreaterThanOrEqual(2);
    const b = pnn(["train", VOWELS, "--epochs", "8", "--resume", "--json", "--out", killed]);
    expect(b.status, b.all).toBe(0);
    const ca = loadCheckpoint(path.join(whole, "checkpoint.safetensors")), cb = loadCheckpoint(ckpt);
    for (const [name, t] of ca.tensors) expect(Buffer.from(Float64Array.from(cb.tensors.get(name)!.data as ArrayLike<number>).buffer).equals(Buffer.from(Float64Array.from(t.data as ArrayLike<number>).buffer)), name).toBe(true);
    const sa = lastJson(a.stdout), sb = lastJson(b.stdout);
    for (const k of Object.keys(sa).filter((k) => !["wall_s", "samples_per_s", "checkpoint"].includes(k))) expect(sb[k], k).toEqual(sa[k]);
    // metrics.jsonl has every epoch once, even if the killed run wrote one past its checkpoint
    const epochs = fs.readFileSync(path.join(killed, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l).epoch);
    expect(epochs).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(fs.readdirSync(killed).filter((f) => f.includes(".tmp-"))).toEqual([]);
  }, 240_000);
});

describe("pnn train: data errors", () => {
  it("a missing csv() file is PNN6001 at the data set's file:line:col", () => {
    const { file } = tinyCsvProject("missing.csv");
    const r = pnn(["train", file, "--quiet", "--out", path.join(path.dirname(file), "run")]);
    expectUserError(r, "PNN6001");
    expect(r.all).toContain(`${file}:6:15`);
    expect(r.all).toContain("missing.csv");
  });

  it("a csv() file with a non-numeric cell or a short row is PNN6002", () => {
    for (const bad of ["a,b,y\n1,2,0\n3,4,1\n5,oops,0\n1,1,1\n2,2,0\n3,3,1\n", "a,b,y\n1,2,0\n3,4,1\n5,6\n1,1,1\n2,2,0\n3,3,1\n"]) {
      const { file } = tinyCsvProject("data.csv", bad);
      const r = pnn(["train", file, "--quiet", "--out", path.join(path.dirname(file), "run")]);
      expectUserError(r, "PNN6002");
      expect(r.all).toContain(`${file}:6:15`);
      expect(r.all).toMatch(/line 4/);
    }
  });
});

describe("pnn ir and --rule", () => {
  it("pnn ir --mode twin prints IR that parses back and verifies", () => {
    const r = pnn(["ir", VOWELS, "--mode", "twin"]);
    expect(r.status, r.all).toBe(0);
    const g = parseGraph(r.stdout);
    expect(verifyGraph(g)).toEqual([]);
    expect(g.outputs.map((o) => o.name)).toEqual(["logits"]);
    expect(g.nodes.length).toBeGreaterThan(50);
  });

  it("--rule equilibrium_propagation (illegal here) is PNN4002", () => {
    const out = tmpDir();
    const ep = pnn(["train", VOWELS, "--rule", "equilibrium_propagation", "--epochs", "1", "--out", out]);
    expectUserError(ep, "PNN4002");
    expect(fs.existsSync(path.join(out, "checkpoint.safetensors"))).toBe(false);
  });
});
