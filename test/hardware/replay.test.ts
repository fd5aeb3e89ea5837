// Recording and replay (docs/hardware.md): `--device-log` records every query; the recorded
// session served as the device (`--external NAME=replay:LOG`) re-runs the run without the device,
// bit for bit — the replayed run's own log holds the same queries (x, parameters, outputs) and its
// parameters are the recorded run's — and a run that asks anything else is stopped at the first
// query that differs (PNN6034, naming the query, the log line and the value).
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { loadCheckpoint } from "../../runtime/checkpoint.js";
import { hasStackTrace, pnn, tmpDir } from "../train/helpers.js";
import { HAS_PYTHON, PYTHON, TANH_PY, tanhNet } from "./helpers.js";

const queries = (file: string) =>
  fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).filter((q) => q.seq !== undefined && q.failed === undefined).map((q) => JSON.stringify([q.x, q.params, q.y]));
const params = (file: string) => [...loadCheckpoint(file).tensors].filter(([k]) => !k.startsWith("optimizer")).map(([k, t]) => [k, Array.from(t.data)]);

describe.skipIf(!HAS_PYTHON)("a replayed recording reproduces a run's device queries bit for bit", () => {
  const dir = tmpDir("pnn-replay-");
  const file = path.join(dir, "box.pnn");
  fs.writeFileSync(file, tanhNet(`stdio("${PYTHON} ${TANH_PY}")`, { epochs: 2 }));

  for (const rule of ["physics_aware", "spsa(c: 0.05)"])
    it(`${rule}: record, replay with a log of its own, compare`, () => {
      const tag = rule.replace(/\W+/g, "");
      const rec = pnn(["train", file, "--rule", rule, "--out", path.join(dir, `rec-${tag}`), "--device-log", path.join(dir, `rec-${tag}.jsonl`), "--allow-commands", "--quiet"], dir);
      expect(rec.status, rec.all).toBe(0);
      const rep = pnn(["train", file, "--rule", rule, "--out", path.join(dir, `rep-${tag}`), "--external", `Box=replay:rec-${tag}.jsonl`, "--device-log", path.join(dir, `rep-${tag}.jsonl`), "--quiet"], dir);
      expect(rep.status, rep.all).toBe(0);
      const a = queries(path.join(dir, `rec-${tag}.jsonl`)), b = queries(path.join(dir, `rep-${tag}.jsonl`));
      expect(a.length).toBeGreaterThan(20);
      expect(b).toEqual(a);
      expect(params(path.join(dir, `rep-${tag}`, "checkpoint.safetensors"))).toEqual(params(path.join(dir, `rec-${tag}`, "checkpoint.safetensors")));
    });

  it("a run that differs from the recording stops at the first query that differs (PNN6034)", () => {
    const r = pnn(["train", file, "--rule", "spsa(c: 0.07)", "--out", path.join(dir, "diverged"), "--external", "Box=replay:rec-spsac005.jsonl", "--quiet"], dir);
    expect(r.status, r.all).toBe(1);
    expect(r.stderr).toMatch(/box\.pnn:4:3: error PNN6034: device Box \(replay:rec-spsac005\.jsonl\): query 2 \(log line 3\) is not the recorded one: in the parameters, w\[\d\] is [-\d.e]+; the log has [-\d.e]+/);
    expect(hasStackTrace(r.all)).toBe(false);
  });
});
